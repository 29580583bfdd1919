package dev.apiguard.token;

import dev.apiguard.Caller;
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
     * @param reason a stable short code: one of the constants here or of {@link TokenVerification.Rejected}
     */
    record Rejected(String reason) implements ClientAssertionVerification {
        /** {@code client_assertion_type} is not {@code urn:ietf:params:oauth:client-assertion-type:jwt-bearer}. */
        public static final String BAD_ASSERTION_TYPE = "bad_assertion_type";
        /** {@code iss} and {@code sub} are not both the client id. */
        public static final String ISS_SUB_MISMATCH = "iss_sub_mismatch";
        /** {@code iss} names no registered client. */
        public static final String UNKNOWN_CLIENT = "unknown_client";
        /** The {@code jti} was used before. */
        public static final String REPLAYED = "replayed";
        /** The replay cache is full of live entries. */
        public static final String REPLAY_CACHE_FULL = "replay_cache_full";
        /** The replay cache could not be reached. */
        public static final String REPLAY_CACHE_UNAVAILABLE = "replay_cache_unavailable";
        /** The client holds its quota of the replay cache: it sends assertions faster than allowed (429). */
        public static final String REPLAY_QUOTA_EXCEEDED = "replay_quota_exceeded";

        public Rejected {
            Objects.requireNonNull(reason, "reason cannot be null");
        }
    }
}
