package dev.apiguard.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.Problem;
import dev.apiguard.test.fixtures.BrokenTokens;
import dev.apiguard.test.fixtures.IssuedCertificate;
import dev.apiguard.test.fixtures.LocalIssuer;
import dev.apiguard.test.fixtures.PublicKeyForm;
import dev.apiguard.test.fixtures.TestCertificates;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Function;
import java.util.stream.Stream;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The demo API end to end, whatever the servlet container: real certificates, a real TLS
 * connector asking for client certificates, the JDK HttpClient and a raw TLS socket where the JDK
 * client would normalize what an attacker sends. Each subclass names a {@link DemoContainer}
 * ({@link JettyDemoApiTest}, {@link TomcatDemoApiTest}); the assertions are the same for all.
 * Where containers legitimately differ (which of them refuses a malformed path, and with which
 * 4xx), the test asserts the security property: never the servlet without the scope, never a 500.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class DemoApiContractTest {

    static final String ISSUER = "https://issuer.e2e.test";
    static final String AUDIENCE = "https://api.e2e.test";
    static final String INVALID = "Bearer error=\"invalid_token\"";
    static final String[] NO_CREDENTIAL = {"Bearer", "DPoP algs=\"ES256 PS256 RS256 EdDSA\""};

    TestCertificates pki;
    LocalIssuer issuer;
    LocalIssuer secondIssuer;
    LocalIssuer impostor;
    DemoContainer.Running server;
    HttpClient client;
    HttpClient otherClient;
    HttpClient noCertificate;
    IssuedCertificate partner;
    IssuedCertificate other;
    String tag;

    /** The container the suite runs on. */
    abstract DemoContainer container();

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        pki = TestCertificates.create();
        partner = pki.client("partner-a");
        other = pki.client("partner-b");
        issuer = LocalIssuer.rsa(ISSUER).audience(AUDIENCE);
        secondIssuer = LocalIssuer.ec("https://second-issuer.e2e.test").audience(AUDIENCE);
        impostor = LocalIssuer.rsa(ISSUER).audience(AUDIENCE);
        pki.writeServerKeyStore(dir.resolve("server.p12"), "pw".toCharArray());
        pki.writeCaPem(dir.resolve("ca.pem"));
        issuer.writeJwks(dir.resolve("jwks.json"));
        secondIssuer.writeJwks(dir.resolve("second-jwks.json"));
        server = container()
                .start(DemoOptions.parse(SuiteFlags.unlimited(
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
                        "--jwks",
                        dir.resolve("jwks.json").toString(),
                        "--issuer",
                        "https://second-issuer.e2e.test",
                        "--jwks",
                        dir.resolve("second-jwks.json").toString(),
                        "--audience",
                        AUDIENCE)));
        client = HttpClient.newBuilder().sslContext(pki.sslContext(partner)).build();
        otherClient = HttpClient.newBuilder().sslContext(pki.sslContext(other)).build();
        noCertificate = HttpClient.newBuilder().sslContext(pki.sslContext(null)).build();
        tag = CustomerDirectory.demo().all().get(42).serviceTag();
    }

    @AfterAll
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    HttpResponse<String> get(String path, String authorization) throws Exception {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(server.baseUri().resolve(path)).GET();
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    String read() {
        return issuer.token().clientId("partner-a").scope("customers:read").sign();
    }

    @Test
    void legitimatePartnerReadsACustomerRecord() throws Exception {
        HttpResponse<String> r = get("/customers/" + tag, "Bearer " + read());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"serviceTag\":\"" + tag + "\"");
    }

    @Test
    void unknownServiceTagIsNotFoundForAnAuthorizedCaller() throws Exception {
        CustomerDirectory directory = CustomerDirectory.demo();
        java.util.SplittableRandom random = new java.util.SplittableRandom(7);
        String missing;
        do {
            missing = CustomerDirectory.tag(random);
        } while (directory.find(missing) != null);
        HttpResponse<String> r = get("/customers/" + missing, "Bearer " + read());
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.headers().firstValue("Content-Type"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
        assertThat(get("/customers/not-a-tag", "Bearer " + read()).statusCode()).isEqualTo(404);
    }

    @Test
    void tokenOfASecondIssuerWithItsOwnKeyIsAccepted() throws Exception {
        String token = secondIssuer
                .token()
                .clientId("partner-b")
                .scope("customers:read")
                .sign();
        assertThat(get("/customers/" + tag, "Bearer " + token).statusCode()).isEqualTo(200);
    }

    @Test
    void healthNeedsNoCredential() throws Exception {
        HttpResponse<String> r = get("/health", null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{\"status\":\"ok\"}");
    }

    @Test
    void noCredentialIsChallengedWithoutError() throws Exception {
        HttpResponse<String> r = get("/customers/" + tag, null);
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().allValues("WWW-Authenticate")).containsExactly(NO_CREDENTIAL);
        assertThat(r.headers().firstValue("Content-Type"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
        assertThat(r.body()).startsWith("{\"type\":\"" + Problem.TYPE_BASE).contains("\"status\":401");
    }

    Stream<Arguments> refusedTokens() {
        Instant now = Instant.now();
        Function<String, String> bearer = t -> "Bearer " + t;
        return Stream.of(
                Arguments.of(
                        "expired",
                        bearer.apply(issuer.token()
                                .scope("customers:read")
                                .issuedAt(now.minusSeconds(1200))
                                .lifetime(Duration.ofMinutes(10))
                                .sign())),
                Arguments.of(
                        "wrong audience",
                        bearer.apply(issuer.token()
                                .scope("customers:read")
                                .audience("https://other.example")
                                .sign())),
                Arguments.of(
                        "wrong issuer",
                        bearer.apply(issuer.token()
                                .scope("customers:read")
                                .issuer("https://evil.example")
                                .sign())),
                Arguments.of(
                        "alg none",
                        bearer.apply(issuer.token().scope("customers:read").unsigned("nOnE"))),
                Arguments.of(
                        "impostor key",
                        bearer.apply(issuer.token().scope("customers:read").signedWith(impostor))),
                Arguments.of(
                        "hs256 key confusion (PEM)",
                        bearer.apply(issuer.token()
                                .scope("customers:read")
                                .signedWithHs256UsingPublicKey(PublicKeyForm.PEM))),
                Arguments.of(
                        "hs256 key confusion (JWK n)",
                        bearer.apply(issuer.token()
                                .scope("customers:read")
                                .signedWithHs256UsingPublicKey(PublicKeyForm.JWK_N))),
                Arguments.of(
                        "typ JWT",
                        bearer.apply(issuer.token()
                                .scope("customers:read")
                                .type("JWT")
                                .sign())),
                Arguments.of(
                        "typ absent",
                        bearer.apply(issuer.token()
                                .scope("customers:read")
                                .withoutType()
                                .sign())),
                Arguments.of(
                        "lifetime 2h",
                        bearer.apply(issuer.token()
                                .scope("customers:read")
                                .lifetime(Duration.ofHours(2))
                                .sign())),
                Arguments.of(
                        "truncated signature",
                        bearer.apply(issuer.token().scope("customers:read").truncatedSignature())),
                Arguments.of(
                        "altered payload",
                        bearer.apply(issuer.token()
                                .scope("customers:read")
                                .alteredPayload("scope", "customers:read payments:write"))),
                Arguments.of("four segments", bearer.apply(BrokenTokens.fourSegments(read()))),
                Arguments.of("JWE", bearer.apply(BrokenTokens.fiveSegmentsJwe())),
                Arguments.of("bad base64url", bearer.apply(BrokenTokens.badBase64Url(read()))),
                Arguments.of(
                        "exp as string",
                        bearer.apply(issuer.token()
                                .scope("customers:read")
                                .claim("exp", String.valueOf(now.getEpochSecond() + 60))
                                .sign())),
                Arguments.of(
                        "exp 1e30",
                        bearer.apply(issuer.token()
                                .scope("customers:read")
                                .claim("exp", 1e30)
                                .sign())),
                Arguments.of("bearer without token", "Bearer "),
                Arguments.of("bearer with junk", "Bearer a b c"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedTokens")
    void refusedTokenIsInvalidTokenAndNeverEchoed(String name, String authorization) throws Exception {
        HttpResponse<String> r = get("/customers/" + tag, authorization);
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().allValues("WWW-Authenticate")).containsExactly(INVALID);
        String token = authorization.substring("Bearer ".length()).trim();
        if (token.length() > 16) {
            String tail = token.substring(token.length() - 16);
            assertThat(r.body()).doesNotContain(tail);
            r.headers()
                    .map()
                    .values()
                    .forEach(vs -> vs.forEach(v -> assertThat(v).doesNotContain(tail)));
        }
    }

    @Test
    void hundredKilobyteTokenIsRefusedBeforeParsing() throws Exception {
        // the JDK client would refuse a header this large; a raw socket sends what an attacker would
        String response = raw("GET /customers/" + tag + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                + BrokenTokens.oversized(100_000) + "\r\nConnection: close\r\n\r\n");
        // refused with 401, 431 or 400 - or the connection closed before an answer could be read
        // (the server refuses the header while the client is still writing it); never a 500
        assertThat(response)
                .satisfiesAnyOf(
                        r -> assertThat(r).matches("(?s)HTTP/1\\.1 (401|431|400) .*"),
                        r -> assertThat(r).isEmpty());
    }

    @Test
    void twoAuthorizationHeadersAreAnInvalidRequest() throws Exception {
        String response = raw("GET /customers/" + tag + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                + read() + "\r\nAuthorization: Bearer " + read() + "\r\nConnection: close\r\n\r\n");
        assertThat(response).startsWith("HTTP/1.1 400 ");
        assertThat(response).contains("WWW-Authenticate: Bearer error=\"invalid_request\"");
    }

    @Test
    void scopeEscalationIsForbiddenWithTheNeededScope() throws Exception {
        dev.apiguard.test.fixtures.DpopKey key = dev.apiguard.test.fixtures.DpopKey.ec();
        String reader = issuer.token()
                .clientId("partner-a")
                .scope("customers:read")
                .boundToDpopKey(key.publicJwk())
                .sign();
        HttpResponse<String> r = client.send(
                HttpRequest.newBuilder(server.baseUri().resolve("/payments"))
                        .header("Authorization", "DPoP " + reader)
                        .header(
                                "DPoP",
                                key.proof(
                                        "POST",
                                        server.baseUri().resolve("/payments").toString(),
                                        reader))
                        .POST(HttpRequest.BodyPublishers.ofString("{}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.headers().allValues("WWW-Authenticate"))
                .containsExactly("Bearer error=\"insufficient_scope\", scope=\"payments:write\"");
    }

    @Test
    void paymentWithTheScopeIsCreatedAndABodyThatIsNotJsonIsRefused() throws Exception {
        dev.apiguard.test.fixtures.DpopKey key = dev.apiguard.test.fixtures.DpopKey.ec();
        String payments = server.baseUri().resolve("/payments").toString();
        String token = issuer.token()
                .clientId("partner-a")
                .scope("payments:write")
                .boundToDpopKey(key.publicJwk())
                .sign();
        HttpResponse<String> created = client.send(
                HttpRequest.newBuilder(server.baseUri().resolve("/payments"))
                        .header("Authorization", "DPoP " + token)
                        .header("DPoP", key.proof("POST", payments, token))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"amount\":\"1.00\"}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(created.body()).contains("\"paymentId\":\"pay_");
        HttpResponse<String> bad = client.send(
                HttpRequest.newBuilder(server.baseUri().resolve("/payments"))
                        .header("Authorization", "DPoP " + token)
                        .header("DPoP", key.proof("POST", payments, token))
                        .POST(HttpRequest.BodyPublishers.ofString("not json"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(bad.statusCode()).isEqualTo(400);
    }

    @Test
    void pagesCountFromZeroAndSizeAboveOneHundredIsRefused() throws Exception {
        HttpResponse<String> page = get("/customers?page=1&size=100", "Bearer " + read());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains(CustomerDirectory.demo().all().get(100).serviceTag());
        assertThat(get("/customers?page=0&size=101", "Bearer " + read()).statusCode())
                .isEqualTo(400);
        assertThat(get("/customers?page=-1&size=10", "Bearer " + read()).statusCode())
                .isEqualTo(400);
    }

    @Test
    void unmappedRouteIsNotFoundForACallerAndUnauthorizedForAnonymous() throws Exception {
        assertThat(get("/internal/export", "Bearer " + read()).statusCode()).isEqualTo(404);
        HttpResponse<String> anonymous = get("/internal/export", null);
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.headers().allValues("WWW-Authenticate")).containsExactly(NO_CREDENTIAL);
    }

    @Test
    void knownRouteWithAnotherMethodIsMethodNotAllowed() throws Exception {
        HttpResponse<String> r = client.send(
                HttpRequest.newBuilder(server.baseUri().resolve("/customers/" + tag))
                        .header("Authorization", "Bearer " + read())
                        .DELETE()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(405);
    }

    @Test
    void tokenInTheQueryStringIsNotUsed() throws Exception {
        HttpResponse<String> r = get("/customers/" + tag + "?access_token=" + read(), null);
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().allValues("WWW-Authenticate")).containsExactly(NO_CREDENTIAL);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "//payments",
                "/payments;x",
                "/%70ayments",
                "/%2570ayments",
                "/a/../payments",
                "/payments/",
                "/./payments",
                "/payments/..;/customers",
                "/PAYMENTS",
                "/payments%2F"
            })
    void pathVariantsNeverReachPaymentsWithoutTheScope(String path) throws Exception {
        String response = raw("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + read()
                + "\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
        // refused by the container (400, 404) or by the guard (401, 403, 404, 405): which one
        // refuses a malformed path differs between containers; the payment servlet never runs
        assertThat(response).matches("(?s)HTTP/1\\.1 (400|401|403|404|405)( .*|\r\n.*)");
        assertThat(response).doesNotContain("paymentId");
    }

    HttpResponse<String> pay(HttpClient client, String token) throws Exception {
        return client.send(
                HttpRequest.newBuilder(server.baseUri().resolve("/payments"))
                        .header("Authorization", "Bearer " + token)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"amount\":\"1.00\"}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    String certificateBound(IssuedCertificate certificate, String scope) {
        return issuer.token()
                .clientId("partner-a")
                .scope(scope)
                .boundToCertificate(certificate.certificate())
                .sign();
    }

    @Test
    void paymentWithACertificateBoundTokenOverMutualTlsIsCreated() throws Exception {
        // the container hands the TLS client certificate to the guard as
        // jakarta.servlet.request.X509Certificate
        HttpResponse<String> r = pay(client, certificateBound(partner, "payments:write"));
        assertThat(r.statusCode()).isEqualTo(201);
        assertThat(r.body()).contains("\"paymentId\":\"pay_");
    }

    @Test
    void certificateBoundTokenOverAnotherCertificateIsInvalid() throws Exception {
        String stolen = certificateBound(partner, "payments:write");
        HttpResponse<String> r = pay(otherClient, stolen);
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().allValues("WWW-Authenticate")).containsExactly(INVALID);
        assertThat(r.body()).contains("\"status\":401").doesNotContain(stolen.substring(stolen.length() - 16));
    }

    @Test
    void certificateBoundTokenWithoutAClientCertificateIsInvalid() throws Exception {
        HttpResponse<String> r = pay(noCertificate, certificateBound(partner, "payments:write"));
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().allValues("WWW-Authenticate")).containsExactly(INVALID);
    }

    @Test
    void certificateBoundTokenWithoutThePaymentScopeIsForbidden() throws Exception {
        HttpResponse<String> r = pay(client, certificateBound(partner, "customers:read"));
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.headers().allValues("WWW-Authenticate"))
                .containsExactly("Bearer error=\"insufficient_scope\", scope=\"payments:write\"");
        assertThat(r.body()).contains("\"status\":403");
    }

    /** Sends raw bytes over TLS (with a client certificate) and returns the whole response. */
    String raw(String request) throws Exception {
        return rawTo(server.port(), pki, request);
    }

    /** Sends raw bytes over TLS to the server and returns the whole response. */
    static String rawTo(int port, TestCertificates pki, String request) throws Exception {
        try (SSLSocket socket = (SSLSocket)
                pki.sslContext(pki.client("raw-client")).getSocketFactory().createSocket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            try {
                out.write(request.getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            } catch (java.net.SocketException e) {
                // the server may answer and close before a huge request is fully written:
                // what it answered is still read below
            }
            StringBuilder sb = new StringBuilder();
            try (BufferedReader in =
                    new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1))) {
                char[] buf = new char[8192];
                int n;
                while ((n = in.read(buf)) > 0) {
                    sb.append(buf, 0, n);
                }
            } catch (java.net.SocketException e) {
                // the server may close right after answering a refused request
            }
            return sb.toString();
        }
    }
}
