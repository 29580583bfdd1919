package dev.apiguard.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.test.fixtures.LocalIssuer;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Boots the Spring Boot example (the starter, its application.yml) on a random port (embedded
 * Tomcat) with a JWKS file the test writes, and calls it over HTTP with the JDK HttpClient.
 */
class SpringBootExampleApplicationTest {

    static final String ISSUER = "https://issuer.spring.test";
    static final String AUDIENCE = "https://api.spring.test";

    static LocalIssuer issuer;
    static ConfigurableApplicationContext app;
    static URI base;
    static final HttpClient client = HttpClient.newHttpClient();

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        issuer = LocalIssuer.rsa(ISSUER).audience(AUDIENCE);
        issuer.writeJwks(dir.resolve("jwks.json"));
        app = SpringApplication.run(
                SpringBootExampleApplication.class,
                "--server.port=0",
                "--server.address=127.0.0.1",
                "--apiguard.tokens.issuers[0].uri=" + ISSUER,
                "--apiguard.tokens.issuers[0].jwks-file=" + dir.resolve("jwks.json"),
                "--apiguard.tokens.audience=" + AUDIENCE);
        base = URI.create("http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port"));
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
    }

    static HttpResponse<String> get(String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).GET();
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void noTokenIsChallenged() throws Exception {
        HttpResponse<String> r = get("/customers/ABC1234", null);
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().allValues("WWW-Authenticate")).first().isEqualTo("Bearer");
        assertThat(r.headers().allValues("WWW-Authenticate"))
                .anySatisfy(v -> assertThat(v).startsWith("DPoP algs="));
        assertThat(r.headers().firstValue("Content-Type"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
    }

    @Test
    void validTokenReadsTheCustomerAsItsCaller() throws Exception {
        HttpResponse<String> r = get(
                "/customers/ABC1234",
                issuer.token().clientId("partner-a").scope("customers:read").sign());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"serviceTag\":\"ABC1234\"").contains("\"readBy\":\"partner-a\"");
    }

    @Test
    void tokenWithoutTheScopeIsForbidden() throws Exception {
        HttpResponse<String> r = get(
                "/customers/ABC1234",
                issuer.token().clientId("partner-a").scope("payments:write").sign());
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.headers().allValues("WWW-Authenticate"))
                .containsExactly("Bearer error=\"insufficient_scope\", scope=\"customers:read\"");
    }

    @Test
    void tokenOfAnotherKeyIsInvalid() throws Exception {
        LocalIssuer impostor = LocalIssuer.rsa(ISSUER).audience(AUDIENCE);
        HttpResponse<String> r = get(
                "/customers/ABC1234",
                impostor.token().clientId("partner-a").scope("customers:read").sign());
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().allValues("WWW-Authenticate")).containsExactly("Bearer error=\"invalid_token\"");
    }

    @Test
    void theRateLimitOfTheYamlAppliesPerCaller() throws Exception {
        String token =
                issuer.token().clientId("busy-partner").scope("customers:read").sign();
        for (int i = 0; i < 20; i++) {
            assertThat(get("/customers/ABC1234", token).statusCode()).isEqualTo(200);
        }
        HttpResponse<String> limited = get("/customers/ABC1234", token);
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.headers().firstValue("Retry-After")).isPresent();
        // another caller has its own budget
        assertThat(get(
                                "/customers/ABC1234",
                                issuer.token()
                                        .clientId("calm-partner")
                                        .scope("customers:read")
                                        .sign())
                        .statusCode())
                .isEqualTo(200);
    }

    @Test
    void theActuatorShowsTheGuardsHealthAndItsInventoryToItsScopeOnly() throws Exception {
        HttpResponse<String> health = get("/actuator/health", null);
        assertThat(health.statusCode()).isEqualTo(200);
        // each component's status, no details to an anonymous caller
        assertThat(health.body()).contains("\"apiguard\":{\"status\":\"UP\"}").doesNotContain("issuer.spring.test");

        String reader =
                issuer.token().clientId("partner-a").scope("customers:read").sign();
        get("/customers/ABC1234", reader);
        assertThat(get("/actuator/apiguard", reader).statusCode()).isEqualTo(403);
        String auditor =
                issuer.token().clientId("auditor").scope("apiguard:inventory").sign();
        HttpResponse<String> inventory = get("/actuator/apiguard", auditor);
        assertThat(inventory.statusCode()).isEqualTo(200);
        assertThat(inventory.body())
                .contains("\"partner-a\"")
                .doesNotContain(reader)
                .doesNotContain(auditor);
    }

    @Test
    void eachDecisionIsTimedAndEachEventCounted() throws Exception {
        get(
                "/customers/ABC1234",
                issuer.token().clientId("metered").scope("customers:read").sign());
        MeterRegistry meters = app.getBean(MeterRegistry.class);
        assertThat(meters.get("apiguard.decision")
                        .tag("apiguard.outcome", "allowed")
                        .tag("apiguard.credential", "bearer_jwt")
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
    void healthIsOpenAndUnmappedPathsAreUnauthorizedForAnonymous() throws Exception {
        HttpResponse<String> health = get("/health", null);
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"status\":\"ok\"");
        assertThat(get("/actuator/env", null).statusCode()).isEqualTo(401);
    }
}
