package dev.apiguard.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.ratelimit.BucketStore;
import dev.apiguard.ratelimit.BucketStore.Status;
import dev.apiguard.ratelimit.RateLimitPlan;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(RedisServerExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisBucketStoreContractTest extends BucketStoreContract {

    private static final RateLimitPlan FIVE_PER_TEN_MINUTES = RateLimitPlan.simple("p", 5, Duration.ofMinutes(10));

    private RedisGuardState state;
    private RedisServer redis;

    @BeforeAll
    void connect(RedisServer server) {
        redis = server;
        state = RedisGuardState.builder(server.uri())
                .listener(SecurityEventListener.NONE)
                .build();
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

    private void redis(Consumer<RedisCommands<String, String>> commands) {
        redis(redis, commands);
    }

    /** Runs commands on a connection of its own to the server, to look at what the store wrote. */
    static void redis(RedisServer server, Consumer<RedisCommands<String, String>> commands) {
        RedisClient client = RedisClient.create(server.uri());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            commands.accept(c.sync());
        } finally {
            client.shutdown();
        }
    }

    /** Scripts the server has run since it started ({@code INFO commandstats}: {@code EVALSHA} and {@code EVAL}). */
    static long scriptCalls(RedisServer server) {
        long[] calls = {0};
        redis(server, r -> {
            for (String line : r.info("commandstats").split("\r?\n")) {
                if (line.startsWith("cmdstat_evalsha:") || line.startsWith("cmdstat_eval:")) {
                    String n = line.substring(line.indexOf("calls=") + 6);
                    calls[0] += Long.parseLong(n.substring(0, n.indexOf(',')));
                }
            }
        });
        return calls[0];
    }

    @Test
    void keysArePrefixedAndExpire() {
        RateLimitPlan plan = RateLimitPlan.simple("p", 5, Duration.ofSeconds(30));
        store().tryConsume("caller:ttl-check", plan.configuration(), 1000, NOW);
        redis(r -> {
            long pttl = r.pttl("apiguard:rl:caller:ttl-check");
            // refill time (a fifth of the bucket: 6 s) plus 5 s kept after: expires, and not much later
            assertThat(pttl)
                    .isPositive()
                    .isLessThanOrEqualTo(Duration.ofSeconds(40).toMillis());
        });
    }

    @Test
    void everyConsumptionAndEstimateIsOneRoundTrip() throws Exception {
        String key = "caller:round-trips-" + UUID.randomUUID();
        store().tryConsume(key + "-warm-up", FIVE_PER_TEN_MINUTES.configuration(), 1000, NOW); // loads the script
        try (RedisMonitor monitor = RedisMonitor.start(redis)) {
            int requests = 0;
            for (int k = 0; k < 4; k++) {
                for (int i = 0; i < 7; i++) { // 5 taken, then 2 refused
                    store().tryConsume(key + k, FIVE_PER_TEN_MINUTES.configuration(), 1000, NOW);
                    requests++;
                }
                store().estimate(key + k, FIVE_PER_TEN_MINUTES.configuration(), 1000, NOW);
                store().estimate(key + k + "-absent", FIVE_PER_TEN_MINUTES.configuration(), 1000, NOW);
                requests += 2;
            }
            assertThat(monitor.clientCommands()).hasSize(requests).containsOnly("evalsha");
        }
    }

    @Test
    void theScriptIsSentAgainToARedisThatLostIt() throws Exception {
        redis(RedisCommands::scriptFlush);
        try (RedisMonitor monitor = RedisMonitor.start(redis)) {
            String key = "caller:flushed-" + UUID.randomUUID();
            RateLimitPlan daily = RateLimitPlan.simple("p", 5, Duration.ofDays(1));
            assertThat(store().tryConsume(key, daily.configuration(), 1000, NOW).status())
                    .isEqualTo(Status.CONSUMED);
            assertThat(store().tryConsume(key, daily.configuration(), 1000, NOW).remainingTokens())
                    .isEqualTo(3000);
            assertThat(monitor.clientCommands()).containsExactly("evalsha", "eval", "evalsha");
        }
    }

    @Test
    void aDrainedBucketRefillsToTheAppsNowWhateverRedisTimeSays() {
        String key = "caller:refill-" + UUID.randomUUID();
        long micros = NOW.getEpochSecond() * 1_000_000;
        // emptied a minute before NOW: half a unit back (one unit per 2 minutes)
        long aMinuteEarlier = micros - Duration.ofMinutes(1).toNanos() / 1000;
        redis(r -> r.set("apiguard:rl:" + key, "v1 " + aMinuteEarlier + " 0"));
        BucketStore.Outcome refused = store().tryConsume(key, FIVE_PER_TEN_MINUTES.configuration(), 1000, NOW);
        assertThat(refused.status()).isEqualTo(Status.REJECTED);
        assertThat(refused.remainingTokens()).isEqualTo(500);
        assertThat(refused.nanosToWaitForRefill())
                .isEqualTo(Duration.ofSeconds(60).toNanos());

        // emptied two and a half minutes before NOW: one unit back and a quarter on the way
        long earlier = micros - Duration.ofSeconds(150).toNanos() / 1000;
        redis(r -> r.set("apiguard:rl:" + key, "v1 " + earlier + " 0"));
        BucketStore.Outcome taken = store().tryConsume(key, FIVE_PER_TEN_MINUTES.configuration(), 1000, NOW);
        assertThat(taken.status()).isEqualTo(Status.CONSUMED);
        assertThat(taken.remainingTokens()).isEqualTo(250);
        // 4,750 tokens short of full at 5,000 per 10 minutes: 9.5 minutes
        assertThat(taken.nanosToWaitForReset())
                .isEqualTo(Duration.ofSeconds(570).toNanos());
    }

    @Test
    void aRefusedRequestAndAnEstimateWriteNothing() {
        String key = "caller:no-write-" + UUID.randomUUID();
        assertThat(store().estimate(key, FIVE_PER_TEN_MINUTES.configuration(), 1000, NOW)
                        .status())
                .isEqualTo(Status.CONSUMED);
        assertThat(store().tryConsume(key, FIVE_PER_TEN_MINUTES.configuration(), 6000, NOW)
                        .status())
                .isEqualTo(Status.REJECTED);
        redis(r -> assertThat(r.exists("apiguard:rl:" + key)).isZero());
    }

    @Test
    void aPlanChangeKeepsEachLimitsTokensUpToItsNewCapacity() {
        String key = "caller:plan-change-" + UUID.randomUUID();
        for (int i = 0; i < 4; i++) {
            store().tryConsume(key, FIVE_PER_TEN_MINUTES.configuration(), 1000, NOW);
        }
        // a new bucket of two would admit two: this one has one unit left
        RateLimitPlan two = RateLimitPlan.simple("two", 2, Duration.ofMinutes(10));
        assertThat(store().tryConsume(key, two.configuration(), 1000, NOW).status())
                .isEqualTo(Status.CONSUMED);
        assertThat(store().tryConsume(key, two.configuration(), 1000, NOW).status())
                .isEqualTo(Status.REJECTED);
        // a limit the old plan did not have starts full; the first still holds next to nothing
        RateLimitPlan more = RateLimitPlan.of(
                "more",
                RateLimitPlan.Limit.of("burst", 10, Duration.ofMinutes(10)),
                RateLimitPlan.Limit.of("daily", 100, Duration.ofDays(1)));
        BucketStore.Outcome refused = store().tryConsume(key, more.configuration(), 1000, NOW);
        assertThat(refused.status()).isEqualTo(Status.REJECTED);
        assertThat(refused.remainingTokens()).isLessThan(100);
    }

    @Test
    void aValueThatIsNotABucketReadsAsAFullOne() {
        String key = "caller:foreign-" + UUID.randomUUID();
        redis(r -> r.set("apiguard:rl:" + key, "\u0001\u0002 not a bucket"));
        BucketStore.Outcome o = store().tryConsume(key, FIVE_PER_TEN_MINUTES.configuration(), 5000, NOW);
        assertThat(o.status()).isEqualTo(Status.CONSUMED);
        assertThat(o.remainingTokens()).isZero();
        assertThat(store().tryConsume(key, FIVE_PER_TEN_MINUTES.configuration(), 1000, NOW)
                        .status())
                .isEqualTo(Status.REJECTED);
    }

    @Test
    void intervalRefillIsLeftToBucket4jUnderKeysOfItsOwn() {
        String key = "caller:intervally-" + UUID.randomUUID();
        BucketConfiguration intervally = BucketConfiguration.builder()
                .addLimit(Bandwidth.builder()
                        .capacity(2000)
                        .refillIntervally(2000, Duration.ofMinutes(1))
                        .build())
                .build();
        assertThat(store().tryConsume(key, intervally, 1000, NOW).remainingTokens())
                .isEqualTo(1000);
        assertThat(store().tryConsume(key, intervally, 1000, NOW).status()).isEqualTo(Status.CONSUMED);
        BucketStore.Outcome refused = store().tryConsume(key, intervally, 1000, NOW);
        assertThat(refused.status()).isEqualTo(Status.REJECTED);
        // interval refill: nothing until the whole minute is over, then all of it
        assertThat(refused.nanosToWaitForRefill())
                .isBetween(
                        Duration.ofSeconds(50).toNanos(), Duration.ofMinutes(1).toNanos());
        redis(r -> {
            assertThat(r.exists("apiguard:rl-cas:" + key)).isOne();
            assertThat(r.exists("apiguard:rl:" + key)).isZero();
        });
    }
}
