package dev.apiguard.token.internal;

import com.github.benmanes.caffeine.cache.Expiry;

/**
 * A Caffeine {@link Expiry} whose entries live for a time worked out from the value when it is
 * written (created or replaced), and that a read does not extend: the caches of verified tokens
 * and of introspection answers, whose entries end at a token's {@code exp} at the latest.
 *
 * @param <K> the key
 * @param <V> the value
 */
public final class ExpiryOnWrite<K, V> implements Expiry<K, V> {

    /** How long a value written at {@code currentTime} (the cache's ticker, nanoseconds) may live. */
    @FunctionalInterface
    public interface Lifetime<V> {
        /** Nanoseconds from {@code currentTime}, zero or more. */
        long nanos(V value, long currentTime);
    }

    private final Lifetime<V> lifetime;

    public ExpiryOnWrite(Lifetime<V> lifetime) {
        this.lifetime = lifetime;
    }

    @Override
    public long expireAfterCreate(K key, V value, long currentTime) {
        return Math.max(0, lifetime.nanos(value, currentTime));
    }

    @Override
    public long expireAfterUpdate(K key, V value, long currentTime, long currentDuration) {
        return expireAfterCreate(key, value, currentTime);
    }

    @Override
    public long expireAfterRead(K key, V value, long currentTime, long currentDuration) {
        return currentDuration;
    }
}
