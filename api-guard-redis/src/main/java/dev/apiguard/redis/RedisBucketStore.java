package dev.apiguard.redis;

import dev.apiguard.ratelimit.BucketStore;
import dev.apiguard.redis.internal.Availability;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.api.StatefulRedisConnection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A {@link BucketStore} in Redis, shared by every app node that uses the same Redis: Bucket4j's
 * compare-and-swap proxy manager over Lettuce.
 *
 * <p>Keys are the prefix ({@code apiguard:rl:} by default) and the bucket key
 * ({@code caller:partner-a}); each expires a few seconds after its bucket would be full again
 * ({@link ExpirationAfterWriteStrategy#basedOnTimeForRefillingBucketUpToMax}), so idle callers
 * leave nothing behind. A consumption takes two round trips when uncontended (read the state,
 * then a compare-and-swap script), more when nodes race for the same bucket.
 *
 * <p>When Redis does not answer within the command timeout, the store answers at once with the
 * {@link RedisFailurePolicy}: {@link Status#BYPASSED} (open) or {@link Status#UNAVAILABLE}
 * (closed). Obtain it from {@link RedisGuardState#bucketStore()}. Thread-safe.
 */
public final class RedisBucketStore implements BucketStore {

    /** How long a key outlives the moment its bucket would be full again. */
    static final Duration KEEP_AFTER_REFILL = Duration.ofSeconds(5);

    private final ProxyManager<byte[]> buckets;
    private final byte[] prefix;
    private final RedisFailurePolicy failurePolicy;
    private final Outcome failed;
    private final Availability availability;

    RedisBucketStore(StatefulRedisConnection<byte[], byte[]> connection, String prefix, Duration timeout,
            RedisFailurePolicy failurePolicy, Duration closedRetryAfter, Availability availability) {
        this.buckets = Bucket4jLettuce.casBasedBuilder(connection)
                .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(KEEP_AFTER_REFILL))
                .requestTimeout(timeout)
                .build();
        this.prefix = prefix.getBytes(StandardCharsets.UTF_8);
        this.failurePolicy = failurePolicy;
        this.failed = failurePolicy == RedisFailurePolicy.OPEN ? Outcome.BYPASSED
                : Outcome.unavailable(closedRetryAfter.toNanos());
        this.availability = availability;
    }

    @Override
    public Outcome tryConsume(String key, BucketConfiguration configuration, long tokens) {
        if (availability.skip()) {
            return failed;
        }
        try {
            Outcome o = Outcome.of(buckets.builder().build(key(key), () -> configuration)
                    .tryConsumeAndReturnRemaining(tokens));
            availability.success();
            return o;
        } catch (RuntimeException e) {
            availability.failure(e);
            return failed;
        }
    }

    @Override
    public Outcome estimate(String key, BucketConfiguration configuration, long tokens) {
        if (availability.skip()) {
            return failed;
        }
        try {
            Outcome o = Outcome.of(buckets.builder().build(key(key), () -> configuration)
                    .estimateAbilityToConsume(tokens));
            availability.success();
            return o;
        } catch (RuntimeException e) {
            availability.failure(e);
            return failed;
        }
    }

    /** The failure policy in force. */
    public RedisFailurePolicy failurePolicy() {
        return failurePolicy;
    }

    private byte[] key(String key) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        byte[] full = new byte[prefix.length + k.length];
        System.arraycopy(prefix, 0, full, 0, prefix.length);
        System.arraycopy(k, 0, full, prefix.length, k.length);
        return full;
    }
}
