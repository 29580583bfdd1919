package dev.apiguard.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.test.fixtures.IssuedCertificate;
import dev.apiguard.test.fixtures.LocalIssuer;
import dev.apiguard.test.fixtures.TestCertificates;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Certificate-bound tokens over real mutual TLS (embedded Jetty 12, the JDK HttpClient presenting
 * each partner's certificate) and forwarded certificates over real sockets: one server that trusts
 * no loopback proxy, one behind a "proxy" at 127.0.0.1.
 */
class CertificateBindingEndToEndTest {

    static final String ISSUER = "https://issuer.bind.test";
    static final String AUDIENCE = "https://api.bind.test";
    static final String INVALID = "Bearer error=\"invalid_token\"";

    @TempDir
    static Path dir;

    static TestCertificates pki;
    static IssuedCertificate partnerA;
    static IssuedCertificate partnerB;
    static LocalIssuer issuer;
    static DemoServer direct;
    static DemoServer proxied;
    static HttpClient clientA;
    static HttpClient clientB;
    static HttpClient noCertificate;

    @BeforeAll
    static void start() throws Exception {
        pki = TestCertificates.create();
        partnerA = pki.client("partner-a");
        partnerB = pki.client("partner-b");
        issuer = LocalIssuer.rsa(ISSUER).audience(AUDIENCE);
        pki.writeServerKeyStore(dir.resolve("server.p12"), "pw".toCharArray());
        pki.writeCaPem(dir.resolve("ca.pem"));
        issuer.writeJwks(dir.resolve("jwks.json"));
        direct = DemoServer.start(DemoOptions.parse(options("X-Forwarded-Client-Cert", "10.255.0.0/16")));
        proxied = DemoServer.start(DemoOptions.parse(options("Client-Cert", "127.0.0.1/32")));
        clientA = HttpClient.newBuilder().sslContext(pki.sslContext(partnerA)).build();
        clientB = HttpClient.newBuilder().sslContext(pki.sslContext(partnerB)).build();
        noCertificate = HttpClient.newBuilder().sslContext(pki.sslContext(null)).build();
    }

    static List<String> options(String header, String proxy) {
        return SuiteFlags.unlimited(
                "--port",
                "0",
                "--tls-keystore",
                dir.resolve("server.p12").toString(),
                "--tls-password",
                "pw",
                "--client-ca",
                dir.resolve("ca.pem").toString(),
                "--issuer",
                ISSUER,
                "--audience",
                AUDIENCE,
                "--jwks",
                dir.resolve("jwks.json").toString(),
                "--client-cert-header",
                header,
                "--trusted-proxy",
                proxy);
    }

    @AfterAll
    static void stop() throws Exception {
        direct.close();
        proxied.close();
    }

    static String boundTo(IssuedCertificate c) {
        return issuer.token()
                .clientId(c.certificate().getSubjectX500Principal().getName())
                .scope("payments:write")
                .boundToCertificate(c.certificate())
                .sign();
    }

    static HttpResponse<String> pay(HttpClient client, URI base, String token, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve("/payments"))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"amount\":\"1.00\"}"));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void eachPartnerPaysWithItsOwnCertificateOverMutualTls() throws Exception {
        assertThat(pay(clientA, direct.baseUri(), boundTo(partnerA)).statusCode())
                .isEqualTo(201);
        assertThat(pay(clientB, direct.baseUri(), boundTo(partnerB)).statusCode())
                .isEqualTo(201);
    }

    @Test
    void tokenReplayedOverAnotherPartnersConnectionIsInvalid() throws Exception {
        String stolen = boundTo(partnerA);
        HttpResponse<String> r = pay(clientB, direct.baseUri(), stolen);
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().allValues("WWW-Authenticate")).containsExactly(INVALID);
        assertThat(r.body()).doesNotContain(stolen.substring(stolen.length() - 16));
    }

    @Test
    void boundTokenWithoutAClientCertificateIsInvalid() throws Exception {
        HttpResponse<String> r = pay(noCertificate, direct.baseUri(), boundTo(partnerA));
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().allValues("WWW-Authenticate")).containsExactly(INVALID);
    }

    @Test
    void plainBearerTokenIsInvalidOnPaymentsEvenOverMutualTls() throws Exception {
        String plain =
                issuer.token().clientId("partner-a").scope("payments:write").sign();
        HttpResponse<String> r = pay(clientA, direct.baseUri(), plain);
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().allValues("WWW-Authenticate")).containsExactly(INVALID);
    }

    static String escapedPem(IssuedCertificate c) {
        return c.certificatePem().replace("\n", "%0A").replace(" ", "%20");
    }

    static Stream<Arguments> formats() throws Exception {
        return Stream.of(
                Arguments.of("Envoy XFCC", Scenario.xfcc(partnerB)),
                Arguments.of(
                        "RFC 9440",
                        ":"
                                + Base64.getEncoder()
                                        .encodeToString(partnerB.certificate().getEncoded()) + ":"),
                Arguments.of("nginx escaped PEM", escapedPem(partnerB)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("formats")
    void forwardedCertificateFromAnUntrustedPeerIsIgnored(String name, String value) throws Exception {
        HttpResponse<String> r =
                pay(noCertificate, direct.baseUri(), boundTo(partnerB), "X-Forwarded-Client-Cert", value);
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().allValues("WWW-Authenticate")).containsExactly(INVALID);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("formats")
    void forwardedCertificateFromTheTrustedProxyBindsTheToken(String name, String value) throws Exception {
        assertThat(pay(noCertificate, proxied.baseUri(), boundTo(partnerB), "Client-Cert", value)
                        .statusCode())
                .isEqualTo(201);
        assertThat(pay(noCertificate, proxied.baseUri(), boundTo(partnerA), "Client-Cert", value)
                        .statusCode())
                .isEqualTo(401);
    }

    @Test
    void forwardedCertificateOfAnotherCaIsRefused() throws Exception {
        IssuedCertificate foreign = TestCertificates.create().client("partner-b");
        HttpResponse<String> r =
                pay(noCertificate, proxied.baseUri(), boundTo(foreign), "Client-Cert", escapedPem(foreign));
        assertThat(r.statusCode()).isEqualTo(401);
    }

    @Test
    void tlsAndForwardedCertificatesThatDifferAreRefused() throws Exception {
        assertThat(pay(clientA, proxied.baseUri(), boundTo(partnerA), "Client-Cert", escapedPem(partnerB))
                        .statusCode())
                .isEqualTo(401);
        assertThat(pay(clientA, proxied.baseUri(), boundTo(partnerA), "Client-Cert", escapedPem(partnerA))
                        .statusCode())
                .isEqualTo(201);
    }

    @ParameterizedTest
    @ValueSource(strings = {"(null)", "-", "Hash=00", "By=x;Cert=\"unterminated", ":AAAA:"})
    void noOrBrokenForwardedCertificateBindsNothing(String value) throws Exception {
        HttpResponse<String> r = pay(noCertificate, proxied.baseUri(), boundTo(partnerB), "Client-Cert", value);
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().allValues("WWW-Authenticate")).containsExactly(INVALID);
    }

    @Test
    void oversizedForwardedHeaderIsRefusedNeverAccepted() throws Exception {
        String huge = escapedPem(partnerB) + "A".repeat(16 * 1024);
        HttpResponse<String> r = pay(noCertificate, proxied.baseUri(), boundTo(partnerB), "Client-Cert", huge);
        // Jetty's own 8 KiB header limit may answer first (431); the guard's 16 KiB check answers 401
        assertThat(r.statusCode()).isIn(401, 431);
    }

    @Test
    void helpListsTheCertificateFlags() {
        assertThat(DemoOptions.helpText()).contains("--trusted-proxy CIDR", "--client-cert-header NAME");
    }

    @Test
    void forwardedHeaderWithoutTrustedProxyOrCaIsAUsageError() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DemoOptions.parse(List.of(
                        "--tls-keystore",
                        "k",
                        "--tls-password",
                        "p",
                        "--issuer",
                        ISSUER,
                        "--audience",
                        AUDIENCE,
                        "--jwks",
                        "j",
                        "--client-ca",
                        "ca.pem",
                        "--client-cert-header",
                        "Client-Cert")))
                .hasMessageContaining("--trusted-proxy");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DemoOptions.parse(List.of(
                        "--tls-keystore",
                        "k",
                        "--tls-password",
                        "p",
                        "--issuer",
                        ISSUER,
                        "--audience",
                        AUDIENCE,
                        "--jwks",
                        "j",
                        "--trusted-proxy",
                        "10.0.0.0/8",
                        "--client-cert-header",
                        "Client-Cert")))
                .hasMessageContaining("--client-ca");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> DemoOptions.parse(List.of("--trusted-proxy", "example.com")))
                .hasMessageContaining("--trusted-proxy");
    }
}
