package dev.apiguard.benchmarks;

import dev.apiguard.ApiGuard;
import dev.apiguard.GuardExchange;
import dev.apiguard.LocalQuarantineStore;
import dev.apiguard.anomaly.AnomalyMode;
import dev.apiguard.anomaly.AnomalyPolicy;
import dev.apiguard.anomaly.AnomalyScoringStep;
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.ratelimit.LocalBucketStore;
import dev.apiguard.ratelimit.RateLimitPlan;
import dev.apiguard.ratelimit.RateLimitPolicy;
import dev.apiguard.ratelimit.RateLimitStep;
import dev.apiguard.redis.RedisGuardState;
import dev.apiguard.redis.RedisMonitor;
import dev.apiguard.redis.RedisServer;
import dev.apiguard.test.TestRequest;
import dev.apiguard.test.fixtures.LocalIssuer;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What Redis costs a request of the whole chain (anonymous limiter, token with a cached
 * verification, binding, anomaly scoring with its quarantine list, per-caller limit, scopes,
 * inventory): the request latency with local stores, with Redis next door, and with Redis behind a
 * link that adds a round-trip time (another zone), with and without the near cache of quarantines;
 * then the Redis commands per request ({@code INFO commandstats}) and the Redis memory per caller
 * after many callers made one request each.
 *
 * <pre>java -cp api-guard-benchmarks/target/benchmarks.jar dev.apiguard.benchmarks.RoundTripBenchmark [delay-ms] [callers]</pre>
 *
 * The goal: latency at most the base plus 1.2 times the added round-trip time (one synchronous round
 * trip per request).
 */
public final class RoundTripBenchmark {

    /** Requests before measuring: the JIT's warm-up, and the Redis connection's. */
    private static final int WARM_UP = 5_000;
    /** Before measuring over the slow link: its connections are warm after a few. */
    private static final int WARM_UP_SLOW = 20;

    private static final int REQUESTS = 200;

    /** The paced caller: a request every 10 ms (100 a second), after this many unmeasured. */
    private static final long PACE_NANOS = 10_000_000L;

    private static final int PACED_WARM_UP = 100;

    private RoundTripBenchmark() {}

