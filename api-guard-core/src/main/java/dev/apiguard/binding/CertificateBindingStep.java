package dev.apiguard.binding;

import dev.apiguard.Caller;
import dev.apiguard.CredentialKind;
import dev.apiguard.Decision;
import dev.apiguard.Denials;
import dev.apiguard.GuardExchange;
import dev.apiguard.GuardPhase;
import dev.apiguard.GuardStep;
import dev.apiguard.binding.CertificateResolution.Refused;
import dev.apiguard.binding.CertificateResolution.Resolved;
import dev.apiguard.binding.internal.CertificateExpiryNotices;
import dev.apiguard.event.SecurityEventType;
import dev.apiguard.internal.ConstantTime;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Enforces certificate-bound access tokens (RFC 8705 §3), named {@value #NAME}, in the
 * {@link GuardPhase#BIND} phase: after the authentication steps, before the caller's quarantine and
 * rate limit and before route authorization. A refusal withdraws the caller
 * ({@link GuardExchange#credentialMisused}): a thief's requests count against his own address.
 *
 * <p>Per request, by the caller on the exchange:
 * <ul>
 *   <li>a token with {@code cnf.x5t#S256}: the request's certificate ({@link ClientCertificates})
 *       must have exactly that thumbprint, compared in constant time on the text as issued
 *       (unpadded base64url of SHA-256 of the DER; a hex, padded, standard-base64 or SHA-1
 *       {@code x5t} value never matches). Then the caller becomes
 *       {@link CredentialKind#MTLS_BOUND_JWT} with the thumbprint set; otherwise (no certificate,
 *       another one, or an unusable certificate source) 401 {@code invalid_token}, a
 *       {@code certificate.binding_failed} or {@code certificate.rejected} event, and the caller
 *       withdrawn with a {@code credential.misused} event
 *       ({@link GuardExchange#credentialMisused}): the request counts against the sender's
 *       address, never against the token's owner;</li>
 *   <li>any other caller (plain bearer, DPoP-bound, API key, mTLS client) and no caller: allowed
 *       unchanged. A route that needs a sender-constrained credential refuses plain bearer
 *       tokens in the route step.</li>
 * </ul>
 * A bound certificate that expires within {@link Builder#expiryWarning} raises a
 * {@code certificate.expiring} event, at most once a day per certificate (10,000 tracked at most).
 * Time is the exchange's {@code now}. Thread-safe; one instance serves every request.
 */
public final class CertificateBindingStep implements GuardStep {

    /** The step's name. */
    public static final String NAME = "mtls-binding";

    /** The default expiry warning window: 14 days. */
    public static final Duration DEFAULT_EXPIRY_WARNING = Duration.ofDays(14);

    private final ClientCertificates certificates;
    private final CertificateExpiryNotices expiry;

    private CertificateBindingStep(Builder b) {
        this.certificates = b.certificates;
        this.expiry = new CertificateExpiryNotices(b.expiryWarning);
    }

    /** A step with the default options, reading certificates from the given sources. */
    public static CertificateBindingStep of(ClientCertificates certificates) {
        return builder(certificates).build();
    }

    /** A builder reading certificates from the given sources. */
    public static Builder builder(ClientCertificates certificates) {
        return new Builder(Objects.requireNonNull(certificates, "certificates cannot be null"));
    }

    @Override
    public String name() {
        return NAME;
    }

    /** {@link GuardPhase#BIND}. */
    @Override
    public GuardPhase phase() {
        return GuardPhase.BIND;
    }

    @Override
    public Decision evaluate(GuardExchange exchange) {
        Caller caller = exchange.caller().orElse(null);
        if (caller == null) {
            return Decision.ALLOW;
        }
        String expected = caller.confirmation().x5tS256();
        if (expected == null) {
            if (caller.certificateThumbprint() == null) {
                certificates.reportUntrustedForwarding(exchange);
            }
            return Decision.ALLOW;
        }
        CertificateResolution resolution = certificates.resolve(exchange);
        if (resolution instanceof Refused) {
            // the resolution emitted certificate.rejected
            exchange.credentialMisused(BindingFailure.CERTIFICATE_REJECTED);
            return Denials.invalidToken();
        }
        if (!(resolution instanceof Resolved resolved)) {
            return misused(exchange, BindingFailure.NO_CERTIFICATE);
        }
        if (!ConstantTime.equals(expected, resolved.thumbprint())) {
            return misused(exchange, BindingFailure.THUMBPRINT_MISMATCH);
        }
        exchange.authenticate(caller.boundTo(CredentialKind.MTLS_BOUND_JWT, resolved.thumbprint()));
        warnIfExpiring(exchange, expiry, resolved);
        return Decision.ALLOW;
    }

    /**
     * The sender could not prove the token's certificate: the owner is not charged for the request
     * (the caller is withdrawn), and the credential is flagged as misused.
     */
    private static Decision misused(GuardExchange exchange, BindingFailure reason) {
        exchange.emit(SecurityEventType.CERTIFICATE_BINDING_FAILED, reason);
        exchange.credentialMisused(reason);
        return Denials.invalidToken();
    }

    static void warnIfExpiring(GuardExchange exchange, CertificateExpiryNotices expiry, Resolved resolved) {
        X509Certificate c = resolved.certificate();
        if (exchange.eventsEnabled() && expiry.shouldWarn(c, resolved.thumbprint(), exchange.now())) {
            exchange.emit(
                    SecurityEventType.CERTIFICATE_EXPIRING,
                    Map.of(
                            "notAfter", c.getNotAfter().toInstant().toString(),
                            "thumbprint", resolved.thumbprint(),
                            "source", resolved.source().name().toLowerCase(java.util.Locale.ROOT)));
        }
    }

    /** Builds a {@link CertificateBindingStep}. Not thread-safe. */
    public static final class Builder {
        private final ClientCertificates certificates;
        private Duration expiryWarning = DEFAULT_EXPIRY_WARNING;

        private Builder(ClientCertificates certificates) {
            this.certificates = certificates;
        }

        /**
         * How long before a bound certificate's {@code notAfter} its use raises a
         * {@code certificate.expiring} event. Default 14 days; {@link Duration#ZERO} turns it off.
         */
        public Builder expiryWarning(Duration window) {
            Objects.requireNonNull(window, "expiryWarning cannot be null");
            if (window.isNegative()) {
                throw new IllegalArgumentException("expiryWarning cannot be negative: " + window);
            }
            this.expiryWarning = window;
            return this;
        }

        /** Builds the step. */
        public CertificateBindingStep build() {
            return new CertificateBindingStep(this);
        }
    }
}
