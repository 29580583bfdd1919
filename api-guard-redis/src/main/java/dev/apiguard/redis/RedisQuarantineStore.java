package dev.apiguard.redis;

import dev.apiguard.CallerKey;
import dev.apiguard.QuarantineStore;
import dev.apiguard.StoreUnavailableException;
import dev.apiguard.redis.internal.Availability;
import dev.apiguard.redis.internal.Connection;
import dev.apiguard.redis.internal.NearCache;
import dev.apiguard.redis.internal.Script;
import dev.apiguard.redis.internal.TimeToLive;
import io.lettuce.core.ScriptOutputType;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * A {@link QuarantineStore} in Redis, shared by every app node: one key per quarantined caller
 * ({@code apiguard:q:} and its {@linkplain CallerKey#hashTag() hash tag}, a digest of its issuer and
 * id) holding the end of the quarantine in epoch milliseconds. The
 * key expires when the quarantine ends by the guard's clock (the {@code now} of the call):
 * its time to live is the time left ({@code PX}), not an instant on Redis's own clock, so a Redis
 * whose clock is off neither shortens nor lengthens a quarantine.
 *
 * <p>Every node keeps a copy of the quarantines it read, so that a request of a known caller asks
 * Redis nothing here (the bucket is then the request's only round trip): a quarantine set or lifted
 * on any node is published on an invalidation channel ({@code apiguard:invalidate}) in the same
 * script as the write, and every node drops its copy when the message arrives (within
 * milliseconds). A copy lives at most the near-cache time to live (default 1 s), so a lost message
 * costs at most that; none is trusted while the channel's connection is down or Redis fails
 * commands (the failure policy answers then, as without copies). See
 * {@link RedisGuardState.Builder#nearCache(java.time.Duration)}.
 *
 * <p>When Redis does not answer within the command timeout: under
 * {@link RedisFailurePolicy#OPEN} a look-up answers "not quarantined"; under
 * {@link RedisFailurePolicy#CLOSED} a look-up throws {@link StoreUnavailableException}, which the
 * guard answers with 503. A quarantine this node decided but could not write (Redis down, or the
 * write sent to a cluster master that had just failed, before this node's view of the slots caught
 * up) is not dropped: the node keeps it ({@value #MAX_PENDING} callers at most, each until its
 * quarantine ends), answers its own look-ups for that caller from it whatever the failure policy,
 * and writes it again on that caller's next look-up while Redis answers, until a write succeeds and
 * every node has it. Otherwise the scoring step, which writes a quarantine once when the score
 * crosses the threshold, would leave the caller free on every node until its score crossed again.
 * Lifting the quarantine on this node drops the pending one; so does, with the near cache, a message
 * that another node set or lifted the caller's quarantine meanwhile (its write is the fleet's state,
 * not to be overwritten). Without the message (no near cache, or the node cut off from Redis while
 * the other node wrote), the write made again still yields: every write records in Redis when it
 * was decided (the guard's time for a quarantine, this state's clock for a release; kept
 * {@value #DECISION_MEMORY_HOURS} hours, or as long as the quarantine if longer), and a write made
 * again is skipped when a later decision is recorded, the caller then answered from Redis. Nodes
 * whose clocks differ by more than the time between two decisions may order them wrongly. Obtain
 * it from {@link RedisGuardState#quarantineStore()}. Thread-safe.
 */
public final class RedisQuarantineStore implements QuarantineStore {

    /** The most quarantines a node keeps while it cannot write them. */
    public static final int MAX_PENDING = 10_000;

    /** How long Redis remembers when a caller's last quarantine write was decided, at least. */
    static final int DECISION_MEMORY_HOURS = 24;

    private static final long DECISION_MEMORY_MILLIS = DECISION_MEMORY_HOURS * 3_600_000L;
    private static final byte[] FRESH = {'0'};
    private static final byte[] AGAIN = {'1'};

    private static final Script WRITE = Script.load("quarantine.lua");
    private static final byte[] LIFT = new byte[0];
    /** The end {@link #write} is given for a lift. */
    private static final long LIFTED = -1;

    private static final byte[] NO_TTL = {'0'};
    /** The channel published to when no node keeps copies: nobody listens, it costs nothing. */
    private static final byte[] INVALIDATIONS_UNUSED = "apiguard:unused".getBytes(StandardCharsets.US_ASCII);

    private final Connection connection;
    private final String prefix;
    private final String decisionPrefix;
    private final Clock clock;
    private final RedisFailurePolicy failurePolicy;
    private final Availability availability;
    private final @Nullable NearCache nearCache;

    /** A quarantine this node could not write yet: its end and when it was decided, epoch milliseconds. */
    private record Pending(long end, long decided) {
        Pending later(Pending other) {
            return new Pending(Math.max(end, other.end), Math.max(decided, other.decided));
        }
    }

    /** What became of a write. */
    private enum Written {
        /** Redis took it. */
        YES,
        /** A write made again that a later decision recorded in Redis superseded. */
        SUPERSEDED,
        /** Redis did not answer, or failed. */
        NO
    }

    private final ConcurrentHashMap<String, Pending> pending = new ConcurrentHashMap<>();

    /**
     * A store keeping quarantines under {@code prefix} and when each was decided under
     * {@code decisionPrefix}, whose reads keep copies in {@code nearCache} (always asking Redis when
     * it is null), stamping releases with {@code clock}.
     */
    RedisQuarantineStore(
            Connection connection,
            String prefix,
            String decisionPrefix,
            RedisFailurePolicy failurePolicy,
            Availability availability,
            @Nullable NearCache nearCache,
            Clock clock) {
        this.connection = connection;
        this.prefix = prefix;
        this.decisionPrefix = decisionPrefix;
        this.clock = clock;
        this.failurePolicy = failurePolicy;
        this.availability = availability;
        this.nearCache = nearCache;
        if (nearCache != null) {
            // another node wrote this caller's quarantine (or lifted it) since: the fleet's state
            // supersedes this node's pending write, which would otherwise overwrite it
            nearCache.onMessage(pending::remove);
        }
    }

    @Override
    public void quarantine(CallerKey caller, Instant until, Instant now) {
        String tag = caller.hashTag();
        boolean skipped = availability.of(key(tag)).skip();
        long left = TimeToLive.millis(now, until);
        long decided = now.toEpochMilli();
        if (left <= 0) {
            pending.remove(tag);
            if (!skipped) {
                write(tag, LIFTED, 0, decided, FRESH);
            }
            return;
        }
        long end = TimeToLive.epochMillis(until);
        boolean written = !skipped && write(tag, end, left, decided, FRESH) == Written.YES;
        if (written) {
            pending.remove(tag);
        } else if (pending.size() < MAX_PENDING || pending.containsKey(tag)) {
            pending.merge(tag, new Pending(end, decided), Pending::later);
        }
    }

    @Override
    public Optional<Instant> quarantinedUntil(CallerKey caller, Instant now) {
        String tag = caller.hashTag();
        byte[] key = key(tag);
        Availability.Shard shard = availability.of(key);
        if (!pending.isEmpty()) {
            Optional<Instant> own = pending(tag, shard, now);
            if (own.isPresent()) {
                return own;
            }
        }
        // while Redis fails, the failure policy answers, as without copies
        NearCache copies = nearCache;
        NearCache.Copy known = copies == null || shard.isDown() ? null : copies.copy(tag);
        if (copies != null && known != null) {
            if (copies.refreshDue(known)) {
                refresh(copies, tag, key, shard);
            }
            long until = known.value();
            return until > now.toEpochMilli() ? Optional.of(Instant.ofEpochMilli(until)) : Optional.empty();
        }
        if (shard.skip()) {
            return failed();
        }
        long generation = nearCache == null ? 0 : nearCache.generation();
        byte[] value;
        try {
            value = connection.sync().get(key);
            shard.success();
        } catch (RuntimeException e) {
            shard.failure(e);
            return failed();
        }
        long until = parse(value);
        if (nearCache != null) {
            nearCache.put(tag, until, generation);
        }
        return until > now.toEpochMilli() ? Optional.of(Instant.ofEpochMilli(until)) : Optional.empty();
    }

    /**
     * Reads the caller's quarantine again in the background and keeps it as the new copy (unless a
     * message dropped it meanwhile): the copy of a caller in use is renewed before it expires, so
     * that its requests do not wait for Redis. A failure leaves the copy to expire.
     */
    private void refresh(NearCache copies, String tag, byte[] key, Availability.Shard shard) {
        long generation = copies.generation();
        try {
            connection.async().get(key).whenComplete((value, fault) -> {
                if (fault != null) {
                    shard.failure(fault);
                } else {
                    shard.success();
                    copies.put(tag, parse(value), generation);
                }
            });
        } catch (RuntimeException e) {
            shard.failure(e);
        }
    }

    /**
     * This node's quarantine of the caller that Redis does not have yet, written again now unless
     * Redis is being skipped; empty when there is none, or it ended.
     */
    private Optional<Instant> pending(String tag, Availability.Shard shard, Instant now) {
        Pending own = pending.get(tag);
        if (own == null) {
            return Optional.empty();
        }
        long left = own.end() - now.toEpochMilli();
        if (left <= 0) {
            pending.remove(tag, own);
            return Optional.empty();
        }
        Written written = shard.skip() ? Written.NO : write(tag, own.end(), left, own.decided(), AGAIN);
        if (written != Written.NO) {
            pending.remove(tag, own);
        }
        // superseded: another node decided later (a release); Redis holds the fleet's state
        return written == Written.SUPERSEDED ? Optional.empty() : Optional.of(Instant.ofEpochMilli(own.end()));
    }

    /** How many quarantines this node keeps because it could not write them yet. */
    int pendingQuarantines() {
        return pending.size();
    }

    @Override
    public void release(CallerKey caller) {
        String tag = caller.hashTag();
        pending.remove(tag);
        write(tag, LIFTED, 0, clock.millis(), FRESH);
    }

    /**
     * Runs the write script: a quarantine ending at {@code end} with {@code left} milliseconds to
     * go, or a lift ({@code end} {@link #LIFTED}), decided at {@code decided} (all epoch
     * milliseconds); made again when {@code again} is {@link #AGAIN}. What became of it.
     */
    private Written write(String tag, long end, long left, long decided, byte[] again) {
        byte[] key = key(tag);
        Availability.Shard shard = availability.of(key);
        boolean lift = end == LIFTED;
        byte[] until = lift ? LIFT : ascii(end);
        byte[] ttl = lift ? NO_TTL : ascii(left);
        // remembered at least as long as the quarantine: a write made again never outlives its end
        long memory = Math.max(DECISION_MEMORY_MILLIS, left);
        try {
            Long taken = WRITE.run(
                    connection.sync(),
                    ScriptOutputType.INTEGER,
                    new byte[][] {key, key(decisionPrefix, tag)},
                    until,
                    ttl,
                    nearCache == null ? INVALIDATIONS_UNUSED : nearCache.channel(),
                    ascii(tag),
                    ascii(decided),
                    ascii(memory),
                    again);
            shard.success();
            return taken != null && taken == 0 ? Written.SUPERSEDED : Written.YES;
        } catch (RuntimeException e) {
            shard.failure(e);
            return Written.NO;
        } finally {
            if (nearCache != null) {
                // this node's own copy goes at once; the others' when the message arrives
                nearCache.invalidate(tag);
            }
        }
    }

    /** The end of a quarantine stored as epoch milliseconds; 0 (none) for no value or a foreign one. */
    private static long parse(byte @Nullable [] value) {
        if (value == null) {
            return 0;
        }
        try {
            return Long.parseLong(new String(value, StandardCharsets.US_ASCII));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private Optional<Instant> failed() {
        if (failurePolicy == RedisFailurePolicy.CLOSED) {
            throw new StoreUnavailableException("redis: quarantine list unavailable (failure policy closed)");
        }
        return Optional.empty();
    }

    private byte[] key(String hashTag) {
        return key(prefix, hashTag);
    }

    private static byte[] key(String prefix, String hashTag) {
        // the caller's hash tag: its quarantine shares a Redis Cluster slot with its other keys
        return (prefix + hashTag).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] ascii(Object value) {
        return value.toString().getBytes(StandardCharsets.US_ASCII);
    }
}
