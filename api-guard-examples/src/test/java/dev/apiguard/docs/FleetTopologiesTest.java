package dev.apiguard.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.ratelimit.BucketStore.Status;
import dev.apiguard.ratelimit.RateLimitPlan;
import dev.apiguard.redis.RedisCertificates;
import dev.apiguard.redis.RedisCluster;
import dev.apiguard.redis.RedisClusterExtension;
import dev.apiguard.redis.RedisGuardState;
import dev.apiguard.redis.RedisSentinels;
import dev.apiguard.redis.RedisServer;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The topologies of docs/fleet.md, each against real servers: a bucket is taken from and read back. */
class FleetTopologiesTest {

    @RegisterExtension
    static final RedisClusterExtension CLUSTER = new RedisClusterExtension(3, 0);

    private static final RateLimitPlan PLAN = RateLimitPlan.simple("p", 5, Duration.ofMinutes(1));
    private static final Instant NOW = Instant.parse("2026-12-06T08:00:00Z");

    @Test
    void aClusterFromItsSeeds(RedisCluster cluster) throws Exception {
        try (RedisGuardState state = FleetTopologies.cluster(cluster.seedUris().toArray(String[]::new))) {
            takesTwice(state);
        }
    }

    @Test
    void aMasterThroughSentinel() throws Exception {
        try (RedisSentinels sentinels = RedisSentinels.start();
                RedisGuardState state = FleetTopologies.sentinel(sentinels.uri())) {
            takesTwice(state);
        }
    }

    @Test
    void tlsWithAPrivateCaAndAnAclUser() throws Exception {
        try (RedisCertificates certificates = RedisCertificates.create();
                RedisServer server = RedisServer.builder()
                        .tls(certificates)
                        .user("api-guard", "topology-s3cret")
                        .start();
                RedisGuardState state = FleetTopologies.standalone(
                        server.tlsUri(), certificates.caPem(), "topology-s3cret".toCharArray())) {
            takesTwice(state);
        }
    }

    private static void takesTwice(RedisGuardState state) {
        String caller = "{topology-test}";
        assertThat(state.bucketStore()
                        .tryConsume(caller, PLAN.configuration(), 1000, NOW)
                        .status())
                .isEqualTo(Status.CONSUMED);
        assertThat(state.bucketStore()
                        .tryConsume(caller, PLAN.configuration(), 1000, NOW)
                        .remainingTokens())
                .isEqualTo(3000);
    }
}
