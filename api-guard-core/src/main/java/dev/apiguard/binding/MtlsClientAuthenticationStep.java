package dev.apiguard.binding;

import dev.apiguard.Caller;
import dev.apiguard.CredentialKind;
import dev.apiguard.Decision;
import dev.apiguard.GuardExchange;
import dev.apiguard.GuardPhase;
import dev.apiguard.GuardStep;
import dev.apiguard.binding.CertificateResolution.Resolved;
import dev.apiguard.binding.internal.CertificateExpiryNotices;
import dev.apiguard.event.SecurityEventType;
import java.time.Duration;
import java.util.Objects;

/**
 * Authenticates a client by its TLS client certificate alone (RFC 8705 §2), named {@value #NAME}.
 * In the {@link GuardPhase#AUTHENTICATE} phase, after the token step and before the binding steps
 * (so that a caller the binding withdraws is never authenticated again by its sender's own
 * certificate).
 *
 * <p>Runs only when no earlier step authenticated a caller, and not on a public route. When the request's certificate
 * ({@link ClientCertificates}) matches one client of the {@link MtlsClientRegistry}, the exchange
 * gets a {@link Caller} with kind {@link CredentialKind#MTLS}, the registered client id, the
 * registered scopes, the certificate's {@code notAfter} as expiry and its thumbprint, and an
 * {@code mtls.client_accepted} event is raised. Otherwise the request goes on without a caller
 * (the route step answers 401 for a protected route): no certificate silently, an unusable
 * certificate source with {@code certificate.rejected}, no or several matching clients with
 * {@code mtls.client_unmatched}. Certificates within 14 days (by default) of expiry raise
 * {@code certificate.expiring} at most once a day. Thread-safe.
 */
public final class MtlsClientAuthenticationStep implements GuardStep {

    /** The step's name. */
    public static final String NAME = "mtls-client";

    private final ClientCertificates certificates;
    private final MtlsClientRegistry registry;
    private final CertificateExpiryNotices expiry;

    private MtlsClientAuthenticationStep(
            ClientCertificates certificates, MtlsClientRegistry registry, Duration warning) {
        this.certificates = certificates;
        this.registry = registry;
        this.expiry = new CertificateExpiryNotices(warning);
    }

    /** A step with the default 14-day expiry warning. */
    public static MtlsClientAuthenticationStep of(ClientCertificates certificates, MtlsClientRegistry registry) {
        return of(certificates, registry, CertificateBindingStep.DEFAULT_EXPIRY_WARNING);
    }

    /** A step warning {@code expiryWarning} before a certificate expires ({@link Duration#ZERO}: never). */
    public static MtlsClientAuthenticationStep of(
            ClientCertificates certificates, MtlsClientRegistry registry, Duration expiryWarning) {
        Objects.requireNonNull(certificates, "certificates cannot be null");
        Objects.requireNonNull(registry, "registry cannot be null");
        Objects.requireNonNull(expiryWarning, "expiryWarning cannot be null");
        if (expiryWarning.isNegative()) {
            throw new IllegalArgumentException("expiryWarning cannot be negative: " + expiryWarning);
        }
        return new MtlsClientAuthenticationStep(certificates, registry, expiryWarning);
    }

    @Override
    public String name() {
        return NAME;
    }

    /** {@link GuardPhase#AUTHENTICATE}. */
    @Override
    public GuardPhase phase() {
        return GuardPhase.AUTHENTICATE;
    }

    @Override
    public Decision evaluate(GuardExchange exchange) {
        if (exchange.caller().isPresent() || exchange.isPublicRoute()) {
            return Decision.ALLOW;
        }
        if (!(certificates.resolve(exchange) instanceof Resolved resolved)) {
            return Decision.ALLOW;
        }
        MtlsClientRegistry.Lookup lookup =
                registry.lookup(resolved.certificate(), resolved.thumbprint(), exchange.now());
        MtlsClientRegistry.Registration r = lookup.registration();
        if (r == null) {
            MtlsClientRegistry.Unmatched reason = lookup.reason(); // set whenever there is no registration
            exchange.emit(
                    SecurityEventType.MTLS_CLIENT_UNMATCHED,
                    reason != null ? reason : MtlsClientRegistry.Unmatched.UNKNOWN_CERTIFICATE);
            return Decision.ALLOW;
        }
        exchange.authenticate(Caller.builder(r.clientId(), CredentialKind.MTLS)
                .scopes(r.scopes())
                .expiresAt(resolved.certificate().getNotAfter().toInstant())
                .certificateThumbprint(resolved.thumbprint())
                .build());
        exchange.emit(SecurityEventType.MTLS_CLIENT_ACCEPTED, "method", r.method());
        CertificateBindingStep.warnIfExpiring(exchange, expiry, resolved);
        return Decision.ALLOW;
    }
}
