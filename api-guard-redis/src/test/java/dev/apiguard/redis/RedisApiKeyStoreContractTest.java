package dev.apiguard.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apiguard.ApiGuard;
import dev.apiguard.apikey.ApiKeyRecord;
import dev.apiguard.apikey.ApiKeyStore;
import dev.apiguard.apikey.ApiKeys;
import dev.apiguard.event.SecurityEventListener;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(RedisServerExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisApiKeyStoreContractTest extends ApiKeyStoreContract {

    private RedisGuardState nodeA;
    private RedisGuardState nodeB;
    private RedisClient rawClient;
    private StatefulRedisConnection<String, String> rawConnection;

    @BeforeAll
    void connect(RedisServer server) {
        nodeA = RedisGuardState.builder(server.uri())
                .listener(SecurityEventListener.NONE)
                .build();
        nodeB = RedisGuardState.builder(server.uri())
                .listener(SecurityEventListener.NONE)
                .build();
        rawClient = RedisClient.create(server.uri());
        rawConnection = rawClient.connect();
    }

    @AfterAll
    void close() {
        if (rawConnection != null) {
            rawConnection.close();
            rawClient.shutdown();
        }
        if (nodeA != null) {
            nodeA.close();
        }
        if (nodeB != null) {
            nodeB.close();
        }
    }

    @Override
    protected ApiKeyStore store() {
        return nodeA.apiKeyStore();
    }

    private RedisCommands<String, String> redis() {
        return rawConnection.sync();
    }

    @Test
    void aSecondNodeFindsTheKeyAndSeesItsRevocationAtOnce() {
        ApiKeyRecord r = validRecord(key);
        nodeA.apiKeyStore().register(r);
        assertThat(nodeB.apiKeyStore().find(keyId)).contains(r);
        assertThat(nodeB.apiKeyStore().isRevoked(keyId)).isFalse();

        assertThat(nodeA.apiKeyStore().revoke(keyId)).isTrue();
        assertThat(nodeB.apiKeyStore().isRevoked(keyId)).isTrue();
    }

    @Test
    void aKeyRevokedOnNodeAIsRefusedByTheStepOnNodeBOnTheNextRequest() {
        ApiGuard a = guardOver(nodeA.apiKeyStore(), SecurityEventListener.NONE);
        ApiGuard b = guardOver(nodeB.apiKeyStore(), SecurityEventListener.NONE);
        nodeA.apiKeyStore().register(validRecord(key));
        assertThat(status(a, key)).isEqualTo(200);
        assertThat(status(b, key)).isEqualTo(200);

        nodeA.apiKeyStore().revoke(keyId);
        assertThat(status(b, key)).isEqualTo(401);
        assertThat(status(a, key)).isEqualTo(401);
    }

    @Test
    void theRecordHoldsTheHashNeverTheKeyAndBothEntriesExpireWithTheRecord() {
        ApiKeyRecord r = validRecord(key);
        store().register(r);
        String recordKey = "apiguard:key:{" + keyId + "}";
        Map<String, String> stored = redis().hgetall(recordKey);
        assertThat(stored)
                .containsEntry(RedisApiKeyStore.F_SHA256, r.sha256Hex())
                .containsEntry(RedisApiKeyStore.F_CLIENT, "legacy-partner")
                .containsEntry(RedisApiKeyStore.F_EXPIRES, r.expiresAt().toString());
        assertThat(stored.values()).noneMatch(v -> v.contains(key));
        long untilExpiry =
                Duration.between(java.time.Instant.now(), r.expiresAt()).toMillis();
        assertThat(redis().pttl(recordKey)).isPositive().isLessThanOrEqualTo(untilExpiry + 1000);

        store().revoke(keyId);
        String revokedKey = "apiguard:key-revoked:{" + keyId + "}";
        assertThat(redis().pttl(revokedKey)).isPositive().isLessThanOrEqualTo(redis().pttl(recordKey) + 1000);
    }

    @Test
    void aRecordIsGoneFromRedisOnceItExpires() throws InterruptedException {
        ApiKeyRecord r = record(
                key, now.minus(Duration.ofDays(1)), java.time.Instant.now().plusMillis(300));
        store().register(r);
        assertThat(store().find(keyId)).contains(r);
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (store().find(keyId).isPresent() && System.nanoTime() < deadline) {
            Thread.sleep(50); // waiting for Redis to expire the key
        }
        assertThat(store().find(keyId)).isEmpty();
        assertThat(redis().exists("apiguard:key:{" + keyId + "}")).isZero();
    }

    @Test
    void aStoreWithAShorterMaximumRefusesLongerKeys() {
        ApiKeyStore shortLived = nodeA.apiKeyStore(Duration.ofDays(30));
        assertThatThrownBy(() -> shortLived.register(record(key, now, now.plus(Duration.ofDays(31)))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxLifetime");
        assertThatThrownBy(() -> nodeA.apiKeyStore(Duration.ofHours(1))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aScopeWithWhiteSpaceCannotBeStored() {
        ApiKeyRecord r = ApiKeyRecord.of(ApiKeys.sha256Hex(key), "p", Set.of("a b"), now, now.plus(Duration.ofDays(1)));
        assertThatThrownBy(() -> store().register(r)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void corruptedEntriesAreRefusedNotThrown() {
        String recordKey = "apiguard:key:{" + keyId + "}";
        String hash = ApiKeys.sha256Hex(key);
        String otherHash = ApiKeys.sha256Hex(ApiKeys.generate());
        Map<String, String> good = Map.of(
                RedisApiKeyStore.F_SHA256,
                hash,
                RedisApiKeyStore.F_CLIENT,
                "p",
                RedisApiKeyStore.F_SCOPES,
                "a",
                RedisApiKeyStore.F_ISSUED,
                now.toString(),
                RedisApiKeyStore.F_EXPIRES,
                now.plus(Duration.ofDays(1)).toString());
        redis().hset(recordKey, good);
        assertThat(store().find(keyId)).isPresent();

        for (Map.Entry<String, String> bad : Map.of(
                        RedisApiKeyStore.F_SHA256, otherHash,
                        RedisApiKeyStore.F_CLIENT, " ",
                        RedisApiKeyStore.F_SCOPES, "a  b",
                        RedisApiKeyStore.F_ISSUED, "yesterday",
                        RedisApiKeyStore.F_EXPIRES,
                                now.minus(Duration.ofDays(1)).toString())
                .entrySet()) {
            redis().del(recordKey);
            redis().hset(recordKey, good);
            redis().hset(recordKey, bad.getKey(), bad.getValue());
            assertThat(store().find(keyId)).as("with %s", bad.getKey()).isEmpty();
        }
        redis().del(recordKey);
        redis().hset(recordKey, Map.of(RedisApiKeyStore.F_SHA256, hash));
        assertThat(store().find(keyId)).as("a field missing").isEmpty();

        redis().del(recordKey);
        redis().set(recordKey, "not a hash");
        assertThat(store().find(keyId)).as("another type").isEmpty();
        assertThat(status(guardOver(store(), SecurityEventListener.NONE), key)).isEqualTo(401);
        assertThat(nodeA.isUnavailable())
                .as("a corrupted entry is not an outage")
                .isFalse();
        redis().del(recordKey);
    }
}
