package dev.apiguard;

import java.time.Instant;

/**
 * Remembers single-use identifiers (a DPoP proof's {@code jti}, a client assertion's {@code jti})
 * until they could no longer be accepted anyway, so that a replayed one is refused.
 *
 * <p>Contract for every implementation (local, Redis):
 * <ul>
 *   <li>{@link #firstUse} is atomic: of two concurrent calls with the same key, exactly one sees
 *       {@link Outcome#FIRST_USE}, also across app nodes when the cache is shared;</li>
 *   <li>an entry lives at least until its {@code notAfter}; it may be dropped after;</li>
 *   <li>it cannot be flushed by filling it: when full, it answers {@link Outcome#FULL} (the caller
 *       refuses the request) rather than forget a live entry;</li>
 *   <li>when its store is unreachable it answers {@link Outcome#UNAVAILABLE} within its timeout.</li>
 * </ul>
 * Keys are namespaced by the caller of the cache (for example {@code dpop:} + jti), and should be
 * hashed when they come from a client and may be long. Thread-safe.
 */
public interface ReplayCache {

    /** What {@link #firstUse} found. */
    enum Outcome {
        /** The key was not known; it is now recorded until its {@code notAfter}. */
        FIRST_USE,
        /** The key was seen before and is still live: a replay. */
        REPLAYED,
        /** The cache is full of live entries and recorded nothing: refuse the request. */
        FULL,
        /** The backing store could not be reached in time: refuse the request. */
        UNAVAILABLE
    }

    /**
     * Records the key when it is new.
     *
     * @param key the namespaced single-use identifier
     * @param notAfter until when the identifier could be accepted (the entry lives at least this long)
     * @param now the current time, from the guard's clock
     */
    Outcome firstUse(String key, Instant notAfter, Instant now);
}
