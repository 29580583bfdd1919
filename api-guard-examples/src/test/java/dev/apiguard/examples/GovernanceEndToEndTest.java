package dev.apiguard.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.apikey.ApiKeyStep;
import dev.apiguard.apikey.ApiKeys;
import dev.apiguard.test.fixtures.IssuedCertificate;
import dev.apiguard.test.fixtures.LocalIssuer;
import dev.apiguard.test.fixtures.TestCertificates;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The governance features of the demo server end to end over HTTPS with client certificates:
 * legacy API keys with their sunset, the scope-protected inventory in JSON and HTML.
 */
class GovernanceEndToEndTest {

    static final String ISSUER = "https://issuer.gov.test";
    static final String AUDIENCE = "https://api.gov.test";
    static final String SUNSET = "Wed, 30 Jun 2100 00:00:00 GMT";

    @TempDir
    static Path dir;

    static LocalIssuer issuer;
    static DemoServer server;
    static HttpClient client;
    static String tag;
    static String validKey;
    static String expiredKey;
    static String admin;

    @BeforeAll
    static void start() throws Exception {
        TestCertificates pki = TestCertificates.create();
        IssuedCertificate partner = pki.client("partner-a");
        issuer = LocalIssuer.rsa(ISSUER).audience(AUDIENCE);
        pki.writeServerKeyStore(dir.resolve("server.p12"), "pw".toCharArray());
        pki.writeCaPem(dir.resolve("ca.pem"));
        issuer.writeJwks(dir.resolve("jwks.json"));
        validKey = ApiKeys.generate();
        expiredKey = ApiKeys.generate();
        Instant now = Instant.now();
        Files.writeString(
                dir.resolve("keys.txt"),
                "# sha256 client scopes expiry\n"
                        + ApiKeys.sha256Hex(validKey) + " legacy-partner customers:read "
                        + now.plus(Duration.ofDays(30)) + "\n"
                        + ApiKeys.sha256Hex(expiredKey) + " former-partner customers:read "
                        + now.minus(Duration.ofDays(2)) + "\n");
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
                dir.resolve("jwks.json").toString(),
                "--api-key-file",
                dir.resolve("keys.txt").toString(),
                "--api-key-sunset",
                "2100-06-30")));
        client = HttpClient.newBuilder().sslContext(pki.sslContext(partner)).build();
        tag = CustomerDirectory.demo().all().get(7).serviceTag();
        admin = issuer.token().clientId("guard-admin").scope("guard:admin").sign();
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    static HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(server.baseUri().resolve(path)).timeout(Duration.ofSeconds(10));
    }

    static HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void validKeyIsServedAndToldOfItsSunset() throws Exception {
        HttpResponse<String> r = send(request("/customers/" + tag).header("X-API-Key", validKey));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().allValues("Deprecation")).hasSize(1).allMatch(v -> v.matches("@[0-9]+"));
        assertThat(r.headers().allValues("Sunset")).containsExactly(SUNSET);
        assertThat(r.headers().allValues("Link"))
                .containsExactly(
                        "<https://api-guard.dev/docs/migrating-from-api-keys>; rel=\"deprecation\"; type=\"text/html\"");
    }

    @Test
    void keyRefusedByTheRouteStillCarriesTheSunset() throws Exception {
        // the key grants customers:read only; the inventory needs guard:admin
        HttpResponse<String> r = send(request("/admin/inventory").header("X-API-Key", validKey));
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.headers().allValues("Sunset")).containsExactly(SUNSET);
        assertThat(r.body()).doesNotContain(validKey.substring(20));
    }

    @Test
    void expiredKeyIsRefused() throws Exception {
        HttpResponse<String> r = send(request("/customers/" + tag).header("X-API-Key", expiredKey));
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().allValues("WWW-Authenticate")).containsExactly("Bearer");
        assertThat(r.headers().allValues("Sunset")).isEmpty();
        assertThat(r.body()).contains("invalid-api-key").doesNotContain(expiredKey.substring(20));
    }

    @ParameterizedTest
    @ValueSource(strings = {"api_key", "apikey", "key"})
    void keyInTheQueryStringIsRefused(String parameter) throws Exception {
        HttpResponse<String> r = send(request("/customers/" + tag + "?" + parameter + "=" + validKey));
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.body()).contains("api-key-in-query").doesNotContain(validKey.substring(20));
    }

    @Test
    void twoKeyHeadersAreABadRequest() throws Exception {
        HttpResponse<String> r =
                send(request("/customers/" + tag).header("X-API-Key", validKey).header("X-API-Key", validKey));
        assertThat(r.statusCode()).isEqualTo(400);
    }

    @Test
    void malformedKeyIsRefused() throws Exception {
        String wrongChecksum = validKey.substring(0, 48) + "00000000";
        HttpResponse<String> r = send(request("/customers/" + tag)
                .header(
                        "X-API-Key",
                        wrongChecksum.equals(validKey) ? validKey.substring(0, 48) + "00000001" : wrongChecksum));
        assertThat(r.statusCode()).isEqualTo(401);
    }

    @Test
    void inventoryShowsTheOverGrantedPartnerAndTheKey() throws Exception {
        String overGranted = issuer.token()
                .clientId("partner-b")
                .scope("customers:read payments:write")
                .sign();
        assertThat(send(request("/customers/" + tag).header("Authorization", "Bearer " + overGranted))
                        .statusCode())
                .isEqualTo(200);
        send(request("/customers/" + tag).header("X-API-Key", validKey));

        HttpResponse<String> json = send(request("/admin/inventory").header("Authorization", "Bearer " + admin));
        assertThat(json.statusCode()).isEqualTo(200);
        assertThat(json.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(json.body())
                .startsWith("{\"schemaVersion\":1,")
                .containsPattern(
                        "\"id\":\"partner-b\",[^{}]*\"scopesGranted\":\\[\"customers:read\",\"payments:write\"\\],"
                                + "\"scopesUsed\":\\[\"customers:read\"\\],\"scopesUnused\":\\[\"payments:write\"\\]")
                .containsPattern(
                        "\"id\":\"legacy-partner\",\"issuer\":null,\"credentialKinds\":\\[\"api_key\"\\][^{}]*\"flags\":\\[\"api_key\"")
                .doesNotContain(validKey);

        HttpResponse<String> html =
                send(request("/admin/inventory?format=html").header("Authorization", "Bearer " + admin));
        assertThat(html.statusCode()).isEqualTo(200);
        assertThat(html.headers().firstValue("Content-Type")).hasValue("text/html;charset=utf-8");
        assertThat(html.headers().firstValue("Content-Security-Policy"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("default-src 'none'; style-src 'unsafe-inline'"));
        assertThat(html.body()).contains("partner-b").contains("<td class=\"unused\">payments:write</td>");
    }

    @Test
    void inventoryNeedsTheAdminScope() throws Exception {
        String reader =
                issuer.token().clientId("partner-a").scope("customers:read").sign();
        assertThat(send(request("/admin/inventory")).statusCode()).isEqualTo(401);
        assertThat(send(request("/admin/inventory").header("Authorization", "Bearer " + reader))
                        .statusCode())
                .isEqualTo(403);
        assertThat(send(request("/admin/inventory").header("X-API-Key", validKey))
                        .statusCode())
                .isEqualTo(403);
    }

    @Test
    void sunsetFlagRejectsAnythingButADate() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DemoOptions.parseDate("--api-key-sunset", "soon"))
                .hasMessageContaining("--api-key-sunset");
        assertThat(ApiKeyStep.sunsetValue(Instant.parse("2100-06-30T00:00:00Z")))
                .isEqualTo(SUNSET);
    }
}
