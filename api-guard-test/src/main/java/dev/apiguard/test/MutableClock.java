package dev.apiguard.test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A {@link Clock} that stands still until a test moves it, so that expiry, skew and refill are
 * tested without {@code Thread.sleep} and without the wall clock.
 *
 * <p>Thread-safe: the instant is held atomically, and a clock obtained from {@link #withZone}
 * shares it, so advancing either moves both.
 *
 * <pre>{@code
 * MutableClock clock = MutableClock.at(Instant.parse("2025-01-01T00:00:00Z"));
 * clock.advance(Duration.ofMinutes(6));
 * }</pre>
 */
public final class MutableClock extends Clock {

    private final AtomicReference<Instant> instant;
    private final ZoneId zone;

    private MutableClock(AtomicReference<Instant> instant, ZoneId zone) {
        this.instant = instant;
        this.zone = zone;
    }

    /** A clock in UTC standing at the given instant. */
    public static MutableClock at(Instant start) {
        Objects.requireNonNull(start, "start cannot be null");
        return new MutableClock(new AtomicReference<>(start), ZoneOffset.UTC);
    }

    /** A clock in UTC standing at the current system time, truncated to whole seconds. */
    public static MutableClock startingNow() {
        return at(Instant.ofEpochSecond(Instant.now().getEpochSecond()));
    }

    /** Moves the clock by the given amount (a negative amount moves it back); returns the new instant. */
    public Instant advance(Duration amount) {
        Objects.requireNonNull(amount, "amount cannot be null");
        return instant.updateAndGet(i -> i.plus(amount));
    }

    /** Sets the clock to the given instant. */
    public void set(Instant to) {
        instant.set(Objects.requireNonNull(to, "instant cannot be null"));
    }

    @Override
    public Instant instant() {
        return instant.get();
    }

    @Override
    public ZoneId getZone() {
        return zone;
    }

    /** A clock in another zone that shares this clock's instant. */
    @Override
    public Clock withZone(ZoneId newZone) {
        Objects.requireNonNull(newZone, "zone cannot be null");
        return newZone.equals(zone) ? this : new MutableClock(instant, newZone);
    }

    @Override
    public String toString() {
        return "MutableClock[" + instant.get() + ", " + zone + "]";
    }
}
