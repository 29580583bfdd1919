package dev.apiguard.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apiguard.ApiGuard;
import dev.apiguard.Decision;
import dev.apiguard.QuarantineStore;
import dev.apiguard.ReplayCache;
import dev.apiguard.anomaly.AnomalyMode;
import dev.apiguard.anomaly.AnomalyPolicy;
import dev.apiguard.anomaly.AnomalyScoringStep;
import dev.apiguard.apikey.ApiKeyRecord;
import dev.apiguard.apikey.ApiKeys;
import dev.apiguard.event.SecurityEventType;
import dev.apiguard.ratelimit.BucketStore;
import dev.apiguard.ratelimit.RateLimitPlan;
import dev.apiguard.test.RecordingListener;
import dev.apiguard.test.TestRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every Redis-backed store (buckets, replay cache, quarantine list, API keys) against a real
 * {@code redis-server} that is killed, paused ({@code CLIENT PAUSE}, a server that accepts
 * connections but answers nothing) and restarted on the same port: each answers by its failure
 * policy within the command timeout, and all return to normal without a new
 * {@link RedisGuardState}. {@link FailurePolicyTest} does the same for the rate limit through the
 * guard.
 *
 * <p>Elapsed times are asserted only against a bound of several times the 500 ms command timeout,
 * where the fault would otherwise hold the call for the 12 s pause or forever.
 */
@ExtendWith(RedisServerCondition.class)
class RedisFaultsTest {

    private static final Duration TIMEOUT = Duration.ofMillis(500);
    // generous: the timeout plus scheduling noise on a busy two-core machine
    private static final Duration NEVER_LONGER = TIMEOUT.plusMillis(2500);
    /** Long enough for every assertion of the paused state to run inside it on a busy machine (about 2 s unloaded). */
    private static final Duration PAUSE = Duration.ofSeconds(12);

    private final RateLimitPlan plan = RateLimitPlan.simple("p", 3, Duration.ofHours(1));

    @BeforeAll
    static void needsRedis() {
        RedisServerExtension.requireBinary();
    }

    private static <T> T timed(Supplier<T> call) {
        long t0 = System.nanoTime();
        T result = call.get();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(NEVER_LONGER);
        return result;
    }

