package dev.apiguard.ratelimit;

import dev.apiguard.ReplayCache;
import io.github.bucket4j.BucketConfiguration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * Where token buckets live: in this JVM ({@link LocalBucketStore}, the default) or shared by
 * several app nodes (the {@code api-guard-redis} module's {@code RedisBucketStore}).
 *
 * <p>Contract for every implementation:
 * <ul>
 *   <li>a bucket is created full, with the given configuration, on first use of its key;</li>
 *   <li>{@link #tryConsume} never waits for tokens: it takes them or answers
 *       {@link Status#REJECTED} with the time until they would be there;</li>
 *   <li>{@link #estimate} changes nothing;</li>
 *   <li>memory (or keys) per bucket is released once a bucket would be full again;</li>
 *   <li>a store that cannot reach its backend answers within its timeout with
 *       {@link Status#BYPASSED} (fail open) or {@link Status#UNAVAILABLE} (fail closed);</li>
 *   <li>time is the {@code now} of each call (the guard's clock, through
 *       {@code GuardExchange.now()}), never a clock of the store's or its backend's own: a guard whose
 *       clock a test advances sees its buckets refill, and app nodes that share a store refill by
 *       the time they read. A {@code now} earlier than the bucket's last use refills nothing.</li>
 * </ul>
 * Thread-safe.
 */
public interface BucketStore {

    /** Takes {@code tokens} from the bucket of {@code key}, refilled up to {@code now}, when it holds that many. */
    Outcome tryConsume(String key, BucketConfiguration configuration, long tokens, Instant now);

    /** Whether {@code tokens} could be taken from the bucket of {@code key} at {@code now}; takes nothing. */
    Outcome estimate(String key, BucketConfiguration configuration, long tokens, Instant now);

    /**
     * Records a single-use identifier a step deferred ({@link dev.apiguard.DeferredReplayCheck}: a
     * DPoP proof's {@code jti}) and, only when it is new, takes {@code tokens} as
     * {@link #tryConsume(String, BucketConfiguration, long, Instant)} does: a replayed proof never
     * spends its owner's budget. A store that shares its backend with the cache does both in one
     * call (Redis: one script, one round trip); this default asks the cache, then the bucket.
     *
     * @return the cache's outcome, and the bucket's when the identifier was new
     */
    default Joined tryConsume(
            String key,
            BucketConfiguration configuration,
            long tokens,
            Instant now,
            ReplayCache replayCache,
            ReplayCache.Claim claim) {
        ReplayCache.Outcome first = replayCache.firstUse(claim, now);
        return first == ReplayCache.Outcome.FIRST_USE
                ? new Joined(first, tryConsume(key, configuration, tokens, now))
                : new Joined(first, null);
    }

    /**
     * The answer of a joined call.
     *
     * @param replay what the replay cache found
     * @param bucket the bucket's outcome when {@code replay} is {@link ReplayCache.Outcome#FIRST_USE},
     *     else {@code null} (no token taken)
     */
    record Joined(ReplayCache.Outcome replay, @Nullable Outcome bucket) {
        public Joined {
            java.util.Objects.requireNonNull(replay, "replay cannot be null");
            if ((replay == ReplayCache.Outcome.FIRST_USE) != (bucket != null)) {
                throw new IllegalArgumentException("a bucket outcome comes with a first use, and only then");
            }
        }
    }

    /** What a store answered. */
    enum Status {
        /** The tokens were taken (or, for an estimate, could be). */
        CONSUMED,
        /** The bucket holds too few tokens. */
        REJECTED,
        /** The backend is unreachable and the store fails open: let the request through, uncounted. */
        BYPASSED,
        /** The backend is unreachable and the store fails closed: refuse the request with 503. */
        UNAVAILABLE
    }

    /**
     * A store's answer.
     *
     * @param status what happened
     * @param remainingTokens the tokens left in the bucket (the smallest over its limits), 0 when unknown
     * @param nanosToWaitForRefill for {@link Status#REJECTED}, until the tokens would be there; for
     *     {@link Status#UNAVAILABLE}, the suggested retry delay; 0 otherwise
     * @param nanosToWaitForReset until the bucket is full again, 0 when unknown
     */
    record Outcome(Status status, long remainingTokens, long nanosToWaitForRefill, long nanosToWaitForReset) {

        /** An outcome of a store that failed open. */
        public static final Outcome BYPASSED = new Outcome(Status.BYPASSED, 0, 0, 0);

        /** The outcome of a Bucket4j try-consume. */
        public static Outcome of(io.github.bucket4j.ConsumptionProbe probe) {
            return new Outcome(
                    probe.isConsumed() ? Status.CONSUMED : Status.REJECTED,
                    probe.getRemainingTokens(),
                    probe.isConsumed() ? 0 : probe.getNanosToWaitForRefill(),
                    probe.getNanosToWaitForReset());
        }

        /** The outcome of a Bucket4j estimate. */
        public static Outcome of(io.github.bucket4j.EstimationProbe probe) {
            return new Outcome(
                    probe.canBeConsumed() ? Status.CONSUMED : Status.REJECTED,
                    probe.getRemainingTokens(),
                    probe.canBeConsumed() ? 0 : probe.getNanosToWaitForRefill(),
                    0);
        }

        /** An outcome of a store that failed closed, suggesting a retry after the given delay. */
        public static Outcome unavailable(long retryAfterNanos) {
            return new Outcome(Status.UNAVAILABLE, 0, retryAfterNanos, 0);
        }
    }
}
