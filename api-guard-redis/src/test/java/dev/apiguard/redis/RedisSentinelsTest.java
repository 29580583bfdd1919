package dev.apiguard.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link RedisSentinels} itself, with a real Lettuce client that finds the master through the
 * Sentinels: its URI is Lettuce's syntax, the client writes to the master, and after the master
 * is killed and a replica promoted the same client writes again.
 */
@ExtendWith(RedisSentinelsExtension.class)
class RedisSentinelsTest {

    @Test
    void theUriNamesTheThreeSentinelsAndTheMaster(RedisSentinels sentinels) {
        RedisURI uri = RedisURI.create(sentinels.uri());

        assertThat(uri.getSentinelMasterId()).isEqualTo(sentinels.masterName()).isEqualTo("mymaster");
        assertThat(uri.getSentinels()).extracting(RedisURI::getHost).containsOnly("127.0.0.1");
        assertThat(uri.getSentinels())
                .extracting(RedisURI::getPort)
                .containsExactlyElementsOf(sentinels.sentinelPorts());
    }

    @Test
    void aClientWritesToTheMasterItFoundThroughTheSentinels(RedisSentinels sentinels) throws Exception {
        RedisClient client = RedisClient.create(sentinels.uri());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            connection.sync().set("sentinel:key", "written");

            assertThat(RedisNode.call(sentinels.masterPort(), "GET", "sentinel:key"))
                    .isEqualTo("written");
        } finally {
            client.shutdown();
        }
    }

    @Test
    void afterAFailoverTheSameClientWritesAgain() throws Exception {
        long started = System.nanoTime();
        try (RedisSentinels sentinels = RedisSentinels.start()) {
            System.out.printf("RedisSentinels.start(): %d ms%n", RedisClusterTest.millisSince(started));
            int oldMaster = sentinels.masterPort();
            // reconnects every 100 ms, asking the Sentinels for the master each time
            ClientResources resources = ClientResources.builder()
                    .reconnectDelay(Delay.constant(Duration.ofMillis(100)))
                    .build();
            RedisClient client =
                    RedisClient.create(resources, RedisClusterTest.withTimeout(sentinels.uri(), Duration.ofSeconds(1)));
            try (StatefulRedisConnection<String, String> connection = client.connect()) {
                connection.sync().set("sentinel:key", "before");

                long killed = System.nanoTime();
                sentinels.killMaster();
                int promoted = sentinels.awaitFailover(Duration.ofSeconds(20));
                System.out.printf("failover after SIGKILL: %d ms%n", RedisClusterTest.millisSince(killed));
                assertThat(promoted).isNotEqualTo(oldMaster).isEqualTo(sentinels.masterPort());

                long retried = System.nanoTime();
                RedisClusterTest.awaitWrite(connection.sync(), "sentinel:key", "after", Duration.ofSeconds(5));
                System.out.printf(
                        "client writes again: %d ms after the failover%n", RedisClusterTest.millisSince(retried));
                assertThat(RedisNode.call(promoted, "GET", "sentinel:key")).isEqualTo("after");
            } finally {
                client.shutdown();
                resources.shutdown().get();
            }
        }
    }
}
