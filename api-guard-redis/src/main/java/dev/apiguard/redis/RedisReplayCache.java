package dev.apiguard.redis;

import dev.apiguard.ReplayCache;
import dev.apiguard.redis.internal.Availability;
import dev.apiguard.redis.internal.TimeToLive;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * A {@link ReplayCache} in Redis, shared by every app node: one atomic
 * {@code SET prefix+key 1 NX PX ttl} per identifier, so of two nodes seeing the same
 * {@code jti} at once exactly one gets {@link Outcome#FIRST_USE}.
 *
 * <p>Entries live for the time from the caller's {@code now} to its {@code notAfter} (at least one
 * second). That is a time to live, not an instant on Redis's own clock: a Redis whose clock runs
 * ahead of the app nodes would otherwise forget an identifier while its proof is still fresh, and
 * let it be replayed. Redis bounds memory by its own {@code maxmemory}; this cache never answers
 * {@link Outcome#FULL}. When Redis does
 * not answer within the command timeout, it answers {@link Outcome#UNAVAILABLE} whatever the
 * failure policy: a replay check that cannot be made is never passed. Obtain it from
 * {@link RedisGuardState#replayCache()}. Thread-safe.
 */
public final class RedisReplayCache implements ReplayCache {

    private static final byte[] ONE = {'1'};
    private static final long MIN_TTL_MS = 1_000;

    private final StatefulRedisConnection<byte[], byte[]> connection;
    private final String prefix;
    private final Availability availability;

    RedisReplayCache(StatefulRedisConnection<byte[], byte[]> connection, String prefix, Availability availability) {
        this.connection = connection;
        this.prefix = prefix;
        this.availability = availability;
    }

    @Override
    public Outcome firstUse(String key, Instant notAfter, Instant now) {
        if (availability.skip()) {
            return Outcome.UNAVAILABLE;
        }
        long ttl = Math.max(MIN_TTL_MS, TimeToLive.millis(now, notAfter));
        try {
            String reply = connection.sync().set((prefix + key).getBytes(StandardCharsets.UTF_8), ONE,
                    SetArgs.Builder.nx().px(ttl));
            availability.success();
            return "OK".equals(reply) ? Outcome.FIRST_USE : Outcome.REPLAYED;
        } catch (RuntimeException e) {
            availability.failure(e);
            return Outcome.UNAVAILABLE;
        }
    }
}
