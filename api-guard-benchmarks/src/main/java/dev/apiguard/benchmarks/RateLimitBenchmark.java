package dev.apiguard.benchmarks;

import dev.apiguard.ApiGuard;
import dev.apiguard.Caller;
import dev.apiguard.CredentialKind;
import dev.apiguard.Decision;
import dev.apiguard.GuardExchange;
import dev.apiguard.GuardStep;
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.ratelimit.BucketStore;
import dev.apiguard.ratelimit.KeyedLimit;
import dev.apiguard.ratelimit.LocalBucketStore;
import dev.apiguard.ratelimit.RateLimitKeys;
import dev.apiguard.ratelimit.RateLimitPlan;
import dev.apiguard.ratelimit.RateLimitPolicy;
import dev.apiguard.ratelimit.RateLimitStep;
import dev.apiguard.redis.RedisCluster;
import dev.apiguard.redis.RedisGuardState;
import dev.apiguard.redis.RedisMonitor;
import dev.apiguard.redis.RedisServer;
import dev.apiguard.test.TestRequest;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * The cost per request of {@link RateLimitStep}: a guard of a fixed-caller step and the rate-limit
 * step, 1,000 callers in turn, each under a plan that never runs dry (the allowed path, the one
 * every legitimate request takes). {@code store=local}: Bucket4j buckets in a Caffeine cache;
 * {@code store=redis}: {@code RedisBucketStore} (one Lua script per request over Lettuce) against a
 * private {@code redis-server} on loopback (skipped with a message when the binary is missing);
 * {@code store=cluster}: the same store on a private 3-master Redis Cluster on loopback (Lettuce's
 * cluster client, each caller's keys in its hash tag's slot). At the end of a Redis trial it prints
 * the Redis commands per request, from {@code INFO commandstats} summed over the nodes (commands a
 * script runs count there too; a cluster's topology refreshes are {@code cluster} and {@code info}),
 * and, on one server, the round trips per request: the commands clients sent while {@code MONITOR}
 * watched 1,000 more requests. {@code keyedLimits=1} adds a service-wide cap on the route (a
 * {@code KeyedLimit} of {@code RateLimitKeys.route()}): the cost of a second bucket per request.
 *
 * <pre>java -jar api-guard-benchmarks/target/benchmarks.jar RateLimitBenchmark -f 1 -wi 2 -i 3 -w 1s -r 1s</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(1)
public class RateLimitBenchmark {

    private static final int CALLERS = 1000;

    @Param({"local", "redis", "cluster"})
    public String store;

    /** Keyed limits beyond the plan: 0, or 1 (a service-wide cap on the route, shared by every caller). */
    @Param({"0", "1"})
    public int keyedLimits;

    private ApiGuard guard;
    private TestRequest[] requests;
    private RedisServer redis;
    private RedisCluster cluster;
    private java.util.List<String> nodes = java.util.List.of();
    private RedisGuardState state;
    private java.util.Map<String, Long> commandsBefore;
    private final LongAdder calls = new LongAdder();
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        BucketStore buckets;
        if (store.equals("redis")) {
            if (RedisServer.binary() == null) {
                System.out.println("redis-server is not on the PATH: the redis parameter measures nothing");
                throw new IllegalStateException("redis-server missing");
            }
            redis = RedisServer.start();
            nodes = java.util.List.of(redis.uri());
            state = RedisGuardState.builder(redis.uri())
                    .listener(SecurityEventListener.NONE)
                    .build();
            buckets = state.bucketStore();
        } else if (store.equals("cluster")) {
            if (RedisServer.binary() == null || RedisCluster.cliBinary() == null) {
                System.out.println(
                        "redis-server or redis-cli is not on the PATH: the cluster parameter measures nothing");
                throw new IllegalStateException("redis-server or redis-cli missing");
            }
            cluster = RedisCluster.start(3, 0);
            nodes = cluster.seedUris();
            state = RedisGuardState.cluster(cluster.seedUris())
                    .listener(SecurityEventListener.NONE)
                    .build();
            buckets = state.bucketStore();
        } else {
            buckets = LocalBucketStore.defaults();
        }
        RateLimitPolicy.Builder limits = RateLimitPolicy.builder()
                .plan(RateLimitPlan.of(
                        "roomy",
                        RateLimitPlan.Limit.of("burst", 1_000_000, Duration.ofSeconds(1)),
                        RateLimitPlan.Limit.of("hourly", 1_000_000_000, Duration.ofHours(1))));
        if (keyedLimits > 0) {
            limits.limit(KeyedLimit.of(
                    "route-cap",
                    RateLimitKeys.route(),
                    RateLimitPlan.simple("route-cap", 100_000_000, Duration.ofSeconds(100))));
        }
        RateLimitPolicy policy = limits.build();
        guard = ApiGuard.builder()
                .listener(SecurityEventListener.NONE)
                .step(new HeaderCaller())
                .step(RateLimitStep.builder(policy).store(buckets).build())
                .build();
        requests = new TestRequest[CALLERS];
        for (int i = 0; i < CALLERS; i++) {
            requests[i] = TestRequest.get("/customers").header("X-Caller", "partner-" + i);
        }
        commandsBefore = nodes.isEmpty() ? java.util.Map.of() : commands();
    }

    @Benchmark
    public Decision rateLimitStep() {
        TestRequest r = requests[next++ % CALLERS];
        GuardExchange ex = guard.exchange(r);
        calls.increment();
        return guard.evaluate(ex);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        if (!nodes.isEmpty()) {
            // commands run inside a Lua script count too: EVAL/EVALSHA calls are the script round trips
            StringBuilder perRequest = new StringBuilder();
            commands().forEach((name, n) -> {
                long delta = n - commandsBefore.getOrDefault(name, 0L);
                if (delta > 0) {
                    perRequest
                            .append(' ')
                            .append(name)
                            .append('=')
                            .append(String.format("%.2f", (double) delta / calls.sum()));
                }
            });
            System.out.printf(
                    "%nredis commands per request (%d requests, %d nodes):%s%n", calls.sum(), nodes.size(), perRequest);
            if (cluster != null) {
                state.close();
                cluster.close();
                return;
            }
            try (RedisMonitor monitor = RedisMonitor.start(redis)) {
                for (int i = 0; i < CALLERS; i++) {
                    rateLimitStep();
                }
                java.util.List<String> sent = monitor.clientCommands();
                System.out.printf(
                        "round trips per request (MONITOR, %d requests): %.2f %s%n",
                        CALLERS, (double) sent.size() / CALLERS, new java.util.TreeSet<>(sent));
            }
            state.close();
            redis.close();
        }
    }

    /** Calls per command the nodes have run so far (INFO commandstats, summed), less INFO and connection set-up. */
    private java.util.Map<String, Long> commands() {
        java.util.Map<String, Long> total = new java.util.TreeMap<>();
        for (String node : nodes) {
            commands(node, total);
        }
        return total;
    }

    private static void commands(String node, java.util.Map<String, Long> total) {
        RedisClient client = RedisClient.create(node);
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            RedisInfo.calls(c.sync().info("commandstats"), "info", "hello", "client")
                    .forEach((command, calls) -> total.merge(command, calls, Long::sum));
        } finally {
            client.shutdown();
        }
    }

    /** Authenticates the caller named in {@code X-Caller}: the cost of authentication is not measured here. */
    static final class HeaderCaller implements GuardStep {
        @Override
        public String name() {
            return "header-caller";
        }

        @Override
        public Decision evaluate(GuardExchange exchange) {
            String id = exchange.request().header("X-Caller");
            exchange.authenticate(
                    Caller.builder(id, CredentialKind.BEARER_JWT).subject(id).build());
            exchange.matchRoute("/customers", java.util.Map.of(), false);
            return Decision.ALLOW;
        }
    }
}
