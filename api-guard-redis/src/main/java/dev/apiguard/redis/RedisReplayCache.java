package dev.apiguard.redis;

import dev.apiguard.ReplayCache;
import dev.apiguard.redis.internal.Availability;
import dev.apiguard.redis.internal.Connection;
import dev.apiguard.redis.internal.Script;
import dev.apiguard.redis.internal.TimeToLive;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
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
 *
 * <p>With a {@link Quota}, one script ({@code EVALSHA}, one round trip) checks the identifier,
 * the owner's count over the current and the previous quota slot, records the identifier and
 * counts it: {@code prefix{owner}:key} and {@code prefix{owner}:n:SLOT}, where {@code {owner}} is
 * the caller's hash tag, so that on a Redis Cluster all three keys share a slot. The slot number
 * comes from the app's {@code now}; each counter lives two slots.
 */
public final class RedisReplayCache implements ReplayCache {

    private static final byte[] ONE = {'1'};
    private static final long MIN_TTL_MS = 1_000;
    private static final Script REPLAY_QUOTA = Script.load("replay-quota.lua");

    private final Connection connection;
    private final String prefix;
    private final Availability availability;

    RedisReplayCache(Connection connection, String prefix, Availability availability) {
        this.connection = connection;
        this.prefix = prefix;
        this.availability = availability;
    }

    @Override
    public Outcome firstUse(String key, Instant notAfter, Instant now) {
        byte[] full = bytes(prefix + key);
        Availability.Shard shard = availability.of(full);
        if (shard.skip()) {
            return Outcome.UNAVAILABLE;
        }
        long ttl = Math.max(MIN_TTL_MS, TimeToLive.millis(now, notAfter));
        try {
            String reply = connection.sync().set(full, ONE, SetArgs.Builder.nx().px(ttl));
            shard.success();
            return "OK".equals(reply) ? Outcome.FIRST_USE : Outcome.REPLAYED;
        } catch (RuntimeException e) {
            shard.failure(e);
            return Outcome.UNAVAILABLE;
        }
    }

    @Override
    public Outcome firstUse(String key, Quota quota, Instant notAfter, Instant now) {
        byte[][] keys = keys(key, quota, now);
        Availability.Shard shard = availability.of(keys[0]);
        if (shard.skip()) {
            return Outcome.UNAVAILABLE;
        }
        try {
            Long reply =
                    REPLAY_QUOTA.run(connection.sync(), ScriptOutputType.INTEGER, keys, args(quota, notAfter, now));
            shard.success();
            return outcome(reply);
        } catch (RuntimeException e) {
            shard.failure(e);
            return Outcome.UNAVAILABLE;
        }
    }

    /** Whether this cache sends its commands over {@code c} (the same {@link RedisGuardState}). */
    boolean uses(Connection c) {
        return connection == c;
    }

    /**
     * The keys of a claim with a quota, as {@code replay-quota.lua} (and the bucket script that joins
     * it) takes them: the identifier, the owner's count in the current slot and in the one before.
     */
    byte[][] keys(String key, Quota quota, Instant now) {
        long slot = quota.slot(now);
        String owner = prefix + quota.owner() + ':';
        return new byte[][] {bytes(owner + key), bytes(owner + "n:" + slot), bytes(owner + "n:" + (slot - 1))};
    }

    /** The arguments of a claim with a quota: the identifier's time to live, the quota, the counters' time to live. */
    static byte[][] args(Quota quota, Instant notAfter, Instant now) {
        long ttl = Math.max(MIN_TTL_MS, TimeToLive.millis(now, notAfter));
        return new byte[][] {
            bytes(Long.toString(ttl)),
            bytes(Integer.toString(quota.maxEntries())),
            bytes(Long.toString(2 * quota.window().toMillis()))
        };
    }

    /** The outcome of a script's answer: 0 first use, 1 replayed, 2 over quota. */
    static Outcome outcome(long reply) {
        return reply == 0L ? Outcome.FIRST_USE : reply == 1L ? Outcome.REPLAYED : Outcome.OVER_QUOTA;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
