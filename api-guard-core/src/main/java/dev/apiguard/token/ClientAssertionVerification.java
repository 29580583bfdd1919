package dev.apiguard.token;

import dev.apiguard.Caller;
import dev.apiguard.event.ReasonCode;
import java.util.Objects;

/**
 * The outcome of {@link ClientAssertionVerifier#verify}: the authenticated client, or the reason the
 * assertion was refused. The reason is for logs and events only; the client learns
 * {@code invalid_client} (RFC 6749 §5.2) and nothing more.
 */
public sealed interface ClientAssertionVerification
        permits ClientAssertionVerification.Verified, ClientAssertionVerification.Rejected {

    /** Whether the assertion was accepted. */
    default boolean isVerified() {
        return this instanceof Verified;
    }

    /**
     * The assertion was accepted and its {@code jti} recorded.
     *
     * @param caller the client, of kind {@link dev.apiguard.CredentialKind#CLIENT_ASSERTION}
     */
    record Verified(Caller caller) implements ClientAssertionVerification {
        public Verified {
            Objects.requireNonNull(caller, "caller cannot be null");
        }
    }

    /**
     * The assertion was refused.
     *
     * @param reason why, as a stable code
     */
    record Rejected(Reason reason) implements ClientAssertionVerification {
        public Rejected {
            Objects.requireNonNull(reason, "reason cannot be null");
        }
    }

    /** Why an assertion was refused: the checks it shares with access tokens (same names, same codes as {@link TokenVerification.Reason}), then its own; {@link #code()} is the {@code reason} detail of {@code client_assertion.rejected}. */
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
        /** {@code client_assertion_type} is not {@code urn:ietf:params:oauth:client-assertion-type:jwt-bearer}. */
        BAD_ASSERTION_TYPE("bad_assertion_type"),
        /**
         * The form carries {@code client_assertion_type} or {@code client_assertion} other than
         * exactly once each (the servlet filter's check).
         */
        PARAMETER_COUNT("parameter_count"),
        /** {@code iss} and {@code sub} are not both the client id. */
        ISS_SUB_MISMATCH("iss_sub_mismatch"),
        /** {@code iss} names no registered client. */
        UNKNOWN_CLIENT("unknown_client"),
        /** The {@code jti} was used before. */
        REPLAYED("replayed"),
        /** The replay cache is full of live entries. */
        REPLAY_CACHE_FULL("replay_cache_full"),
        /** The replay cache could not be reached. */
        REPLAY_CACHE_UNAVAILABLE("replay_cache_unavailable"),
        /** The client holds its quota of the replay cache: it sends assertions faster than allowed (429). */
        REPLAY_QUOTA_EXCEEDED("replay_quota_exceeded");

        private final String code;

        Reason(String code) {
            this.code = code;
        }

        @Override
        public String code() {
            return code;
        }

        /** The assertion's reason for a check it shares with access tokens: the one of the same name. */
        static Reason of(TokenVerification.Reason reason) {
            return valueOf(reason.name());
        }
    }
}
