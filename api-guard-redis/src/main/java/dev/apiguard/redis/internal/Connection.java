package dev.apiguard.redis.internal;

import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The one multiplexed connection every store of a {@code RedisGuardState} sends its commands
 * over, to a standalone Redis (directly or through Sentinel) or to a Redis Cluster. The stores see
 * only the commands a cluster accepts ({@link RedisClusterCommands}, which a standalone
 * connection implements too), so that each store is written once for the three topologies; every
 * command they send names keys of a single slot (one caller's hash tag).
 */
public final class Connection implements AutoCloseable {

    private final StatefulConnection<byte[], byte[]> stateful;
    private final RedisClusterCommands<byte[], byte[]> sync;
    private final RedisClusterAsyncCommands<byte[], byte[]> async;
    private final Supplier<Bucket4jLettuce.LettuceBasedProxyManagerBuilder<byte[]>> bucket4j;
    private final @Nullable StatefulRedisClusterConnection<byte[], byte[]> cluster; // null when standalone

    private Connection(
            StatefulConnection<byte[], byte[]> stateful,
            RedisClusterCommands<byte[], byte[]> sync,
            RedisClusterAsyncCommands<byte[], byte[]> async,
            Supplier<Bucket4jLettuce.LettuceBasedProxyManagerBuilder<byte[]>> bucket4j,
            @Nullable StatefulRedisClusterConnection<byte[], byte[]> cluster) {
        this.stateful = stateful;
        this.sync = sync;
        this.async = async;
        this.bucket4j = bucket4j;
        this.cluster = cluster;
    }

    /** A connection to one Redis (standalone, or the master a Sentinel names). */
    public static Connection standalone(StatefulRedisConnection<byte[], byte[]> connection) {
        return new Connection(
                connection,
                connection.sync(),
                connection.async(),
                () -> Bucket4jLettuce.casBasedBuilder(connection),
                null);
    }

    /** A connection to a Redis Cluster: each command goes to the node serving its key's slot. */
    public static Connection cluster(StatefulRedisClusterConnection<byte[], byte[]> connection) {
        return new Connection(
                connection,
                connection.sync(),
                connection.async(),
                () -> Bucket4jLettuce.casBasedBuilder(connection),
                connection);
    }

    /** Blocking commands, each bounded by the command timeout. */
    public RedisClusterCommands<byte[], byte[]> sync() {
        return sync;
    }

    /** Commands that return at once with a future. */
    public RedisClusterAsyncCommands<byte[], byte[]> async() {
        return async;
    }

    /** A Bucket4j proxy manager builder over this connection. */
    public Bucket4jLettuce.LettuceBasedProxyManagerBuilder<byte[]> bucket4j() {
        return bucket4j.get();
    }

    /** Whether this is a Redis Cluster connection. */
    public boolean isCluster() {
        return cluster != null;
    }

    /**
     * The node that serves {@code key} as the client knows the topology now ({@code host:port}),
     * or {@code ""} for a standalone Redis, whose one server serves every key.
     */
    public String shardOf(byte[] key) {
        if (cluster == null) {
            return "";
        }
        RedisClusterNode node = cluster.getPartitions().getPartitionBySlot(SlotHash.getSlot(key));
        return node == null
                ? "unassigned"
                : node.getUri().getHost() + ':' + node.getUri().getPort();
    }

    /** The nodes that serve a slot now ({@code host:port}), as the client knows the topology; none when standalone. */
    public Set<String> shards() {
        if (cluster == null) {
            return Set.of();
        }
        Set<String> serving = new HashSet<>();
        for (RedisClusterNode node : cluster.getPartitions()) {
            if (node.is(RedisClusterNode.NodeFlag.UPSTREAM) && !node.getSlots().isEmpty()) {
                serving.add(node.getUri().getHost() + ':' + node.getUri().getPort());
            }
        }
        return serving;
    }

    @Override
    public void close() {
        stateful.close();
    }
}
