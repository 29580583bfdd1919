package dev.apiguard.internal;

import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The time of a step's or store's Caffeine cache: the latest request instant handed to it, in
 * epoch nanoseconds, never run back. A cache on this ticker drops entries by the guard's clock (the
 * {@code now} of the requests it sees), not by a clock of its own, so that one clock rules a guard
 * and a test moves every cache by moving its fake clock. Entries still leave only when requests
 * come; each use checks its own {@code now} where being exact matters. Thread-safe.
 *
 * <p>Written here rather than taken from Caffeine: Caffeine's tickers read {@link System#nanoTime},
 * and Guava's {@code FakeTicker} is a test class advanced by hand.
 */
public final class RequestTime implements Ticker {

    private final AtomicLong latest = new AtomicLong();

    /** Moves the time up to {@code now}; an earlier instant leaves it where it is. */
    public void advanceTo(Instant now) {
        advanceTo(epochNanos(now));
    }

    /** Moves the time up to {@code nanos} since the epoch ({@link #epochNanos}), for a caller that has them already. */
    public void advanceTo(long nanos) {
        if (nanos > latest.get()) {
            latest.accumulateAndGet(nanos, Math::max);
        }
    }

    @Override
    public long read() {
        return latest.get();
    }

    /**
     * The instant in nanoseconds since the epoch, saturating past the year 2262 (a clock that far
     * ahead holds entries as long as it can, never throws).
     */
    public static long epochNanos(Instant t) {
        long seconds = t.getEpochSecond();
        if (seconds >= Long.MAX_VALUE / 1_000_000_000L) {
            return Long.MAX_VALUE / 2;
        }
        if (seconds < 0) {
            return 0;
        }
        return seconds * 1_000_000_000L + t.getNano();
    }
}
