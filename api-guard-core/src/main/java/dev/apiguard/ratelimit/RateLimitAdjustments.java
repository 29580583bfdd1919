package dev.apiguard.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.apiguard.CallerKey;
import dev.apiguard.ThrottleControl;
import dev.apiguard.internal.Check;
import dev.apiguard.internal.RequestTime;
import java.time.Duration;
import java.time.Instant;

/**
 * Per-caller factors on rate-limit plans: how the anomaly scorer tightens a caller that behaves
 * oddly without quarantining it. Pass a {@link RateLimitStep}'s adjustments to the scorer as its
 * {@link ThrottleControl}.
 *
 * <p>A factor {@code f} with {@code 0 < f <= 1} scales the caller's capacity and refill rate by
 * {@code f}: each request costs {@code 1/f} times its units. An adjustment lasts until its end, by
 * the guard's clock (the {@code now} of each call). Bounded: at most {@code maximumSize} callers
 * are adjusted at once (default {@value #DEFAULT_MAXIMUM_SIZE}); the entry least likely to be used
 * again is evicted beyond that. Thread-safe.
 */
public final class RateLimitAdjustments implements ThrottleControl {

    /** The default maximum number of adjusted callers. */
    public static final long DEFAULT_MAXIMUM_SIZE = 100_000;

    private record Adjustment(double factor, Instant until, Duration lasts) {}

    private final RequestTime requestTime = new RequestTime();
    private final Cache<CallerKey, Adjustment> factors;

    private RateLimitAdjustments(long maximumSize) {
        this.factors = Caffeine.newBuilder()
                .ticker(requestTime)
                .maximumSize(maximumSize)
                // an adjustment leaves at its end by the latest now handed to this object; each read
                // still checks the end against its own now
                .expireAfter(Expiry.<CallerKey, Adjustment>writing((key, a) -> a.lasts()))
                // maintenance on the calling thread, as in every cache of the library
                .executor(Runnable::run)
                .build();
    }

    /** Adjustments of at most {@value #DEFAULT_MAXIMUM_SIZE} callers. */
    public static RateLimitAdjustments defaults() {
        return new RateLimitAdjustments(DEFAULT_MAXIMUM_SIZE);
    }

    /** Adjustments of at most {@code maximumSize} callers (at least 1). */
    public static RateLimitAdjustments withMaximumSize(long maximumSize) {
        return new RateLimitAdjustments(Check.atLeast("maximumSize", maximumSize, 1));
    }

    /**
     * {@inheritDoc} Scales the caller's plan by {@code factor} (greater than 0, at most 1) until
     * {@code until}; a factor of exactly 1, or an end not after {@code now}, ends the adjustment.
     *
     * @throws IllegalArgumentException when the factor is not in {@code (0, 1]}
     */
    @Override
    public void throttle(CallerKey caller, double factor, Instant until, Instant now) {
        Check.notNull("caller", caller);
        Check.notNull("until", until);
        Check.notNull("now", now);
        if (!(factor > 0 && factor <= 1)) {
            throw new IllegalArgumentException("factor must be greater than 0 and at most 1: " + factor);
        }
        requestTime.advanceTo(now);
        if (factor == 1 || !until.isAfter(now)) {
            factors.invalidate(caller);
        } else {
            factors.put(caller, new Adjustment(factor, until, lasting(now, until)));
        }
    }

    /** The caller's factor at {@code now}; 1 when not adjusted, or when its adjustment has ended. */
    public double factor(CallerKey caller, Instant now) {
        requestTime.advanceTo(now);
        Adjustment a = factors.getIfPresent(caller);
        if (a == null) {
            return 1.0;
        }
        if (!now.isBefore(a.until())) {
            factors.asMap().remove(caller, a);
            return 1.0;
        }
        return a.factor();
    }

    private static Duration lasting(Instant now, Instant until) {
        try {
            return Duration.between(now, until);
        } catch (ArithmeticException e) {
            return Duration.ofDays(36_500); // an end too far to count in nanoseconds
        }
    }

    /** {@inheritDoc} Gives the caller its full plan back. */
    @Override
    public void clear(CallerKey caller) {
        factors.invalidate(caller);
    }

    /** The number of adjusted callers held, ended or not yet dropped ones included (for tests and metrics). */
    public long size() {
        factors.cleanUp();
        return factors.estimatedSize();
    }
}
