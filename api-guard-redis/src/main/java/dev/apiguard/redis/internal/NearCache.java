package dev.apiguard.redis.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.pubsub.api.sync.RedisPubSubCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's copy of small values that every request reads and that rarely change (a caller's
 * quarantine), kept fresh by invalidation messages on one Redis channel: a node that changes a
 * value publishes its key, and every node (itself included) drops its copy at once. A request
 * then reads Redis only the first time in {@code ttl} that its node sees the caller, instead of
 * on every request.
 *
 * <p>Why not Lettuce's client-side caching (RESP3 {@code CLIENT TRACKING})? Tracking in its
 * default mode makes the server remember every key each node read (memory on Redis per caller and
 * node); broadcasting mode sends every change under a prefix, which is what this class does, but
 * Lettuce re-enables neither on reconnect. A channel of our own works on Redis 5 and on managed
 * services that forbid {@code CLIENT TRACKING}, and a Cluster broadcasts {@code PUBLISH} to every
 * node.
 *
 * <p>A copy is trusted only while the subscription is live: when its connection drops, every copy
 * is dropped and reads go to Redis (and so fail by the failure policy if Redis is gone) until the
 * channel is subscribed again. A value read from Redis is kept only if no invalidation arrived
 * while it was read ({@link #generation()}), and for at most {@code ttl} in any case, so that a lost
 * message costs at most {@code ttl} of staleness. Bounded by {@code maximumSize} entries.
 */
public final class NearCache implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NearCache.class);

    private final Cache<String, Long> values;
    private final AtomicLong generation = new AtomicLong();
    private final StatefulRedisPubSubConnection<byte[], byte[]> subscription;
    private final byte[] channel;
    private volatile boolean live;

    private NearCache(
            AbstractRedisClient client,
            String channel,
            Duration ttl,
            long maximumSize,
            Ticker ticker,
            StatefulRedisPubSubConnection<byte[], byte[]> subscription) {
        this.values = Caffeine.newBuilder()
                .maximumSize(maximumSize)
                .expireAfterWrite(ttl)
                .ticker(ticker)
                .build();
        this.channel = channel.getBytes(StandardCharsets.UTF_8);
        this.subscription = subscription;
        subscription.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(byte[] from, byte[] message) {
                invalidate(new String(message, StandardCharsets.UTF_8));
            }

            @Override
            public void subscribed(byte[] to, long count) {
                // also after a reconnect, once Lettuce has subscribed again
                live = true;
            }
        });
        client.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
                if (connection == subscription) {
                    // messages sent meanwhile are lost: trust nothing until subscribed again
                    live = false;
                    invalidateAll();
                }
            }
        });
    }

    /**
     * A near cache subscribed to {@code channel} on {@code connection}, a publish-subscribe
     * connection of its own made by {@code client} (on a Redis Cluster, any node: a cluster
     * broadcasts every {@code PUBLISH} to every node). Closes the connection if subscribing fails.
     *
     * @throws RuntimeException when the subscription cannot be made (Redis unreachable)
     */
    public static NearCache subscribe(
            AbstractRedisClient client,
            StatefulRedisPubSubConnection<byte[], byte[]> connection,
            String channel,
            Duration ttl,
            long maximumSize,
            Ticker ticker) {
        NearCache cache = new NearCache(client, channel, ttl, maximumSize, ticker, connection);
        try {
            connection.sync().subscribe(cache.channel);
        } catch (RuntimeException e) {
            connection.close();
            throw e;
        }
        return cache;
    }

    /** The channel's name, to which writers publish the keys they change. */
    public byte[] channel() {
        return channel;
    }

    /** Read before fetching a value from Redis; hand it to {@link #put}. */
    public long generation() {
        return generation.get();
    }

    /** The copy of the value under {@code key}, or null when there is none to trust. */
    public @Nullable Long get(String key) {
        return live ? values.getIfPresent(key) : null;
    }

    /**
     * Keeps a value read from Redis, unless an invalidation arrived since {@code readGeneration}
     * (the value may be older than the change it announced) or the subscription is down.
     */
    public void put(String key, long value, long readGeneration) {
        if (!live) {
            return;
        }
        values.put(key, value);
        if (generation.get() != readGeneration) {
            values.invalidate(key);
        }
    }

    /** Drops the copy under {@code key}. */
    public void invalidate(String key) {
        generation.incrementAndGet();
        values.invalidate(key);
    }

    /** Drops every copy. */
    public void invalidateAll() {
        generation.incrementAndGet();
        values.invalidateAll();
    }

    /** Whether copies are trusted now (the channel is subscribed). */
    public boolean isLive() {
        return live;
    }

    @Override
    public void close() {
        live = false;
        try {
            RedisPubSubCommands<byte[], byte[]> sync = subscription.sync();
            sync.unsubscribe(channel);
        } catch (RuntimeException e) {
            LOG.debug("near cache: unsubscribe failed", e);
        }
        subscription.close();
    }
}
