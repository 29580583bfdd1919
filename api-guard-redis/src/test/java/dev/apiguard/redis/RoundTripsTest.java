package dev.apiguard.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.ApiGuard;
import dev.apiguard.Decision;
import dev.apiguard.GuardExchange;
import dev.apiguard.anomaly.AnomalyMode;
import dev.apiguard.anomaly.AnomalyPolicy;
import dev.apiguard.anomaly.AnomalyScoringStep;
import dev.apiguard.binding.DpopPolicy;
import dev.apiguard.binding.DpopStep;
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.ratelimit.RateLimitPlan;
import dev.apiguard.ratelimit.RateLimitPolicy;
import dev.apiguard.ratelimit.RateLimitStep;
import dev.apiguard.test.TestRequest;
import dev.apiguard.test.fixtures.DpopKey;
import dev.apiguard.test.fixtures.LocalIssuer;
import dev.apiguard.token.AccessTokenStep;
import dev.apiguard.token.KeySource;
import dev.apiguard.token.TokenPolicy;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What a verified caller's request asks Redis, over a chain that reads the quarantine and takes
 * from the bucket: one round trip (the bucket script) once its node knows the caller, where it took
 * two (a quarantine {@code GET}, then the script) without the near cache. A DPoP request's replay
 * check joins the bucket script: still one round trip, and a replayed proof takes no token.
 */
@ExtendWith(RedisServerExtension.class)
class RoundTripsTest {

    private static final int REQUESTS = 40;
    private static final RateLimitPlan PLAN = RateLimitPlan.simple("p", 10_000, Duration.ofMinutes(1));

    private static ApiGuard chain(RedisGuardState state, String caller) {
        RateLimitPolicy limits = RateLimitPolicy.builder().plan(PLAN).build();
        return ApiGuard.builder()
                .listener(SecurityEventListener.NONE)
                .step(TwoNodesTest.authenticatesAs(caller))
                .step(AnomalyScoringStep.builder(AnomalyPolicy.builder()
                                .mode(AnomalyMode.ENFORCE)
                                .build())
                        .quarantineStore(state.quarantineStore())
                        .build())
                .step(RateLimitStep.builder(limits).store(state.bucketStore()).build())
                .build();
    }

    private static List<String> commandsOf(RedisServer redis, RedisGuardState state, ApiGuard guard) throws Exception {
        // loads the bucket script (EVAL after NOSCRIPT), once per server
        state.bucketStore().tryConsume("warm-up", PLAN.configuration(), 1, java.time.Instant.now());
        try (RedisMonitor monitor = RedisMonitor.start(redis)) {
            for (int i = 0; i < REQUESTS; i++) {
                GuardExchange exchange = guard.exchange(TestRequest.get("/customers/" + i));
                assertThat(guard.evaluate(exchange).isAllowed()).isTrue();
                guard.completed(exchange, 200);
            }
            return monitor.clientCommands();
        }
    }

    @Test
    void aKnownCallersRequestIsOneRoundTrip(RedisServer redis) throws Exception {
        try (RedisGuardState state = RedisGuardState.builder(redis.uri())
                .listener(SecurityEventListener.NONE)
                .build()) {
            ApiGuard guard = chain(state, "one-trip-" + UUID.randomUUID());
            List<String> sent = commandsOf(redis, state, guard);
            assertThat(sent.stream().filter("evalsha"::equals)).hasSize(REQUESTS);
            // the first request of the caller on this node reads its quarantine; no other does
            assertThat(sent.stream().filter("get"::equals)).hasSize(1);
            assertThat(sent).hasSize(REQUESTS + 1);
        }
    }

    static final LocalIssuer ISSUER = LocalIssuer.ec("https://login.example.com");

    /** Verified DPoP-bound tokens, their proofs' single use in this state's replay cache, and the caller's bucket. */
    static ApiGuard dpopChain(RedisGuardState state, RateLimitPlan plan) {
        return ApiGuard.builder()
                .listener(SecurityEventListener.NONE)
                .step(AccessTokenStep.of(TokenPolicy.builder()
                        .issuer(ISSUER.issuer(), KeySource.fixed(ISSUER.publicJwks()))
                        .audience(ISSUER.defaultAudience())
                        .build()))
                .step(DpopStep.of(DpopPolicy.defaults(), state.replayCache()))
                .step(AnomalyScoringStep.builder(AnomalyPolicy.builder()
                                .mode(AnomalyMode.ENFORCE)
                                .build())
                        .quarantineStore(state.quarantineStore())
                        .build())
                .step(RateLimitStep.builder(RateLimitPolicy.builder().plan(plan).build())
                        .store(state.bucketStore())
                        .build())
                .build();
    }

