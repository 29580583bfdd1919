package dev.apiguard.redis.internal;

import dev.apiguard.event.SecurityEvent;
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.event.SecurityEventType;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether Redis answers, shared by every Redis-backed store of one connection: one event per
 * transition, and a short back-off after a failure so that request threads do not queue up
 * behind a dead server, each waiting its full timeout.
 *
 * <p>On a Redis Cluster, each node is judged alone ({@link #of(byte[])}): a lost shard applies the
 * failure policy to the callers whose keys it serves, while the callers of the other shards go on
 * as before, and its events name it ({@code shard}). A node that takes over the slots (a failover)
 * is a new shard, used at once.
 */
public final class Availability {

    private static final Logger LOG = LoggerFactory.getLogger(Availability.class);

    private final SecurityEventListener listener;
    private final Clock clock;
    private final String policy;
    private final long backoffNanos;
    private final Function<byte[], String> shardOf;
    private final Supplier<Set<String>> topology;
    private final Shard whole = new Shard("");
    // one entry per node address the topology named; a caller cannot add one
    private final ConcurrentHashMap<String, Shard> shards = new ConcurrentHashMap<>();

    /** The availability of one Redis (standalone or through Sentinel). */
    public Availability(SecurityEventListener listener, Clock clock, String policy, long backoffNanos) {
        this(listener, clock, policy, backoffNanos, key -> "", Set::of);
    }

    /**
     * The availability of the nodes {@code shardOf} names for a key ({@code ""} for the whole
     * Redis, as a standalone one); {@code topology} names the nodes that serve slots now.
     */
    public Availability(
            SecurityEventListener listener,
            Clock clock,
            String policy,
            long backoffNanos,
            Function<byte[], String> shardOf,
            Supplier<Set<String>> topology) {
        this.listener = listener;
        this.clock = clock;
        this.policy = policy;
        this.backoffNanos = backoffNanos;
        this.shardOf = shardOf;
        this.topology = topology;
    }

    /** The shard that serves {@code key}: the whole Redis unless it is a cluster. */
    public Shard of(byte[] key) {
        String name = shardOf.apply(key);
        if (name.isEmpty()) {
            return whole;
        }
        Shard shard = shards.get(name);
        if (shard != null) {
            return shard;
        }
        // a node not seen before: a new master after a failover or a resharding; forget the
        // nodes that no longer serve a slot (a dead master would otherwise stay down for ever)
        Set<String> serving = topology.get();
        for (Shard known : shards.values()) {
            if (!serving.contains(known.name) && shards.remove(known.name, known)) {
                known.left();
            }
        }
        return shards.computeIfAbsent(name, Shard::new);
    }

    /** {@link Shard#skip()} for a command that names no caller's key (or a standalone Redis). */
    public boolean skip() {
        return whole.skip();
    }

    /** Whether Redis, or any shard of a cluster, is considered down. */
    public boolean isDown() {
        if (whole.isDown()) {
            return true;
        }
        for (Shard shard : shards.values()) {
            if (shard.isDown()) {
                return true;
            }
        }
        return false;
    }

    /** {@link Shard#failure} for a command that names no caller's key. */
    public void failure(Throwable fault) {
        whole.failure(fault);
    }

    /** {@link Shard#success()} for a command that names no caller's key. */
    public void success() {
        whole.success();
    }

    /** One Redis node's availability (or the whole Redis's, unnamed). */
    public final class Shard {

        private final String name;
        private final AtomicBoolean down = new AtomicBoolean();
        private volatile long retryAt;

        Shard(String name) {
            this.name = name;
        }

        /** Whether to skip Redis for now: it failed a moment ago. One caller per back-off probes it again. */
        public boolean skip() {
            if (!down.get()) {
                return false;
            }
            long now = System.nanoTime();
            long at = retryAt;
            if (now - at < 0) {
                return true;
            }
            // let this one request probe; the others keep skipping until the next back-off ends
            retryAt = now + backoffNanos;
            return false;
        }

        /** Whether this shard is considered down. */
        public boolean isDown() {
            return down.get();
        }

        /** Records a failed command (an exception thrown, or a reply's future completed with it). */
        public void failure(Throwable fault) {
            retryAt = System.nanoTime() + backoffNanos;
            if (down.compareAndSet(false, true)) {
                LOG.warn(
                        "Redis {}unavailable ({}); failure policy {} applies",
                        name.isEmpty() ? "" : "node " + name + " ",
                        fault.getClass().getName(),
                        policy);
                emit(SecurityEventType.STORE_UNAVAILABLE, name, fault.getClass().getName());
            }
        }

        /** Records a command that succeeded. */
        public void success() {
            if (down.get() && down.compareAndSet(true, false)) {
                LOG.info("Redis {}answers again; shared limits resume", name.isEmpty() ? "" : "node " + name + " ");
                emit(SecurityEventType.STORE_RECOVERED, name, null);
            }
        }

        /** This node no longer serves a slot: another one serves its callers now. */
        void left() {
            if (down.compareAndSet(true, false)) {
                LOG.info("Redis node {} left the topology; its slots are served by another node", name);
                emit(SecurityEventType.STORE_RECOVERED, name, null);
            }
        }
    }

    private void emit(SecurityEventType type, String shard, @Nullable String fault) {
        if (listener == SecurityEventListener.NONE) {
            return;
        }
        Map<String, String> details = new LinkedHashMap<>();
        details.put("store", "redis");
        details.put("policy", policy);
        if (!shard.isEmpty()) {
            details.put("shard", shard);
        }
        if (fault != null) {
            details.put("fault", fault);
        }
        try {
            listener.onEvent(new SecurityEvent(type, clock.instant(), null, null, null, null, Map.copyOf(details)));
        } catch (RuntimeException e) {
            LOG.warn("security event listener failed on {}", type.eventName(), e);
        }
    }
}
