package dev.apiguard.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.test.fixtures.IssuedCertificate;
import dev.apiguard.test.fixtures.LocalIssuer;
import dev.apiguard.test.fixtures.TestCertificates;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The 429 answers of the demo server over real HTTPS with client certificates: exact header
 * strings. Every request comes from the same peer (127.0.0.1), so the flood runs last: a
 * credential never seen valid before is held back by an empty per-peer bucket like any other.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RateLimitEndToEndTest {

    static final String ISSUER = "https://issuer.ratelimit.test";
    static final String AUDIENCE = "https://api.ratelimit.test";

    @TempDir
    static Path dir;

    static LocalIssuer issuer;
    static LocalIssuer impostor;
    static DemoServer server;
    static HttpClient client;
    static String tag;

    @BeforeAll
    static void start() throws Exception {
        TestCertificates pki = TestCertificates.create();
        IssuedCertificate partner = pki.client("partner-a");
        issuer = LocalIssuer.rsa(ISSUER).audience(AUDIENCE);
        impostor = LocalIssuer.rsa(ISSUER).audience(AUDIENCE);
        pki.writeServerKeyStore(dir.resolve("server.p12"), "pw".toCharArray());
        pki.writeCaPem(dir.resolve("ca.pem"));
        issuer.writeJwks(dir.resolve("jwks.json"));
        server = DemoServer.start(DemoOptions.parse(List.of(
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
                "--rate-limit",
                "3/1m",
                "--anonymous-rate-limit",
                "4/1m")));
        client = HttpClient.newBuilder().sslContext(pki.sslContext(partner)).build();
        tag = CustomerDirectory.demo().all().get(7).serviceTag();
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    static HttpResponse<String> get(String path, String token) throws Exception {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(server.baseUri().resolve(path)).GET();
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    @Order(1)
    void aCallerOverItsLimitGets429WithRetryAfterAndTheRateLimitFields() throws Exception {
        String token =
                issuer.token().clientId("e2e-burst").scope("customers:read").sign();
        long started = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            assertThat(get("/customers/" + tag, token).statusCode()).isEqualTo(200);
        }
        HttpResponse<String> r = get("/customers/" + tag, token);
        // the bucket refilled (greedily, on the server's real clock) for at most this long before the 429
        long elapsedSeconds = Duration.ofNanos(System.nanoTime() - started).toSeconds();
        assertThat(r.statusCode()).isEqualTo(429);
        // one unit of 3 per minute: 20 s, less what refilled meanwhile (19 allowed for rounding either way)
        int lowest = (int) Math.max(1, 19 - elapsedSeconds);
        assertThat(r.headers().firstValue("Retry-After"))
                .hasValueSatisfying(v -> assertThat(Integer.parseInt(v)).isBetween(lowest, 20));
        assertThat(r.headers().firstValue("RateLimit-Policy")).contains("\"burst\";q=3;w=60");
        assertThat(r.headers().firstValue("RateLimit"))
                .hasValueSatisfying(v -> assertThat(v)
                        .startsWith("\"burst\";r=0;t=")
                        .satisfies(f -> assertThat(Integer.parseInt(f.substring(f.indexOf(";t=") + 3)))
                                .isBetween(lowest, 20)));
        assertThat(r.headers().firstValue("Content-Type"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
        assertThat(r.headers().allValues("WWW-Authenticate")).isEmpty();
        assertThat(r.body()).contains("\"status\":429").doesNotContain(token.substring(token.length() - 20));
        // another caller is unaffected
        String other =
                issuer.token().clientId("e2e-other").scope("customers:read").sign();
        assertThat(get("/customers/" + tag, other).statusCode()).isEqualTo(200);
    }

    @Test
    @Order(2)
    void aPreAuthenticationFloodIsLimitedPerPeerAndHealthStaysOpen() throws Exception {
        String valid =
                issuer.token().clientId("e2e-victim").scope("customers:read").sign();
        assertThat(get("/customers/" + tag, valid).statusCode()).isEqualTo(200); // proven valid before the flood
        String junk =
                issuer.token().clientId("e2e-victim").scope("customers:read").signedWith(impostor);
        int refusedAsInvalid = 0;
        HttpResponse<String> r;
        do {
            r = get("/customers/" + tag, junk);
            if (r.statusCode() == 401) {
                refusedAsInvalid++;
            }
        } while (r.statusCode() == 401 && refusedAsInvalid < 10);
        assertThat(refusedAsInvalid).isLessThanOrEqualTo(4);
        assertThat(r.statusCode()).isEqualTo(429);
        assertThat(r.headers().firstValue("Retry-After")).isPresent();
        assertThat(r.headers().firstValue("RateLimit-Policy")).contains("\"burst\";q=4;w=60");
        assertThat(get("/health", null).statusCode()).isEqualTo(200);
        // the client id the forged tokens named keeps the rest of its own bucket, flood or not
        for (int i = 0; i < 2; i++) {
            assertThat(get("/customers/" + tag, valid).statusCode()).isEqualTo(200);
        }
    }
}
