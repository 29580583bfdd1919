package dev.apiguard.apikey.internal;

import dev.apiguard.apikey.ApiKeyRecord;
import dev.apiguard.apikey.ApiKeyStore;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The in-process {@link ApiKeyStore}. Its size is what the operator registers, never what clients
 * send: revoking an unknown id records nothing. Thread-safe.
 */
public final class LocalApiKeyStore implements ApiKeyStore {

    private static final Duration MIN = Duration.ofDays(1);
    private static final Duration MAX = Duration.ofDays(5 * 366);

    private final Duration maxLifetime;
    private final Map<String, ApiKeyRecord> keys = new ConcurrentHashMap<>();
    private final Set<String> revoked = ConcurrentHashMap.newKeySet();

    public LocalApiKeyStore(Duration maxLifetime) {
        Objects.requireNonNull(maxLifetime, "maxLifetime cannot be null");
        if (maxLifetime.compareTo(MIN) < 0 || maxLifetime.compareTo(MAX) > 0) {
            throw new IllegalArgumentException("maxLifetime must be between 1 day and 5 years: " + maxLifetime);
        }
        this.maxLifetime = maxLifetime;
    }

    @Override
    public Optional<ApiKeyRecord> find(String keyId) {
        return keyId == null ? Optional.empty() : Optional.ofNullable(keys.get(keyId));
    }

    @Override
    public void register(ApiKeyRecord key) {
        Objects.requireNonNull(key, "key cannot be null");
        Duration lifetime = Duration.between(key.issuedAt(), key.expiresAt());
        if (lifetime.compareTo(maxLifetime) > 0) {
            throw new IllegalArgumentException("maxLifetime: API key " + key.keyId() + " of " + key.clientId()
                    + " lives " + lifetime.toDays() + " days, longer than the maximum of "
                    + maxLifetime.toDays() + " days");
        }
        if (keys.putIfAbsent(key.keyId(), key) != null) {
            throw new IllegalArgumentException("API key " + key.keyId() + " is registered twice");
        }
    }

    @Override
    public boolean revoke(String keyId) {
        if (keyId == null || !keys.containsKey(keyId)) {
            return false;
        }
        revoked.add(keyId);
        return true;
    }

    @Override
    public boolean isRevoked(String keyId) {
        return revoked.contains(keyId);
    }

    @Override
    public String toString() {
        return "LocalApiKeyStore[keys=" + keys.size() + ", revoked=" + revoked.size() + "]";
    }
}
