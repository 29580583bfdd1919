package dev.apiguard.fakes;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;

/** A UTC clock that moves only when a test tells it to. Thread-safe. */
public final class FakeClock extends Clock {

    private volatile Instant now;

    /** A clock standing at {@code start}. */
    public FakeClock(Instant start) {
        this.now = Objects.requireNonNull(start, "start cannot be null");
    }

    /** Moves the clock forward (or back, with a negative duration). */
    public void advance(Duration d) {
        now = now.plus(d);
    }

    /** Puts the clock at {@code instant}. */
    public void set(Instant instant) {
        now = Objects.requireNonNull(instant, "instant cannot be null");
    }

    @Override
    public Instant instant() {
        return now;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
