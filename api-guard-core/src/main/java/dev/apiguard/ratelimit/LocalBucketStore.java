package dev.apiguard.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.apiguard.internal.ClockTimeMeter;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.TokensInheritanceStrategy;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * The default {@link BucketStore}: Bucket4j lock-free buckets in a bounded Caffeine cache in
 * this JVM.
 *
 * <ul>
 *   <li>At most {@code maximumSize} buckets (default {@value #DEFAULT_MAXIMUM_SIZE}); beyond that
 *       Caffeine evicts the bucket least likely to be used again, so a million distinct callers or
 *       peers cannot grow the heap without bound. An evicted bucket comes back full: size the cap
 *       above the number of callers active within one refill time. About 1 KB of heap per bucket.</li>
 *   <li>A bucket not used for the time it takes to refill fully is dropped: it would be full
 *       again anyway, so nothing is lost.</li>
 *   <li>Time comes from the given {@link Clock} (Bucket4j {@link TimeMeter}), so tests advance it
 *       instead of sleeping.</li>
 * </ul>
 * Never fails open or closed: it has no backend to lose. Thread-safe.
 */
public final class LocalBucketStore implements BucketStore {

    /** The default maximum number of buckets held. */
    public static final long DEFAULT_MAXIMUM_SIZE = 100_000;

    private record Entry(Bucket bucket, BucketConfiguration configuration, long refillNanos) {}

    private final TimeMeter time;
    private final Cache<String, Entry> buckets;

    private LocalBucketStore(Clock clock, long maximumSize) {
        this.time = new ClockTimeMeter(clock);
        this.buckets = Caffeine.newBuilder()
                .maximumSize(maximumSize)
                .ticker(time::currentTimeNanos)
                .expireAfter(Expiry.<String, Entry>accessing((key, e) -> Duration.ofNanos(e.refillNanos())))
                // maintenance on the calling thread, as the other caches: no hand-off to the common pool per request
                .executor(Runnable::run)
                .build();
    }

    /** A store on the system clock holding at most {@value #DEFAULT_MAXIMUM_SIZE} buckets. */
    public static LocalBucketStore create() {
        return create(Clock.systemUTC(), DEFAULT_MAXIMUM_SIZE);
    }

    /** A store on the given clock holding at most {@code maximumSize} buckets. */
    public static LocalBucketStore create(Clock clock, long maximumSize) {
        Objects.requireNonNull(clock, "clock cannot be null");
        if (maximumSize < 1) {
            throw new IllegalArgumentException("maximumSize must be at least 1: " + maximumSize);
        }
        return new LocalBucketStore(clock, maximumSize);
    }

    @Override
    public Outcome tryConsume(String key, BucketConfiguration configuration, long tokens) {
        Entry e = buckets.get(key, k -> newEntry(configuration));
        if (!e.configuration().equals(configuration)) {
            e = replace(key, e, configuration);
        }
        return Outcome.of(e.bucket().tryConsumeAndReturnRemaining(tokens));
    }

    @Override
    public Outcome estimate(String key, BucketConfiguration configuration, long tokens) {
        Entry e = buckets.getIfPresent(key);
        if (e == null) {
            // an absent bucket is a full one: answer without allocating one for a mere look
            return Outcome.of(newEntry(configuration).bucket().estimateAbilityToConsume(tokens));
        }
        return Outcome.of(e.bucket().estimateAbilityToConsume(tokens));
    }

    /** The number of buckets held, after pending evictions (for tests and metrics). */
    public long size() {
        buckets.cleanUp();
        return buckets.estimatedSize();
    }

    private Entry replace(String key, Entry old, BucketConfiguration configuration) {
        // the caller's plan changed: keep what it has used, under the new limits
        old.bucket().replaceConfiguration(configuration, TokensInheritanceStrategy.AS_IS);
        Entry e = new Entry(old.bucket(), configuration, refillNanos(configuration));
        buckets.put(key, e);
        return e;
    }

    private Entry newEntry(BucketConfiguration configuration) {
        var builder = Bucket.builder().withCustomTimePrecision(time);
        for (Bandwidth b : configuration.getBandwidths()) {
            builder.addLimit(b);
        }
        // LocalBucketBuilder builds a LockFreeBucket: no lock is held while a request is counted
        return new Entry(builder.build(), configuration, refillNanos(configuration));
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
