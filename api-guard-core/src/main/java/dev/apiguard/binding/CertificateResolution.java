package dev.apiguard.binding;

import java.security.cert.X509Certificate;
import java.util.Objects;

/**
 * What {@link ClientCertificates#resolve} found for one request: no certificate, one certificate
 * with its RFC 8705 thumbprint, or a refusal.
 */
public sealed interface CertificateResolution
        permits CertificateResolution.None, CertificateResolution.Resolved, CertificateResolution.Refused {

    /** The single instance of {@link None}. */
    None NONE = new None();

    /** The request carries no usable client certificate. */
    record None() implements CertificateResolution {}

    /**
     * The request's client certificate.
     *
     * @param certificate the leaf
     * @param thumbprint its {@code x5t#S256}: unpadded base64url of SHA-256 of the DER (RFC 8705 §3.1)
     * @param source where it came from
     */
    record Resolved(X509Certificate certificate, String thumbprint, CertificateSource source)
            implements CertificateResolution {
        public Resolved {
            Objects.requireNonNull(certificate, "certificate cannot be null");
            Objects.requireNonNull(thumbprint, "thumbprint cannot be null");
            Objects.requireNonNull(source, "source cannot be null");
        }
    }

    /**
     * The request's certificate sources cannot be believed: a forwarded header from a trusted
     * proxy that is oversized, malformed or not chaining to the trust anchors, or a TLS and a
     * forwarded certificate that differ. A request relying on a certificate must be refused.
     *
     * @param reason a fixed code for events (never sent to the client)
     */
    record Refused(CertificateRejection reason) implements CertificateResolution {
        public Refused {
            Objects.requireNonNull(reason, "reason cannot be null");
        }
    }
}
