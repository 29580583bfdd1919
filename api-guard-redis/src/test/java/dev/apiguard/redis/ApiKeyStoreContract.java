package dev.apiguard.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apiguard.ApiGuard;
import dev.apiguard.Decision;
import dev.apiguard.apikey.ApiKeyRecord;
import dev.apiguard.apikey.ApiKeyStep;
import dev.apiguard.apikey.ApiKeyStore;
import dev.apiguard.apikey.ApiKeys;
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.test.TestRequest;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every {@link ApiKeyStore} does: local and Redis alike. Stores use the default maximum lifetime. */
abstract class ApiKeyStoreContract {

    protected abstract ApiKeyStore store();

    protected final Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    protected String key;
    protected String keyId;

    @BeforeEach
    void freshKey() {
        // a fresh key per test: one store instance may serve every test of a class
        key = ApiKeys.generate();
        keyId = ApiKeys.keyId(ApiKeys.sha256Hex(key));
    }

    protected ApiKeyRecord record(String theKey, Instant issued, Instant expires) {
        return ApiKeyRecord.of(
                ApiKeys.sha256Hex(theKey), "legacy-partner", Set.of("customers:read", "orders:write"), issued, expires);
    }

    protected ApiKeyRecord validRecord(String theKey) {
        return record(theKey, now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(30)));
    }

    static ApiGuard guardOver(ApiKeyStore store, SecurityEventListener listener) {
        return ApiGuard.builder()
                .listener(listener)
                .step(ApiKeyStep.builder(store)
                        .deprecation(Instant.parse("2025-01-01T00:00:00Z"))
                        .sunset(Instant.parse("2030-01-01T00:00:00Z"))
                        .build())
                .build();
    }

    static int status(ApiGuard guard, String key) {
        Decision d = guard.evaluate(guard.exchange(TestRequest.get("/customers").header(ApiKeyStep.HEADER, key)));
        return d instanceof Decision.Deny deny ? deny.status() : 200;
    }

    @Test
    void aRegisteredKeyIsFoundByItsIdAsRegistered() {
        ApiKeyRecord r = validRecord(key);
        store().register(r);
        assertThat(store().find(keyId)).contains(r);
        assertThat(store().isRevoked(keyId)).isFalse();
    }

    @Test
    void aRecordWithoutScopesReadsBackWithoutScopes() {
        ApiKeyRecord r =
                ApiKeyRecord.of(ApiKeys.sha256Hex(key), "no-scopes", Set.of(), now, now.plus(Duration.ofDays(2)));
        store().register(r);
        assertThat(store().find(keyId)).contains(r);
    }

    @Test
    void anUnknownIdIsEmptyNotRevokedAndCannotBeRevoked() {
        assertThat(store().find(keyId)).isEmpty();
        assertThat(store().isRevoked(keyId)).isFalse();
        assertThat(store().revoke(keyId)).isFalse();
        assertThat(store().isRevoked(keyId))
                .as("revoking an unknown id records nothing")
                .isFalse();
    }

    @Test
    void aRevocationTakesEffectAtOnce() {
        store().register(validRecord(key));
        assertThat(store().revoke(keyId)).isTrue();
        assertThat(store().isRevoked(keyId)).isTrue();
        assertThat(store().revoke(keyId)).as("revoking twice").isTrue();
        assertThat(store().isRevoked(keyId)).isTrue();
    }

    @Test
    void aKeyLivingLongerThanTheMaximumIsRefusedAtRegister() {
        ApiKeyRecord tooLong =
                record(key, now, now.plus(ApiKeyStore.DEFAULT_MAX_LIFETIME).plusSeconds(1));
        assertThatThrownBy(() -> store().register(tooLong))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxLifetime")
                .hasMessageNotContaining(key);
        assertThat(store().find(keyId)).isEmpty();

        ApiKeyRecord longest = record(key, now, now.plus(ApiKeyStore.DEFAULT_MAX_LIFETIME));
        store().register(longest);
        assertThat(store().find(keyId)).contains(longest);
    }

    @Test
    void aKeyRegisteredTwiceIsRefused() {
        store().register(validRecord(key));
        ApiKeyRecord again = record(key, now, now.plus(Duration.ofDays(2)));
        assertThatThrownBy(() -> store().register(again))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("registered twice");
        assertThat(store().find(keyId)).contains(validRecord(key));
    }

    @Test
    void anExpiredRecordIsNeverUsable() {
        // registering an expired key is not an error (a key file keeps expired lines)
        store().register(record(key, now.minus(Duration.ofDays(2)), now.minus(Duration.ofDays(1))));
        Optional<ApiKeyRecord> found = store().find(keyId);
        // the local store keeps it (the step refuses it as expired); Redis has let it expire
        assertThat(found.isEmpty() || found.get().isExpiredAt(Instant.now()))
                .as("expired record found and not expired: %s", found)
                .isTrue();
        assertThat(status(guardOver(store(), SecurityEventListener.NONE), key)).isEqualTo(401);
    }

    @Test
    void theStepAcceptsARegisteredKeyAndRefusesItOnceRevoked() {
        store().register(validRecord(key));
        ApiGuard guard = guardOver(store(), SecurityEventListener.NONE);
        assertThat(status(guard, key)).isEqualTo(200);
        store().revoke(keyId);
        assertThat(status(guard, key)).isEqualTo(401);
    }
}
