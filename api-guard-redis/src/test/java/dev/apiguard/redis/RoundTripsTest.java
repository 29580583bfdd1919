package dev.apiguard.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.ApiGuard;
import dev.apiguard.GuardExchange;
import dev.apiguard.anomaly.AnomalyMode;
import dev.apiguard.anomaly.AnomalyPolicy;
import dev.apiguard.anomaly.AnomalyScoringStep;
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.ratelimit.RateLimitPlan;
import dev.apiguard.ratelimit.RateLimitPolicy;
import dev.apiguard.ratelimit.RateLimitStep;
import dev.apiguard.test.TestRequest;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What a verified caller's request asks Redis, over a chain that reads the quarantine and takes
 * from the bucket: one round trip (the bucket script) once its node knows the caller, where it took
 * two (a quarantine {@code GET}, then the script) without the near cache.
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
