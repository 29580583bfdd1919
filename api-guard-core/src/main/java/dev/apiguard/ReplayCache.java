package dev.apiguard;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

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
 *   <li>when its store is unreachable it answers {@link Outcome#UNAVAILABLE} within its timeout;</li>
 *   <li>with a {@link Quota}, no owner holds more than its quota of live entries: a caller over
 *       it is answered {@link Outcome#OVER_QUOTA} (and refused), so that no caller can fill what
 *       every other caller needs.</li>
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
        UNAVAILABLE,
        /** The owner holds its quota of entries already; nothing was recorded: refuse its request (429). */
        OVER_QUOTA
    }

    /**
     * A bound on the entries one owner (a caller) may hold, so that a caller writing identifiers at
     * machine speed fills its own quota, never the cache every other caller needs.
     *
     * <p>Counted over two fixed slots of {@code window}: an owner may record an identifier while it
     * recorded fewer than {@code maxEntries} in the current slot and the one before. An entry that
     * lives at most {@code window} (its {@code notAfter} no later than {@code now + window}) was
     * recorded in one of those two slots, so an owner never holds more than {@code maxEntries} live
     * entries. A caller recording {@code r} identifiers a second needs {@code 2 × r × window}: at
     * 50 a second and a window of 120 s (a DPoP proof lives at most twice its 60 s {@code iat}
     * window) an honest caller holds 6,000 live entries and counts up to 12,000 over two slots.
     *
     * @param owner who records: the caller's {@link CallerKey#hashTag()} (in a shared store, the
     *     owner's keys then share a Redis Cluster slot); non-empty
     * @param maxEntries the most entries the owner may record over two slots; at least 1
     * @param window the slot length: the longest an entry of this owner lives; positive
     */
    record Quota(String owner, int maxEntries, java.time.Duration window) {
        public Quota {
            java.util.Objects.requireNonNull(owner, "owner cannot be null");
            java.util.Objects.requireNonNull(window, "window cannot be null");
            if (owner.isEmpty()) {
                throw new IllegalArgumentException("owner cannot be empty");
            }
            if (maxEntries < 1) {
                throw new IllegalArgumentException("maxEntries must be at least 1: " + maxEntries);
            }
            if (window.isNegative() || window.isZero() || window.toMillis() == 0) {
                throw new IllegalArgumentException("window must be at least 1 ms: " + window);
            }
        }

        /** The slot an instant falls in: the number of whole windows since the epoch. */
        public long slot(Instant at) {
            return Math.floorDiv(at.toEpochMilli(), window.toMillis());
        }

        /** The time from {@code now} until the next slot starts (when the oldest counted slot is dropped). */
        public java.time.Duration untilNextSlot(Instant now) {
            return untilNextSlot(window, now);
        }

        /** The time from {@code now} until the next slot of this length starts. */
        public static java.time.Duration untilNextSlot(java.time.Duration window, Instant now) {
            long w = window.toMillis();
            return java.time.Duration.ofMillis(w - Math.floorMod(now.toEpochMilli(), w));
        }
    }

    /**
     * A single-use identifier to record: what {@link #firstUse(Claim, Instant)} takes, and what a
     * step that defers its replay check hands on ({@link GuardExchange#deferReplayCheck}).
     *
     * @param key the namespaced single-use identifier
     * @param quota the owner and its bound, or {@code null} for none
     * @param notAfter until when the identifier could be accepted
     */
    record Claim(String key, @Nullable Quota quota, Instant notAfter) {
        public Claim {
            java.util.Objects.requireNonNull(key, "key cannot be null");
            java.util.Objects.requireNonNull(notAfter, "notAfter cannot be null");
        }
    }

    /** Records the claim's key when it is new (and its owner within its quota, when it has one). */
    default Outcome firstUse(Claim claim, Instant now) {
        Quota quota = claim.quota();
        return quota == null
                ? firstUse(claim.key(), claim.notAfter(), now)
                : firstUse(claim.key(), quota, claim.notAfter(), now);
    }

    /**
     * Records the key when it is new.
     *
     * @param key the namespaced single-use identifier
     * @param notAfter until when the identifier could be accepted (the entry lives at least this long)
     * @param now the current time, from the guard's clock
     */
    Outcome firstUse(String key, Instant notAfter, Instant now);

    /**
     * Records the key when it is new and its owner is within its quota. A replay is answered
     * {@link Outcome#REPLAYED} whatever the quota.
     *
     * @param key the namespaced single-use identifier
     * @param quota the owner and its bound
     * @param notAfter until when the identifier could be accepted; at most {@code quota.window()}
     *     after {@code now}
     * @param now the current time, from the guard's clock
     */
    Outcome firstUse(String key, Quota quota, Instant notAfter, Instant now);
}
