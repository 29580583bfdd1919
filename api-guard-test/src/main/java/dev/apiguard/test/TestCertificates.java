package dev.apiguard.test;

import dev.apiguard.test.internal.CertificateMaker;
import dev.apiguard.test.internal.Encoding;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A small PKI made in memory with BouncyCastle, for real TLS and mutual-TLS tests: a CA, a server
 * certificate for {@code localhost}, and client certificates on demand.
 *
 * <p>Every key is EC P-256 and every signature SHA256withECDSA. The CA is self-signed with
 * {@code basicConstraints CA:true} and {@code keyCertSign}; the server certificate has the SANs
 * DNS {@code localhost} and IP {@code 127.0.0.1} and the {@code serverAuth} EKU; client
 * certificates have the {@code clientAuth} EKU. Certificates are valid from one hour before the
 * clock's now (to absorb skew), the CA and server for a year and clients for 30 days.
 *
 * <p>Thread-safe: the CA and server certificate are made once; each {@code client} call makes a
 * fresh key pair and certificate.
 *
 * <pre>{@code
 * TestCertificates pki = TestCertificates.create();
 * pki.writeServerKeyStore(dir.resolve("server.p12"), "changeit".toCharArray());
 * pki.writeCaPem(dir.resolve("ca.pem"));
 * IssuedCertificate partner = pki.client("partner-a");
 * HttpClient client = HttpClient.newBuilder().sslContext(pki.sslContext(partner)).build();
 * }</pre>
 */
public final class TestCertificates {

    /** The subject common name of the CA. */
    public static final String CA_NAME = "api-guard test CA";

    private static final Duration SKEW = Duration.ofHours(1);
    private static final Duration CA_VALIDITY = Duration.ofDays(365);
    private static final Duration CLIENT_VALIDITY = Duration.ofDays(30);

    private final Clock clock;
    private final CertificateMaker factory;
    private final IssuedCertificate ca;
    private final IssuedCertificate server;

    private TestCertificates(Clock clock) {
        this.clock = clock;
        this.factory = new CertificateMaker(new SecureRandom());
        Instant now = clock.instant();
        KeyPair caKeys = factory.newKeyPair();
        X509Certificate caCert = factory.ca(CA_NAME, caKeys, now.minus(SKEW), now.plus(CA_VALIDITY));
        this.ca = new IssuedCertificate(caCert, caKeys.getPrivate(), List.of(caCert));
        KeyPair serverKeys = factory.newKeyPair();
        X509Certificate serverCert = factory.server(
                "localhost",
                serverKeys.getPublic(),
                ca,
                now.minus(SKEW),
                now.plus(CA_VALIDITY),
                List.of("DNS:localhost", "IP:127.0.0.1"));
        this.server = new IssuedCertificate(serverCert, serverKeys.getPrivate(), List.of(serverCert, caCert));
    }

    /** A new PKI whose validity periods start from the system clock. */
    public static TestCertificates create() {
        return create(Clock.systemUTC());
    }

    /**
     * A new PKI whose validity periods start from the given clock. TLS stacks check validity
     * against the system clock, so use a clock far from the real time only for certificates that
     * never meet a real handshake.
     */
    public static TestCertificates create(Clock clock) {
        return new TestCertificates(Objects.requireNonNull(clock, "clock cannot be null"));
    }

    /** The CA certificate (self-signed). */
    public X509Certificate ca() {
        return ca.certificate();
    }

    /** The server certificate for {@code localhost}, with its key and chain (server, CA). */
    public IssuedCertificate server() {
        return server;
    }

    /**
     * A client certificate signed by the CA, valid for 30 days, with the {@code clientAuth} EKU.
     *
     * @param commonName the subject CN
     * @param subjectAltNames optional SANs written {@code DNS:name}, {@code URI:uri},
     *     {@code IP:address} or {@code EMAIL:address}
     */
    public IssuedCertificate client(String commonName, String... subjectAltNames) {
        Instant now = clock.instant();
        return clientValidBetween(commonName, now.minus(SKEW), now.plus(CLIENT_VALIDITY), subjectAltNames);
    }

    /** A client certificate signed by the CA that expired a day ago (valid two days ago). */
    public IssuedCertificate expiredClient(String commonName) {
        Instant now = clock.instant();
        return clientValidBetween(commonName, now.minus(Duration.ofDays(2)), now.minus(Duration.ofDays(1)));
    }

    /** A client certificate signed by the CA, valid from an hour ago (or a day before the end) until the instant. */
    public IssuedCertificate clientValidUntil(String commonName, Instant notAfter) {
        Objects.requireNonNull(notAfter, "notAfter cannot be null");
        Instant from = clock.instant().minus(SKEW);
        if (!from.isBefore(notAfter)) {
            from = notAfter.minus(Duration.ofDays(1));
        }
        return clientValidBetween(commonName, from, notAfter);
    }

