package dev.apiguard.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.apiguard.internal.Check;
import dev.apiguard.internal.RequestTime;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.BucketState;
import io.github.bucket4j.MathType;
import io.github.bucket4j.TokensInheritanceStrategy;
import java.time.Duration;
import java.time.Instant;

/**
 * The default {@link BucketStore}: Bucket4j bucket states in a bounded Caffeine cache in this JVM,
 * refilled to the {@code now} of each call.
 *
 * <ul>
 *   <li>At most {@code maximumSize} buckets (default {@value #DEFAULT_MAXIMUM_SIZE}); beyond that
 *       Caffeine evicts the bucket least likely to be used again, so a million distinct callers or
 *       peers cannot grow the heap without bound. An evicted bucket comes back full: size the cap
 *       above the number of callers active within one refill time.</li>
 *   <li>A bucket not used for the time it takes to refill fully is dropped: it would be full again
 *       anyway. Time there is the latest {@code now} the store was handed; what a bucket holds is
 *       always worked out from the {@code now} of the call.</li>
 *   <li>Time is the {@code now} of each call, the guard's clock: Bucket4j's own {@link BucketState}
 *       arithmetic (greedy refill, several limits) at that instant, under the bucket's lock. Bucket4j's
 *       local buckets read a {@code TimeMeter} of their own, which cannot take the request's time; its
 *       state type can, and is what its distributed backends run.</li>
 * </ul>
 * Never fails open or closed: it has no backend to lose. Thread-safe.
 */
public final class LocalBucketStore implements BucketStore {

    /** The default maximum number of buckets held. */
    public static final long DEFAULT_MAXIMUM_SIZE = 100_000;

    /** One bucket: its state and configuration, changed under the entry's lock. */
    private static final class Entry {
        private BucketState state;
        private BucketConfiguration configuration;
        private long lastNanos;

        Entry(BucketConfiguration configuration, long nowNanos) {
            this.state = BucketState.createInitialState(configuration, MathType.INTEGER_64_BITS, nowNanos);
            this.configuration = configuration;
            this.lastNanos = nowNanos;
        }

        synchronized Outcome take(BucketConfiguration wanted, long tokens, long nowNanos, boolean consume) {
            // time never runs back for a bucket: a now before its last use refills nothing
            long now = Math.max(nowNanos, lastNanos);
            if (!configuration.equals(wanted)) {
                // the caller's plan changed: keep what it has used, under the new limits
                state = state.replaceConfiguration(wanted, TokensInheritanceStrategy.AS_IS, now);
                configuration = wanted;
            }
            state.refillAllBandwidth(now);
            long available = state.getAvailableTokens();
            if (tokens > available) {
                long wait = state.calculateDelayNanosAfterWillBePossibleToConsume(tokens, now, false);
                return new Outcome(Status.REJECTED, Math.max(0, available), wait, 0);
            }
            if (!consume) {
                return new Outcome(Status.CONSUMED, available, 0, 0);
            }
            state.consume(tokens);
            lastNanos = now;
            return new Outcome(Status.CONSUMED, available - tokens, 0, state.calculateFullRefillingTime(now));
        }
    }

    private final Cache<String, Entry> buckets;

    private final RequestTime requestTime = new RequestTime();

    private LocalBucketStore(long maximumSize) {
        this.buckets = Caffeine.newBuilder()
                .ticker(requestTime)
                .maximumSize(maximumSize)
                .expireAfter(
                        Expiry.<String, Entry>accessing((key, e) -> Duration.ofNanos(refillNanos(e.configuration))))
                // maintenance on the calling thread, as the other caches: no hand-off to the common pool per request
                .executor(Runnable::run)
                .build();
    }

    /** A store holding at most {@value #DEFAULT_MAXIMUM_SIZE} buckets. */
    public static LocalBucketStore defaults() {
        return new LocalBucketStore(DEFAULT_MAXIMUM_SIZE);
    }

    /** A store holding at most {@code maximumSize} buckets (at least 1). */
    public static LocalBucketStore withMaximumSize(long maximumSize) {
        return new LocalBucketStore(Check.atLeast("maximumSize", maximumSize, 1));
    }

    @Override
    public Outcome tryConsume(String key, BucketConfiguration configuration, long tokens, Instant now) {
        long nanos = RequestTime.epochNanos(now);
        requestTime.advanceTo(nanos);
        Entry e = buckets.getIfPresent(key);
        if (e == null) { // a known bucket costs no capturing lambda
            e = buckets.get(key, k -> new Entry(configuration, nanos));
        }
        return e.take(configuration, tokens, nanos, true);
    }

    @Override
    public Outcome estimate(String key, BucketConfiguration configuration, long tokens, Instant now) {
        long nanos = RequestTime.epochNanos(now);
        requestTime.advanceTo(nanos);
        Entry e = buckets.getIfPresent(key);
        // an absent bucket is a full one: answer without keeping one for a mere look
        return (e != null ? e : new Entry(configuration, nanos)).take(configuration, tokens, nanos, false);
    }

    /** The number of buckets held as of the latest call's now, after pending evictions (for tests and metrics). */
    public long size() {
        buckets.cleanUp();
        return buckets.estimatedSize();
    }

    /** The time an empty bucket of this configuration takes to be full again. */
    static long refillNanos(BucketConfiguration configuration) {
        long longest = 1;
        for (Bandwidth b : configuration.getBandwidths()) {
            double nanos = (double) b.getRefillPeriodNanos() * b.getCapacity() / b.getRefillTokens();
            longest = Math.max(longest, (long) Math.min(Math.ceil(nanos), Long.MAX_VALUE / 2));
        }
        return longest;
    }
}
