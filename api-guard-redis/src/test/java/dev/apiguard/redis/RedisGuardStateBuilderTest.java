package dev.apiguard.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisURI;
import io.lettuce.core.SslVerifyMode;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Configuration mistakes are refused when the builder is made or built, never later, and never quote a password. */
class RedisGuardStateBuilderTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(
            strings = {
                "http://127.0.0.1:6379",
                "127.0.0.1:6379",
                "redis-cluster://127.0.0.1:7000",
                "redis-socket:///tmp/redis.sock",
                ""
            })
    void aUriOfAnotherSchemeIsRefusedNamingTheSchemesAccepted(String uri) {
        assertThatThrownBy(() -> RedisGuardState.builder(uri))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("redis://, rediss://, redis-sentinel:// or rediss-sentinel://");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "redis://user:s3cret-pw@127.0.0.1:notaport",
                "redis://user:s3cret-pw@[::1",
                "redis://user:s3cret-pw@:6379",
                "redis-sentinel://s3cret-pw@127.0.0.1:26379,bad host:1#m"
            })
    void aMalformedUriIsRefusedWithoutQuotingItsPassword(String uri) {
        assertThatThrownBy(() -> RedisGuardState.builder(uri))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("redis uri is malformed")
                .hasNoCause()
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cret-pw"));
    }

    @Test
    void anIpv6HostIsAccepted() {
        assertThat(RedisGuardState.builder("redis://[::1]:6379").where()).isEqualTo("[::1]:6379");
    }

    @Test
    void aSentinelUriIsAcceptedAndNamesItsSentinelsAndMaster() {
        RedisGuardState.Builder b =
                RedisGuardState.builder("redis-sentinel://s3cret-pw@127.0.0.1:26379,127.0.0.1:26380#mymaster");
        assertThat(b.where()).isEqualTo("sentinels 127.0.0.1:26379,127.0.0.1:26380 (master mymaster)");
        RedisURI uri = b.uris().get(0);
        assertThat(uri.getSentinels()).hasSize(2);
        assertThat(uri.getSentinelMasterId()).isEqualTo("mymaster");
    }

    @Test
    void aClusterNeedsSeedsOfOneKind() {
        assertThatThrownBy(() -> RedisGuardState.cluster(List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least one seed");
        assertThatThrownBy(() -> RedisGuardState.cluster("redis-sentinel://127.0.0.1:26379#m"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot be a redis-sentinel:// uri");
        assertThatThrownBy(() -> RedisGuardState.cluster("redis://127.0.0.1:7000", "rediss://127.0.0.1:7001"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("all use TLS");
        assertThat(RedisGuardState.cluster("redis://127.0.0.1:7000", "redis://127.0.0.1:7001")
                        .where())
                .isEqualTo("the cluster at 127.0.0.1:7000,127.0.0.1:7001");
    }

    @Test
    void theUrisCarryTheTimeoutNameCredentialsAndVerification() {
        RedisURI plain = RedisGuardState.builder("redis://127.0.0.1:6379")
                .commandTimeout(Duration.ofMillis(300))
                .connectTimeout(Duration.ofMillis(700))
                .clientName("orders-api.node-1")
                .credentials("guard", "pw".toCharArray())
                .uris()
                .get(0);
        assertThat(plain.getTimeout()).isEqualTo(Duration.ofMillis(700));
        assertThat(plain.getClientName()).isEqualTo("orders-api.node-1");
        assertThat(plain.getUsername()).isEqualTo("guard");
        assertThat(plain.getPassword()).containsExactly('p', 'w');

        RedisGuardState.Builder tls = RedisGuardState.builder("rediss://127.0.0.1:6380");
        assertThat(tls.uris().get(0).getVerifyMode()).isEqualTo(SslVerifyMode.FULL);
        assertThat(tls.verifyHostName(false).uris().get(0).getVerifyMode()).isEqualTo(SslVerifyMode.CA);
        assertThat(RedisGuardState.builder("redis://127.0.0.1:6379")
                        .uris()
                        .get(0)
                        .getClientName())
                .isEqualTo(RedisGuardState.DEFAULT_CLIENT_NAME);
    }

    @Test
    void theCredentialsArrayIsCopied() {
        char[] secret = "pw".toCharArray();
        RedisGuardState.Builder b =
                RedisGuardState.builder("redis://127.0.0.1:6379").credentials("guard", secret);
        java.util.Arrays.fill(secret, '\0');
        assertThat(b.uris().get(0).getPassword()).containsExactly('p', 'w');
    }

    @ParameterizedTest
    @ValueSource(
            strings = {"", "my app", "name\n", "a-name-of-sixty-five-characters-is-one-more-than-redis-allows-xyz"})
    void aClientNameRedisWouldRefuseIsRefused(String name) {
        assertThatThrownBy(
                        () -> RedisGuardState.builder("redis://127.0.0.1:6379").clientName(name))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("clientName");
    }

    @Test
    void anEvidenceLingerOutsideZeroToOneSecondIsRefused() {
        RedisGuardState.Builder b = RedisGuardState.builder("redis://127.0.0.1:6379");
        assertThatThrownBy(() -> b.evidenceLinger(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("evidenceLinger");
        assertThatThrownBy(() -> b.evidenceLinger(Duration.ofMillis(1_001))).hasMessageContaining("evidenceLinger");
        assertThat(b.evidenceLinger(Duration.ZERO).evidenceLinger(Duration.ofSeconds(1)))
                .isSameAs(b);
    }

    @Test
    void emptyCredentialsAreRefused() {
        RedisGuardState.Builder b = RedisGuardState.builder("redis://127.0.0.1:6379");
        assertThatThrownBy(() -> b.credentials("", "pw".toCharArray())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.credentials("guard", new char[0])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void tlsSettingsNeedATlsUriAndReadableFiles() throws IOException {
        Path ca = Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\n");
        assertThatThrownBy(() -> RedisGuardState.builder("redis://127.0.0.1:6379")
                        .trustedCertificates(ca)
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("need a TLS uri (rediss://)");
        assertThatThrownBy(() -> RedisGuardState.builder("redis://127.0.0.1:6379")
                        .verifyHostName(false)
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("need a TLS uri");
        assertThatThrownBy(() -> RedisGuardState.builder("rediss://127.0.0.1:6380")
                        .trustedCertificates(dir.resolve("missing.pem")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("trustedCertificates is not a readable file");
        assertThatThrownBy(
                        () -> RedisGuardState.builder("rediss://127.0.0.1:6380").clientCertificate(ca, dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("clientCertificate key is not a readable file");
    }

    @Test
    void topologyRefreshIsForAClusterAndBounded() {
        assertThatThrownBy(
                        () -> RedisGuardState.builder("redis://127.0.0.1:6379").topologyRefresh(Duration.ofSeconds(5)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("applies to a cluster");
        RedisGuardState.Builder cluster = RedisGuardState.cluster("redis://127.0.0.1:7000");
        assertThatThrownBy(() -> cluster.topologyRefresh(Duration.ofMillis(10)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("topologyRefresh");
        assertThatThrownBy(() -> cluster.topologyRefresh(Duration.ofHours(2)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aClusterThatCannotBeReachedIsRefusedAtBuildNamingItsSeeds() throws IOException {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        String seed = "redis://guard:s3cret-pw@127.0.0.1:" + closed;
        assertThatThrownBy(() -> RedisGuardState.cluster(seed)
                        .connectTimeout(Duration.ofMillis(300))
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("redis: cannot connect to the cluster at 127.0.0.1:" + closed);
        assertThatThrownBy(() -> RedisGuardState.builder(seed)
                        .connectTimeout(Duration.ofMillis(300))
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("redis: cannot connect to 127.0.0.1:" + closed);
    }
}
