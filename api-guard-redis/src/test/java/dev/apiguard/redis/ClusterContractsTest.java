package dev.apiguard.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.ApiGuard;
import dev.apiguard.CallerKey;
import dev.apiguard.ReplayCache;
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.ratelimit.BucketStore.Status;
import dev.apiguard.ratelimit.KeyedLimit;
import dev.apiguard.ratelimit.RateLimitKeys;
import dev.apiguard.ratelimit.RateLimitPlan;
import dev.apiguard.ratelimit.RateLimitPolicy;
import dev.apiguard.ratelimit.RateLimitStep;
import dev.apiguard.test.GuardTester;
import dev.apiguard.test.TestRequest;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The store contracts on a 3-master Redis Cluster (inherited from {@link TopologyContracts}), and
 * what only a cluster asks: every caller's keys in one slot and callers spread over the shards,
 * the races a shared store must win on a cluster too, and scripts a node lost.
 */
class ClusterContractsTest extends TopologyContracts {

    @RegisterExtension
    static final RedisClusterExtension CLUSTER = new RedisClusterExtension(3, 0);

    private static final Instant NOW = Instant.parse("2026-12-06T08:00:00Z");

    private RedisCluster cluster;

    @BeforeAll
    void cluster(RedisCluster started) {
        cluster = started;
    }

    @Override
    protected RedisGuardState.Builder builder() throws Exception {
        return RedisGuardState.cluster(cluster.seedUris()).topologyRefresh(Duration.ofSeconds(1));
    }

