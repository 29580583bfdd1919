package dev.apiguard;

import dev.apiguard.internal.Check;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * A {@link ReplayCache} in this JVM's memory: right for one app node, or for a cluster whose
 * clients stick to one node. Use a shared implementation (Redis) when proofs may reach any node.
 *
 * <p>Bounded: it holds at most {@link #maximumSize()} keys (default {@value #DEFAULT_MAXIMUM_SIZE}).
 * Each key lives until its {@code notAfter}; expired keys are purged when the cache is full (at
 * most once per expiry, so a cache full of live keys costs no scan per request). A cache full of
 * live keys answers {@link Outcome#FULL} and records nothing: it never evicts a live key, so an
 * attacker cannot flush a captured proof's {@code jti} out by sending many others. Size the bound
 * for the traffic of one {@code iat} window (requests per second × the window's length × 2).
 *
 * <p>With a {@link Quota}, each owner's records are counted over two slots and an owner over its
 * quota is answered {@link Outcome#OVER_QUOTA}; counts are kept only for owners that recorded
 * something in the last two slots, at most {@link #maximumSize()} of them.
 *
 * <p>Time comes only from the {@code now} argument. Thread-safe and lock-free on the hot path:
 * {@link ConcurrentHashMap#compute} makes the check and the record one atomic step per key, and an
 * {@link AtomicInteger} reserves a slot before a key is added, so the bound holds under concurrency.
 * Never answers {@link Outcome#UNAVAILABLE}.
 */
public final class LocalReplayCache implements ReplayCache {

    /** The default bound: 100,000 keys (about 15 MB with 64-character keys). */
    public static final int DEFAULT_MAXIMUM_SIZE = 100_000;

    private static final Instant NEVER = Instant.MAX;

    private final int maxEntries;
    private final ConcurrentHashMap<String, Instant> entries;
    // per owner, its count over two quota slots; an owner is here only while it recorded something
    // in the last two slots (swept when the map outgrows maxEntries), so it is bounded like entries
    private final ConcurrentHashMap<String, OwnerCount> owners = new ConcurrentHashMap<>();
    private final AtomicInteger size = new AtomicInteger();
    // the earliest notAfter that may be in the map: no purge can free anything before it
    private final AtomicReference<Instant> earliestExpiry = new AtomicReference<>(NEVER);

    private LocalReplayCache(int maxEntries) {
        this.maxEntries = maxEntries;
        this.entries = new ConcurrentHashMap<>(Math.min(maxEntries, 1024));
    }

    /** A cache of {@value #DEFAULT_MAXIMUM_SIZE} keys at most. */
    public static LocalReplayCache defaults() {
        return new LocalReplayCache(DEFAULT_MAXIMUM_SIZE);
    }

    /**
     * A cache of at most {@code maximumSize} keys.
     *
     * @throws IllegalArgumentException naming {@code maximumSize} unless it is 1 to 10,000,000
     */
    public static LocalReplayCache withMaximumSize(int maximumSize) {
        return new LocalReplayCache(Check.between("maximumSize", maximumSize, 1, 10_000_000));
    }

    /** The most keys this cache holds. */
    public int maximumSize() {
        return maxEntries;
    }

    /** How many keys are held right now, live or expired but not yet purged. */
    public int size() {
        return size.get();
    }

    @Override
    public Outcome firstUse(String key, Instant notAfter, Instant now) {
        Objects.requireNonNull(key, "key cannot be null");
        Objects.requireNonNull(notAfter, "notAfter cannot be null");
        Objects.requireNonNull(now, "now cannot be null");
        return record(key, notAfter, now);
    }

    @Override
    public Outcome firstUse(String key, Quota quota, Instant notAfter, Instant now) {
        Objects.requireNonNull(key, "key cannot be null");
        Objects.requireNonNull(quota, "quota cannot be null");
        Objects.requireNonNull(notAfter, "notAfter cannot be null");
        Objects.requireNonNull(now, "now cannot be null");
        // a replay is a replay whatever the owner's count: never answered as over quota
        Instant known = entries.get(key);
        if (known != null && !now.isAfter(known)) {
            return Outcome.REPLAYED;
        }
        long slot = quota.slot(now);
        OwnerCount count = owner(quota.owner(), slot);
        if (count == null) {
            return Outcome.FULL;
        }
        if (!count.take(slot, quota.maxEntries())) {
            return Outcome.OVER_QUOTA;
        }
        Outcome outcome = record(key, notAfter, now);
        if (outcome != Outcome.FIRST_USE) {
            count.giveBack(slot); // nothing was recorded
        }
        return outcome;
    }

    /** The owner's count, added when new; null when the map of owners is full even after a sweep. */
    private @Nullable OwnerCount owner(String owner, long slot) {
        OwnerCount count = owners.get(owner);
        if (count != null) {
            return count;
        }
        if (owners.size() >= maxEntries) {
            sweepOwners(slot);
            if (owners.size() >= maxEntries) {
                return null;
            }
        }
        return owners.computeIfAbsent(owner, o -> new OwnerCount(slot));
    }

    /** Drops owners that recorded nothing in the current slot or the one before. */
    private synchronized void sweepOwners(long slot) {
        owners.values().removeIf(c -> c.isIdle(slot));
    }

    private Outcome record(String key, Instant notAfter, Instant now) {
        if (!reserve()) {
            purgeExpired(now);
            if (!reserve()) {
                Instant known = entries.get(key);
                return known != null && !now.isAfter(known) ? Outcome.REPLAYED : Outcome.FULL;
            }
        }
        // 0: live key found (replay), 1: added, 2: replaced an expired key
        int[] what = new int[1];
        entries.compute(key, (k, existing) -> {
            if (existing != null && !now.isAfter(existing)) {
                what[0] = 0;
                return existing;
            }
            what[0] = existing == null ? 1 : 2;
            return notAfter;
        });
        if (what[0] != 1) {
            size.decrementAndGet(); // the reserved slot was not used
        }
        if (what[0] == 0) {
            return Outcome.REPLAYED;
        }
        earliestExpiry.accumulateAndGet(notAfter, LocalReplayCache::earlier);
        return Outcome.FIRST_USE;
    }

    private boolean reserve() {
        while (true) {
            int n = size.get();
            if (n >= maxEntries) {
                return false;
            }
            if (size.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** Drops every key whose notAfter has passed, when one may have. */
    private synchronized void purgeExpired(Instant now) {
        if (!now.isAfter(earliestExpiry.get())) {
            return;
        }
        earliestExpiry.set(NEVER);
        Instant earliestLeft = NEVER;
        for (Iterator<Map.Entry<String, Instant>> it = entries.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Instant> e = it.next();
            Instant expiry = e.getValue();
            if (now.isAfter(expiry)) {
                if (entries.remove(e.getKey(), expiry)) {
                    size.decrementAndGet();
                }
            } else {
                earliestLeft = earlier(earliestLeft, expiry);
            }
        }
        earliestExpiry.accumulateAndGet(earliestLeft, LocalReplayCache::earlier);
    }

    private static Instant earlier(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    /** How many owners are counted right now (for tests). */
    int owners() {
        return owners.size();
    }

    @Override
    public String toString() {
        return "LocalReplayCache[size=" + size.get() + ", maxEntries=" + maxEntries + "]";
    }

    /** One owner's records in its current quota slot and the one before. */
    private static final class OwnerCount {
        private long slot;
        private int current;
        private int previous;

        OwnerCount(long slot) {
            this.slot = slot;
        }

        /** Counts one more record when the two slots hold fewer than {@code max}. */
        synchronized boolean take(long now, int max) {
            roll(now);
            if ((long) current + previous >= max) {
                return false;
            }
            current++;
            return true;
        }

        synchronized void giveBack(long now) {
            roll(now);
            if (slot == now && current > 0) {
                current--;
            }
        }

        synchronized boolean isIdle(long now) {
            roll(now);
            return current == 0 && previous == 0;
        }

        private void roll(long now) {
            if (now == slot) {
                return;
            }
            if (now == slot + 1) {
                previous = current;
            } else if (now > slot + 1) {
                previous = 0;
            } else {
                return; // a clock that went back: count in the slot already open
            }
            current = 0;
            slot = now;
        }
    }
}
