package dev.apiguard.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.ratelimit.BucketStore;
import dev.apiguard.ratelimit.RateLimitPlan;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(RedisServerExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisBucketStoreContractTest extends BucketStoreContract {

    private RedisGuardState state;
    private RedisServer redis;

    @BeforeAll
    void connect(RedisServer server) {
        redis = server;
        state = RedisGuardState.builder(server.uri()).listener(SecurityEventListener.NONE).build();
    }

    @AfterAll
    void close() {
        if (state != null) {
            state.close();
        }
    }

    @Override
    protected BucketStore store() {
        return state.bucketStore();
    }

    @Test
    void keysArePrefixedAndExpire() {
        RateLimitPlan plan = RateLimitPlan.simple("p", 5, Duration.ofSeconds(30));
        store().tryConsume("caller:ttl-check", plan.configuration(), 1000);
        RedisClient client = RedisClient.create(redis.uri());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            long pttl = c.sync().pttl("apiguard:rl:caller:ttl-check");
            // refill time (a fifth of the bucket: 6 s) plus 5 s kept after: expires, and not much later
            assertThat(pttl).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(40).toMillis());
        } finally {
            client.shutdown();
        }
    }
}
