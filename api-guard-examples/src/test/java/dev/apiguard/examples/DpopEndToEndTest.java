package dev.apiguard.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.test.fixtures.DpopKey;
import dev.apiguard.test.fixtures.LocalIssuer;
import dev.apiguard.test.fixtures.TestCertificates;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DPoP (RFC 9449) against the demo server over real HTTPS: proofs built for the real request URI. */
class DpopEndToEndTest {

    static final String ISSUER = "https://issuer.dpop.test";
    static final String AUDIENCE = "https://api.dpop.test";
    static final String INVALID_PROOF = "DPoP error=\"invalid_dpop_proof\", algs=\"ES256 PS256 RS256 EdDSA\"";

    @TempDir
    static Path dir;

    static TestCertificates pki;
    static LocalIssuer issuer;
    static DemoServer server;
    static HttpClient client;
    static String paymentsUri;
    static final DpopKey KEY = DpopKey.ec();

    @BeforeAll
    static void start() throws Exception {
        pki = TestCertificates.create();
        issuer = LocalIssuer.rsa(ISSUER).audience(AUDIENCE);
        pki.writeServerKeyStore(dir.resolve("server.p12"), "pw".toCharArray());
        pki.writeCaPem(dir.resolve("ca.pem"));
        Files.writeString(dir.resolve("jwks.json"), issuer.jwksJson());
        server = DemoServer.start(DemoOptions.parse(SuiteFlags.unlimited(
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
                dir.resolve("jwks.json").toString())));
        client = HttpClient.newBuilder()
                .sslContext(pki.sslContext(pki.client("partner-a")))
                .build();
        paymentsUri = server.baseUri().resolve("/payments").toString();
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    static String payer(DpopKey key) {
        return issuer.token()
                .clientId("partner-a")
                .scope("payments:write")
                .boundToDpopKey(key.publicJwk())
                .sign();
    }

    static HttpResponse<String> pay(String authorization, String proof) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.baseUri().resolve("/payments"))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"amount\":\"3.00\"}"));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        if (proof != null) {
            b.header("DPoP", proof);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void dpopBoundTokenWithItsProofCreatesAPayment() throws Exception {
        String token = payer(KEY);
        HttpResponse<String> r = pay("DPoP " + token, KEY.proof("POST", paymentsUri, token));
        assertThat(r.statusCode()).isEqualTo(201);
        assertThat(r.body()).contains("\"paymentId\":\"pay_");
    }

    @Test
    void replayedProofIsRefused() throws Exception {
        String token = payer(KEY);
        String proof = KEY.proof("POST", paymentsUri, token);
        assertThat(pay("DPoP " + token, proof).statusCode()).isEqualTo(201);

        HttpResponse<String> replay = pay("DPoP " + token, proof);
        assertThat(replay.statusCode()).isEqualTo(401);
        assertThat(replay.headers().allValues("WWW-Authenticate")).containsExactly(INVALID_PROOF);
        assertThat(replay.body()).doesNotContain(proof.substring(proof.length() - 20));
    }

    @Test
    void dpopBoundTokenSentAsBearerIsRefused() throws Exception {
        String token = payer(KEY);
        HttpResponse<String> r = pay("Bearer " + token, KEY.proof("POST", paymentsUri, token));
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().allValues("WWW-Authenticate")).containsExactly("Bearer error=\"invalid_token\"");
    }

    @Test
    void stolenTokenWithTheThiefsOwnProofIsRefused() throws Exception {
        String token = payer(KEY);
        DpopKey thief = DpopKey.ec();
        HttpResponse<String> r = pay("DPoP " + token, thief.proof("POST", paymentsUri, token));
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().allValues("WWW-Authenticate")).containsExactly(INVALID_PROOF);
    }

    @Test
    void proofForAnotherUriOrMethodOrTimeIsRefused() throws Exception {
        String token = payer(KEY);
        for (String proof : List.of(
                KEY.proof("POST", "https://127.0.0.1/payments", token),
                KEY.proof("GET", paymentsUri, token),
                KEY.proofFor("POST", paymentsUri)
                        .accessToken(token)
                        .iatOffset(Duration.ofHours(-1))
                        .sign(),
                KEY.proofFor("POST", paymentsUri)
                        .accessToken(token)
                        .without("ath")
                        .sign())) {
            HttpResponse<String> r = pay("DPoP " + token, proof);
            assertThat(r.statusCode()).isEqualTo(401);
            assertThat(r.headers().allValues("WWW-Authenticate")).containsExactly(INVALID_PROOF);
        }
    }

    @Test
    void htuWithUpperCaseHostAndQueryIsTheSameUri() throws Exception {
        String token = payer(KEY);
        String upper = "HTTPS://127.0.0.1:" + server.port() + "/payments?ref=7";
        assertThat(pay("DPoP " + token, KEY.proof("POST", upper, token)).statusCode())
                .isEqualTo(201);
    }

    @Test
    void plainBearerTokenIsRefusedOnPayments() throws Exception {
        String token =
                issuer.token().clientId("partner-a").scope("payments:write").sign();
        HttpResponse<String> r = pay("Bearer " + token, null);
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().allValues("WWW-Authenticate")).containsExactly("Bearer error=\"invalid_token\"");
    }

    @Test
    void noCredentialIsOfferedBothSchemes() throws Exception {
        HttpResponse<String> r = pay(null, null);
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().allValues("WWW-Authenticate"))
                .containsExactly("Bearer", "DPoP algs=\"ES256 PS256 RS256 EdDSA\"");
    }

    @Test
    void twoProofHeadersAreRefused() throws Exception {
        String token = payer(KEY);
        String response = DemoApiContractTest.rawTo(
                server.port(),
                pki,
                "POST /payments HTTP/1.1\r\nHost: 127.0.0.1:" + server.port()
                        + "\r\nAuthorization: DPoP " + token + "\r\nDPoP: " + KEY.proof("POST", paymentsUri, token)
                        + "\r\nDPoP: " + KEY.proof("POST", paymentsUri, token)
                        + "\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
        assertThat(response).startsWith("HTTP/1.1 401 ");
        assertThat(response).contains("WWW-Authenticate: " + INVALID_PROOF);
    }
}