    /**
     * A client certificate signed by the CA, valid for 30 days, with exactly the key usages and
     * extended key usages given: for testing which certificates a server refuses as a client's.
     *
     * @param commonName the subject CN
     * @param keyUsages RFC 5280 key usage names ({@code digitalSignature}, {@code nonRepudiation},
     *     {@code keyEncipherment}, {@code dataEncipherment}, {@code keyAgreement}, {@code keyCertSign},
     *     {@code cRLSign}, {@code encipherOnly}, {@code decipherOnly}); empty: no key usage extension
     * @param extendedKeyUsages extended key usage OIDs, like {@code 1.3.6.1.5.5.7.3.2}
     *     ({@code clientAuth}) or {@code 2.5.29.37.0} ({@code anyExtendedKeyUsage}); empty: no
     *     extended key usage extension
     * @throws IllegalArgumentException for an unknown key usage name or a malformed OID
     */
    public IssuedCertificate clientWithUsages(
            String commonName, List<String> keyUsages, List<String> extendedKeyUsages) {
        requireName(commonName);
        Objects.requireNonNull(keyUsages, "keyUsages cannot be null");
        Objects.requireNonNull(extendedKeyUsages, "extendedKeyUsages cannot be null");
        Instant now = clock.instant();
        KeyPair keys = factory.newKeyPair();
        X509Certificate cert = factory.leafWithUsages(
                commonName,
                keys.getPublic(),
                ca,
                now.minus(SKEW),
                now.plus(CLIENT_VALIDITY),
                keyUsages,
                extendedKeyUsages);
        return new IssuedCertificate(cert, keys.getPrivate(), List.of(cert, ca.certificate()));
    }

    /**
     * A self-signed client certificate with the {@code clientAuth} EKU: a client the CA never
     * vouched for.
     */
    public IssuedCertificate selfSigned(String commonName) {
        requireName(commonName);
        Instant now = clock.instant();
        KeyPair keys = factory.newKeyPair();
        X509Certificate cert = factory.selfSignedClient(commonName, keys, now.minus(SKEW), now.plus(CLIENT_VALIDITY));
        return new IssuedCertificate(cert, keys.getPrivate(), List.of(cert));
    }

    private IssuedCertificate clientValidBetween(String commonName, Instant from, Instant until, String... sans) {
        requireName(commonName);
        KeyPair keys = factory.newKeyPair();
        X509Certificate cert = factory.client(commonName, keys.getPublic(), ca, from, until, List.of(sans));
        return new IssuedCertificate(cert, keys.getPrivate(), List.of(cert, ca.certificate()));
    }

    // ---- writers ------------------------------------------------------------------------------

    /** The CA certificate in PEM, what a server trusts for client certificates. */
    public String caPem() {
        return toPem(ca.certificate());
    }

    /** Writes {@link #caPem()} to the file, replacing it. */
    public void writeCaPem(Path file) throws IOException {
        Files.writeString(file, caPem(), StandardCharsets.US_ASCII);
    }

    /**
     * Writes a PKCS#12 key store holding the server's key and chain under the alias
     * {@code server}, protected by the password, replacing the file.
     */
    public void writeServerKeyStore(Path p12, char[] password) throws IOException {
        writeKeyStore(server, "server", p12, password);
    }

    /** Writes a PKCS#12 key store holding a client's key and chain under the alias {@code client}. */
    public void writeClientKeyStore(IssuedCertificate client, Path p12, char[] password) throws IOException {
        writeKeyStore(client, "client", p12, password);
    }

    /** The certificate in PEM ({@code -----BEGIN CERTIFICATE-----}). */
    public static String toPem(X509Certificate certificate) {
        try {
            return Encoding.pem("CERTIFICATE", certificate.getEncoded());
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException("cannot encode the certificate", e);
        }
    }

    // ---- TLS ----------------------------------------------------------------------------------

    /**
     * A client-side TLS context that trusts the CA (and nothing else) and, when a client
     * certificate is given, presents it. Built in memory with the JDK's default key and trust
     * manager factories.
     *
     * @param clientOrNull the certificate to present, or {@code null} for a client without one
     */
    public SSLContext sslContext(IssuedCertificate clientOrNull) {
        return context(clientOrNull);
    }

    /**
     * A server-side TLS context presenting the server certificate and trusting the CA for client
     * certificates; the server socket or engine decides whether to want or need them.
     */
    public SSLContext serverSslContext() {
        return context(server);
    }

    private SSLContext context(IssuedCertificate identity) {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", ca.certificate());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            KeyManager[] keyManagers = null;
            if (identity != null) {
                char[] password = "in-memory".toCharArray();
                KeyStore keys = KeyStore.getInstance("PKCS12");
                keys.load(null, null);
                keys.setKeyEntry("identity", identity.privateKey(), password, identity.chainArray());
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keys, password);
                keyManagers = kmf.getKeyManagers();
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManagers, tmf.getTrustManagers(), new SecureRandom());
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build the TLS context", e);
        }
    }

    private static void writeKeyStore(IssuedCertificate identity, String alias, Path p12, char[] password)
            throws IOException {
        Objects.requireNonNull(password, "password cannot be null");
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry(alias, identity.privateKey(), password, identity.chainArray());
            try (OutputStream out = Files.newOutputStream(p12)) {
                store.store(out, password);
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot write the key store", e);
        }
    }

    private static void requireName(String commonName) {
        Objects.requireNonNull(commonName, "commonName cannot be null");
        if (commonName.isBlank()) {
            throw new IllegalArgumentException("commonName cannot be blank");
        }
    }
}
