package dev.apiguard.spring.boot.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.apikey.ApiKeys;
import dev.apiguard.spring.boot.autoconfigure.ActuatorTesting;
import dev.apiguard.test.fixtures.IssuedCertificate;
import dev.apiguard.test.fixtures.LocalIssuer;
import dev.apiguard.test.fixtures.TestCertificates;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The starter on embedded Tomcat over HTTPS with client certificates (the test kit's CA, server
 * and client certificates), Actuator and Micrometer, configured by properties only: a token bound
 * to a certificate ({@code cnf.x5t#S256}) is accepted from that certificate and refused from
 * another; the health and the inventory endpoint name no credential; the decision is observed as a
 * child of the request's own observation. Runs on Boot 4.0 and, with {@code -Pboot35}, on 3.5.
 */
@SpringBootTest(
        classes = {GuardedApplication.class, GuardedHttpsApplicationTest.Observations.class},
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "server.address=127.0.0.1",
            // Boot 4's Jetty is on the test classpath for GuardedJettyApplicationTest: Tomcat here
            "spring.autoconfigure.exclude=" + GuardedJettyApplicationTest.JETTY,
            "server.ssl.enabled=true",
            "server.ssl.key-store-type=PKCS12",
            "server.ssl.key-store-password=" + GuardedHttpsApplicationTest.PASSWORD,
            "server.ssl.client-auth=want",
            "apiguard.tokens.audience=" + GuardedHttpsApplicationTest.AUDIENCE,
            "apiguard.routes[0].method=GET",
            "apiguard.routes[0].path=/customers/{id}",
            "apiguard.routes[0].scopes=customers:read",
            "apiguard.routes[0].sender-constrained=true",
            "apiguard.routes[1].method=GET",
            "apiguard.routes[1].path=/actuator/health",
            "apiguard.routes[1].permit-all=true",
            "apiguard.routes[2].method=GET",
            "apiguard.routes[2].path=/actuator/apiguard",
            "apiguard.routes[2].scopes=apiguard:inventory",
            "apiguard.inventory.enabled=true",
            "management.endpoints.web.exposure.include=health,apiguard",
            "management.endpoint.health.show-details=always",
        })
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class GuardedHttpsApplicationTest {

    static final String ISSUER = "https://issuer.https.test";
    static final String AUDIENCE = "https://api.https.test";
    static final String PASSWORD = "changeit";
    static final LocalIssuer issuer = LocalIssuer.rsa(ISSUER).audience(AUDIENCE);
    static final TestCertificates certificates = TestCertificates.create();
    static final IssuedCertificate partner = certificates.client("partner-a");
    static final IssuedCertificate stranger = certificates.client("stranger");
    static final String apiKey = ApiKeys.generate();
    static final Path files = files();

    static Path files() {
        try {
            Path dir = Files.createTempDirectory("guarded-https");
            dir.toFile().deleteOnExit();
            certificates.writeServerKeyStore(dir.resolve("server.p12"), PASSWORD.toCharArray());
            certificates.writeCaPem(dir.resolve("ca.pem"));
            issuer.writeJwks(dir.resolve("jwks.json"));
            Files.writeString(
                    dir.resolve("api-keys.txt"),
                    ApiKeys.sha256Hex(apiKey) + " legacy-partner customers:read "
                            + Instant.now().plus(Duration.ofDays(30)) + "\n");
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @DynamicPropertySource
    static void files(DynamicPropertyRegistry registry) {
        registry.add("server.ssl.key-store", () -> "file:" + files.resolve("server.p12"));
        registry.add("server.ssl.trust-certificate", () -> "file:" + files.resolve("ca.pem"));
        // one list, one property source: Boot binds the issuers from the source that has them
        registry.add("apiguard.tokens.issuers[0].uri", () -> ISSUER);
        registry.add(
                "apiguard.tokens.issuers[0].jwks-file",
                () -> files.resolve("jwks.json").toString());
        registry.add(
                "apiguard.api-keys.file", () -> files.resolve("api-keys.txt").toString());
    }

    /** A test registry in place of Boot's, so that the test reads the observations Boot's handlers also see. */
    @TestConfiguration(proxyBeanMethods = false)
    static class Observations {
        @Bean
        TestObservationRegistry observationRegistry() {
            return TestObservationRegistry.create();
        }
    }

    @LocalServerPort
    int port;

    @Autowired
    TestObservationRegistry observations;

    @Autowired
    MeterRegistry meters;

    @Autowired
    org.springframework.context.ApplicationContext context;

    @Test
    void theServerIsTomcat() throws ReflectiveOperationException {
        // Jetty is on the test classpath too (GuardedJettyApplicationTest); Boot prefers Tomcat
        Object server = context.getClass().getMethod("getWebServer").invoke(context);
        assertThat(server.getClass().getName()).contains("Tomcat");
    }

    @BeforeEach
    void clear() {
        observations.clear();
    }

    HttpResponse<String> get(IssuedCertificate certificate, String path, String header, String value) throws Exception {
        HttpClient client = HttpClient.newBuilder()
                .sslContext(certificates.sslContext(certificate))
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("https://localhost:" + port + path))
                .timeout(Duration.ofSeconds(10));
        if (header != null) {
            request.header(header, value);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String boundToken(String scopes) {
        return issuer.token()
                .clientId("partner-a")
                .scope(scopes)
                .boundToCertificate(partner.certificate())
                .sign();
    }

    @Test
    void aCertificateBoundTokenIsAcceptedFromItsCertificateOnly() throws Exception {
        String token = boundToken("customers:read");
        HttpResponse<String> own = get(partner, "/customers/42", "Authorization", "Bearer " + token);
        assertThat(own.statusCode()).isEqualTo(200);
        assertThat(own.body()).contains("\"readBy\":\"partner-a\"");

        HttpResponse<String> other = get(stranger, "/customers/42", "Authorization", "Bearer " + token);
        assertThat(other.statusCode()).isEqualTo(401);
        assertThat(other.headers().firstValue("WWW-Authenticate")).hasValue("Bearer error=\"invalid_token\"");
        assertThat(other.body()).doesNotContain(token);

        HttpResponse<String> none = get(null, "/customers/42", "Authorization", "Bearer " + token);
        assertThat(none.statusCode()).isEqualTo(401);
    }

    @Test
    void aPlainBearerTokenIsRefusedOnASenderConstrainedRoute() throws Exception {
        String plain =
                issuer.token().clientId("partner-a").scope("customers:read").sign();
        assertThat(get(partner, "/customers/42", "Authorization", "Bearer " + plain)
                        .statusCode())
                .isEqualTo(401);
    }

    @Test
    void eachDecisionIsObservedInsideTheRequestsObservationAndTimed() throws Exception {
        get(partner, "/customers/42", "Authorization", "Bearer " + boundToken("customers:read"));
        get(stranger, "/customers/42", "Authorization", "Bearer " + boundToken("customers:read"));
        TestObservationRegistryAssert.assertThat(observations)
                .hasNumberOfObservationsWithNameEqualTo("apiguard.decision", 2)
                .hasAnObservation(o -> o.hasNameEqualTo("apiguard.decision")
                        .hasLowCardinalityKeyValue("apiguard.outcome", "allowed")
                        .hasLowCardinalityKeyValue("apiguard.credential", "mtls_bound_jwt")
                        .hasHighCardinalityKeyValue("apiguard.caller", "partner-a")
                        .hasParentObservationContextMatching(parent -> "http.server.requests"
                                .equals(((io.micrometer.observation.Observation.ContextView) parent).getName())))
                .hasAnObservation(o -> o.hasNameEqualTo("apiguard.decision")
                        .hasLowCardinalityKeyValue("apiguard.outcome", "refused")
                        .hasLowCardinalityKeyValue("apiguard.step", "mtls-binding"));
        assertThat(meters.get("apiguard.decision")
                        .tag("apiguard.outcome", "allowed")
                        .timer()
                        .count())
                .isPositive();
        assertThat(meters.get("apiguard.events")
                        .tag("event", "token.accepted")
                        .counter()
                        .count())
                .isPositive();
    }

    @Test
    void theHealthShowsTheGuardAndTheInventoryEndpointNoCredential() throws Exception {
        String token = boundToken("customers:read apiguard:inventory");
        get(partner, "/customers/42", "Authorization", "Bearer " + token);
        get(null, "/customers/43", "X-API-Key", apiKey);

        HttpResponse<String> health = get(null, "/actuator/health", null, null);
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body())
                .contains("\"apiguard\":{", "\"keys\":\"given\"")
                .contains("\"status\":\"UP\"");

        assertThat(get(null, "/actuator/apiguard", null, null).statusCode()).isEqualTo(401);
        HttpResponse<String> inventory = get(partner, "/actuator/apiguard", "Authorization", "Bearer " + token);
        assertThat(inventory.statusCode()).isEqualTo(200);
        assertThat(inventory.headers().firstValue("Content-Type"))
                .hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
        assertThat(inventory.body()).startsWith("{").contains("\"partner-a\"", "\"legacy-partner\"");
        List<String> secrets = ActuatorTesting.secretsOf(List.of(token), apiKey, partner);
        for (String body : List.of(health.body(), inventory.body())) {
            assertThat(body).doesNotContain(PASSWORD);
            secrets.forEach(secret -> assertThat(body).doesNotContain(secret));
        }
    }
}
