package dev.apiguard;

import java.time.Instant;
import java.util.Optional;

/**
 * The list of callers the anomaly scorer has blocked, each until an instant.
 *
 * <p>Contract for every implementation (local, Redis):
 * <ul>
 *   <li>a quarantine lasts until its {@code until} instant and no longer: {@link #quarantinedUntil}
 *       answers empty once {@code now} has reached it;</li>
 *   <li>a second {@link #quarantine} of the same caller replaces the first (it may shorten it);</li>
 *   <li>entries expire by themselves, so the store stays bounded by the callers quarantined
 *       recently.</li>
 * </ul>
 * Callers are named by their {@link Caller#key()}: issuer and id. Thread-safe.
 */
public interface QuarantineStore {

    /**
     * Blocks the caller until the given instant, by the guard's clock whose current time is
     * {@code now} (a shared store keeps the entry for {@code until − now}, never reading a clock of
     * its own).
     */
    void quarantine(CallerKey caller, Instant until, Instant now);

    /** Until when the caller is blocked, or empty when it is not (any more) at {@code now}. */
    Optional<Instant> quarantinedUntil(CallerKey caller, Instant now);

    /** Lifts the caller's quarantine, if any. */
    void release(CallerKey caller);
}
