package dev.apiguard.redis;

import dev.apiguard.ReplayCache;
import dev.apiguard.ratelimit.BucketStore;
import dev.apiguard.redis.internal.Availability;
import dev.apiguard.redis.internal.Connection;
import dev.apiguard.redis.internal.Script;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.lettuce.core.ScriptOutputType;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A {@link BucketStore} in Redis, shared by every app node that uses the same Redis.
 *
 * <p>One round trip per consumption or estimate: a Lua script ({@code EVALSHA}) reads the bucket,
 * refills it up to the app's {@code now} (the guard's clock, never Redis {@code TIME}; a {@code now}
 * before the bucket's last take refills nothing, so nodes whose clocks differ never refill twice),
 * takes the tokens and writes it back atomically, so concurrent requests on any number of nodes never take more than the
 * bucket holds. The first command after Redis starts (or flushes its script cache) sends the
 * script itself ({@code EVAL}). The arithmetic is Bucket4j's greedy refill: a limit of
 * {@code capacity} tokens refilled with {@code refillTokens} per {@code period} gains tokens
 * continuously; configurations with interval refill, a first-refill time or adaptive initial
 * tokens (which {@code RateLimitPlan} never makes) fall back to Bucket4j's compare-and-swap proxy
 * manager over Lettuce (two round trips: read, then compare-and-swap, on the JVM's clock), under
 * keys of their own.
 *
 * <p>Keys are the prefix ({@code apiguard:rl:} by default) and the bucket key (a caller's hash tag,
 * {@code {digest}}, or {@code peer:} and an address); each holds a short text ({@code v1}, the time of the last take and
 * the tokens of each limit) and expires 5 seconds after its bucket
 * would be full again, so idle callers leave nothing behind. An estimate and a refused request
 * write nothing. When a key's configuration changes (a caller moved to another plan), each limit
 * keeps its tokens by position, up to its new capacity, at once.
 *
 * <p>A DPoP proof's replay check joins the script ({@link #tryConsume(String, BucketConfiguration,
 * long, Instant, ReplayCache, ReplayCache.Claim)}): the {@code jti} is checked and recorded with
 * its owner's quota first, and a token taken only for a first use; one round trip for both.
 *
 * <p>With {@link RedisGuardState.Builder#bucketLeases} a busy caller's take may ask the script for
 * a lease: up to that many requests' tokens at once, granted only while every limit stays above
 * half its capacity, then handed out by this node within the lease's validity ({@link BucketLeases}).
 *
 * <p>With {@link RedisGuardState.Builder#bucketBatches} a take that finds two of its bucket's
 * scripts from this node in the air waits for the first and goes with the others that waited in
 * one script, which takes each one's tokens in turn ({@link BucketBatches}): exact, at most two
 * scripts per round trip per bucket and node.
 *
 * <p>When Redis does not answer within the command timeout, the store answers at once with the
 * {@link RedisFailurePolicy}: {@link Status#BYPASSED} (open) or {@link Status#UNAVAILABLE}
 * (closed). Obtain it from {@link RedisGuardState#bucketStore()}. Thread-safe.
 */
public final class RedisBucketStore implements BucketStore {

    /** How long a key outlives the moment its bucket would be full again. */
    static final Duration KEEP_AFTER_REFILL = Duration.ofSeconds(5);

    private static final Script TOKEN_BUCKET = Script.load("token-bucket.lua");
    static final String SCRIPT = TOKEN_BUCKET.text();
    private static final byte[] TAKE = {'1'};
    private static final byte[] LOOK = {'0'};
    private static final byte[][] NO_KEYS = {};
    private static final byte[] KEEP_MILLIS = ascii(KEEP_AFTER_REFILL.toMillis());

    private final Connection connection;
    private final ProxyManager<byte[]> otherBuckets;
    private final byte[] prefix;
    private final byte[] otherPrefix;
    private final RedisFailurePolicy failurePolicy;
    private final Outcome failed;
    private final Availability availability;
    private final @Nullable BucketLeases leases; // null: every take asks Redis
    private final @Nullable BucketBatches batches; // null: every take sends its own script
    private final long batchWaitNanos;

    RedisBucketStore(
            Connection connection,
            String prefix,
            String otherPrefix,
            Duration timeout,
            RedisFailurePolicy failurePolicy,
            Duration closedRetryAfter,
            Availability availability,
            @Nullable BucketLeases leases,
            boolean batching) {
        this.connection = connection;
        this.otherBuckets = connection
                .bucket4j()
                .expirationAfterWrite(
                        ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(KEEP_AFTER_REFILL))
                .requestTimeout(timeout)
                .build();
        this.prefix = prefix.getBytes(StandardCharsets.UTF_8);
        this.otherPrefix = otherPrefix.getBytes(StandardCharsets.UTF_8);
        this.failurePolicy = failurePolicy;
        this.failed = failurePolicy == RedisFailurePolicy.OPEN
                ? Outcome.BYPASSED
                : Outcome.unavailable(closedRetryAfter.toNanos());
        this.availability = availability;
        this.leases = leases;
        this.batches = batching ? new BucketBatches() : null;
        // the first script in the air, then the batch's own
        this.batchWaitNanos = 2 * timeout.toNanos();
    }

    @Override
    public Outcome tryConsume(String key, BucketConfiguration configuration, long tokens, Instant now) {
        return run(key, configuration, tokens, true, now);
    }

    @Override
    public Outcome estimate(String key, BucketConfiguration configuration, long tokens, Instant now) {
        return run(key, configuration, tokens, false, now);
    }

    /**
     * Joins the replay check to the bucket's script when the cache is this state's
     * {@link RedisReplayCache} and the claim's owner is the bucket's caller (same hash tag: one
     * Cluster slot): one round trip records the identifier (a replay or an owner over its quota
     * takes no token) and takes the tokens. Otherwise as the interface's default, two calls. When
     * Redis does not answer, the cache's outcome is {@link ReplayCache.Outcome#UNAVAILABLE} whatever
     * the failure policy: a replay check that cannot be made is never passed.
     */
    @Override
    public Joined tryConsume(
            String key,
            BucketConfiguration configuration,
            long tokens,
            Instant now,
            ReplayCache replayCache,
            ReplayCache.Claim claim) {
        ReplayCache.Quota quota = claim.quota();
        if (!(replayCache instanceof RedisReplayCache cache)
                || !cache.uses(connection)
                || quota == null
                || !key.contains(quota.owner())
                || !scripted(configuration)) {
            return BucketStore.super.tryConsume(key, configuration, tokens, now, replayCache, claim);
        }
        if (tokens <= 0) {
            throw new IllegalArgumentException("tokens must be positive: " + tokens);
        }
        byte[] bucketKey = concat(prefix, key);
        Availability.Shard shard = availability.of(bucketKey);
        if (shard.skip()) {
            return new Joined(ReplayCache.Outcome.UNAVAILABLE, null);
        }
        try {
            List<Object> reply = eval(
                    bucketKey,
                    configuration,
                    tokens,
                    1,
                    now,
                    cache.keys(claim.key(), quota, now),
                    RedisReplayCache.args(quota, claim.notAfter(), now));
            shard.success();
            if ((Long) reply.get(0) == -1L) {
                return new Joined(RedisReplayCache.outcome((Long) reply.get(1)), null);
            }
            return new Joined(ReplayCache.Outcome.FIRST_USE, outcome(reply, true));
        } catch (RuntimeException e) {
            shard.failure(e);
            return new Joined(ReplayCache.Outcome.UNAVAILABLE, null);
        }
    }

    /** This node's leases, or {@code null} when every take asks Redis: for tests. */
    @Nullable
    BucketLeases leases() {
        return leases;
    }

    /**
     * How many requests this node sent in a batch, behind other scripts of their bucket
     * ({@link RedisGuardState.Builder#bucketBatches}); 0 with batches off.
     */
    public long batchedRequests() {
        BucketBatches b = batches;
        return b == null ? 0 : b.batched();
    }

    /** This node's batches, or {@code null} when every take sends its own script: for tests. */
    @Nullable
    BucketBatches batches() {
        return batches;
    }

    /** The failure policy in force. */
    public RedisFailurePolicy failurePolicy() {
        return failurePolicy;
    }

    /**
     * Takes (or estimates) the tokens: a take of a scripted bucket with leases on comes from this
     * node's lease when it holds them, else from Redis, asking for a lease of the size the bucket's
     * recent use earned ({@link BucketLeases}).
     */
    private Outcome run(String key, BucketConfiguration configuration, long tokens, boolean take, Instant now) {
        if (tokens <= 0) {
            throw new IllegalArgumentException("tokens must be positive: " + tokens);
        }
        boolean scripted = scripted(configuration);
        BucketLeases.Lease lease = take && scripted && leases != null ? leases.of(key) : null;
        long takes = take ? 1 : 0;
        if (lease != null) {
            long answer = lease.take(configuration, tokens, now);
            if (answer >= 0) {
                if (answer > 0) {
                    topUp(lease, key, configuration, tokens, answer, now);
                }
                return lease.served();
            }
            takes = -answer;
        }
        byte[] bucketKey = concat(scripted ? prefix : otherPrefix, key);
        Availability.Shard shard = availability.of(bucketKey);
        if (shard.skip()) {
            if (lease != null) {
                lease.failed(takes);
            }
            return failed;
        }
        // with batches on, a take that finds its bucket's scripts in the air waits in the batch
        // behind them; one that leads (or goes alone) runs as any other below
        BucketBatches inBatches = scripted && take && lease == null ? batches : null;
        BucketBatches.Way way = inBatches == null ? null : inBatches.enter(key, bucketKey, configuration, tokens, now);
        if (way instanceof BucketBatches.Slot slot) {
            return inBatch(slot, key, tokens);
        }
        try {
            Outcome o;
            if (scripted) {
                List<Object> reply = eval(bucketKey, configuration, tokens, takes, now, NO_KEYS, NO_KEYS);
                o = outcome(reply, take);
                if (lease != null) {
                    o = lease.granted(takes, o.status() == Status.CONSUMED ? (Long) reply.get(4) : 0, tokens, o, now);
                }
            } else {
                o = bucket4j(bucketKey, configuration, tokens, take);
            }
            shard.success();
            return o;
        } catch (RuntimeException e) {
            if (lease != null) {
                lease.failed(takes);
            }
            shard.failure(e);
            return failed;
        } finally {
            if (way == BucketBatches.LEAD) {
                // its script answered or failed: the batch that gathered meanwhile goes
                sendFollowing(Objects.requireNonNull(inBatches), key);
            }
        }
    }

    /** A take waiting in the batch behind its bucket's scripts ({@link BucketBatches}): its own part of the answer. */
    private Outcome inBatch(BucketBatches.Slot slot, String key, long tokens) {
        List<Object> reply = slot.await(batchWaitNanos);
        if (reply == null) {
            // not sent yet: nothing taken for it; sent: counted in Redis, answered per the policy
            Objects.requireNonNull(batches).withdraw(key, slot);
            return failed;
        }
        try {
            return outcome(reply, slot.index, tokens);
        } catch (RuntimeException e) {
            return failed; // an answer of another shape than the script's: never the client's fault
        }
    }

    /** Sends the batch that waited for the bucket's script that just ended, if any, and so on while one fails at once. */
    private void sendFollowing(BucketBatches batches, String key) {
        for (BucketBatches.Batch batch = batches.following(key); batch != null; batch = batches.following(key)) {
            if (send(batches, key, batch)) {
                return;
            }
        }
    }

    /**
     * Sends a batch's script; whether it is in the air (its answer then sends the batch behind
     * it). Nothing thrown escapes: a bucket whose batch was never answered would keep its requests
     * waiting behind it.
     */
    private boolean send(BucketBatches batches, String key, BucketBatches.Batch batch) {
        Availability.Shard shard = null;
        try {
            shard = availability.of(batch.bucketKey);
            if (shard.skip()) {
                batch.fail();
                return false;
            }
            Availability.Shard answering = shard;
            TOKEN_BUCKET
                    .<List<Object>>runAsync(
                            connection.async(),
                            ScriptOutputType.MULTI,
                            new byte[][] {batch.bucketKey},
                            args(batch.configuration, batch.tokens, -batch.size(), batch.now, NO_KEYS))
                    .whenComplete((reply, fault) -> {
                        try {
                            if (fault != null) {
                                answering.failure(fault);
                                batch.fail();
                            } else {
                                answering.success();
                                batch.answer(reply);
                            }
                        } finally {
                            sendFollowing(batches, key);
                        }
                    });
            return true;
        } catch (RuntimeException e) {
            if (shard != null) {
                shard.failure(e);
            }
            batch.fail();
            return false;
        }
    }

    /**
     * Tops the lease up with {@code times} requests' tokens in the background: the request that
     * found it down to a quarter does not wait. A failure ends the top-up and is counted as one of
     * Redis's; the lease then serves what it holds and the requests after it ask for themselves.
     */
    private void topUp(
            BucketLeases.Lease lease,
            String key,
            BucketConfiguration configuration,
            long tokens,
            long times,
            Instant now) {
        byte[] bucketKey = concat(prefix, key);
        Availability.Shard shard = availability.of(bucketKey);
        if (shard.skip()) {
            lease.topUpFailed(configuration);
            return;
        }
        try {
            TOKEN_BUCKET
                    .<List<Object>>runAsync(
                            connection.async(),
                            ScriptOutputType.MULTI,
                            new byte[][] {bucketKey},
                            args(configuration, tokens, times, now, NO_KEYS))
                    .whenComplete((reply, fault) -> {
                        if (fault != null) {
                            lease.topUpFailed(configuration);
                            shard.failure(fault);
                            return;
                        }
                        shard.success();
                        Outcome o = outcome(reply, true);
                        long granted = o.status() == Status.CONSUMED ? (Long) reply.get(4) : 0;
                        lease.toppedUp(configuration, granted, tokens, o, now);
                    });
        } catch (RuntimeException e) {
            lease.topUpFailed(configuration);
            shard.failure(e);
        }
    }

    /**
     * Runs the script on the bucket, with a joined identifier's keys and arguments (or none):
     * {@code takes} 0 looks, 1 takes the tokens, more asks for a lease of that many requests' tokens,
     * {@code -n} takes for a batch of {@code n} requests.
     */
    private List<Object> eval(
            byte[] bucketKey,
            BucketConfiguration configuration,
            long tokens,
            long takes,
            Instant now,
            byte[][] replayKeys,
            byte[][] replayArgs) {
        byte[][] args = args(configuration, tokens, takes, now, replayArgs);
        byte[][] keys = new byte[1 + replayKeys.length][];
        keys[0] = bucketKey;
        System.arraycopy(replayKeys, 0, keys, 1, replayKeys.length);
        return TOKEN_BUCKET.run(connection.sync(), ScriptOutputType.MULTI, keys, args);
    }

    /** The script's arguments: what to do, the tokens, the time, the limits, then {@code extra}. */
    private static byte[][] args(
            BucketConfiguration configuration, long tokens, long takes, Instant now, byte[][] extra) {
        Bandwidth[] limits = configuration.getBandwidths();
        byte[][] args = new byte[4 + 4 * limits.length + extra.length][];
        args[0] = takes == 0 ? LOOK : takes == 1 ? TAKE : ascii(takes);
        args[1] = ascii(tokens);
        args[2] = KEEP_MILLIS;
        args[3] = ascii(Math.addExact(Math.multiplyExact(now.getEpochSecond(), 1_000_000L), now.getNano() / 1_000));
        for (int i = 0; i < limits.length; i++) {
            Bandwidth b = limits[i];
            args[4 + 4 * i] = ascii(b.getCapacity());
            args[5 + 4 * i] = ascii(b.getInitialTokens());
            args[6 + 4 * i] = ascii(b.getRefillTokens());
            args[7 + 4 * i] = ascii(b.getRefillPeriodNanos());
        }
        System.arraycopy(extra, 0, args, 4 + 4 * limits.length, extra.length);
        return args;
    }

    /** The outcome of the script's answer on the bucket. */
    private static Outcome outcome(List<Object> reply, boolean take) {
        boolean enough = (Long) reply.get(0) == 1L;
        long remaining = (Long) reply.get(1);
        long wait = (Long) reply.get(2);
        long full = (Long) reply.get(3);
        if (enough) {
            // as Outcome.of(EstimationProbe): an estimate does not say when the bucket is full
            return new Outcome(Status.CONSUMED, remaining, 0, take ? full : 0);
        }
        return new Outcome(Status.REJECTED, remaining, wait < 0 ? Long.MAX_VALUE : wait, take ? full : 0);
    }

    /**
     * The outcome of the request at {@code index} in a batch whose script took {@code tokens} for
     * each request in turn: taken while the batch's grants last, each seeing the tokens left after
     * its own take; refused after, told when the tokens are back. The time until full is the
     * bucket's after the whole batch.
     */
    private static Outcome outcome(List<Object> reply, int index, long tokens) {
        long left = (Long) reply.get(1);
        long full = (Long) reply.get(3);
        long granted = (Long) reply.get(4);
        if (index < granted) {
            return new Outcome(Status.CONSUMED, left + tokens * (granted - 1 - index), 0, full);
        }
        long wait = (Long) reply.get(2);
        return new Outcome(Status.REJECTED, left, wait < 0 ? Long.MAX_VALUE : wait, full);
    }

    private Outcome bucket4j(byte[] bucketKey, BucketConfiguration configuration, long tokens, boolean take) {
        var bucket = otherBuckets.builder().build(bucketKey, () -> configuration);
        return take
                ? Outcome.of(bucket.tryConsumeAndReturnRemaining(tokens))
                : Outcome.of(bucket.estimateAbilityToConsume(tokens));
    }

    /** Whether the script models every limit: greedy refill, no first-refill time, fixed initial tokens. */
    static boolean scripted(BucketConfiguration configuration) {
        for (Bandwidth b : configuration.getBandwidths()) {
            if (b.isRefillIntervally()
                    || b.isUseAdaptiveInitialTokens()
                    || b.getTimeOfFirstRefillMillis() != Bandwidth.UNSPECIFIED_TIME_OF_FIRST_REFILL) {
                return false;
            }
        }
        return true;
    }

    private static byte[] concat(byte[] prefix, String key) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        byte[] full = new byte[prefix.length + k.length];
        System.arraycopy(prefix, 0, full, 0, prefix.length);
        System.arraycopy(k, 0, full, prefix.length, k.length);
        return full;
    }

    private static byte[] ascii(long n) {
        return Long.toString(n).getBytes(StandardCharsets.US_ASCII);
    }
}
