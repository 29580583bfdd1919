package dev.apiguard.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestCertificatesTest {

    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final char[] PASSWORD = "changeit".toCharArray();

    private static TestCertificates pki;

    @BeforeAll
    static void makePki() {
        pki = TestCertificates.create();
    }

    @Test
    void caIsSelfSignedAndMayOnlySignCertificates() throws Exception {
        X509Certificate ca = pki.ca();
        ca.verify(ca.getPublicKey());
        ca.checkValidity();
        assertThat(ca.getBasicConstraints()).isGreaterThanOrEqualTo(0);
        assertThat(ca.getKeyUsage()[5]).as("keyCertSign").isTrue();
        assertThat(ca.getSubjectX500Principal()).isEqualTo(ca.getIssuerX500Principal());
    }

    @Test
    void serverCertificateIsForLocalhostAndChainsToTheCa() throws Exception {
        IssuedCertificate server = pki.server();
        X509Certificate cert = server.certificate();
        cert.verify(pki.ca().getPublicKey());
        cert.checkValidity();
        assertThat(cert.getBasicConstraints()).isEqualTo(-1);
        assertThat(cert.getExtendedKeyUsage()).containsExactly(SERVER_AUTH);
        assertThat(sans(cert)).containsExactlyInAnyOrder(List.of(2, "localhost"), List.of(7, "127.0.0.1"));
        assertThat(server.chain()).containsExactly(cert, pki.ca());
    }

    @Test
    void clientCertificateHasClientAuthAndTheGivenNames() throws Exception {
        IssuedCertificate client = pki.client("partner-a", "DNS:partner-a.example", "URI:spiffe://example/partner-a");
        X509Certificate cert = client.certificate();
        cert.verify(pki.ca().getPublicKey());
        cert.checkValidity();
        assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("CN=partner-a");
        assertThat(cert.getExtendedKeyUsage()).containsExactly(CLIENT_AUTH);
        assertThat(sans(cert))
                .containsExactlyInAnyOrder(List.of(2, "partner-a.example"), List.of(6, "spiffe://example/partner-a"));
        assertThat(client.chain()).containsExactly(cert, pki.ca());
        assertThat(pki.client("plain").certificate().getSubjectAlternativeNames())
                .isNull();
        assertThatThrownBy(() -> pki.client("x", "FTP:nope")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void clientWithUsagesHasExactlyTheGivenUsagesAndLeavesOutEmptyOnes() throws Exception {
        X509Certificate both = pki.clientWithUsages(
                        "kx", List.of("keyEncipherment", "keyAgreement"), List.of(SERVER_AUTH, "2.5.29.37.0"))
                .certificate();
        both.verify(pki.ca().getPublicKey());
        both.checkValidity();
        assertThat(both.getBasicConstraints()).isEqualTo(-1);
        boolean[] ku = both.getKeyUsage();
        assertThat(ku[0]).as("digitalSignature").isFalse();
        assertThat(ku[2]).as("keyEncipherment").isTrue();
        assertThat(ku[4]).as("keyAgreement").isTrue();
        assertThat(both.getExtendedKeyUsage()).containsExactly(SERVER_AUTH, "2.5.29.37.0");

        X509Certificate none =
                pki.clientWithUsages("bare", List.of(), List.of()).certificate();
        none.verify(pki.ca().getPublicKey());
        assertThat(none.getKeyUsage()).isNull();
        assertThat(none.getExtendedKeyUsage()).isNull();
        assertThat(pki.clientWithUsages("c", List.of("digitalSignature"), List.of(CLIENT_AUTH))
                        .certificate()
                        .getKeyUsage()[0])
                .isTrue();

        assertThatThrownBy(() -> pki.clientWithUsages("x", List.of("signEverything"), List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("signEverything");
        assertThatThrownBy(() -> pki.clientWithUsages("x", List.of(), List.of("not an oid")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> pki.clientWithUsages(" ", List.of(), List.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void eachClientHasItsOwnKeyAndThumbprint() {
        IssuedCertificate a = pki.client("partner-a");
        IssuedCertificate b = pki.client("partner-a");
        assertThat(a.thumbprint()).isNotEqualTo(b.thumbprint());
        assertThat(a.certificate().getSerialNumber())
                .isNotEqualTo(b.certificate().getSerialNumber());
    }

    @Test
    void thumbprintIsBase64UrlOfTheSha256OfTheDer() throws Exception {
        X509Certificate cert = pki.client("partner-a").certificate();
        String expected = Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
        assertThat(Thumbprints.x5tS256(cert)).isEqualTo(expected);
    }

    @Test
    void expiredAndShortLivedVariants() throws Exception {
        X509Certificate expired = pki.expiredClient("old").certificate();
        expired.verify(pki.ca().getPublicKey());
        assertThatThrownBy(expired::checkValidity).isInstanceOf(CertificateExpiredException.class);

        Instant until = Instant.now().plus(2, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
        X509Certificate shortLived = pki.clientValidUntil("short", until).certificate();
        shortLived.checkValidity();
        assertThat(shortLived.getNotAfter().toInstant()).isEqualTo(until);

        Instant past = Instant.now().minus(10, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
        X509Certificate ended = pki.clientValidUntil("ended", past).certificate();
        assertThat(ended.getNotBefore().toInstant()).isBefore(past);
        assertThatThrownBy(ended::checkValidity).isInstanceOf(CertificateExpiredException.class);
    }

    @Test
    void selfSignedClientDoesNotChainToTheCa() throws Exception {
        IssuedCertificate rogue = pki.selfSigned("partner-a");
        X509Certificate cert = rogue.certificate();
        cert.verify(cert.getPublicKey());
        assertThatThrownBy(() -> cert.verify(pki.ca().getPublicKey())).isInstanceOf(Exception.class);
        assertThat(cert.getExtendedKeyUsage()).containsExactly(CLIENT_AUTH);
        assertThat(rogue.chain()).containsExactly(cert);
    }

    @Test
    void pemRoundTripsThroughTheJdkCertificateFactory(@TempDir Path dir) throws Exception {
        assertThat(pki.caPem()).startsWith("-----BEGIN CERTIFICATE-----\n").endsWith("-----END CERTIFICATE-----\n");
        Path file = dir.resolve("ca.pem");
        pki.writeCaPem(file);
        try (InputStream in = Files.newInputStream(file)) {
            assertThat(CertificateFactory.getInstance("X.509").generateCertificate(in))
                    .isEqualTo(pki.ca());
        }
        assertThat(TestCertificates.toPem(pki.ca())).isEqualTo(pki.caPem());
    }

    @Test
    void serverKeyStoreHoldsTheKeyAndTheChain(@TempDir Path dir) throws Exception {
        Path p12 = dir.resolve("server.p12");
        pki.writeServerKeyStore(p12, PASSWORD);
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12)) {
            store.load(in, PASSWORD);
        }
        assertThat(store.getKey("server", PASSWORD)).isEqualTo(pki.server().privateKey());
        assertThat(store.getCertificateChain("server"))
                .containsExactly(pki.server().certificate(), pki.ca());
    }

    @Test
    void toStringNeverPrintsTheKey() {
        IssuedCertificate client = pki.client("partner-a");
        assertThat(client.toString()).contains("CN=partner-a").doesNotContain(client.privateKeyPem());
        assertThat(client.privateKeyPem()).startsWith("-----BEGIN PRIVATE KEY-----\n");
    }

    private static List<List<?>> sans(X509Certificate cert) throws Exception {
        Collection<List<?>> names = cert.getSubjectAlternativeNames();
        return List.copyOf(names);
    }

    // ---- a real mutual-TLS handshake ----------------------------------------------------------

    /**
     * A JDK TLS server configured only from what the kit writes to disk (the PKCS#12 key store and
     * the CA PEM), requiring a client certificate; it answers each connection with the subject of
     * the client certificate it saw.
     */
    static final class MtlsServer implements AutoCloseable {
        final SSLServerSocket socket;
        final CompletableFuture<String> seen = new CompletableFuture<>();

        MtlsServer(Path p12, Path caPem) throws Exception {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(p12)) {
                keys.load(in, PASSWORD);
            }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, PASSWORD);
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            try (InputStream in = new ByteArrayInputStream(Files.readAllBytes(caPem))) {
                trust.setCertificateEntry(
                        "ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            socket = (SSLServerSocket) context.getServerSocketFactory()
                    .createServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress());
            socket.setNeedClientAuth(true);
            Thread t = new Thread(this::serveOne, "mtls-test-server");
            t.setDaemon(true);
            t.start();
        }

        private void serveOne() {
            try (SSLSocket s = (SSLSocket) socket.accept()) {
                s.setSoTimeout(10_000);
                s.startHandshake();
                X509Certificate peer = (X509Certificate) s.getSession().getPeerCertificates()[0];
                String subject = peer.getSubjectX500Principal().getName();
                seen.complete(subject);
                try (OutputStream out = s.getOutputStream()) {
                    out.write((subject + "\n").getBytes(StandardCharsets.UTF_8));
                }
            } catch (Exception e) {
                seen.completeExceptionally(e);
            }
        }

        int port() {
            return socket.getLocalPort();
        }

        @Override
        public void close() throws Exception {
            socket.close();
        }
    }

    private MtlsServer server;

    @BeforeEach
    void startServer(@TempDir Path dir) throws Exception {
        Path p12 = dir.resolve("server.p12");
        Path ca = dir.resolve("ca.pem");
        pki.writeServerKeyStore(p12, PASSWORD);
        pki.writeCaPem(ca);
        server = new MtlsServer(p12, ca);
    }

    @AfterEach
    void stopServer() throws Exception {
        server.close();
    }

    private String connect(IssuedCertificate client) throws Exception {
        SSLContext context = pki.sslContext(client);
        try (SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket("localhost", server.port())) {
            s.setSoTimeout(10_000);
            // the client checks the server's name against its SAN, as an HTTPS client does
            javax.net.ssl.SSLParameters params = s.getSSLParameters();
            params.setEndpointIdentificationAlgorithm("HTTPS");
            s.setSSLParameters(params);
            s.startHandshake();
            // TLS 1.3 reports a refused client certificate on the first read, not in the handshake
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        }
    }

    @Test
    void realHandshakePresentsTheClientCertificateToTheServer() throws Exception {
        IssuedCertificate client = pki.client("partner-a");
        assertThat(connect(client)).isEqualTo("CN=partner-a");
        assertThat(server.seen.get(10, TimeUnit.SECONDS)).isEqualTo("CN=partner-a");
    }

    @Test
    void clientWithoutCertificateFailsWhenTheServerRequiresOne() {
        // the client sees the server's alert (or, racing it, the closed socket); the server proves why
        assertThatThrownBy(() -> connect(null)).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> server.seen.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(SSLException.class);
    }

    @Test
    void selfSignedClientFailsTheHandshake() {
        // the client sees the server's alert (or, racing it, the closed socket); the server proves why
        assertThatThrownBy(() -> connect(pki.selfSigned("partner-a"))).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> server.seen.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(SSLException.class);
    }

    @Test
    void expiredClientFailsTheHandshake() {
        // the client sees the server's alert (or, racing it, the closed socket); the server proves why
        assertThatThrownBy(() -> connect(pki.expiredClient("old"))).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> server.seen.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(SSLException.class);
    }

    @Test
    void clientTrustsOnlyTheTestCa() {
        TestCertificates other = TestCertificates.create();
        assertThatThrownBy(() -> {
                    SSLContext context = other.sslContext(other.client("partner-a"));
                    try (SSLSocket s =
                            (SSLSocket) context.getSocketFactory().createSocket("localhost", server.port())) {
                        s.startHandshake();
                    }
                })
                .isInstanceOf(SSLException.class);
    }
}
