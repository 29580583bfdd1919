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
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
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

    /** After this many failed checks in a row, the subscription is made again on a new connection. */
    static final int RESUBSCRIBE_AFTER = 3;

    private final Cache<String, Copy> values;
    private final Ticker ticker;
    private final long refreshAfterNanos;
    private final AtomicLong generation = new AtomicLong();
    private final Supplier<StatefulRedisPubSubConnection<byte[], byte[]>> connector;
    private final RedisPubSubAdapter<byte[], byte[]> listener;
    private final byte[] channel;
    private final ScheduledExecutorService checker;
    private volatile StatefulRedisPubSubConnection<byte[], byte[]> subscription;
    private volatile boolean live;
    private volatile boolean closed;
    // told of every key a message names, after its copy is dropped
    private final List<Consumer<String>> watchers = new CopyOnWriteArrayList<>();
    private int failedChecks; // the checker thread's alone

    private NearCache(
            AbstractRedisClient client,
            Supplier<StatefulRedisPubSubConnection<byte[], byte[]>> connector,
            String channel,
            Duration ttl,
            long maximumSize,
            Ticker ticker) {
        this.values = Caffeine.newBuilder()
                .maximumSize(maximumSize)
                // maintenance on the request's thread, never a task handed to another thread
                .executor(Runnable::run)
                .expireAfterWrite(ttl)
                .ticker(ticker)
                .build();
        this.ticker = ticker;
        this.refreshAfterNanos = ttl.toNanos() / 2;
        this.channel = channel.getBytes(StandardCharsets.UTF_8);
        this.connector = connector;
        this.listener = new RedisPubSubAdapter<>() {
            @Override
            public void message(byte[] from, byte[] message) {
                String key = new String(message, StandardCharsets.UTF_8);
                invalidate(key);
                for (Consumer<String> w : watchers) {
                    w.accept(key);
                }
            }

            @Override
            public void subscribed(byte[] to, long count) {
                // also after a reconnect, once Lettuce has subscribed again
                live = true;
            }
        };
        this.subscription = connector.get();
        subscription.addListener(listener);
        client.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
                if (connection == subscription) {
                    lost();
                }
            }
        });
        this.checker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "apiguard-near-cache");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * A near cache subscribed to {@code channel} on a publish-subscribe connection of its own that
     * {@code connector} makes ({@code client}'s; on a Redis Cluster, to any node: a cluster
     * broadcasts every {@code PUBLISH} to every node). Every {@code ttl} / 2 (100 ms to 1 s) a
     * daemon thread pings the subscription: a failed ping drops every copy until Lettuce has
     * subscribed again, and after {@value #RESUBSCRIBE_AFTER} failures in a row the subscription is
     * made again on a new connection (a cluster node that died for good, whose port Lettuce would
     * otherwise try for ever). Closes the connection if subscribing fails.
     *
     * @throws RuntimeException when the subscription cannot be made (Redis unreachable)
     */
    public static NearCache subscribe(
            AbstractRedisClient client,
            Supplier<StatefulRedisPubSubConnection<byte[], byte[]>> connector,
            String channel,
            Duration ttl,
            long maximumSize,
            Ticker ticker) {
        NearCache cache = new NearCache(client, connector, channel, ttl, maximumSize, ticker);
        try {
            cache.subscription.sync().subscribe(cache.channel);
        } catch (RuntimeException e) {
            cache.close();
            throw e;
        }
        long period = Math.max(100, Math.min(1000, ttl.toMillis() / 2));
        cache.checker.scheduleWithFixedDelay(cache::check, period, period, TimeUnit.MILLISECONDS);
        return cache;
    }

    /** Messages sent meanwhile are lost: trust nothing until subscribed again. */
    private void lost() {
        live = false;
        invalidateAll();
    }

    /** Pings the subscription; on failure trusts nothing, and after a few, subscribes anew. */
    void check() {
        if (closed) {
            return;
        }
        try {
            subscription.sync().ping();
            failedChecks = 0;
        } catch (RuntimeException e) {
            if (live) {
                LOG.debug("near cache: the invalidation channel does not answer; copies dropped", e);
            }
            lost();
            if (++failedChecks >= RESUBSCRIBE_AFTER) {
                failedChecks = 0;
                resubscribe();
            }
        }
    }

    private void resubscribe() {
        StatefulRedisPubSubConnection<byte[], byte[]> old = subscription;
        StatefulRedisPubSubConnection<byte[], byte[]> fresh;
        try {
            fresh = connector.get();
        } catch (RuntimeException e) {
            LOG.debug("near cache: no new connection for the invalidation channel yet", e);
            return;
        }
        fresh.addListener(listener);
        try {
            fresh.sync().subscribe(channel);
        } catch (RuntimeException e) {
            LOG.debug("near cache: subscribing again failed", e);
            fresh.closeAsync();
            return;
        }
        subscription = fresh;
        old.closeAsync();
    }

    /** The channel's name, to which writers publish the keys they change. */
    public byte[] channel() {
        return channel;
    }

    /** Read before fetching a value from Redis; hand it to {@link #put}. */
    public long generation() {
        return generation.get();
    }

    /**
     * A value read from Redis and when (by the ticker), with a claim on reading it again ahead of
     * its expiry that one caller wins.
     */
    public static final class Copy {
        private final long value;
        private final long readAt;
        private final AtomicBoolean refreshClaimed = new AtomicBoolean();

        Copy(long value, long readAt) {
            this.value = value;
            this.readAt = readAt;
        }

        /** The value. */
        public long value() {
            return value;
        }
    }

    /** The copy under {@code key}, or null when there is none to trust. */
    public @Nullable Copy copy(String key) {
        return live ? values.getIfPresent(key) : null;
    }

    /**
     * Whether the caller should read the copy's value again now, in the background, and
     * {@link #put} it: true once per copy, when it is older than half its time to live. A key in
     * use is then read again before its copy expires, and its requests never wait for Redis; a
     * lost message costs a busy key half the time to live.
     */
    public boolean refreshDue(Copy copy) {
        return ticker.read() - copy.readAt >= refreshAfterNanos && copy.refreshClaimed.compareAndSet(false, true);
    }

    /**
     * Keeps a value read from Redis, unless an invalidation arrived since {@code readGeneration}
     * (the value may be older than the change it announced) or the subscription is down.
     */
    public void put(String key, long value, long readGeneration) {
        if (!live) {
            return;
        }
        values.put(key, new Copy(value, ticker.read()));
        if (generation.get() != readGeneration) {
            values.invalidate(key);
        }
    }

    /**
     * Tells {@code watcher} the key of every message that arrives (a write by any node, this one's
     * too), on the subscription's thread, after the copy is dropped. It must not block.
     */
    public void onMessage(Consumer<String> watcher) {
        watchers.add(watcher);
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
        closed = true;
        live = false;
        checker.shutdownNow();
        StatefulRedisPubSubConnection<byte[], byte[]> current = subscription;
        try {
            RedisPubSubCommands<byte[], byte[]> sync = current.sync();
            sync.unsubscribe(channel);
        } catch (RuntimeException e) {
            LOG.debug("near cache: unsubscribe failed", e);
        }
        current.close();
    }
}
