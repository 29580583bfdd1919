package dev.apiguard.redis;

import dev.apiguard.test.fixtures.TestCertificates;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * PEM files for a TLS {@link RedisServer}, in a temporary directory: a test CA ({@code ca.pem}),
 * and a server certificate for {@code localhost} and IP {@code 127.0.0.1} signed by it
 * ({@code server.pem}) with its unencrypted PKCS#8 key ({@code server-key.pem}). Made in memory
 * by {@link TestCertificates} (EC P-256); {@link #close()} deletes the files.
 *
 * <pre>{@code
 * try (RedisCertificates certs = RedisCertificates.create();
 *         RedisServer redis = RedisServer.builder().tls(certs).start()) {
 *     SslOptions ssl = SslOptions.builder().trustManager(certs.caPem().toFile()).build();
 * }
 * }</pre>
 */
public final class RedisCertificates implements AutoCloseable {

    private final Path dir;
    private final TestCertificates pki;

    private RedisCertificates(Path dir, TestCertificates pki) {
        this.dir = dir;
        this.pki = pki;
    }

    /** Makes a new CA and server certificate and writes the three PEM files. */
    public static RedisCertificates create() throws IOException {
        Path dir = Files.createTempDirectory("api-guard-redis-tls");
        RedisCertificates certificates = new RedisCertificates(dir, TestCertificates.create());
        try {
            certificates.pki.writeCaPem(certificates.caPem());
            Files.writeString(
                    certificates.certPem(), certificates.pki.server().certificatePem(), StandardCharsets.US_ASCII);
            Files.writeString(
                    certificates.keyPem(), certificates.pki.server().privateKeyPem(), StandardCharsets.US_ASCII);
            return certificates;
        } catch (IOException | RuntimeException e) {
            certificates.close();
            throw e;
        }
    }

    /** The CA certificate (PEM): what a client trusts to verify the server. */
    public Path caPem() {
        return dir.resolve("ca.pem");
    }

    /** The server's certificate (PEM), for {@code localhost} and {@code 127.0.0.1}. */
    public Path certPem() {
        return dir.resolve("server.pem");
    }

    /** The server certificate's private key (unencrypted PKCS#8 PEM). */
    public Path keyPem() {
        return dir.resolve("server-key.pem");
    }

    /** The PKI the files come from, for client certificates or an in-memory {@code SSLContext}. */
    public TestCertificates pki() {
        return pki;
    }

    /** Deletes the files. */
    @Override
    public void close() {
        RedisNode.deleteTree(dir);
    }
}