    public static void main(String[] args) throws Exception {
        long delayMillis = args.length > 0 ? Long.parseLong(args[0]) : 20;
        int callers = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        if (RedisServer.binary() == null) {
            System.out.println("redis-server is not on the PATH: nothing measured");
            return;
        }
        LocalIssuer issuer = LocalIssuer.rsa("https://issuer.bench");
        TestRequest request = FullChain.partnerRequest(issuer);
        Clock clock = Clock.systemUTC();
        FullChain.Caps caps = FullChain.Caps.DEFAULTS;

        double base = medianMicros(
                FullChain.guard(
                        FullChain.tokenStep(issuer, caps, clock),
                        caps,
                        clock,
                        LocalBucketStore.defaults(),
                        LocalQuarantineStore.defaults()),
                request,
                WARM_UP)[0];
        System.out.printf("%-44s %12s %12s %16s%n", "stores", "median (µs)", "p90 (µs)", "added / link RTT");
        System.out.printf("%-44s %12.0f %12s %16s%n", "local", base, "", "");
        try (RedisServer redis = RedisServer.start()) {
            Map<String, Long> before = commands(redis);
            long measured;
            String roundTrips;
            try (RedisGuardState state = state("redis://127.0.0.1:" + redis.port(), true)) {
                ApiGuard guard = chain(issuer, state);
                double[] r = medianMicros(guard, request, WARM_UP);
                System.out.printf("%-44s %12.0f %12.0f %16s%n", "redis, same host", r[0], r[1], "");
                measured = WARM_UP + 2 * REQUESTS; // the measured requests, then those MONITOR sees
                try (RedisMonitor monitor = RedisMonitor.start(redis)) {
                    medianMicros(guard, request, 0);
                    List<String> sent = monitor.clientCommands();
                    roundTrips =
                            String.format("%.2f %s", (double) sent.size() / REQUESTS, new java.util.TreeSet<>(sent));
                }
            }
            Map<String, Long> after = commands(redis);
            StringBuilder perRequest = new StringBuilder();
            after.forEach((name, n) -> {
                long delta = n - before.getOrDefault(name, 0L);
                if (delta > 0) {
                    perRequest
                            .append(' ')
                            .append(name)
                            .append('=')
                            .append(String.format("%.2f", (double) delta / measured));
                }
            });
            try (DelayProxy link = DelayProxy.start(redis.port(), delayMillis)) {
                for (boolean near : new boolean[] {true, false}) {
                    try (RedisGuardState state = state("redis://127.0.0.1:" + link.port(), near)) {
                        double[] r = medianMicros(chain(issuer, state), request, WARM_UP_SLOW);
                        System.out.printf(
                                "%-44s %12.0f %12.0f %16.2f%n",
                                "redis, link +" + delayMillis + " ms" + (near ? "" : ", no near cache"),
                                r[0],
                                r[1],
                                (r[0] - base) / (delayMillis * 1000.0));
                    }
                }
                // a busy caller with bucket leases: its requests take their tokens from the node's
                // lease, topped up in the background once down to a quarter, so none waits for the
                // link while a quarter of the lease lasts longer than a round trip
                try (RedisGuardState state = RedisGuardState.builder("redis://127.0.0.1:" + link.port())
                        .listener(SecurityEventListener.NONE)
                        .commandTimeout(Duration.ofSeconds(5))
                        .connectTimeout(Duration.ofSeconds(5))
                        .bucketLeases(16, Duration.ofSeconds(1))
                        .build()) {
                    double[] r = pacedMicros(chain(issuer, state), request, PACED_WARM_UP, PACE_NANOS);
                    System.out.printf(
                            "%-44s %12.0f %12.0f %16.2f   p99 %.0f µs%n",
                            "redis, link +" + delayMillis + " ms, leases, 100 req/s",
                            r[0],
                            r[1],
                            (r[0] - base) / (delayMillis * 1000.0),
                            r[2]);
                }
            }
            System.out.printf("%nround trips per request (MONITOR, %d requests): %s%n", REQUESTS, roundTrips);
            System.out.printf(
                    "redis commands per request (INFO commandstats, %d requests; a script's own commands count):%s%n",
                    measured, perRequest);
            memoryPerCaller(redis, callers, false);
            memoryPerCaller(redis, callers, true);
        }
    }

    private static RedisGuardState state(String uri, boolean nearCache) {
        return RedisGuardState.builder(uri)
                .listener(SecurityEventListener.NONE)
                .commandTimeout(Duration.ofSeconds(5))
                .connectTimeout(Duration.ofSeconds(5))
                .nearCache(nearCache ? RedisGuardState.DEFAULT_NEAR_CACHE_TTL : Duration.ZERO)
                .build();
    }

    /** The whole chain with the state's bucket and quarantine stores. */
    static ApiGuard chain(LocalIssuer issuer, RedisGuardState state) {
        Clock clock = Clock.systemUTC();
        return FullChain.guard(
                FullChain.tokenStep(issuer, FullChain.Caps.DEFAULTS, clock),
                FullChain.Caps.DEFAULTS,
                clock,
                state.bucketStore(),
                state.quarantineStore());
    }

    /** The median and 90th percentile of one caller's sequential requests, in microseconds. */
    private static double[] medianMicros(ApiGuard guard, TestRequest request, int warmUp) {
        return pacedMicros(guard, request, warmUp, 0);
    }

    /**
     * The median, 90th and 99th percentile in microseconds of one caller's requests, one every
     * {@code paceNanos} (a busy partner's steady rate), or each as soon as the last was answered
     * (0).
     */
    private static double[] pacedMicros(ApiGuard guard, TestRequest request, int warmUp, long paceNanos) {
        long[] micros = new long[REQUESTS];
        long next = System.nanoTime();
        for (int i = -warmUp; i < REQUESTS; i++) {
            next += paceNanos;
            long t0 = System.nanoTime();
            GuardExchange exchange = guard.exchange(request);
            if (!guard.evaluate(exchange).isAllowed()) {
                throw new IllegalStateException("the benchmark's request was refused");
            }
            guard.completed(exchange, 200);
            if (i >= 0) {
                micros[i] = (System.nanoTime() - t0) / 1000;
            }
            if (paceNanos > 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(next - System.nanoTime());
            }
        }
        Arrays.sort(micros);
        return new double[] {micros[REQUESTS / 2], micros[REQUESTS * 9 / 10], micros[REQUESTS * 99 / 100]};
    }

