package dev.apiguard.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.CallerKey;
import dev.apiguard.event.SecurityEvent;
import dev.apiguard.event.SecurityEventType;
import dev.apiguard.ratelimit.BucketStore.Outcome;
import dev.apiguard.ratelimit.BucketStore.Status;
import dev.apiguard.ratelimit.RateLimitPlan;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The master behind Sentinel killed under a guard: requests are answered by the failure policy
 * within the command timeout, and the replica the sentinels promote is used without a restart.
 */
@ExtendWith(RedisServerCondition.class)
class SentinelFailoverTest {

    private static final Instant NOW = Instant.parse("2026-12-06T08:00:00Z");
    private static final Duration COMMAND_TIMEOUT = Duration.ofMillis(500);

    @Test
    void aKilledMasterIsReplacedByThePromotedReplica() throws Exception {
        RedisServerExtension.requireBinary();
        List<SecurityEvent> events = new CopyOnWriteArrayList<>();
        RateLimitPlan plan = RateLimitPlan.simple("p", 1000, Duration.ofHours(1));
        try (RedisSentinels sentinels = RedisSentinels.start();
                RedisGuardState state = RedisGuardState.builder(sentinels.uri())
                        .commandTimeout(COMMAND_TIMEOUT)
                        .backoff(Duration.ofMillis(100))
                        .listener(events::add)
                        .build()) {
            String bucket = TwoNodesTest.key("sentinel-" + UUID.randomUUID()).hashTag();
            CallerKey quarantined = TwoNodesTest.key("quarantined-" + UUID.randomUUID());
            assertThat(state.bucketStore()
                            .tryConsume(bucket, plan.configuration(), 1000, NOW)
                            .status())
                    .isEqualTo(Status.CONSUMED);
            int oldMaster = sentinels.masterPort();

            sentinels.killMaster();
            Failover failover = Failover.requestUntilServed(
                    state, bucket, plan.configuration(), NOW, COMMAND_TIMEOUT, Duration.ofSeconds(20));
            Outcome outcome = failover.last();
            int bypassed = failover.bypassed();

            assertThat(bypassed)
                    .as("requests answered by the open policy meanwhile")
                    .isPositive();
            assertThat(outcome.status()).as("served again after the failover").isEqualTo(Status.CONSUMED);
            int newMaster = sentinels.awaitFailover(Duration.ofSeconds(10));
            assertThat(newMaster).isNotEqualTo(oldMaster);
            // writes land on the new master: a quarantine set now is read back
            state.quarantineStore().quarantine(quarantined, NOW.plusSeconds(60), NOW);
            assertThat(state.quarantineStore().quarantinedUntil(quarantined, NOW))
                    .isPresent();
            assertThat(events)
                    .extracting(SecurityEvent::type)
                    .containsSubsequence(SecurityEventType.STORE_UNAVAILABLE, SecurityEventType.STORE_RECOVERED);
            assertThat(state.isUnavailable()).isFalse();
        }
    }
}