    private static void until(BooleanSupplier condition, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            if (timed(condition::getAsBoolean)) {
                return;
            }
        }
        throw new AssertionError("not recovered within " + within);
    }

    /** A guard whose only step looks the caller up in the quarantine list. */
    private static ApiGuard quarantineGuard(QuarantineStore store, String caller) {
        AnomalyScoringStep anomaly = AnomalyScoringStep.builder(
                        AnomalyPolicy.builder().mode(AnomalyMode.ENFORCE).build())
                .quarantineStore(store)
                .build();
        return ApiGuard.builder()
                .listener(dev.apiguard.event.SecurityEventListener.NONE)
                .step(TwoNodesTest.authenticatesAs(caller))
                .step(anomaly)
                .build();
    }

    private static int status(ApiGuard guard) {
        Decision d = guard.evaluate(guard.exchange(TestRequest.get("/customers")));
        return d instanceof Decision.Deny deny ? deny.status() : 200;
    }

    /** What each store answers while Redis is unreachable, as its failure policy says. */
    private void assertFailurePolicy(
            RedisGuardState state, RedisFailurePolicy policy, String bucketKey, String quarantined, String apiKey) {
        BucketStore buckets = state.bucketStore();
        ReplayCache replay = state.replayCache();
        QuarantineStore quarantine = state.quarantineStore();
        ApiGuard quarantineGuard = quarantineGuard(quarantine, quarantined);
        ApiGuard keyGuard =
                ApiKeyStoreContract.guardOver(state.apiKeyStore(), dev.apiguard.event.SecurityEventListener.NONE);
        Instant now = Instant.now();
        for (int i = 0; i < 3; i++) {
            BucketStore.Status bucket = timed(
                            () -> buckets.tryConsume(bucketKey, plan.configuration(), 1000, Instant.now()))
                    .status();
            assertThat(bucket)
                    .as("bucket, call %d", i)
                    .isEqualTo(
                            policy == RedisFailurePolicy.OPEN
                                    ? BucketStore.Status.BYPASSED
                                    : BucketStore.Status.UNAVAILABLE);
            // a replay check that cannot be made is never passed, whatever the policy
            assertThat(timed(() -> replay.firstUse("jti-" + UUID.randomUUID(), now.plusSeconds(60), now)))
                    .as("replay cache, call %d", i)
                    .isEqualTo(ReplayCache.Outcome.UNAVAILABLE);
            if (policy == RedisFailurePolicy.OPEN) {
                assertThat(timed(() -> quarantine.quarantinedUntil(TwoNodesTest.key(quarantined), now)))
                        .as("quarantine, call %d", i)
                        .isEmpty();
                assertThat(timed(() -> status(quarantineGuard)))
                        .as("quarantined caller, request %d", i)
                        .isEqualTo(200);
            } else {
                assertThatThrownBy(() -> timed(() -> quarantine.quarantinedUntil(TwoNodesTest.key(quarantined), now)))
                        .isInstanceOf(dev.apiguard.StoreUnavailableException.class);
                assertThat(timed(() -> status(quarantineGuard)))
                        .as("quarantined caller, request %d", i)
                        .isEqualTo(503);
            }
            // API keys fail closed whatever the policy
            assertThat(timed(() -> ApiKeyStoreContract.status(keyGuard, apiKey)))
                    .as("API key, request %d", i)
                    .isEqualTo(401);
        }
    }

    /** Registers a key, quarantines a caller and fills a bucket; checks each works. */
    private String[] seed(RedisGuardState state) {
        String bucketKey = "caller:" + UUID.randomUUID();
        String quarantined = "scraper-" + UUID.randomUUID();
        String apiKey = ApiKeys.generate();
        Instant now = Instant.now();
        state.apiKeyStore()
                .register(ApiKeyRecord.of(
                        ApiKeys.sha256Hex(apiKey),
                        "legacy-partner",
                        Set.of("customers:read"),
                        now.minus(Duration.ofDays(1)),
                        now.plus(Duration.ofDays(30))));
        state.quarantineStore().quarantine(TwoNodesTest.key(quarantined), now.plus(Duration.ofHours(1)), now);
        assertThat(status(quarantineGuard(state.quarantineStore(), quarantined)))
                .isEqualTo(429);
        assertThat(ApiKeyStoreContract.status(
                        ApiKeyStoreContract.guardOver(
                                state.apiKeyStore(), dev.apiguard.event.SecurityEventListener.NONE),
                        apiKey))
                .isEqualTo(200);
        for (int i = 0; i < 3; i++) {
            assertThat(state.bucketStore()
                            .tryConsume(bucketKey, plan.configuration(), 1000, Instant.now())
                            .status())
                    .isEqualTo(BucketStore.Status.CONSUMED);
        }
        assertThat(state.bucketStore()
                        .tryConsume(bucketKey, plan.configuration(), 1000, Instant.now())
                        .status())
                .isEqualTo(BucketStore.Status.REJECTED);
        return new String[] {bucketKey, quarantined, apiKey};
    }

    @Test
    void killedRedisUnderFailOpenThenRestartedOnTheSamePort() throws Exception {
        killedThenRestarted(RedisFailurePolicy.OPEN);
    }

    @Test
    void killedRedisUnderFailClosedThenRestartedOnTheSamePort() throws Exception {
        killedThenRestarted(RedisFailurePolicy.CLOSED);
    }

    @Test
    void pausedRedisUnderFailOpen() throws Exception {
        paused(RedisFailurePolicy.OPEN);
    }

    @Test
    void pausedRedisUnderFailClosed() throws Exception {
        paused(RedisFailurePolicy.CLOSED);
    }

    /** Each store answers by the policy while Redis is dead; a restart on the same port restores them all. */
    private void killedThenRestarted(RedisFailurePolicy policy) throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            RecordingListener events = new RecordingListener();
            try (RedisGuardState state = RedisGuardState.builder(redis.uri())
                    .commandTimeout(TIMEOUT)
                    .connectTimeout(Duration.ofSeconds(10))
                    .failurePolicy(policy)
                    .listener(events)
                    .build()) {
                String[] seeded = seed(state);

                redis.kill();
                assertFailurePolicy(state, policy, seeded[0], seeded[1], seeded[2]);
                assertThat(events.types()).containsOnlyOnce(SecurityEventType.STORE_UNAVAILABLE);

                // an empty Redis (no persistence) on the same port: the same state object recovers
                redis.launch();
                Instant now = Instant.now();
                until(
                        () -> state.replayCache().firstUse("jti-" + UUID.randomUUID(), now.plusSeconds(60), now)
                                == ReplayCache.Outcome.FIRST_USE,
                        Duration.ofSeconds(20));
                assertThat(events.types()).contains(SecurityEventType.STORE_RECOVERED);
                assertThat(state.isUnavailable()).isFalse();

                // what the crash lost is gone, and every store enforces again
                String jti = "jti-" + UUID.randomUUID();
                assertThat(state.replayCache().firstUse(jti, now.plusSeconds(60), now))
                        .isEqualTo(ReplayCache.Outcome.FIRST_USE);
                assertThat(state.replayCache().firstUse(jti, now.plusSeconds(60), now))
                        .isEqualTo(ReplayCache.Outcome.REPLAYED);
                String[] again = seed(state);
                assertThat(again[0]).isNotEqualTo(seeded[0]);
                // keys registered before the crash are lost with it: refused, never accepted
                assertThat(ApiKeyStoreContract.status(
                                ApiKeyStoreContract.guardOver(
                                        state.apiKeyStore(), dev.apiguard.event.SecurityEventListener.NONE),
                                seeded[2]))
                        .isEqualTo(401);
            }
        }
    }

    /** Each store answers by the policy within the command timeout while Redis is paused, and resumes after. */
    private void paused(RedisFailurePolicy policy) throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            RecordingListener events = new RecordingListener();
            try (RedisGuardState state = RedisGuardState.builder(redis.uri())
                    .commandTimeout(TIMEOUT)
                    .connectTimeout(Duration.ofSeconds(10))
                    .failurePolicy(policy)
                    .listener(events)
                    .build()) {
                String[] seeded = seed(state);

                redis.pauseClients(PAUSE);
                assertFailurePolicy(state, policy, seeded[0], seeded[1], seeded[2]);
                assertThat(events.types()).containsOnlyOnce(SecurityEventType.STORE_UNAVAILABLE);

                // the pause ends by itself; nothing was lost, and limits apply again
                until(
                        () -> state.bucketStore()
                                        .tryConsume(seeded[0], plan.configuration(), 1000, Instant.now())
                                        .status()
                                == BucketStore.Status.REJECTED,
                        PAUSE.plusSeconds(20));
                assertThat(events.types()).contains(SecurityEventType.STORE_RECOVERED);
                assertThat(status(quarantineGuard(state.quarantineStore(), seeded[1])))
                        .isEqualTo(429);
                assertThat(ApiKeyStoreContract.status(
                                ApiKeyStoreContract.guardOver(
                                        state.apiKeyStore(), dev.apiguard.event.SecurityEventListener.NONE),
                                seeded[2]))
                        .isEqualTo(200);
                Instant now = Instant.now();
                String jti = "jti-" + UUID.randomUUID();
                assertThat(state.replayCache().firstUse(jti, now.plusSeconds(60), now))
                        .isEqualTo(ReplayCache.Outcome.FIRST_USE);
                assertThat(state.replayCache().firstUse(jti, now.plusSeconds(60), now))
                        .isEqualTo(ReplayCache.Outcome.REPLAYED);
            }
        }
    }
}
