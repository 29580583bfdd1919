package dev.apiguard;

import java.time.Instant;
import java.util.Optional;

/**
 * Remembers which callers are quarantined, and until when, so that every app node sharing the
 * store refuses them until the quarantine ends.
 *
 * <p>Contract for every implementation (local, Redis): a quarantine lasts at least until its
 * {@code until} and is forgotten after it; quarantining a caller again replaces the end; keys are
 * verified caller ids, never a claim of an unverified credential; the store is bounded. Thread-safe.
 */
public interface QuarantineStore {

    /** Quarantines the caller until the given instant (replacing an earlier end). */
    void quarantine(String callerId, Instant until);

    /** The end of the caller's quarantine when it is still running at {@code now}, else empty. */
    Optional<Instant> quarantinedUntil(String callerId, Instant now);

    /** Ends the caller's quarantine now (an operator's decision). */
    void release(String callerId);
}
