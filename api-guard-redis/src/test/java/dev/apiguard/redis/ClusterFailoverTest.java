package dev.apiguard.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.CallerKey;
import dev.apiguard.event.SecurityEvent;
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.event.SecurityEventType;
import dev.apiguard.ratelimit.BucketStore.Outcome;
import dev.apiguard.ratelimit.BucketStore.Status;
import dev.apiguard.ratelimit.RateLimitPlan;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A master of a Redis Cluster killed under a guard: its callers are answered by the failure
 * policy within the command timeout, with an event naming the shard, and are served by the
 * promoted replica once the topology shows it, without a restart.
 */
class ClusterFailoverTest {

    @RegisterExtension
    static final RedisClusterExtension CLUSTER = new RedisClusterExtension(3, 1);

    private static final Instant NOW = Instant.parse("2026-12-06T08:00:00Z");
    private static final Duration COMMAND_TIMEOUT = Duration.ofMillis(500);

    @Test
    void aKilledMastersCallersAreAnsweredByThePolicyThenServedByItsReplica(RedisCluster cluster) throws Exception {
        List<SecurityEvent> events = new CopyOnWriteArrayList<>();
        RateLimitPlan plan = RateLimitPlan.simple("p", 1000, Duration.ofHours(1));
        try (RedisGuardState state = RedisGuardState.cluster(cluster.seedUris())
                .commandTimeout(COMMAND_TIMEOUT)
                .topologyRefresh(Duration.ofMillis(500))
                .backoff(Duration.ofMillis(100))
                .listener(events::add)
                .build()) {
            CallerKey caller = TwoNodesTest.key("failover-" + UUID.randomUUID());
            String bucket = caller.hashTag();
            int master = cluster.masterPortFor("apiguard:rl:" + bucket);
            assertThat(state.bucketStore()
                            .tryConsume(bucket, plan.configuration(), 1000, NOW)
                            .status())
                    .isEqualTo(Status.CONSUMED);

            cluster.killMaster(master);
            Failover failover = Failover.requestUntilServed(
                    state, bucket, plan.configuration(), NOW, COMMAND_TIMEOUT, Duration.ofSeconds(20));
            Outcome outcome = failover.last();
            int bypassed = failover.bypassed();

            assertThat(bypassed)
                    .as("requests answered by the open policy meanwhile")
                    .isPositive();
            assertThat(outcome.status()).as("served again after the failover").isEqualTo(Status.CONSUMED);
            int promoted = cluster.awaitFailover(master, Duration.ofSeconds(10));
            assertThat(cluster.masterPortFor("apiguard:rl:" + bucket)).isEqualTo(promoted);

            assertThat(events)
                    .filteredOn(e -> e.type() == SecurityEventType.STORE_UNAVAILABLE)
                    .isNotEmpty()
                    .allSatisfy(e -> assertThat(e.details()).containsKey("shard"));
            assertThat(events)
                    .filteredOn(e -> e.type() == SecurityEventType.STORE_UNAVAILABLE)
                    .extracting(e -> e.details().get("shard"))
                    .contains("127.0.0.1:" + master);
            assertThat(state.isUnavailable()).isFalse();
        }
    }

