package dev.apiguard.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisURI;
import io.lettuce.core.api.sync.RedisStringCommands;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link RedisCluster} itself, with a real Lettuce cluster client: keys spread over every master
 * as {@link RedisCluster#masterPortFor} says, and a killed master's replica takes over, after
 * which a client that refreshes its topology reads and writes again; the old master rejoins as a
 * replica and takes its slots back by a manual failover.
 */
class RedisClusterTest {

    @RegisterExtension
    static final RedisClusterExtension CLUSTER = new RedisClusterExtension(3, 0);

    @Test
    void keysWithDifferentHashTagsLandOnEveryMaster(RedisCluster cluster) throws Exception {
        RedisClusterClient client = RedisClusterClient.create(
                cluster.seedUris().stream().map(RedisURI::create).toList());
        try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
            Map<Integer, Integer> keysPerMaster = new TreeMap<>();
            for (int i = 0; i < 200; i++) {
                String key = "{tenant-" + i + "}:bucket";
                connection.sync().set(key, "v" + i);
                assertThat(connection.sync().get(key)).isEqualTo("v" + i);
                int master = cluster.masterPortFor(key);
                // asked directly, not through the cluster client: the key is on that master
                assertThat(RedisNode.call(master, "GET", key)).isEqualTo("v" + i);
                keysPerMaster.merge(master, 1, Integer::sum);
            }
            assertThat(keysPerMaster.keySet()).containsExactlyInAnyOrderElementsOf(cluster.masterPorts());
            assertThat(cluster.masterPortFor("{tenant-7}:other")).isEqualTo(cluster.masterPortFor("{tenant-7}:bucket"));
            assertThat(cluster.seedUris()).hasSize(3).allMatch(uri -> uri.startsWith("redis://127.0.0.1:"));
            assertThat(cluster.clusterInfo(cluster.masterPorts().get(0))).contains("cluster_state:ok");
        } finally {
            client.shutdown();
        }
    }

    @Test
    void aReplicaTakesOverAKilledMasterAndTheClientFollows() throws Exception {
        long started = System.nanoTime();
        try (RedisCluster cluster = RedisCluster.start(3, 1)) {
            System.out.printf("RedisCluster.start(3, 1): %d ms%n", millisSince(started));
            assertThat(cluster.ports()).hasSize(6);
            String key = "{failover}:count";
            int master = cluster.masterPortFor(key);
            int replica = cluster.replicaPorts(master).get(0);

            // a command queued for the killed master times out after 1 s, so the next one goes to the new master
            RedisClusterClient client = RedisClusterClient.create(cluster.seedUris().stream()
                    .map(uri -> withTimeout(uri, Duration.ofSeconds(1)))
                    .toList());
            client.setOptions(ClusterClientOptions.builder()
                    .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                            .enablePeriodicRefresh(Duration.ofMillis(500))
                            .enableAllAdaptiveRefreshTriggers()
                            .adaptiveRefreshTriggersTimeout(Duration.ofMillis(200))
                            .build())
                    .build());
            try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
                connection.sync().set(key, "before");
                assertThat(RedisNode.call(master, "WAIT", "1", "2000")).isEqualTo(1L); // the replica has it

                long killed = System.nanoTime();
                cluster.killMaster(master);
                assertThat(cluster.awaitFailover(master, Duration.ofSeconds(15)))
                        .isEqualTo(replica);
                System.out.printf("failover after SIGKILL: %d ms%n", millisSince(killed));
                assertThat(cluster.masterPortFor(key)).isEqualTo(replica);
                assertThat(cluster.clusterInfo(replica)).contains("cluster_state:ok");

                long retried = System.nanoTime();
                awaitWrite(connection.sync(), key, "after", Duration.ofSeconds(10));
                System.out.printf("client writes again: %d ms after the failover%n", millisSince(retried));
                assertThat(connection.sync().get(key)).isEqualTo("after");
                assertThat(RedisNode.call(replica, "GET", key)).isEqualTo("after");

                long restarted = System.nanoTime();
                cluster.restart(master);
                System.out.printf("restart and rejoin: %d ms%n", millisSince(restarted));
                assertThat(cluster.replicaPorts(replica)).containsExactly(master);

                long manual = System.nanoTime();
                cluster.failover(master);
                System.out.printf("manual failover: %d ms%n", millisSince(manual));
                assertThat(cluster.masterPortFor(key)).isEqualTo(master);
                assertThat(cluster.replicaPorts(master)).containsExactly(replica);
                awaitWrite(connection.sync(), key, "back", Duration.ofSeconds(10));
                assertThat(RedisNode.call(master, "GET", key)).isEqualTo("back");
            } finally {
                client.shutdown();
            }
        }
    }

    /** Writes until the client succeeds: it learns the new topology by itself within the deadline. */
    static void awaitWrite(RedisStringCommands<String, String> redis, String key, String value, Duration within)
            throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            try {
                redis.set(key, value);
                return;
            } catch (RuntimeException notYet) {
                if (System.nanoTime() > deadline) {
                    throw notYet;
                }
                Thread.sleep(50); // the client's reconnect and refresh run on its own threads
            }
        }
    }

    /** The URI with a command timeout of its own (Lettuce's default is 60 s). */
    static RedisURI withTimeout(String uri, Duration timeout) {
        RedisURI parsed = RedisURI.create(uri);
        parsed.setTimeout(timeout);
        return parsed;
    }

    static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }
}