    static int send(ApiGuard guard, TestRequest request) {
        GuardExchange exchange = guard.exchange(request);
        Decision d = guard.evaluate(exchange);
        int status = d instanceof Decision.Deny deny ? deny.status() : 200;
        guard.completed(exchange, status);
        return status;
    }

    @Test
    void aDpopRequestsReplayCheckJoinsTheBucketScript(RedisServer redis) throws Exception {
        try (RedisGuardState state = RedisGuardState.builder(redis.uri())
                .listener(SecurityEventListener.NONE)
                .build()) {
            ApiGuard guard = dpopChain(state, PLAN);
            DpopKey key = DpopKey.ec();
            String token = ISSUER.token()
                    .clientId("dpop-" + UUID.randomUUID())
                    .boundToDpopKey(key.publicJwk())
                    .sign();
            List<TestRequest> requests = new java.util.ArrayList<>();
            for (int i = 0; i < REQUESTS; i++) {
                requests.add(TestRequest.get("/customers/" + i)
                        .dpop(token, key.proof("GET", "https://localhost/customers/" + i, token)));
            }
            // the first request of the caller reads its quarantine and loads the script
            assertThat(send(guard, requests.get(0))).isEqualTo(200);
            try (RedisMonitor monitor = RedisMonitor.start(redis)) {
                for (TestRequest r : requests.subList(1, REQUESTS)) {
                    assertThat(send(guard, r)).isEqualTo(200);
                }
                List<String> sent = monitor.clientCommands();
                assertThat(sent).containsOnly("evalsha").hasSize(REQUESTS - 1);
            }
            // and the replay check is made: a proof sent again is refused
            assertThat(send(guard, requests.get(5))).isEqualTo(401);
        }
    }

    @Test
    void aReplayedProofTakesNoTokenFromItsOwnersBucket(RedisServer redis) throws Exception {
        // a thief replaying a captured proof at machine speed must not spend the partner's budget
        RateLimitPlan two = RateLimitPlan.simple("two", 2, Duration.ofHours(1));
        try (RedisGuardState state = RedisGuardState.builder(redis.uri())
                .listener(SecurityEventListener.NONE)
                .build()) {
            ApiGuard guard = dpopChain(state, two);
            DpopKey key = DpopKey.ec();
            String token = ISSUER.token()
                    .clientId("replayed-" + UUID.randomUUID())
                    .boundToDpopKey(key.publicJwk())
                    .sign();
            TestRequest captured = TestRequest.get("/customers/1")
                    .dpop(token, key.proof("GET", "https://localhost/customers/1", token));
            assertThat(send(guard, captured)).isEqualTo(200);
            for (int i = 0; i < 20; i++) {
                assertThat(send(guard, captured)).as("replay %d", i).isEqualTo(401);
            }
            TestRequest fresh = TestRequest.get("/customers/2")
                    .dpop(token, key.proof("GET", "https://localhost/customers/2", token));
            assertThat(send(guard, fresh))
                    .as("the partner's second token is still there")
                    .isEqualTo(200);
            TestRequest third = TestRequest.get("/customers/3")
                    .dpop(token, key.proof("GET", "https://localhost/customers/3", token));
            assertThat(send(guard, third)).as("and the bucket holds two").isEqualTo(429);
        }
    }

    @Test
    void withoutTheNearCacheEachRequestIsTwo(RedisServer redis) throws Exception {
        try (RedisGuardState state = RedisGuardState.builder(redis.uri())
                .listener(SecurityEventListener.NONE)
                .nearCache(Duration.ZERO)
                .build()) {
            ApiGuard guard = chain(state, "two-trips-" + UUID.randomUUID());
            List<String> sent = commandsOf(redis, state, guard);
            assertThat(sent.stream().filter("get"::equals)).hasSize(REQUESTS);
            assertThat(sent.stream().filter("evalsha"::equals)).hasSize(REQUESTS);
        }
    }
}
