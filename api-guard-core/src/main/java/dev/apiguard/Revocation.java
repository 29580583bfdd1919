package dev.apiguard;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One entry of a {@link Revocations} list. Holds identifiers only, never a token.
 *
 * @param kind what is revoked
 * @param issuer the token issuer, for {@link Kind#CLIENT} and {@link Kind#TOKEN}; else {@code null}
 * @param id the client id ({@link Kind#CLIENT}), the token's {@code jti} ({@link Kind#TOKEN}) or the
 *     base64url SHA-256 certificate thumbprint, {@code x5t#S256} ({@link Kind#CERTIFICATE})
 * @param revokedAt when it was revoked: a client's tokens issued ({@code iat}) at or before this
 *     instant are refused
 * @param expiresAt when the entry lapses: by then every token it cuts off has expired
 */
public record Revocation(Kind kind, @Nullable String issuer, String id, Instant revokedAt, Instant expiresAt) {

    /** What a revocation cuts off; {@link #code()} is the {@code reason} detail of {@code credential.revoked}. */
    public enum Kind implements dev.apiguard.event.ReasonCode {
        /** Every token of one client of one issuer issued at or before the revocation. */
        CLIENT("client"),
        /** One token, by its issuer and {@code jti}. */
        TOKEN("token"),
        /** Every token bound to one certificate (RFC 8705 {@code cnf.x5t#S256}). */
        CERTIFICATE("certificate");

        private final String code;

        Kind(String code) {
            this.code = code;
        }

        @Override
        public String code() {
            return code;
        }
    }

    public Revocation {
        Objects.requireNonNull(kind, "kind cannot be null");
        Objects.requireNonNull(id, "id cannot be null");
        Objects.requireNonNull(revokedAt, "revokedAt cannot be null");
        Objects.requireNonNull(expiresAt, "expiresAt cannot be null");
        if ((kind == Kind.CERTIFICATE) != (issuer == null)) {
            throw new IllegalArgumentException("issuer is required for a client or a token, and only for them");
        }
    }
}
