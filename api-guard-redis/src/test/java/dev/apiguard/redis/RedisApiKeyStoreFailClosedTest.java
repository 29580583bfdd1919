package dev.apiguard.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apiguard.ApiGuard;
import dev.apiguard.apikey.ApiKeyRecord;
import dev.apiguard.apikey.ApiKeyStore;
import dev.apiguard.apikey.ApiKeys;
import dev.apiguard.event.SecurityEvent;
import dev.apiguard.event.SecurityEventType;
import dev.apiguard.test.RecordingListener;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Redis killed: the API key store refuses, within the command timeout, whatever the bucket failure policy. */
@ExtendWith(RedisServerExtension.class)
class RedisApiKeyStoreFailClosedTest {

    private static final Duration TIMEOUT = Duration.ofMillis(500);
    // generous: the timeout plus scheduling noise on a busy CI machine
    private static final Duration NEVER_LONGER = TIMEOUT.plusMillis(1500);

    private static <T> T timed(Supplier<T> call) {
        long t0 = System.nanoTime();
        T result = call.get();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(NEVER_LONGER);
        return result;
    }

    @Test
    void withRedisKilledFindIsEmptyAndEveryKeyCountsAsRevokedEvenUnderFailOpen(RedisServer redis) throws Exception {
        killedRedisRefuses(redis, RedisFailurePolicy.OPEN);
    }

    @Test
    void andSoUnderFailClosed() throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            killedRedisRefuses(redis, RedisFailurePolicy.CLOSED);
        }
    }

    private static void killedRedisRefuses(RedisServer redis, RedisFailurePolicy policy) throws Exception {
        RecordingListener events = new RecordingListener();
        try (RedisGuardState state = RedisGuardState.builder(redis.uri())
                .commandTimeout(TIMEOUT)
                .failurePolicy(policy)
                .listener(events)
                .build()) {
            ApiKeyStore store = state.apiKeyStore();
            String key = ApiKeys.generate();
            String hash = ApiKeys.sha256Hex(key);
            String keyId = ApiKeys.keyId(hash);
            Instant now = Instant.now();
            store.register(ApiKeyRecord.of(
                    hash,
                    "legacy-partner",
                    Set.of("customers:read"),
                    now.minus(Duration.ofDays(1)),
                    now.plus(Duration.ofDays(30))));
            ApiGuard guard = ApiKeyStoreContract.guardOver(store, events);
            assertThat(ApiKeyStoreContract.status(guard, key)).isEqualTo(200);

            redis.kill();
            for (int i = 0; i < 10; i++) {
                assertThat(timed(() -> store.find(keyId)))
                        .as("find, call %d", i)
                        .isEmpty();
                assertThat(timed(() -> store.isRevoked(keyId)))
                        .as("isRevoked, call %d", i)
                        .isTrue();
                assertThat(timed(() -> ApiKeyStoreContract.status(guard, key)))
                        .as("request %d", i)
                        .isEqualTo(401);
            }
            assertThatThrownBy(() -> timed(() -> store.revoke(keyId)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("redis");
            assertThat(state.isUnavailable()).isTrue();
            // refused as a key (401), not as a failed step (503)
            assertThat(events.types())
                    .containsOnlyOnce(SecurityEventType.STORE_UNAVAILABLE)
                    .doesNotContain(SecurityEventType.STEP_FAILED);
            for (SecurityEvent e : events.events()) {
                assertThat(e.toString()).doesNotContain(key).doesNotContain(hash);
            }
        }
    }
}
