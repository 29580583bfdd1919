package dev.apiguard.apikey;

import dev.apiguard.apikey.internal.LocalApiKeyStore;
import java.time.Duration;
import java.util.Optional;

/**
 * Where API key records live (SPI). The default, {@link #inMemory()}, holds them in this process;
 * a store shared by a cluster (Redis) implements the same contract so that a revocation on one
 * node takes effect on every node at once.
 *
 * <p>Contract: implementations are thread-safe; {@link #find} and {@link #isRevoked} are called
 * on the request thread and must be fast (a shared store needs a timeout; a store that cannot
 * answer either throws, which the guard turns into 503, or refuses the key — empty from
 * {@link #find}, {@code true} from {@link #isRevoked} — as the Redis store does; it never lets a
 * key through unchecked). A store holds hashes, never keys.
 */
public interface ApiKeyStore {

    /** The longest lifetime a key may have unless configured otherwise: 365 days. */
    Duration DEFAULT_MAX_LIFETIME = Duration.ofDays(365);

    /** The record of the key with this id, or empty. */
    Optional<ApiKeyRecord> find(String keyId);

    /**
     * Adds a key.
     *
     * @throws IllegalArgumentException when the key lives longer than the store's maximum
     *     lifetime ({@code expiresAt − issuedAt}), or its id is already registered
     */
    void register(ApiKeyRecord key);

    /** Revokes a key; from the moment this returns, the key is refused. Returns whether it was known. */
    boolean revoke(String keyId);

    /** Whether the key with this id has been revoked. */
    boolean isRevoked(String keyId);

    /** An in-process store whose keys may live at most {@link #DEFAULT_MAX_LIFETIME}. */
    static ApiKeyStore inMemory() {
        return inMemory(DEFAULT_MAX_LIFETIME);
    }

    /** An in-process store whose keys may live at most {@code maxLifetime} (1 day to 5 years). */
    static ApiKeyStore inMemory(Duration maxLifetime) {
        return new LocalApiKeyStore(maxLifetime);
    }
}
