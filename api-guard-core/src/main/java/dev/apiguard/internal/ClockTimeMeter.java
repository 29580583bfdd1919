package dev.apiguard.internal;

import io.github.bucket4j.TimeMeter;
import java.time.Clock;
import java.time.Instant;

/** Bucket4j time from a {@link Clock}, in nanoseconds since the epoch, so that tests advance it. */
public final class ClockTimeMeter implements TimeMeter {

    private final Clock clock;

    /** Time read from {@code clock}. */
    public ClockTimeMeter(Clock clock) {
        this.clock = clock;
    }

    @Override
    public long currentTimeNanos() {
        Instant now = clock.instant();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    @Override
    public boolean isWallClockBased() {
        return true;
    }
}
