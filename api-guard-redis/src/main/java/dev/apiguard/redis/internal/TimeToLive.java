package dev.apiguard.redis.internal;

import java.time.Duration;
import java.time.Instant;

/**
 * Times to live for {@code SET ... PX}: the time from an app node's {@code now} to an instant, so
 * that an entry lasts as long as the app meant, whatever Redis's own clock says.
 */
public final class TimeToLive {

    /** The longest time to live set: 100 years, far below Redis's limit and any real expiry. */
    static final Duration LONGEST = Duration.ofDays(36_500);

    private static final Instant LATEST = Instant.ofEpochMilli(Long.MAX_VALUE);
    private static final Instant EARLIEST = Instant.ofEpochMilli(Long.MIN_VALUE);

    private TimeToLive() {}

    /**
     * Milliseconds from {@code now} to {@code end}: zero when {@code end} is not after {@code now},
     * at most {@link #LONGEST}, and never an overflow whatever the instants.
     */
    public static long millis(Instant now, Instant end) {
        if (!end.isAfter(now)) {
            return 0;
        }
        Duration left = Duration.between(now, end);
        return left.compareTo(LONGEST) > 0 ? LONGEST.toMillis() : left.toMillis();
    }

    /** {@code instant} in epoch milliseconds, saturated rather than overflowing. */
    public static long epochMillis(Instant instant) {
        if (instant.isAfter(LATEST)) {
            return Long.MAX_VALUE;
        }
        return instant.isBefore(EARLIEST) ? Long.MIN_VALUE : instant.toEpochMilli();
    }
}
