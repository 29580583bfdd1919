package dev.apiguard;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.apiguard.internal.Check;
import dev.apiguard.internal.RequestTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * A {@link QuarantineStore} in this JVM: a bounded Caffeine cache of each caller's end of
 * quarantine. Time is the {@code now} of each call, the guard's clock.
 *
 * <p>When full (default 100,000 callers), the entry least likely to be used again is evicted, so
 * a flood of quarantines cannot grow the heap; size it above the number of callers you expect to
 * quarantine within one quarantine period. An entry is dropped, in real time, once the quarantine
 * it records has had time to end (memory hygiene: a look-up compares the end with its own
 * {@code now}). For one app node; a fleet shares a Redis store instead. Thread-safe.
 */
public final class LocalQuarantineStore implements QuarantineStore {

    /** The default maximum number of quarantined callers held. */
    public static final long DEFAULT_MAXIMUM_SIZE = 100_000;

    /** An end of quarantine and how long, from when it was set, it takes to come. */
    private record Entry(Instant until, Duration lasts) {}

    private final RequestTime requestTime = new RequestTime();
    private final Cache<CallerKey, Entry> entries;

    private LocalQuarantineStore(long maximumSize) {
        this.entries = Caffeine.newBuilder()
                .ticker(requestTime)
                .maximumSize(maximumSize)
                .executor(Runnable::run)
                .expireAfter(Expiry.<CallerKey, Entry>writing((key, e) -> e.lasts()))
                .build();
    }

    /** A store holding at most {@value #DEFAULT_MAXIMUM_SIZE} callers. */
    public static LocalQuarantineStore defaults() {
        return new LocalQuarantineStore(DEFAULT_MAXIMUM_SIZE);
    }

    /** A store holding at most {@code maximumSize} callers (at least 1). */
    public static LocalQuarantineStore withMaximumSize(long maximumSize) {
        return new LocalQuarantineStore(Check.atLeast("maximumSize", maximumSize, 1));
    }

    @Override
    public void quarantine(CallerKey caller, Instant until, Instant now) {
        Check.notNull("caller", caller);
        Check.notNull("until", until);
        Check.notNull("now", now);
        requestTime.advanceTo(now);
        if (until.isAfter(now)) {
            Duration lasts;
            try {
                lasts = Duration.between(now, until);
            } catch (ArithmeticException e) {
                lasts = Duration.ofDays(36_500); // an end too far to count in nanoseconds
            }
            entries.put(caller, new Entry(until, lasts));
        } else {
            entries.invalidate(caller);
        }
    }

    @Override
    public Optional<Instant> quarantinedUntil(CallerKey caller, Instant now) {
        requestTime.advanceTo(now);
        Entry e = entries.getIfPresent(caller);
        if (e == null) {
            return Optional.empty();
        }
        if (!e.until().isAfter(now)) {
            entries.asMap().remove(caller, e);
            return Optional.empty();
        }
        return Optional.of(e.until());
    }

    @Override
    public void release(CallerKey caller) {
        entries.invalidate(caller);
    }

    /** The number of entries held as of the latest call's now, after pending maintenance (for tests and metrics). */
    public long size() {
        entries.cleanUp();
        return entries.estimatedSize();
    }
}
