package dev.apiguard.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.test.fixtures.LocalIssuer;
import dev.apiguard.test.fixtures.TestCertificates;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Anomaly scoring end to end over HTTPS with client certificates: the demo server in its default
 * enforce mode quarantines a sequential scraper with 429 and {@code Retry-After} within 100
 * records, keeps answering a legitimate reader, and in observe mode refuses nobody.
 */
class AnomalyEndToEndTest {

    static final String ISSUER = "https://issuer.anomaly.test";
    static final String AUDIENCE = "https://api.anomaly.test";

    @TempDir
    static Path dir;

    static LocalIssuer issuer;
    static DemoServer enforcing;
    static DemoServer observing;
    static HttpClient client;
    static List<String> tags;

    @BeforeAll
    static void start() throws Exception {
        TestCertificates pki = TestCertificates.create();
        issuer = LocalIssuer.rsa(ISSUER).audience(AUDIENCE);
        pki.writeServerKeyStore(dir.resolve("server.p12"), "pw".toCharArray());
        pki.writeCaPem(dir.resolve("ca.pem"));
        Files.writeString(dir.resolve("jwks.json"), issuer.jwksJson());
        enforcing = DemoServer.start(DemoOptions.parse(options()));
        List<String> observe = new ArrayList<>(options());
        observe.addAll(List.of("--anomaly", "observe"));
        observing = DemoServer.start(DemoOptions.parse(observe));
        client = HttpClient.newBuilder()
                .sslContext(pki.sslContext(pki.client("partner-z")))
                .build();
        tags = CustomerDirectory.demo().all().stream()
                .map(CustomerDirectory.Customer::serviceTag)
                .sorted()
                .toList();
    }

    static List<String> options() {
        return List.of(
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
                // the scorer alone is under test here: rate limits high enough never to answer first
                "--rate-limit",
                "100000/1s",
                "--anonymous-rate-limit",
                "100000/1s");
    }

    @AfterAll
    static void stop() throws Exception {
        enforcing.close();
        observing.close();
    }

    static HttpResponse<String> get(DemoServer server, String path, String token) throws Exception {
        return client.send(
                HttpRequest.newBuilder(server.baseUri().resolve(path))
                        .header("Authorization", "Bearer " + token)
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Walks the tags in order, each followed by its successor; returns [records, requests, last status]. */
    static int[] scrape(DemoServer server, String token, int budget) throws Exception {
        int records = 0;
        int requests = 0;
        for (String tag : tags) {
            for (String t : List.of(tag, Scenario.successor(tag))) {
                HttpResponse<String> r = get(server, "/customers/" + t, token);
                requests++;
                if (r.statusCode() == 200) {
                    records++;
                } else if (r.statusCode() != 404 || requests >= budget) {
                    return new int[] {records, requests, r.statusCode()};
                }
            }
        }
        return new int[] {records, requests, 0};
    }

    @Test
    void sequentialScraperIsQuarantinedWithinAHundredRecordsAndTheReaderIsNot() throws Exception {
        String reader =
                issuer.token().clientId("reader-e2e").scope("customers:read").sign();
        String scraper =
                issuer.token().clientId("scraper-e2e").scope("customers:read").sign();
        for (String t : tags.subList(10, 15)) {
            assertThat(get(enforcing, "/customers/" + t, reader).statusCode()).isEqualTo(200);
        }

        int[] run = scrape(enforcing, scraper, 1000);
        assertThat(run[2]).isEqualTo(429);
        assertThat(run[0]).isBetween(1, 100);

        HttpResponse<String> refused = get(enforcing, "/customers/" + tags.get(0), scraper);
        assertThat(refused.statusCode()).isEqualTo(429);
        long retryAfter =
                Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow());
        assertThat(retryAfter).isBetween(1L, 900L);
        assertThat(refused.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/problem+json");
        assertThat(refused.body()).contains("quarantined").doesNotContain(scraper.substring(scraper.length() - 24));
        assertThat(refused.headers().allValues("WWW-Authenticate")).isEmpty();

        for (String t : tags.subList(10, 15)) {
            assertThat(get(enforcing, "/customers/" + t, reader).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void observeModeRefusesNobody() throws Exception {
        String scraper = issuer.token()
                .clientId("scraper-observed")
                .scope("customers:read")
                .sign();
        int[] run = scrape(observing, scraper, 300);
        assertThat(run[2]).isEqualTo(404);
        assertThat(run[1]).isEqualTo(300);
    }

    @Test
    void forgedTokensNamingAPartnerNeverTouchItsScore() throws Exception {
        LocalIssuer impostor = LocalIssuer.rsa(ISSUER).audience(AUDIENCE);
        String forged =
                issuer.token().clientId("victim-e2e").scope("customers:read").signedWith(impostor);
        for (int i = 0; i < 200; i++) {
            assertThat(get(enforcing, "/customers/" + tags.get(i), forged).statusCode())
                    .isEqualTo(401);
        }
        dev.apiguard.anomaly.AnomalyScoringStep anomaly = enforcing.guard().steps().stream()
                .filter(s -> s instanceof dev.apiguard.anomaly.AnomalyScoringStep)
                .map(s -> (dev.apiguard.anomaly.AnomalyScoringStep) s)
                .findFirst()
                .orElseThrow();
        assertThat(anomaly.scoreOf(dev.apiguard.CallerKey.token(ISSUER, "victim-e2e")))
                .isEmpty();
        String real =
                issuer.token().clientId("victim-e2e").scope("customers:read").sign();
        assertThat(get(enforcing, "/customers/" + tags.get(0), real).statusCode())
                .isEqualTo(200);
    }
}
