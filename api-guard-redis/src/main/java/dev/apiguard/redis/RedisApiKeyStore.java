package dev.apiguard.redis;

import dev.apiguard.apikey.ApiKeyRecord;
import dev.apiguard.apikey.ApiKeyStore;
import dev.apiguard.redis.internal.Availability;
import dev.apiguard.redis.internal.Connection;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.ScriptOutputType;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link ApiKeyStore} in Redis, shared by every app node that uses the same Redis: a key
 * registered or revoked on one node is found, or refused, on every node from the next request on.
 *
 * <p>Layout (with the default prefix):
 * <ul>
 *   <li>{@code apiguard:key:{<keyId>}}: a hash with the fields {@code sha256} (the lower-case hex
 *       SHA-256 of the key, never the key), {@code client}, {@code scopes} (space-separated),
 *       {@code issued} and {@code expires} (ISO-8601 instants); it expires at the record's expiry
 *       ({@code PEXPIREAT}), so a record whose expiry has passed is no longer found — the local
 *       store keeps it and the step refuses it as expired; either way it is refused;</li>
 *   <li>{@code apiguard:key-revoked:{<keyId>}}: the revocation, expiring with the record (a revoked
 *       key cannot outlive its record, and an expired one is refused anyway).</li>
 * </ul>
 * The key id in braces is a hash tag: on a Redis Cluster, a key's record and revocation share a slot.
 * {@link #register} is one atomic script (refuses an id already registered) and applies the same
 * maximum-lifetime rule as {@link ApiKeyStore#inMemory(Duration)}; {@link #revoke} is one atomic
 * script that marks the key revoked for as long as its record lives.
 *
 * <p><b>Fails closed, whatever the {@link RedisFailurePolicy}.</b> When Redis does not answer
 * within the command timeout (or is skipped during the back-off after a failure), {@link #find}
 * answers empty and {@link #isRevoked} answers {@code true}: a key that might have been revoked is
 * never let through, and the step answers 401 ({@code apikey.rejected}, reason {@code unknown})
 * while the connection raises one {@code store.unavailable} event. {@link #register} and
 * {@link #revoke} throw {@link IllegalStateException} instead: an operator must know that a
 * revocation did not happen. A stored entry that does not read back as a valid record (missing or
 * malformed field, a hash of another key id, a value of another Redis type) is refused as unknown
 * and logged with its key id only. No log line, event or exception carries a key or a key hash.
 *
 * <p>Obtain it from {@link RedisGuardState#apiKeyStore()}. Thread-safe.
 */
public final class RedisApiKeyStore implements ApiKeyStore {

    private static final Logger LOG = LoggerFactory.getLogger(RedisApiKeyStore.class);

    private static final Duration MIN_LIFETIME = Duration.ofDays(1);
    private static final Duration MAX_LIFETIME = Duration.ofDays(5 * 366);
    private static final Pattern KEY_ID = Pattern.compile("[0-9a-f]{16}");
    private static final Pattern SCOPE = Pattern.compile("\\S+");

    static final String F_SHA256 = "sha256";
    static final String F_CLIENT = "client";
    static final String F_SCOPES = "scopes";
    static final String F_ISSUED = "issued";
    static final String F_EXPIRES = "expires";
    private static final byte[][] FIELDS = {
        bytes(F_SHA256), bytes(F_CLIENT), bytes(F_SCOPES), bytes(F_ISSUED), bytes(F_EXPIRES)
    };

    // KEYS[1] record; ARGV: fields and values, then the expiry in epoch ms. 0 when already registered.
    private static final String REGISTER = """
            if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
            redis.call('HSET', KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], \
            ARGV[9], ARGV[10])
            redis.call('PEXPIREAT', KEYS[1], ARGV[11])
            return 1
            """;
    // KEYS[1] record, KEYS[2] revocation. 0 when the record is unknown (or expired).
    private static final String REVOKE = """
            local ttl = redis.call('PTTL', KEYS[1])
            if ttl == -2 then return 0 end
            if ttl == -1 then redis.call('SET', KEYS[2], '1') else redis.call('SET', KEYS[2], '1', 'PX', ttl) end
            return 1
            """;

    private final Connection connection;
    private final String recordPrefix;
    private final String revokedPrefix;
    private final Duration maxLifetime;
    private final Availability availability;

    RedisApiKeyStore(Connection connection, String keyPrefix, Duration maxLifetime, Availability availability) {
        Objects.requireNonNull(maxLifetime, "maxLifetime cannot be null");
        if (maxLifetime.compareTo(MIN_LIFETIME) < 0 || maxLifetime.compareTo(MAX_LIFETIME) > 0) {
            throw new IllegalArgumentException("maxLifetime must be between 1 day and 5 years: " + maxLifetime);
        }
        this.connection = connection;
        this.recordPrefix = keyPrefix + "key:";
        this.revokedPrefix = keyPrefix + "key-revoked:";
        this.maxLifetime = maxLifetime;
        this.availability = availability;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Empty also when Redis cannot answer within the command timeout, and when the stored entry
     * is not a valid record (fail closed).
     */
    @Override
    public Optional<ApiKeyRecord> find(String keyId) {
        if (!isKeyId(keyId)) {
            return Optional.empty();
        }
        byte[] recordKey = recordKey(keyId);
        Availability.Shard shard = availability.of(recordKey);
        if (shard.skip()) {
            return Optional.empty();
        }
        List<KeyValue<byte[], byte[]>> values;
        try {
            values = connection.sync().hmget(recordKey, FIELDS);
            shard.success();
        } catch (RedisCommandExecutionException e) {
            if (!isWrongType(e)) {
                // CLUSTERDOWN, TRYAGAIN, LOADING, MASTERDOWN...: Redis cannot serve the key now
                shard.failure(e);
                return Optional.empty();
            }
            // Redis answered, with an error: a value of another type under the record's name
            shard.success();
            LOG.warn(
                    "API key {}: the entry in Redis is not a record ({}); refused",
                    keyId,
                    e.getClass().getName());
            return Optional.empty();
        } catch (RuntimeException e) {
            shard.failure(e);
            return Optional.empty();
        }
        return decode(keyId, values);
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException also when a scope is empty or contains white space
     * @throws IllegalStateException naming {@code redis} when Redis cannot answer: the key may or
     *     may not have been registered
     */
    @Override
    public void register(ApiKeyRecord key) {
        Objects.requireNonNull(key, "key cannot be null");
        Duration lifetime = Duration.between(key.issuedAt(), key.expiresAt());
        if (lifetime.compareTo(maxLifetime) > 0) {
            throw new IllegalArgumentException("maxLifetime: API key " + key.keyId() + " of " + key.clientId()
                    + " lives " + lifetime.toDays() + " days, longer than the maximum of "
                    + maxLifetime.toDays() + " days");
        }
        for (String scope : key.scopes()) {
            if (!SCOPE.matcher(scope).matches()) {
                throw new IllegalArgumentException(
                        "API key " + key.keyId() + " has an empty scope or one with white space");
            }
        }
        byte[][] args = {
            FIELDS[0],
            bytes(key.sha256Hex()),
            FIELDS[1],
            bytes(key.clientId()),
            FIELDS[2],
            bytes(String.join(" ", key.scopes())),
            FIELDS[3],
            bytes(key.issuedAt().toString()),
            FIELDS[4],
            bytes(key.expiresAt().toString()),
            bytes(Long.toString(key.expiresAt().toEpochMilli())),
        };
        byte[] recordKey = recordKey(key.keyId());
        Availability.Shard shard = availability.of(recordKey);
        Long added;
        try {
            added = connection.sync().eval(REGISTER, ScriptOutputType.INTEGER, new byte[][] {recordKey}, args);
            shard.success();
        } catch (RuntimeException e) {
            shard.failure(e);
            throw unavailable("register", e);
        }
        if (added == null || added == 0L) {
            throw new IllegalArgumentException("API key " + key.keyId() + " is registered twice");
        }
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalStateException naming {@code redis} when Redis cannot answer: the key may not
     *     have been revoked, try again
     */
    @Override
    public boolean revoke(String keyId) {
        if (!isKeyId(keyId)) {
            return false;
        }
        Availability.Shard shard = availability.of(recordKey(keyId));
        Long revoked;
        try {
            revoked = connection
                    .sync()
                    .eval(REVOKE, ScriptOutputType.INTEGER, new byte[][] {recordKey(keyId), revokedKey(keyId)});
            shard.success();
        } catch (RuntimeException e) {
            shard.failure(e);
            throw unavailable("revoke", e);
        }
        return revoked != null && revoked == 1L;
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@code true} also when Redis cannot answer within the command timeout (fail closed).
     */
    @Override
    public boolean isRevoked(String keyId) {
        if (!isKeyId(keyId)) {
            return false;
        }
        byte[] revokedKey = revokedKey(keyId);
        Availability.Shard shard = availability.of(revokedKey);
        if (shard.skip()) {
            return true;
        }
        try {
            Long n = connection.sync().exists(revokedKey);
            shard.success();
            return n == null || n != 0L;
        } catch (RuntimeException e) {
            shard.failure(e);
            return true;
        }
    }

    /** The longest lifetime this store accepts at {@link #register}. */
    public Duration maxLifetime() {
        return maxLifetime;
    }

    @Override
    public String toString() {
        return "RedisApiKeyStore[prefix=" + recordPrefix + ", maxLifetime=" + maxLifetime.toDays() + "d]";
    }

    private Optional<ApiKeyRecord> decode(String keyId, List<KeyValue<byte[], byte[]>> values) {
        List<String> v = new ArrayList<>(FIELDS.length);
        int present = 0;
        for (KeyValue<byte[], byte[]> kv : values) {
            if (kv.hasValue()) {
                present++;
                v.add(new String(kv.getValue(), StandardCharsets.UTF_8));
            } else {
                v.add(null);
            }
        }
        if (present == 0) {
            return Optional.empty();
        }
        if (present != FIELDS.length || values.size() != FIELDS.length) {
            return corrupt(keyId, "a field is missing");
        }
        Set<String> scopes = new LinkedHashSet<>();
        String scopeText = v.get(2);
        if (!scopeText.isEmpty()) {
            for (String s : scopeText.split(" ", -1)) {
                if (!SCOPE.matcher(s).matches()) {
                    return corrupt(keyId, "malformed scopes");
                }
                scopes.add(s);
            }
        }
        try {
            return Optional.of(new ApiKeyRecord(
                    keyId, v.get(0), v.get(1), scopes, Instant.parse(v.get(3)), Instant.parse(v.get(4))));
        } catch (DateTimeParseException e) {
            return corrupt(keyId, "malformed date");
        } catch (IllegalArgumentException | NullPointerException e) {
            // never the message: it could quote a stored value
            return corrupt(keyId, "invalid record");
        }
    }

    private static Optional<ApiKeyRecord> corrupt(String keyId, String why) {
        LOG.warn("API key {}: the record in Redis is not valid ({}); refused", keyId, why);
        return Optional.empty();
    }

    private static IllegalStateException unavailable(String operation, RuntimeException e) {
        // the cause is Lettuce's: a timeout or connection fault, with no record value in it
        return new IllegalStateException("redis: API key store unavailable, " + operation + " not confirmed", e);
    }

    private static boolean isWrongType(RedisCommandExecutionException e) {
        String message = e.getMessage();
        return message != null && message.startsWith("WRONGTYPE");
    }

    private static boolean isKeyId(@Nullable String keyId) {
        return keyId != null && KEY_ID.matcher(keyId).matches();
    }

    private byte[] recordKey(String keyId) {
        // the id in braces is the key's hash tag: the record and its revocation share a slot, so
        // that the revocation script is one command on a Redis Cluster too
        return bytes(recordPrefix + '{' + keyId + '}');
    }

    private byte[] revokedKey(String keyId) {
        return bytes(revokedPrefix + '{' + keyId + '}');
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
