package dev.apiguard.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.ApiGuard;
import dev.apiguard.Decision;
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.event.SecurityEventType;
import dev.apiguard.ratelimit.RateLimitPlan;
import dev.apiguard.test.RecordingListener;
import dev.apiguard.test.TestRequest;
import dev.apiguard.test.fixtures.DpopKey;
import java.time.Duration;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** docs/security-cases.md E5: Redis killed mid-run, then restarted on the same port. */
@ExtendWith(RedisServerCondition.class)
class FailurePolicyTest {

    private static final Duration TIMEOUT = Duration.ofMillis(500);
    // generous: the timeout plus scheduling noise on a busy CI machine
    private static final Duration NEVER_LONGER = TIMEOUT.plusMillis(1500);

    private final RateLimitPlan plan = RateLimitPlan.simple("p", 3, Duration.ofMinutes(10));

    @BeforeAll
    static void needsRedis() {
        RedisServerExtension.requireBinary();
    }

    private static Decision timed(ApiGuard guard) {
        long t0 = System.nanoTime();
        Decision d = guard.evaluate(guard.exchange(TestRequest.get("/customers")));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(NEVER_LONGER);
        return d;
    }

    private static void until(ApiGuard guard, Predicate<Decision> condition, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.test(timed(guard))) {
                return;
            }
        }
        throw new AssertionError("condition not met within " + within);
    }

    private static int status(Decision d) {
        return d instanceof Decision.Deny deny ? deny.status() : 200;
    }

    @Test
    void failOpenLetsRequestsThroughAndLimitingResumesWhenRedisReturns() throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            RecordingListener events = new RecordingListener();
            try (RedisGuardState state = RedisGuardState.builder(redis.uri())
                    .commandTimeout(TIMEOUT)
                    .failurePolicy(RedisFailurePolicy.OPEN)
                    .listener(events)
                    .build()) {
                ApiGuard guard = TwoNodesTest.node(state, plan, "partner-a");
                for (int i = 0; i < 3; i++) {
                    assertThat(timed(guard).isAllowed()).isTrue();
                }
                assertThat(status(timed(guard))).isEqualTo(429);

                redis.kill();
                for (int i = 0; i < 20; i++) {
                    assertThat(timed(guard).isAllowed())
                            .as("fail open, request %d", i)
                            .isTrue();
                }
                assertThat(events.types()).containsOnlyOnce(SecurityEventType.STORE_UNAVAILABLE);

                redis.launch(); // an empty Redis on the same port: the bucket starts full again
                until(guard, d -> status(d) == 429, Duration.ofSeconds(15));
                assertThat(events.types()).containsOnlyOnce(SecurityEventType.STORE_RECOVERED);
            }
        }
    }

    @Test
    void failClosedRefusesWith503AndRetryAfterWithinTheTimeout() throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            RecordingListener events = new RecordingListener();
            try (RedisGuardState state = RedisGuardState.builder(redis.uri())
                    .commandTimeout(TIMEOUT)
                    .failurePolicy(RedisFailurePolicy.CLOSED)
                    .listener(events)
                    .build()) {
                ApiGuard guard = TwoNodesTest.node(state, plan, "partner-b");
                assertThat(timed(guard).isAllowed()).isTrue();

                redis.kill();
                for (int i = 0; i < 20; i++) {
                    Decision d = timed(guard);
                    assertThat(status(d)).as("fail closed, request %d", i).isEqualTo(503);
                    assertThat(((Decision.Deny) d).headers()).containsEntry("Retry-After", "1");
                }
                assertThat(events.types()).containsOnlyOnce(SecurityEventType.STORE_UNAVAILABLE);

                redis.launch();
                until(guard, Decision::isAllowed, Duration.ofSeconds(15));
                assertThat(events.types()).contains(SecurityEventType.STORE_RECOVERED);
            }
        }
    }

    @Test
    void failOpenNeverPassesADpopProofWhoseReplayCheckCannotBeMade() throws Exception {
        // the replay check joins the bucket script; when Redis is gone the bucket fails open, the
        // replay check does not: a proof that cannot be recorded as used is never accepted
        try (RedisServer redis = RedisServer.start()) {
            try (RedisGuardState state = RedisGuardState.builder(redis.uri())
                    .commandTimeout(TIMEOUT)
                    .failurePolicy(RedisFailurePolicy.OPEN)
                    .listener(SecurityEventListener.NONE)
                    .build()) {
                ApiGuard guard =
                        RoundTripsTest.dpopChain(state, RateLimitPlan.simple("roomy", 1_000, Duration.ofMinutes(1)));
                DpopKey key = DpopKey.ec();
                String token = RoundTripsTest.ISSUER
                        .token()
                        .clientId("dpop-open-" + java.util.UUID.randomUUID())
                        .boundToDpopKey(key.publicJwk())
                        .sign();
                java.util.function.IntFunction<TestRequest> fresh = i -> TestRequest.get("/customers/" + i)
                        .dpop(token, key.proof("GET", "https://localhost/customers/" + i, token));
                assertThat(RoundTripsTest.send(guard, fresh.apply(0))).isEqualTo(200);

                redis.kill();
                for (int i = 1; i <= 5; i++) {
                    long t0 = System.nanoTime();
                    assertThat(RoundTripsTest.send(guard, fresh.apply(i)))
                            .as("request %d", i)
                            .isEqualTo(401);
                    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(NEVER_LONGER);
                }
            }
        }
    }
}
