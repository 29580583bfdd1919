package dev.apiguard;

import java.time.Instant;

/**
 * Where the anomaly scorer tightens a caller's rate limit: the control loop into rate limiting.
 * The host (or the guard's wiring) implements it over its rate limiter, for example by
 * multiplying the caller's plan by {@code factor} until {@code until}.
 *
 * <p>Implementations are thread-safe, fast and do not throw; they are called on request threads
 * after the response was sent.
 */
public interface ThrottleControl {

    /** A control that does nothing (no rate limiter wired). */
    ThrottleControl NONE = new ThrottleControl() {
        @Override
        public void throttle(CallerKey caller, double factor, Instant until, Instant now) {}

        @Override
        public void clear(CallerKey caller) {}
    };

    /**
     * Lowers the caller's rate limit to {@code factor} (0 &lt; factor ≤ 1) of its plan until
     * {@code until}, by the guard's clock whose current time is {@code now}; a later call replaces
     * an earlier one.
     */
    void throttle(CallerKey caller, double factor, Instant until, Instant now);

    /** Gives the caller its full plan back. */
    void clear(CallerKey caller);
}