    /**
     * Redis's used memory per caller after {@code callers} callers made one request each, through
     * the steps that use Redis (the quarantine list's reads, the per-caller bucket, and with
     * {@code evidence} the scorer's fleet profile) with a plan that refills one token an hour, so
     * that every caller's bucket is still there when the memory is read.
     */
    private static void memoryPerCaller(RedisServer redis, int callers, boolean evidence) {
        try (RedisGuardState state = state("redis://127.0.0.1:" + redis.port(), true)) {
            AnomalyScoringStep.Builder scoring = AnomalyScoringStep.builder(
                            AnomalyPolicy.builder().mode(AnomalyMode.ENFORCE).build())
                    .quarantineStore(state.quarantineStore());
            if (evidence) {
                scoring.evidenceStore(state.evidenceStore());
            }
            ApiGuard guard = ApiGuard.builder()
                    .listener(SecurityEventListener.NONE)
                    .step(new MemoryFootprint.HeaderCaller())
                    .step(new dev.apiguard.GuardStep() {
                        // a look-up by id, as a typical caller's request: the fleet profile keeps its id
                        @Override
                        public String name() {
                            return "customer-route";
                        }

                        @Override
                        public dev.apiguard.GuardPhase phase() {
                            return dev.apiguard.GuardPhase.BIND;
                        }

                        @Override
                        public dev.apiguard.Decision evaluate(GuardExchange exchange) {
                            exchange.matchRoute(
                                    "/customers/{id}",
                                    Map.of("id", exchange.request().header("X-Caller")),
                                    false);
                            return dev.apiguard.Decision.ALLOW;
                        }
                    })
                    .step(scoring.build())
                    .step(RateLimitStep.builder(RateLimitPolicy.builder()
                                    .plan(RateLimitPlan.simple("hourly-refill", 24, Duration.ofDays(1)))
                                    .build())
                            .store(state.bucketStore())
                            .build())
                    .build();
            String prefix = evidence ? "fleet-caller-" : "caller-";
            long before = usedMemory(redis);
            long keysBefore = keys(redis);
            for (int i = 0; i < callers; i++) {
                GuardExchange exchange =
                        guard.exchange(TestRequest.get(FullChain.PATH).header("X-Caller", prefix + i));
                guard.evaluate(exchange);
                guard.completed(exchange, 200);
                while (state.evidenceStore().queuedEvidence() > 1_000) {
                    Thread.onSpinWait(); // keep the evidence queue below its bound: measure, don't drop
                }
            }
            while (state.evidenceStore().queuedEvidence() > 0) {
                Thread.onSpinWait();
            }
            long after = usedMemory(redis);
            System.out.printf(
                    "redis memory after %,d callers (%s): %,d keys added, %,d bytes per caller (used_memory %,d -> %,d)%s%n",
                    callers,
                    evidence ? "bucket and evidence" : "bucket",
                    keys(redis) - keysBefore,
                    (after - before) / callers,
                    before,
                    after,
                    evidence ? ", evidence dropped: " + state.evidenceStore().droppedEvidence() : "");
        }
    }

    private static long keys(RedisServer redis) {
        String db0 = fields(redis, "keyspace").getOrDefault("db0", "keys=0,");
        return Long.parseLong(db0.substring(db0.indexOf('=') + 1, db0.indexOf(',')));
    }

    private static long usedMemory(RedisServer redis) {
        return Long.parseLong(fields(redis, "memory").get("used_memory"));
    }

    /** Calls per command Redis has run so far (INFO commandstats), less INFO and connection set-up. */
    private static Map<String, Long> commands(RedisServer redis) {
        return RedisInfo.calls(RedisInfo.info(redis, "commandstats"), "info", "hello", "client");
    }

    private static Map<String, String> fields(RedisServer redis, String section) {
        return RedisInfo.fields(RedisInfo.info(redis, section));
    }
}
