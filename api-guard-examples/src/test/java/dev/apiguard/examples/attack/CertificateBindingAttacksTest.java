package dev.apiguard.examples.attack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.test.fixtures.IssuedCertificate;
import dev.apiguard.test.fixtures.TestCertificates;
import dev.apiguard.test.fixtures.Thumbprints;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * security-cases §C (docs/security-cases.md), certificate-bound tokens (RFC 8705 §3), over real mutual TLS: one demo
 * server that believes forwarded certificates only from 10.255.0.0/16 (so this test's loopback
 * peer is an untrusted client), one behind a "proxy" at 127.0.0.1 (the test plays the proxy).
 * Both read {@code X-Forwarded-Client-Cert} and recognise Envoy XFCC, RFC 9440 and nginx's
 * escaped PEM from the value.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CertificateBindingAttacksTest {

    static final String HEADER = "X-Forwarded-Client-Cert";

    AttackServer direct;
    AttackServer proxied;
    /** A certificate whose x5t#S256 has a - or _, so that every other encoding of it differs. */
    IssuedCertificate probe;

    HttpClient probeClient;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("direct"));
        Files.createDirectories(dir.resolve("proxied"));
        direct = AttackServer.start(
                dir.resolve("direct"), "--client-cert-header", HEADER, "--trusted-proxy", "10.255.0.0/16");
        do {
            probe = direct.pki.client("partner-a");
        } while (!Thumbprints.x5tS256(probe.certificate()).matches(".*[-_].*"));
        probeClient = direct.client(probe);
        proxied = direct.sibling(
                dir.resolve("proxied"), "--client-cert-header", HEADER, "--trusted-proxy", "127.0.0.1/32");
    }

    @AfterAll
    void stop() throws Exception {
        direct.close();
        proxied.close();
    }

    String boundTo(IssuedCertificate c) {
        return direct.issuer
                .token()
                .clientId(c.certificate().getSubjectX500Principal().getName())
                .scope("payments:write")
                .boundToCertificate(c.certificate())
                .sign();
    }

    String boundToThumbprint(String thumbprint) {
        return direct.issuer
                .token()
                .clientId("partner-a")
                .scope("payments:write")
                .claim("cnf", Map.of("x5t#S256", thumbprint))
                .sign();
    }

    Answer pay(AttackServer server, HttpClient client, String token, String... headers) throws Exception {
        String[] all = new String[headers.length + 2];
        all[0] = "Authorization";
        all[1] = "Bearer " + token;
        System.arraycopy(headers, 0, all, 2, headers.length);
        return server.pay(client, all).assertDocumented(false, List.of(201));
    }

    // ---- forwarded formats, as a TLS-terminating proxy writes them ------------------------------

    /** Envoy {@code x-forwarded-client-cert}: By, Hash (hex SHA-256 of the DER), Cert (URL-encoded PEM), Subject. */
    static String envoy(IssuedCertificate c) throws Exception {
        String hash = HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256")
                        .digest(c.certificate().getEncoded()));
        return "By=spiffe://attack.test/proxy;Hash=" + hash + ";Cert=\"" + urlEncodedPem(c) + "\";Subject=\""
                + c.certificate().getSubjectX500Principal().getName() + "\"";
    }

    /** RFC 9440 {@code Client-Cert}: a structured-field byte sequence of the DER. */
    static String rfc9440(IssuedCertificate c) throws Exception {
        return ":" + Base64.getEncoder().encodeToString(c.certificate().getEncoded()) + ":";
    }

    /** nginx {@code $ssl_client_escaped_cert}: PEM with newlines and spaces escaped, {@code +} kept. */
    static String urlEncodedPem(IssuedCertificate c) {
        return c.certificatePem().replace("\n", "%0A").replace(" ", "%20");
    }

    static Stream<Arguments> formats() {
        return Stream.of(
                Arguments.of("Envoy XFCC", (Format) CertificateBindingAttacksTest::envoy),
                Arguments.of("RFC 9440", (Format) CertificateBindingAttacksTest::rfc9440),
                Arguments.of("nginx escaped PEM", (Format) CertificateBindingAttacksTest::urlEncodedPem));
    }

    interface Format {
        String of(IssuedCertificate c) throws Exception;
    }

    // ---- C1 --------------------------------------------------------------------------------------

    @Test
    @DisplayName("C1 token bound to certificate A: with A 201, with B 401, with none 401")
    void c1_boundTokenNeedsItsOwnCertificate() throws Exception {
        String token = boundTo(direct.partnerA);
        pay(direct, direct.clientA, token).assertStatus(201);
        pay(direct, direct.clientB, token).assertInvalidToken();
        pay(direct, direct.noCertificate, token).assertInvalidToken();
    }

    @Test
    @DisplayName("C1 a certificate of another CA with the same subject cannot even connect as A")
    void c1_lookAlikeCertificateOfAnotherCaIsRefused() throws Exception {
        IssuedCertificate lookAlike = TestCertificates.create().client("partner-a");
        String token = boundTo(direct.partnerA);
        try {
            Answer a = pay(direct, direct.client(lookAlike), token);
            a.assertInvalidToken();
        } catch (java.io.IOException handshakeRefused) {
            // the TLS connector refuses a client certificate it cannot chain: refused before HTTP
        }
    }

    // ---- C2 thumbprint encodings -----------------------------------------------------------------

    static Stream<Arguments> wrongThumbprints() {
        return Stream.of(
                Arguments.of("hex"),
                Arguments.of("HEX"),
                Arguments.of("padded base64url"),
                Arguments.of("standard base64"),
                Arguments.of("standard base64 unpadded"),
                Arguments.of("SHA-1"),
                Arguments.of("SHA-256 of the public key"),
                Arguments.of("upper case"),
                Arguments.of("with a space"),
                Arguments.of("SHA-512"));
    }

    String thumbprint(String form, IssuedCertificate c) throws Exception {
        byte[] der = c.certificate().getEncoded();
        byte[] sha256 = MessageDigest.getInstance("SHA-256").digest(der);
        String right = Thumbprints.x5tS256(c.certificate());
        return switch (form) {
            case "hex" -> HexFormat.of().formatHex(sha256);
            case "HEX" -> HexFormat.of().withUpperCase().formatHex(sha256);
            case "padded base64url" -> Base64.getUrlEncoder().encodeToString(sha256);
            case "standard base64" -> Base64.getEncoder().encodeToString(sha256);
            case "standard base64 unpadded" ->
                Base64.getEncoder().withoutPadding().encodeToString(sha256);
            case "SHA-1" ->
                Base64.getUrlEncoder()
                        .withoutPadding()
                        .encodeToString(MessageDigest.getInstance("SHA-1").digest(der));
            case "SHA-256 of the public key" ->
                Base64.getUrlEncoder()
                        .withoutPadding()
                        .encodeToString(MessageDigest.getInstance("SHA-256")
                                .digest(c.certificate().getPublicKey().getEncoded()));
            case "upper case" -> right.toUpperCase(Locale.ROOT);
            case "with a space" -> right + " ";
            case "SHA-512" ->
                Base64.getUrlEncoder()
                        .withoutPadding()
                        .encodeToString(MessageDigest.getInstance("SHA-512").digest(der));
            default -> throw new IllegalArgumentException(form);
        };
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("wrongThumbprints")
    @DisplayName("C2 x5t#S256 in another encoding or of another digest is 401, even over the right certificate")
    void c2_thumbprintInAnotherEncodingIs401(String form) throws Exception {
        String value = thumbprint(form, probe);
        assertThat(value).isNotEqualTo(Thumbprints.x5tS256(probe.certificate()));
        pay(direct, probeClient, boundToThumbprint(value)).assertInvalidToken();
        pay(direct, probeClient, boundToThumbprint(Thumbprints.x5tS256(probe.certificate())))
                .assertStatus(201);
    }

    @Test
    @DisplayName("C2 a SHA-1 x5t in cnf binds nothing: 401; the exact x5t#S256 over the same certificate: 201")
    void c2_sha1X5tIs401() throws Exception {
        String sha1 = thumbprint("SHA-1", direct.partnerA);
        pay(
                        direct,
                        direct.clientA,
                        direct.issuer
                                .token()
                                .clientId("partner-a")
                                .scope("payments:write")
                                .claim("cnf", Map.of("x5t", sha1))
                                .sign())
                .assertInvalidToken();
        pay(
                        direct,
                        direct.clientA,
                        direct.issuer
                                .token()
                                .clientId("partner-a")
                                .scope("payments:write")
                                .claim("cnf", Map.of("x5t", sha1, "x5t#S256", sha1))
                                .sign())
                .assertInvalidToken();
        pay(direct, direct.clientA, boundToThumbprint(Thumbprints.x5tS256(direct.partnerA.certificate())))
                .assertStatus(201);
    }

    // ---- C3 sender-constrained routes ------------------------------------------------------------

    @Test
    @DisplayName("C3 a plain bearer token on the sender-constrained /payments is 401, even over mTLS")
    void c3_plainBearerOnASenderConstrainedRouteIs401() throws Exception {
        String plain = direct.issuer
                .token()
                .clientId("partner-a")
                .scope("payments:write")
                .sign();
        pay(direct, direct.clientA, plain).assertInvalidToken();
        String misplaced = direct.issuer
                .token()
                .clientId("partner-a")
                .scope("payments:write")
                .claim("x5t#S256", Thumbprints.x5tS256(direct.partnerA.certificate()))
                .sign();
        pay(direct, direct.clientA, misplaced).assertInvalidToken();
    }

    // ---- C4 forwarded certificates from an untrusted peer ----------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("formats")
    @DisplayName("C4 a forwarded certificate from a peer that is not a trusted proxy is ignored: 401")
    void c4_forwardedCertificateFromAnUntrustedPeerIsIgnored(String name, Format format) throws Exception {
        String value = format.of(direct.partnerB);
        String token = boundTo(direct.partnerB);
        pay(direct, direct.noCertificate, token, HEADER, value).assertInvalidToken();
        // claiming to come from the trusted network changes nothing
        pay(
                        direct,
                        direct.noCertificate,
                        token,
                        HEADER,
                        value,
                        "X-Forwarded-For",
                        "10.255.0.7",
                        "Forwarded",
                        "for=10.255.0.7",
                        "X-Real-IP",
                        "10.255.0.7")
                .assertInvalidToken();
        // over A's own TLS connection the header is ignored and A's certificate counts
        pay(direct, direct.clientA, token, HEADER, value).assertInvalidToken();
        pay(direct, direct.clientA, boundTo(direct.partnerA), HEADER, value).assertStatus(201);
    }

    // ---- C5 nginx escaped PEM, empty values ------------------------------------------------------

    @Test
    @DisplayName("C5 nginx escaped PEM: + stays +, %2B decodes to +; a PEM whose + became spaces binds nothing")
    void c5_plusInEscapedPemIsAPlus() throws Exception {
        IssuedCertificate b = direct.partnerB;
        String token = boundTo(b);
        String pem = urlEncodedPem(b);
        assertThat(pem).contains("+");
        pay(proxied, proxied.noCertificate, token, HEADER, pem).assertStatus(201);
        pay(proxied, proxied.noCertificate, token, HEADER, pem.replace("+", "%2B"))
                .assertStatus(201);
        pay(proxied, proxied.noCertificate, token, HEADER, pem.replace("+", "%20"))
                .assertInvalidToken();
        pay(proxied, proxied.noCertificate, token, HEADER, pem.replace("+", " "))
                .assertInvalidToken();
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(
            strings = {
                "",
                "-",
                "(null)",
                "null",
                " ",
                "::",
                ":AAAA:",
                "Hash=00",
                "By=x;Cert=\"unterminated",
                "-----BEGIN CERTIFICATE-----",
                "-----BEGIN CERTIFICATE-----%0A%0A-----END CERTIFICATE-----"
            })
    @DisplayName("C5 empty, -, (null) or broken values from the trusted proxy bind nothing: 401")
    void c5_noOrBrokenForwardedCertificateBindsNothing(String value) throws Exception {
        proxied.raw(
                        null,
                        proxied.rawRequest(
                                        "POST",
                                        "/payments",
                                        "Authorization: Bearer " + boundTo(direct.partnerB),
                                        HEADER + ": " + value,
                                        "Content-Type: application/json",
                                        "Content-Length: 2")
                                .replace("\r\n\r\n", "\r\n\r\n{}"))
                .assertDocumentedRefusal()
                .assertInvalidToken();
    }

    // ---- C6 size ---------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0} characters")
    @ValueSource(ints = {7_000, 17_000, 40_000})
    @DisplayName(
            "C6 a certificate header of junk or over 16 KB: refused (401, or 431 by the container), never accepted")
    void c6_oversizedCertificateHeaderIsRefused(int size) throws Exception {
        String value = urlEncodedPem(direct.partnerB);
        value = value + "A".repeat(Math.max(0, size - value.length()));
        Answer a = proxied.raw(
                        null,
                        proxied.rawRequest(
                                        "POST",
                                        "/payments",
                                        "Authorization: Bearer " + boundTo(direct.partnerB),
                                        HEADER + ": " + value,
                                        "Content-Type: application/json",
                                        "Content-Length: 2")
                                .replace("\r\n\r\n", "\r\n\r\n{}"))
                .assertDocumented(true, List.of());
        assertThat(a.status()).isIn(0, 400, 401, 431);
    }

    // ---- from the trusted proxy: chains, duplicates, foreign certificates ------------------------

    @Test
    @DisplayName("C4+ the proxy's own XFCC element (the last) counts; one the client injected before it does not")
    void c4_lastXfccElementIsTheTrustedHops() throws Exception {
        String chain = envoy(direct.partnerA) + "," + envoy(direct.partnerB);
        pay(proxied, proxied.noCertificate, boundTo(direct.partnerB), HEADER, chain)
                .assertStatus(201);
        pay(proxied, proxied.noCertificate, boundTo(direct.partnerA), HEADER, chain)
                .assertInvalidToken();
    }

    @Test
    @DisplayName("C4+ two certificate header lines, Hash without Cert, duplicate Cert keys: 401")
    void c4_ambiguousForwardedValuesAre401() throws Exception {
        String token = boundTo(direct.partnerB);
        proxied.raw(
                        null,
                        proxied.rawRequest(
                                        "POST",
                                        "/payments",
                                        "Authorization: Bearer " + token,
                                        HEADER + ": " + envoy(direct.partnerB),
                                        HEADER + ": " + envoy(direct.partnerB),
                                        "Content-Type: application/json",
                                        "Content-Length: 2")
                                .replace("\r\n\r\n", "\r\n\r\n{}"))
                .assertDocumentedRefusal()
                .assertInvalidToken();
        String hashOnly = envoy(direct.partnerB).replaceAll(";Cert=\"[^\"]*\"", "");
        pay(proxied, proxied.noCertificate, token, HEADER, hashOnly).assertInvalidToken();
        String twoCerts = envoy(direct.partnerB) + ";Cert=\"" + urlEncodedPem(direct.partnerA) + "\"";
        pay(proxied, proxied.noCertificate, token, HEADER, twoCerts).assertInvalidToken();
    }

    @Test
    @DisplayName("C4+ a forwarded certificate of another CA, self-signed or expired, even from the proxy: 401")
    void c4_forwardedCertificateMustChainAndBeValid() throws Exception {
        for (IssuedCertificate c : List.of(
                TestCertificates.create().client("partner-b"),
                direct.pki.selfSigned("partner-b"),
                direct.pki.expiredClient("partner-b"))) {
            pay(proxied, proxied.noCertificate, boundTo(c), HEADER, urlEncodedPem(c))
                    .assertInvalidToken();
        }
    }

    @Test
    @DisplayName("C4+ a TLS certificate and a forwarded one that differ: 401")
    void c4_tlsAndForwardedCertificatesThatDifferAre401() throws Exception {
        pay(proxied, proxied.clientA, boundTo(direct.partnerA), HEADER, urlEncodedPem(direct.partnerB))
                .assertInvalidToken();
        pay(proxied, proxied.clientA, boundTo(direct.partnerA), HEADER, urlEncodedPem(direct.partnerA))
                .assertStatus(201);
    }
}
