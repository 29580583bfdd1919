package dev.apiguard.redis;

import dev.apiguard.CallerKey;
import dev.apiguard.QuarantineStore;
import dev.apiguard.StoreUnavailableException;
import dev.apiguard.redis.internal.Availability;
import dev.apiguard.redis.internal.TimeToLive;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;

/**
 * A {@link QuarantineStore} in Redis, shared by every app node: one key per quarantined caller
 * ({@code apiguard:q:} and its {@linkplain CallerKey#hashTag() hash tag}, a digest of its issuer and
 * id) holding the end of the quarantine in epoch milliseconds. The
 * key expires when the quarantine ends by the guard's clock (the {@code now} of the call):
 * its time to live is the time left ({@code PX}), not an instant on Redis's own clock, so a Redis
 * whose clock is off neither shortens nor lengthens a quarantine.
 *
 * <p>When Redis does not answer within the command timeout: under
 * {@link RedisFailurePolicy#OPEN} a look-up answers "not quarantined" and a write is dropped;
 * under {@link RedisFailurePolicy#CLOSED} a look-up throws {@link StoreUnavailableException}, which
 * the guard answers with 503. Obtain it from {@link RedisGuardState#quarantineStore()}.
 * Thread-safe.
 */
public final class RedisQuarantineStore implements QuarantineStore {

    private final StatefulRedisConnection<byte[], byte[]> connection;
    private final String prefix;
    private final RedisFailurePolicy failurePolicy;
    private final Availability availability;

    RedisQuarantineStore(
            StatefulRedisConnection<byte[], byte[]> connection,
            String prefix,
            RedisFailurePolicy failurePolicy,
            Availability availability) {
        this.connection = connection;
        this.prefix = prefix;
        this.failurePolicy = failurePolicy;
        this.availability = availability;
    }

    @Override
    public void quarantine(CallerKey caller, Instant until, Instant now) {
        if (availability.skip()) {
            return;
        }
        try {
            long left = TimeToLive.millis(now, until);
            if (left <= 0) {
                connection.sync().del(key(caller));
            } else {
                connection
                        .sync()
                        .set(
                                key(caller),
                                Long.toString(TimeToLive.epochMillis(until)).getBytes(StandardCharsets.US_ASCII),
                                SetArgs.Builder.px(left));
            }
            availability.success();
        } catch (RuntimeException e) {
            availability.failure(e);
        }
    }

    @Override
    public Optional<Instant> quarantinedUntil(CallerKey caller, Instant now) {
        if (availability.skip()) {
            return failed();
        }
        byte[] value;
        try {
            value = connection.sync().get(key(caller));
            availability.success();
        } catch (RuntimeException e) {
            availability.failure(e);
            return failed();
        }
        if (value == null) {
            return Optional.empty();
        }
        try {
            Instant until = Instant.ofEpochMilli(Long.parseLong(new String(value, StandardCharsets.US_ASCII)));
            return until.isAfter(now) ? Optional.of(until) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    @Override
    public void release(CallerKey caller) {
        try {
            connection.sync().del(key(caller));
            availability.success();
        } catch (RuntimeException e) {
            availability.failure(e);
        }
    }

    private Optional<Instant> failed() {
        if (failurePolicy == RedisFailurePolicy.CLOSED) {
            throw new StoreUnavailableException("redis: quarantine list unavailable (failure policy closed)");
        }
        return Optional.empty();
    }

    private byte[] key(CallerKey caller) {
        // the caller's hash tag: its quarantine shares a Redis Cluster slot with its other keys
        return (prefix + caller.hashTag()).getBytes(StandardCharsets.UTF_8);
    }
}
