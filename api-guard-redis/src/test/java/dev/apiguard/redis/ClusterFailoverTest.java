package dev.apiguard.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.CallerKey;
import dev.apiguard.event.SecurityEvent;
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
