package dev.apiguard.token;

import dev.apiguard.Caller;
import dev.apiguard.event.ReasonCode;
import java.util.Objects;

/**
 * The outcome of {@link AccessTokenVerifier#verify} and {@link TokenIntrospector#introspect}: the
 * verified caller, or the reason the token was refused.
 *
 * <p>A refusal is a value, never an exception. Its {@link Rejected#reason() reason} is a short,
 * stable code for logs and events (a {@link Reason}); it never holds the
 * token or any part of it, and it is never sent to the client (the client learns
 * {@code invalid_token}, nothing more).
 */
public sealed interface TokenVerification permits TokenVerification.Verified, TokenVerification.Rejected {

    /** Whether the token was accepted. */
    default boolean isVerified() {
        return this instanceof Verified;
    }

    /**
     * The token was accepted.
     *
     * @param caller the caller it names, of kind {@link dev.apiguard.CredentialKind#BEARER_JWT}
     */
    record Verified(Caller caller) implements TokenVerification {
        public Verified {
            Objects.requireNonNull(caller, "caller cannot be null");
        }
    }

    /**
     * The token was refused.
     *
     * @param reason why, as a stable code
     */
    record Rejected(Reason reason) implements TokenVerification {
        public Rejected {
            Objects.requireNonNull(reason, "reason cannot be null");
        }
    }

    /** Why a token was refused; {@link #code()} is the {@code reason} detail of {@code token.rejected}. */
    enum Reason implements ReasonCode {
        /** Not a compact JWS: segments, base64url, JSON or header structure wrong. */
        MALFORMED("malformed"),
        /** Longer than the policy's maximum token length; refused before any parsing. */
        TOO_LONG("too_long"),
        /** Header {@code typ} is not {@code at+jwt}. */
        BAD_TYPE("bad_type"),
        /** {@code iss} names no configured issuer. */
        UNKNOWN_ISSUER("unknown_issuer"),
        /** No key of the issuer matches the header's {@code kid} and {@code alg}. */
        UNKNOWN_KEY("unknown_key"),
        /** The issuer's keys could not be fetched (and none were cached). */
        KEYS_UNAVAILABLE("keys_unavailable"),
        /** No matching key verifies the signature. */
        BAD_SIGNATURE("bad_signature"),
        /** {@code alg} is {@code none}, symmetric, or otherwise outside the policy. */
        ALG_NOT_ALLOWED("alg_not_allowed"),
        /** {@code exp} is past, beyond the clock skew. */
        EXPIRED("expired"),
        /** {@code nbf} or {@code iat} is in the future, beyond the clock skew. */
        NOT_YET_VALID("not_yet_valid"),
        /** The token lives longer than the policy's maximum lifetime. */
        LIFETIME_EXCEEDED("lifetime_exceeded"),
        /** {@code aud} does not contain the policy's audience. */
        WRONG_AUDIENCE("wrong_audience"),
        /** A required claim is absent, or no claim names the caller. */
        MISSING_CLAIM("missing_claim"),
        /** A claim has the wrong JSON type or an insane value. */
        BAD_CLAIM_TYPE("bad_claim_type"),
        /** The token is a JWE (five segments); only signed tokens are accepted. */
        JWE_NOT_ACCEPTED("jwe_not_accepted"),
        /** The introspection endpoint answered {@code active:false} (RFC 7662 §2.2). */
        INACTIVE("inactive"),
        /**
         * The introspection endpoint could not answer: down, slow, a status other than 200, an answer
         * too long or not an introspection answer, or every call slot busy. Never cached.
         */
        INTROSPECTION_UNAVAILABLE("introspection_unavailable");

        private final String code;

        Reason(String code) {
            this.code = code;
        }

        @Override
        public String code() {
            return code;
        }
    }
}