    @Test
    void aBurstOfCallersSpreadsOverEveryShardWithEachCallersKeysInOneSlot() throws Exception {
        RateLimitPlan plan = RateLimitPlan.simple("p", 5, Duration.ofMinutes(1));
        List<CallerKey> callers = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            CallerKey caller = TwoNodesTest.key("burst-" + i + "-" + UUID.randomUUID());
            callers.add(caller);
            assertThat(state().bucketStore()
                            .tryConsume(caller.hashTag(), plan.configuration(), 1000, NOW)
                            .status())
                    .isEqualTo(Status.CONSUMED);
            state().quarantineStore().quarantine(caller, NOW.plusSeconds(60), NOW);
        }
        Map<Integer, Integer> perMaster = new HashMap<>();
        for (CallerKey caller : callers) {
            int bucketAt = cluster.masterPortFor("apiguard:rl:" + caller.hashTag());
            // the quarantine of a caller lives where its bucket lives: one slot per caller
            assertThat(cluster.masterPortFor("apiguard:q:" + caller.hashTag())).isEqualTo(bucketAt);
            perMaster.merge(bucketAt, 1, Integer::sum);
        }
        // 300 callers over 3 shards: about 100 each; under 50 on one would mean the tag does not spread
        assertThat(perMaster).hasSize(3);
        assertThat(perMaster.values()).allSatisfy(n -> assertThat(n).isGreaterThan(50));
        for (int port : cluster.masterPorts()) {
            assertThat(dbsize(port)).as("keys on the master at %d", port).isGreaterThanOrEqualTo(2L * 50);
        }
    }

    @Test
    void sixteenThreadsOnOneBucketOfFiftyAdmitExactlyFifty() throws Exception {
        RateLimitPlan fifty = RateLimitPlan.simple("fifty", 50, Duration.ofHours(1));
        String key = TwoNodesTest.key("race-" + UUID.randomUUID()).hashTag();
        AtomicInteger taken = new AtomicInteger();
        race(16, () -> {
            for (int i = 0; i < 10; i++) {
                if (state().bucketStore()
                                .tryConsume(key, fifty.configuration(), 1000, NOW)
                                .status()
                        == Status.CONSUMED) {
                    taken.incrementAndGet();
                }
            }
        });
        assertThat(taken).hasValue(50);
    }

    @Test
    void aServiceWideCapAdmitsExactlyItsCapacityFromCallersOnEveryShard() throws Exception {
        String route = "/cap-" + UUID.randomUUID();
        RateLimitPolicy policy = RateLimitPolicy.builder()
                .plan(RateLimitPlan.simple("roomy", 1000, Duration.ofHours(1)))
                .limit(KeyedLimit.builder(
                                "cap", RateLimitKeys.route(), RateLimitPlan.simple("cap", 50, Duration.ofHours(1)))
                        .route("GET", route)
                        .build())
                .build();
        GuardTester guard = GuardTester.of(ApiGuard.builder()
                .clock(Clock.fixed(NOW, ZoneOffset.UTC))
                .listener(SecurityEventListener.NONE)
                .step(KeyedLimitsOnRedisTest.authentication())
                .step(RateLimitStep.builder(policy).store(state().bucketStore()).build())
                .build());
        AtomicInteger admitted = new AtomicInteger();
        AtomicInteger thread = new AtomicInteger();
        race(16, () -> {
            // each thread its own caller: their plan buckets spread over the shards, the cap is one key
            String caller = "cap-racer-" + thread.getAndIncrement() + "-" + UUID.randomUUID();
            for (int i = 0; i < 10; i++) {
                if (guard.send(TestRequest.get(route).header("X-Test-Caller", caller))
                                .status()
                        == 200) {
                    admitted.incrementAndGet();
                }
            }
        });
        assertThat(admitted).hasValue(50);
    }

    @Test
    void sixteenThreadsPresentingOneProofAcceptItOnce() throws Exception {
        CallerKey caller = TwoNodesTest.key("dpop-" + UUID.randomUUID());
        ReplayCache.Quota quota = new ReplayCache.Quota(caller.hashTag(), 1000, Duration.ofMinutes(5));
        AtomicInteger first = new AtomicInteger();
        AtomicInteger replayed = new AtomicInteger();
        race(16, () -> {
            ReplayCache.Outcome o = state().replayCache().firstUse("jti-1", quota, NOW.plusSeconds(60), NOW);
            (o == ReplayCache.Outcome.FIRST_USE ? first : replayed).incrementAndGet();
        });
        assertThat(first).hasValue(1);
        assertThat(replayed).hasValue(15);
    }

    @Test
    void aNodeThatLostItsScriptsIsSentThemAgain() throws Exception {
        RateLimitPlan plan = RateLimitPlan.simple("p", 5, Duration.ofMinutes(1));
        List<CallerKey> callers = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            callers.add(TwoNodesTest.key("flushed-" + i + "-" + UUID.randomUUID()));
        }
        callers.forEach(c -> state().bucketStore().tryConsume(c.hashTag(), plan.configuration(), 1000, NOW));
        for (int port : cluster.masterPorts()) {
            try (Node node = new Node(port)) {
                node.connection.sync().scriptFlush();
            }
        }
        for (CallerKey c : callers) {
            assertThat(state().bucketStore()
                            .tryConsume(c.hashTag(), plan.configuration(), 1000, NOW)
                            .remainingTokens())
                    .isEqualTo(3000);
        }
        assertThat(state().isUnavailable()).isFalse();
    }

    @Test
    void aCallersSlotMovedToAnotherMasterIsFollowedWithItsBucket() throws Exception {
        RateLimitPlan plan = RateLimitPlan.simple("p", 5, Duration.ofMinutes(10));
        CallerKey caller = TwoNodesTest.key("resharded-" + UUID.randomUUID());
        String key = "apiguard:rl:" + caller.hashTag();
        for (int i = 0; i < 2; i++) {
            state().bucketStore().tryConsume(caller.hashTag(), plan.configuration(), 1000, NOW);
        }
        int from = cluster.masterPortFor(key);
        int to = cluster.masterPorts().stream()
                .filter(p -> p != from)
                .findFirst()
                .orElseThrow();
        try (Node source = new Node(from);
                Node target = new Node(to)) {
            int slot = source.connection.sync().clusterKeyslot(key).intValue();
            String sourceId = source.connection.sync().clusterMyId();
            String targetId = target.connection.sync().clusterMyId();
            target.connection.sync().clusterSetSlotImporting(slot, sourceId);
            source.connection.sync().clusterSetSlotMigrating(slot, targetId);
            List<String> keys = source.connection.sync().clusterGetKeysInSlot(slot, 1000);
            source.connection.sync().migrate("127.0.0.1", to, 0, 5000, io.lettuce.core.MigrateArgs.Builder.keys(keys));
            for (int port : cluster.masterPorts()) {
                try (Node node = new Node(port)) {
                    node.connection.sync().clusterSetSlotNode(slot, targetId);
                }
            }
        }
        assertThat(cluster.masterPortFor(key)).isEqualTo(to);
        // the next request is redirected (MOVED), the client learns the new owner, and the bucket
        // moved with the slot: two units taken before, one now
        assertThat(state().bucketStore()
                        .tryConsume(caller.hashTag(), plan.configuration(), 1000, NOW)
                        .remainingTokens())
                .isEqualTo(2000);
        assertThat(state().bucketStore()
                        .tryConsume(caller.hashTag(), plan.configuration(), 1000, NOW)
                        .remainingTokens())
                .isEqualTo(1000);
        assertThat(state().isUnavailable()).isFalse();
    }

    @Test
    void everyNodeSeesTheConnectionsUnderTheClientsName() throws Exception {
        RateLimitPlan plan = RateLimitPlan.simple("p", 5, Duration.ofMinutes(1));
        for (int i = 0; i < 60; i++) { // callers on every shard: a connection to every master
            state().bucketStore().tryConsume(TwoNodesTest.key("named-" + i).hashTag(), plan.configuration(), 1000, NOW);
        }
        for (int port : cluster.masterPorts()) {
            try (Node node = new Node(port)) {
                assertThat(node.connection.sync().clientList()).contains("name=" + RedisGuardState.DEFAULT_CLIENT_NAME);
            }
        }
    }

    private long dbsize(int port) {
        try (Node node = new Node(port)) {
            return node.connection.sync().dbsize();
        }
    }

    private static void race(int threads, Runnable body) throws Exception {
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    start.await();
                    body.run();
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** A plain connection to one node, for looking at what the stores wrote there. */
    private static final class Node implements AutoCloseable {
        final RedisClient client;
        final StatefulRedisConnection<String, String> connection;

        Node(int port) {
            client = RedisClient.create("redis://127.0.0.1:" + port);
            connection = client.connect();
        }

        @Override
        public void close() {
            connection.close();
            client.shutdown();
        }
    }
}
