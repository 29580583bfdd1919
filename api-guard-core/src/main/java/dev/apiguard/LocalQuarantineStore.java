package dev.apiguard;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@link QuarantineStore} in this JVM: a bounded Caffeine cache whose entries expire at their
 * {@code until} instant (measured on the given clock).
 *
 * <p>When full (default 100,000 callers), the entry least likely to be used again is evicted, so
 * a flood of quarantines cannot grow the heap; size it above the number of callers you expect to
 * quarantine within one quarantine period. Thread-safe.
 */
public final class LocalQuarantineStore implements QuarantineStore {

    /** The default maximum number of quarantined callers held. */
    public static final long DEFAULT_MAXIMUM_SIZE = 100_000;

    private final Clock clock;
    private final Cache<CallerKey, Instant> entries;

    private LocalQuarantineStore(Clock clock, long maximumSize) {
        this.clock = clock;
        this.entries = Caffeine.newBuilder()
                .maximumSize(maximumSize)
                .ticker(() -> nanos(clock.instant()))
                .executor(Runnable::run)
                .expireAfter(Expiry.<CallerKey, Instant>writing(
                        (id, until) -> positive(Duration.between(clock.instant(), until))))
                .build();
    }

    /** A store on the system clock holding at most {@value #DEFAULT_MAXIMUM_SIZE} callers. */
    public static LocalQuarantineStore create() {
        return create(Clock.systemUTC(), DEFAULT_MAXIMUM_SIZE);
    }

    /** A store on the given clock holding at most {@code maximumSize} callers. */
    public static LocalQuarantineStore create(Clock clock, long maximumSize) {
        Objects.requireNonNull(clock, "clock cannot be null");
        if (maximumSize < 1) {
            throw new IllegalArgumentException("maximumSize must be at least 1: " + maximumSize);
        }
        return new LocalQuarantineStore(clock, maximumSize);
    }

    @Override
    public void quarantine(CallerKey caller, Instant until) {
        Objects.requireNonNull(caller, "caller cannot be null");
        Objects.requireNonNull(until, "until cannot be null");
        if (until.isAfter(clock.instant())) {
            entries.put(caller, until);
        } else {
            entries.invalidate(caller);
        }
    }

    @Override
    public Optional<Instant> quarantinedUntil(CallerKey caller, Instant now) {
        Instant until = entries.getIfPresent(caller);
        return until != null && until.isAfter(now) ? Optional.of(until) : Optional.empty();
    }

    @Override
    public void release(CallerKey caller) {
        entries.invalidate(caller);
    }

    /** The number of entries held, after pending maintenance (for tests and metrics). */
    public long size() {
        entries.cleanUp();
        return entries.estimatedSize();
    }

    private static Duration positive(Duration d) {
        return d.isNegative() || d.isZero() ? Duration.ofNanos(1) : d;
    }

    static long nanos(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
    }
}
