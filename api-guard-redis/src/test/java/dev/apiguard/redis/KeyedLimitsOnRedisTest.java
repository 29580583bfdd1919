package dev.apiguard.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.ApiGuard;
import dev.apiguard.Caller;
import dev.apiguard.CredentialKind;
import dev.apiguard.Decision;
import dev.apiguard.GuardExchange;
import dev.apiguard.GuardStep;
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.ratelimit.KeyedLimit;
import dev.apiguard.ratelimit.RateLimitKeys;
import dev.apiguard.ratelimit.RateLimitPlan;
import dev.apiguard.ratelimit.RateLimitPolicy;
import dev.apiguard.ratelimit.RateLimitStep;
import dev.apiguard.test.GuardTester;
import dev.apiguard.test.TestRequest;
import dev.apiguard.test.fixtures.MutableClock;
import dev.apiguard.test.fixtures.Race;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Keyed limits (a service-wide route cap, header keys) through two guards, two app nodes, that share
 * one real {@code redis-server}: the same store and script as the callers' buckets.
 */
@ExtendWith(RedisServerExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KeyedLimitsOnRedisTest {

    private final MutableClock clock = MutableClock.at(Instant.parse("2026-12-06T08:00:00Z"));
    private RedisServer redis;
    private RedisGuardState nodeA;
    private RedisGuardState nodeB;

    @BeforeAll
    void connect(RedisServer server) {
        redis = server;
        nodeA = RedisGuardState.builder(server.uri())
                .listener(SecurityEventListener.NONE)
                .build();
        nodeB = RedisGuardState.builder(server.uri())
                .listener(SecurityEventListener.NONE)
                .build();
    }

    @AfterAll
    void close() {
        for (RedisGuardState s : new RedisGuardState[] {nodeA, nodeB}) {
            if (s != null) {
                s.close();
            }
        }
    }

    /** Authenticates {@code X-Test-Caller} and matches the path as its own route template. */
    static GuardStep authentication() {
        return new GuardStep() {
            @Override
            public String name() {
                return "fake-auth";
            }

            @Override
            public Decision evaluate(GuardExchange exchange) {
                exchange.matchRoute(exchange.request().path(), Map.of(), false);
                String id = exchange.request().header("X-Test-Caller");
                if (id != null) {
                    exchange.authenticate(Caller.builder(id, CredentialKind.BEARER_JWT)
                            .issuer("https://issuer")
                            .build());
                }
                return Decision.ALLOW;
            }
        };
    }

    private GuardTester node(RedisGuardState state, RateLimitPolicy policy) {
        return GuardTester.of(ApiGuard.builder()
                .clock(clock)
                .listener(SecurityEventListener.NONE)
                .step(authentication())
                .step(RateLimitStep.builder(policy).store(state.bucketStore()).build())
                .build());
    }

    private static RateLimitPolicy cap(String name, String route, long quota) {
        return RateLimitPolicy.builder()
                .plan(RateLimitPlan.simple("roomy", 1000, Duration.ofMinutes(1)))
                .limit(KeyedLimit.builder(
                                name, RateLimitKeys.route(), RateLimitPlan.simple(name, quota, Duration.ofHours(1)))
                        .route("GET", route)
                        .build())
                .build();
    }

    @Test
    void aRouteCapIsOneBucketForEveryCallerOnEveryNode() {
        String route = "/search-" + UUID.randomUUID();
        RateLimitPolicy policy = cap("search", route, 3);
        GuardTester a = node(nodeA, policy);
        GuardTester b = node(nodeB, policy);
        a.send(TestRequest.get(route).header("X-Test-Caller", "p1")).assertStatus(200);
        b.send(TestRequest.get(route).header("X-Test-Caller", "p2")).assertStatus(200);
        a.send(TestRequest.get(route).header("X-Test-Caller", "p3")).assertStatus(200);
        b.send(TestRequest.get(route).header("X-Test-Caller", "p4"))
                .assertStatus(429)
                .assertHeader("RateLimit-Policy", "\"burst\";q=3;w=3600")
                .assertHeader("Retry-After", "1200");
        a.send(TestRequest.get("/elsewhere").header("X-Test-Caller", "p4")).assertStatus(200);
    }

    @Test
    void sixteenCallersOnTwoNodesGetExactlyTheCapsCapacity() throws Exception {
        String route = "/race-" + UUID.randomUUID();
        RateLimitPolicy policy = cap("race", route, 50);
        GuardTester[] nodes = {node(nodeA, policy), node(nodeB, policy)};
        AtomicInteger admitted = new AtomicInteger();
        Race.run(16, t -> {
            for (int i = 0; i < 10; i++) {
                TestRequest request = TestRequest.get(route).header("X-Test-Caller", "racer-" + t);
                if (nodes[t % 2].send(request).status() == 200) {
                    admitted.incrementAndGet();
                }
            }
        });
        assertThat(admitted).hasValue(50);
    }

    @Test
    void aHeaderKeyWritesADigestInAHashTagThatExpiresNeverTheClientsValue() {
        String name = "t" + UUID.randomUUID().toString().substring(0, 8);
        RateLimitPolicy policy = RateLimitPolicy.builder()
                .plan(RateLimitPlan.simple("roomy", 1000, Duration.ofMinutes(1)))
                .limit(KeyedLimit.of(
                        name, RateLimitKeys.header("X-Tenant"), RateLimitPlan.simple(name, 2, Duration.ofMinutes(1))))
                .build();
        GuardTester a = node(nodeA, policy);
        GuardTester b = node(nodeB, policy);
        String hostile = "{slot}\r\nFLUSHALL " + "z".repeat(300);
        a.send(TestRequest.get("/s").header("X-Test-Caller", "p1").header("X-Tenant", "acme"))
                .assertStatus(200);
        b.send(TestRequest.get("/s").header("X-Test-Caller", "p2").header("X-Tenant", "acme"))
                .assertStatus(200);
        a.send(TestRequest.get("/s").header("X-Test-Caller", "p3").header("X-Tenant", "acme"))
                .assertStatus(429);
        a.send(TestRequest.get("/s").header("X-Test-Caller", "p3").header("X-Tenant", hostile))
                .assertStatus(200);
        RedisBucketStoreContractTest.redis(redis, r -> {
            List<String> keys = r.keys("apiguard:rl:limit:" + name + ":*");
            assertThat(keys)
                    .hasSize(2)
                    .allMatch(k -> k.matches("apiguard:rl:limit:" + name + ":\\{[A-Za-z0-9_-]{22}}"))
                    .noneMatch(k -> k.contains("acme") || k.contains("slot") || k.contains("FLUSHALL"));
            for (String k : keys) {
                // a minute to refill, and 5 s kept after: gone soon after it would be full
                assertThat(r.pttl(k))
                        .isPositive()
                        .isLessThanOrEqualTo(Duration.ofSeconds(65).toMillis());
            }
        });
    }

    @Test
    void eachAppliedLimitIsOneMoreScriptCall() throws Exception {
        String route = "/trips-" + UUID.randomUUID();
        GuardTester a = node(nodeA, cap("trips", route, 10));
        a.send(TestRequest.get(route).header("X-Test-Caller", "warm-up")).assertStatus(200);
        try (RedisMonitor monitor = RedisMonitor.start(redis)) {
            a.send(TestRequest.get(route).header("X-Test-Caller", "p1")).assertStatus(200);
            a.send(TestRequest.get("/not-capped").header("X-Test-Caller", "p1")).assertStatus(200);
            // the caller's plan and the cap on the capped route; the plan alone elsewhere
            assertThat(monitor.clientCommands()).containsExactly("evalsha", "evalsha", "evalsha");
        }
    }
}
