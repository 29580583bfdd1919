package dev.apiguard.redis;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apiguard.event.SecurityEventListener;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The store contracts over TLS ({@code rediss://}) with an ACL user, against a redis-server whose
 * certificate a private CA signed; and the connections a client must refuse.
 */
@ExtendWith(RedisServerCondition.class)
class TlsContractsTest extends TopologyContracts {

    private static final char[] PASSWORD = "guard-s3cret".toCharArray();

    private RedisCertificates certificates;
    private RedisServer server;

    @BeforeAll
    void start() throws Exception {
        RedisServerExtension.requireBinary();
        certificates = RedisCertificates.create();
        server = RedisServer.builder()
                .tls(certificates)
                .user("guard", new String(PASSWORD))
                .start();
    }

    @AfterAll
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        if (certificates != null) {
            certificates.close();
        }
    }

    @Override
    protected RedisGuardState.Builder builder() {
        return RedisGuardState.builder(server.tlsUri())
                .trustedCertificates(certificates.caPem())
                .credentials("guard", PASSWORD)
                .clientName("tls-contracts");
    }

    @Test
    void aServerWhoseCertificateNoTrustedAuthoritySignedIsRefused() {
        assertThatThrownBy(() -> RedisGuardState.builder(server.tlsUri())
                        .credentials("guard", PASSWORD)
                        .connectTimeout(Duration.ofSeconds(2))
                        .listener(SecurityEventListener.NONE)
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("redis: cannot connect to 127.0.0.1:" + server.port());
    }

    @Test
    void aWrongPasswordIsRefusedAtBuildWithoutQuotingIt() {
        assertThatThrownBy(() -> RedisGuardState.builder(server.tlsUri())
                        .trustedCertificates(certificates.caPem())
                        .credentials("guard", "not-the-password".toCharArray())
                        .listener(SecurityEventListener.NONE)
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("redis: cannot connect to 127.0.0.1:" + server.port());
    }
}
