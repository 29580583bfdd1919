package dev.apiguard.binding;

import dev.apiguard.Caller;
import dev.apiguard.CredentialKind;
import dev.apiguard.Decision;
import dev.apiguard.GuardExchange;
import dev.apiguard.GuardPhase;
import dev.apiguard.GuardStep;
import dev.apiguard.Revocation;
import dev.apiguard.Revocations;
import dev.apiguard.binding.CertificateResolution.Resolved;
import dev.apiguard.binding.internal.CertificateExpiryNotices;
import dev.apiguard.event.SecurityEventType;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

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
 * {@code certificate.expiring} at most once a day.
 *
 * <p>With {@link Revocations} ({@link #withRevocations}), a client whose certificate the list
 * revokes ({@link Revocations#revokeCertificate}, by its {@code x5t#S256}) is not authenticated: a
 * {@code credential.revoked} event names it (detail {@code reason=certificate}) and the request
 * goes on without a caller, so a protected route answers 401. Thread-safe.
 */
public final class MtlsClientAuthenticationStep implements GuardStep {

    /** The step's name. */
    public static final String NAME = "mtls-client";

    private final ClientCertificates certificates;
    private final MtlsClientRegistry registry;
    private final CertificateExpiryNotices expiry;
    private final Duration warning;
    private final @Nullable Revocations revocations;

    private MtlsClientAuthenticationStep(
            ClientCertificates certificates,
            MtlsClientRegistry registry,
            Duration warning,
            @Nullable Revocations revocations) {
        this.certificates = certificates;
        this.registry = registry;
        this.warning = warning;
        this.expiry = new CertificateExpiryNotices(warning);
        this.revocations = revocations;
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
        return new MtlsClientAuthenticationStep(certificates, registry, expiryWarning, null);
    }

    /**
     * This step, also refusing clients whose certificate {@code revocations} lists: share the list
     * with the token step ({@code AccessTokenStep.of(verifier, revocations)}), so that one
     * {@code revokeCertificate} cuts off the certificate's tokens and its direct use alike.
     */
    public MtlsClientAuthenticationStep withRevocations(Revocations revocations) {
        return new MtlsClientAuthenticationStep(
                certificates, registry, warning, Objects.requireNonNull(revocations, "revocations cannot be null"));
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
        Caller caller = Caller.builder(r.clientId(), CredentialKind.MTLS)
                .scopes(r.scopes())
                .expiresAt(resolved.certificate().getNotAfter().toInstant())
                .certificateThumbprint(resolved.thumbprint())
                .build();
        exchange.authenticate(caller);
        Revocations list = revocations;
        if (list != null) {
            Optional<Revocation.Kind> revoked = list.revoked(caller, exchange.now());
            if (revoked.isPresent()) {
                exchange.emit(SecurityEventType.CREDENTIAL_REVOKED, revoked.get());
                exchange.withdrawCaller();
                return Decision.ALLOW;
            }
        }
        exchange.emit(SecurityEventType.MTLS_CLIENT_ACCEPTED, "method", r.method());
        CertificateBindingStep.warnIfExpiring(exchange, expiry, resolved);
        return Decision.ALLOW;
    }
}
