package dev.apiguard.spring.boot.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.apiguard.test.fixtures.LocalIssuer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The starter on embedded Tomcat with Spring Security, configured by properties only: tokens of a
 * {@link LocalIssuer} whose JWKS is served over HTTP, called with the JDK HttpClient.
 */
@SpringBootTest(
        classes = GuardedApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "server.address=127.0.0.1",
            // Boot 4's Jetty is on the test classpath for GuardedJettyApplicationTest: Tomcat here
            "spring.autoconfigure.exclude=" + GuardedJettyApplicationTest.JETTY,
            "apiguard.tokens.audience=" + GuardedApplicationTest.AUDIENCE,
            "apiguard.routes[0].method=GET",
            "apiguard.routes[0].path=/customers/{id}",
            "apiguard.routes[0].scopes=customers:read",
            "apiguard.routes[1].method=GET",
            "apiguard.routes[1].path=/reports",
            "apiguard.routes[1].scopes=reports:read",
            "apiguard.routes[2].method=GET",
            "apiguard.routes[2].path=/health",
            "apiguard.routes[2].permit-all=true"
        })
class GuardedApplicationTest {

    static final String ISSUER = "https://issuer.boot.test";
    static final String AUDIENCE = "https://api.boot.test";
    static final LocalIssuer issuer = LocalIssuer.rsa(ISSUER).audience(AUDIENCE);
    static final HttpServer jwks = jwksServer();
    static final HttpClient client = HttpClient.newHttpClient();

    @LocalServerPort
    int port;

    static HttpServer jwksServer() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/jwks", exchange -> {
                byte[] body = issuer.jwksJson().getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            server.start();
            return server;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @DynamicPropertySource
    static void issuer(DynamicPropertyRegistry registry) {
        registry.add("apiguard.tokens.issuers[0].uri", () -> ISSUER);
        registry.add(
                "apiguard.tokens.issuers[0].jwks-uri",
                () -> "http://127.0.0.1:" + jwks.getAddress().getPort() + "/jwks");
    }

    @AfterAll
    static void stop() {
        jwks.stop(0);
    }

    HttpResponse<String> get(String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .GET();
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String token(String scopes) {
        return issuer.token().clientId("partner-a").scope(scopes).sign();
    }

    @Test
    void noTokenIsChallengedWithTheGuardsProblem() throws Exception {
        HttpResponse<String> r = get("/customers/42", null);
        assertThat(r.statusCode()).isEqualTo(401);
        // a bare challenge of each scheme the guard accepts: Bearer, and DPoP (bound tokens)
        assertThat(r.headers().allValues("WWW-Authenticate")).first().isEqualTo("Bearer");
        assertThat(r.headers().allValues("WWW-Authenticate"))
                .anySatisfy(v -> assertThat(v).startsWith("DPoP "));
        assertThat(r.headers().firstValue("Content-Type"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
        assertThat(r.body()).contains("\"status\":401");
    }

    @Test
    void theRightScopeReadsTheCustomerAsSpringSecuritysAuthentication() throws Exception {
        HttpResponse<String> r = get("/customers/42", token("customers:read reports:read"));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body())
                .contains("\"readBy\":\"partner-a\"")
                .contains("\"authorities\":[\"SCOPE_customers:read\",\"SCOPE_reports:read\"]");
    }

    @Test
    void theWrongScopeIsForbiddenByTheGuard() throws Exception {
        HttpResponse<String> r = get("/customers/42", token("payments:write"));
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.headers().allValues("WWW-Authenticate"))
                .containsExactly("Bearer error=\"insufficient_scope\", scope=\"customers:read\"");
    }

    @Test
    void preAuthorizeSeesTheScopesTheGuardVerified() throws Exception {
        // the guard admits reports:read; the method also wants reports:export
        assertThat(get("/reports", token("reports:read")).statusCode()).isEqualTo(403);
        HttpResponse<String> r = get("/reports", token("reports:read reports:export"));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"report\":\"ok\"");
    }

    @Test
    void anOpenRouteNeedsNoToken() throws Exception {
        HttpResponse<String> r = get("/health", null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"status\":\"ok\"");
    }
}
