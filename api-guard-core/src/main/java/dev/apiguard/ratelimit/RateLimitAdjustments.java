package dev.apiguard.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.apiguard.CallerKey;
import dev.apiguard.ThrottleControl;
import dev.apiguard.internal.ClockTimeMeter;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * Per-caller factors on rate-limit plans, for the anomaly scorer to tighten a caller that
 * behaves oddly without quarantining it.
 *
 * <p>A factor {@code f} with {@code 0 < f <= 1} scales the caller's capacity and refill rate
 * by {@code f}: each request costs {@code 1/f} times its units. An adjustment lasts for its
 * duration (default {@link #DEFAULT_DURATION}) and then ends by itself. Bounded: at most
 * {@code maximumSize} callers are adjusted at once (default {@value #DEFAULT_MAXIMUM_SIZE}); the
 * entry least likely to be used again is evicted beyond that. Thread-safe.
 */
public final class RateLimitAdjustments implements ThrottleControl {

    /** The default maximum number of adjusted callers. */
    public static final long DEFAULT_MAXIMUM_SIZE = 100_000;
    /** How long an adjustment lasts unless told otherwise. */
    public static final Duration DEFAULT_DURATION = Duration.ofMinutes(15);

    private record Adjustment(double factor, long nanos) {}

    private final Cache<CallerKey, Adjustment> factors;
    private final Clock clock;

    private RateLimitAdjustments(Clock clock, long maximumSize) {
        this.clock = clock;
        ClockTimeMeter time = new ClockTimeMeter(clock);
        this.factors = Caffeine.newBuilder()
                .maximumSize(maximumSize)
                .ticker(time::currentTimeNanos)
                .expireAfter(Expiry.<CallerKey, Adjustment>writing((id, a) -> Duration.ofNanos(a.nanos())))
                // maintenance on the calling thread, as in every cache of the library: size() and
                // expiry are then exact when asked (with the common pool a race left counts stale)
                .executor(Runnable::run)
                .build();
    }

    /** Adjustments on the system clock, at most {@value #DEFAULT_MAXIMUM_SIZE} callers. */
    public static RateLimitAdjustments create() {
        return create(Clock.systemUTC(), DEFAULT_MAXIMUM_SIZE);
    }

    /** Adjustments on the given clock, at most {@code maximumSize} callers. */
    public static RateLimitAdjustments create(Clock clock, long maximumSize) {
        Objects.requireNonNull(clock, "clock cannot be null");
        if (maximumSize < 1) {
            throw new IllegalArgumentException("maximumSize must be at least 1: " + maximumSize);
        }
        return new RateLimitAdjustments(clock, maximumSize);
    }

    /** Scales the caller's plan by {@code factor} for {@link #DEFAULT_DURATION}. */
    public void adjust(CallerKey caller, double factor) {
        adjust(caller, factor, DEFAULT_DURATION);
    }

    /**
     * Scales the caller's plan by {@code factor} for {@code duration}; a factor of exactly 1 ends
     * the adjustment.
     *
     * @throws IllegalArgumentException when the factor is not in {@code (0, 1]} or the duration is
     *     not positive
     */
    public void adjust(CallerKey caller, double factor, Duration duration) {
        Objects.requireNonNull(caller, "caller cannot be null");
        Objects.requireNonNull(duration, "duration cannot be null");
        if (!(factor > 0 && factor <= 1)) {
            throw new IllegalArgumentException("factor must be greater than 0 and at most 1: " + factor);
        }
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("duration must be positive: " + duration);
        }
        if (factor == 1) {
            factors.invalidate(caller);
        } else {
            factors.put(caller, new Adjustment(factor, duration.toNanos()));
        }
    }

    /** The caller's current factor; 1 when not adjusted. */
    public double factor(CallerKey caller) {
        Adjustment a = factors.getIfPresent(caller);
        return a == null ? 1.0 : a.factor();
    }

    /** Ends the caller's adjustment. */
    public void reset(CallerKey caller) {
        factors.invalidate(caller);
    }

    /**
     * {@inheritDoc} Scales the caller's plan by {@code factor} until {@code until} (by this
     * object's clock); a time already past ends the adjustment. This is how the anomaly scorer
     * throttles a caller: pass this object as its {@link ThrottleControl}.
     */
    @Override
    public void throttle(CallerKey caller, double factor, java.time.Instant until) {
        Duration left = Duration.between(clock.instant(), until);
        if (left.isNegative() || left.isZero()) {
            reset(caller);
        } else {
            adjust(caller, factor, left);
        }
    }

    /** {@inheritDoc} The same as {@link #reset}. */
    @Override
    public void clear(CallerKey caller) {
        reset(caller);
    }

    /** The number of adjusted callers held (for tests and metrics). */
    public long size() {
        factors.cleanUp();
        return factors.estimatedSize();
    }
}
