package dev.apiguard.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import io.lettuce.core.SslVerifyMode;
import io.lettuce.core.api.StatefulRedisConnection;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link RedisServer}'s TLS and ACL options, with real Lettuce clients: a client trusting the
 * test CA connects over {@code rediss://} with full peer verification (certificate chain and the
 * IP SAN), one trusting only the JDK's CAs fails the handshake; the ACL user logs in, a wrong
 * password and an anonymous client are refused.
 */
@ExtendWith(RedisServerCondition.class)
class RedisTlsTest {

    private static final String USER = "guard";
    private static final String PASSWORD = "correct-horse-battery-staple";

    private static RedisCertificates certificates;
    private static RedisServer tls;
    private static RedisServer acl;
    private static RedisServer tlsAndAcl;

    @BeforeAll
    static void startServers() throws Exception {
        RedisServerExtension.requireBinary();
        certificates = RedisCertificates.create();
        long started = System.nanoTime();
        tls = RedisServer.builder().tls(certificates).start();
        System.out.printf("TLS RedisServer start: %d ms%n", RedisClusterTest.millisSince(started));
        acl = RedisServer.builder().user(USER, PASSWORD).start();
        tlsAndAcl = RedisServer.builder().tls(certificates).user(USER, PASSWORD).start();
    }

    @AfterAll
    static void stopServers() throws Exception {
        for (RedisServer server : new RedisServer[] {tls, acl, tlsAndAcl}) {
            if (server != null) {
                server.close();
            }
        }
        if (certificates != null) {
            certificates.close();
        }
    }

    @Test
    void aClientTrustingTheCaConnectsWithPeerVerification() {
        RedisURI uri = RedisURI.create(tls.tlsUri());
        assertThat(uri.isSsl()).isTrue();
        assertThat(uri.getVerifyMode()).isEqualTo(SslVerifyMode.FULL);

        assertThat(roundTrip(uri, trustingTheCa())).isEqualTo("over TLS");
    }

    @Test
    void aClientWithoutTheCaFailsTheHandshake() {
        RedisClient client = RedisClient.create();
        client.setOptions(ClientOptions.builder()
                .sslOptions(SslOptions.builder().jdkSslProvider().build())
                .build());
        try {
            assertThatThrownBy(() -> client.connect(RedisURI.create(tls.tlsUri())))
                    .isInstanceOf(RedisConnectionException.class)
                    .hasStackTraceContaining(SSLHandshakeException.class.getName())
                    .hasStackTraceContaining("PKIX path building failed");
        } finally {
            client.shutdown();
        }
    }

    @Test
    void aTlsServerHasNoPlainUri() {
        assertThatThrownBy(tls::uri).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(acl::tlsUri).isInstanceOf(IllegalStateException.class);
        assertThat(tls.isTls()).isTrue();
        assertThat(tls.tlsUri()).isEqualTo("rediss://127.0.0.1:" + tls.port());
    }

    @Test
    void theAclUserLogsIn() {
        RedisURI uri = RedisURI.builder(RedisURI.create(acl.uri()))
                .withAuthentication(USER, PASSWORD)
                .build();

        assertThat(roundTrip(uri, ClientOptions.create())).isEqualTo("over plain");
    }

    @Test
    void theAclUserLogsInOverTls() {
        RedisURI uri = RedisURI.builder(RedisURI.create(tlsAndAcl.tlsUri()))
                .withAuthentication(USER, PASSWORD)
                .build();

        assertThat(roundTrip(uri, trustingTheCa())).isEqualTo("over TLS");
    }

    @Test
    void aWrongPasswordIsRefused() {
        RedisURI uri = RedisURI.builder(RedisURI.create(acl.uri()))
                .withAuthentication(USER, "wrong")
                .build();

        assertThatThrownBy(() -> roundTrip(uri, ClientOptions.create()))
                .isInstanceOf(RedisConnectionException.class)
                .hasStackTraceContaining("WRONGPASS");
    }

    @Test
    void anAnonymousClientIsRefused() {
        RedisURI uri = RedisURI.create(acl.uri());

        assertThatThrownBy(() -> roundTrip(uri, ClientOptions.create())).hasStackTraceContaining("NOAUTH");
    }

    private static ClientOptions trustingTheCa() {
        return ClientOptions.builder()
                .sslOptions(SslOptions.builder()
                        .jdkSslProvider()
                        .trustManager(certificates.caPem().toFile())
                        .build())
                .build();
    }

    /** SET and GET of a value naming the transport; for the ACL user, also its name. */
    private static String roundTrip(RedisURI uri, ClientOptions options) {
        RedisClient client = RedisClient.create();
        client.setOptions(options);
        try (StatefulRedisConnection<String, String> connection = client.connect(uri)) {
            String value = uri.isSsl() ? "over TLS" : "over plain";
            connection.sync().set("tls:key", value);
            if (uri.getUsername() != null) {
                assertThat(connection.sync().aclWhoami()).isEqualTo(USER);
            }
            return connection.sync().get("tls:key");
        } finally {
            client.shutdown();
        }
    }
}