    @Test
    void aQuarantineReachesANodeWhoseSubscribedMasterFailedOver() throws Exception {
        // a cluster of its own: the class's cluster has a master with a replica for the test above
        try (RedisCluster cluster = RedisCluster.start(3, 1);
                RedisGuardState a = RedisGuardState.cluster(cluster.seedUris())
                        .topologyRefresh(Duration.ofMillis(500))
                        .listener(SecurityEventListener.NONE)
                        .build();
                RedisGuardState b = RedisGuardState.cluster(cluster.seedUris())
                        .topologyRefresh(Duration.ofMillis(500))
                        .nearCache(Duration.ofSeconds(60)) // only a message can drop B's copy in time
                        .clientName("node-b")
                        .listener(SecurityEventListener.NONE)
                        .build()) {
            int subscribedOn = subscriberPort(cluster, "node-b");
            boolean master = cluster.masterPorts().contains(subscribedOn);
            cluster.kill(subscribedOn);
            if (master) {
                cluster.awaitFailover(subscribedOn, Duration.ofSeconds(15));
            }
            CallerKey caller = TwoNodesTest.key("near-" + UUID.randomUUID());
            // B reads the caller (not quarantined) once the cluster serves again, and keeps a copy
            assertThat(Eventually.holds(
                            Duration.ofSeconds(15),
                            () -> !b.isUnavailable()
                                    && b.quarantineStore()
                                            .quarantinedUntil(caller, NOW)
                                            .isEmpty()))
                    .as("B reads the cluster again")
                    .isTrue();
            // and so does A, whose view of the slots may still name the dead node: a write it
            // sent there would be lost to the failure policy, and there would be nothing to announce
            assertThat(Eventually.holds(
                            Duration.ofSeconds(15),
                            () -> !a.quarantineStore()
                                            .quarantinedUntil(caller, NOW)
                                            .isPresent()
                                    && !a.isUnavailable()))
                    .as("A reads the cluster again")
                    .isTrue();
            a.quarantineStore().quarantine(caller, NOW.plusSeconds(600), NOW);
            assertThat(Eventually.holds(
                            Duration.ofSeconds(40),
                            () -> b.quarantineStore()
                                    .quarantinedUntil(caller, NOW)
                                    .isPresent()))
                    .as("B drops its copy by message, well before the copy's 60 s")
                    .isTrue();
            assertThat(b.nearCacheLive()).isTrue();
        }
    }

    /** The node (master or replica) that holds the near cache's subscription of the state named {@code clientName}. */
    private static int subscriberPort(RedisCluster cluster, String clientName) throws Exception {
        for (int port : cluster.ports()) {
            io.lettuce.core.RedisClient client = io.lettuce.core.RedisClient.create("redis://127.0.0.1:" + port);
            try (var connection = client.connect()) {
                for (String line : connection.sync().clientList().split("\n")) {
                    if (line.contains("name=" + clientName + " ") && line.contains("cmd=subscribe")) {
                        return port;
                    }
                }
            } finally {
                client.shutdown();
            }
        }
        throw new IllegalStateException("no node holds the subscription of " + clientName);
    }

    @Test
    void aMasterWithoutReplicaThatComesBackIsUsedAgain() throws Exception {
        List<SecurityEvent> events = new CopyOnWriteArrayList<>();
        RateLimitPlan plan = RateLimitPlan.simple("p", 1000, Duration.ofHours(1));
        try (RedisCluster bare = RedisCluster.start(3, 0);
                RedisGuardState state = RedisGuardState.cluster(bare.seedUris())
                        .commandTimeout(COMMAND_TIMEOUT)
                        .topologyRefresh(Duration.ofMillis(500))
                        .backoff(Duration.ofMillis(100))
                        .failurePolicy(RedisFailurePolicy.CLOSED)
                        .listener(events::add)
                        .build()) {
            String bucket = TwoNodesTest.key("comeback-" + UUID.randomUUID()).hashTag();
            int master = bare.masterPortFor("apiguard:rl:" + bucket);
            assertThat(state.bucketStore()
                            .tryConsume(bucket, plan.configuration(), 1000, NOW)
                            .status())
                    .isEqualTo(Status.CONSUMED);

            bare.killMaster(master);
            Outcome down = state.bucketStore().tryConsume(bucket, plan.configuration(), 1000, NOW);
            assertThat(down.status())
                    .as("closed policy while the shard is gone")
                    .isEqualTo(Status.UNAVAILABLE);

            bare.restart(master);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            Outcome outcome;
            do {
                Thread.sleep(50); // pacing requests while a child process rejoins, not test time
                outcome = state.bucketStore().tryConsume(bucket, plan.configuration(), 1000, NOW);
            } while (outcome.status() != Status.CONSUMED && System.nanoTime() < deadline);
            assertThat(outcome.status())
                    .as("the same shard, back on its port, used again")
                    .isEqualTo(Status.CONSUMED);
            assertThat(events)
                    .filteredOn(e -> "127.0.0.1:"
                            .concat(Integer.toString(master))
                            .equals(e.details().get("shard")))
                    .extracting(SecurityEvent::type)
                    .containsSubsequence(SecurityEventType.STORE_UNAVAILABLE, SecurityEventType.STORE_RECOVERED);
        }
    }
}
