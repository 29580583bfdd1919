package dev.apiguard.spring.boot.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.spring.boot.autoconfigure.JettyHeaderCacheCustomizer;
import dev.apiguard.test.fixtures.LocalIssuer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIf;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The starter on embedded Jetty (Spring Boot 4.0's spring-boot-jetty, on the test classpath of
 * the default profile only; skipped on 3.5): Tomcat's auto-configuration excluded, the guard's
 * filter and its Jetty header-cache customizer in place, tokens checked over HTTP.
 */
@EnabledIf("jettyOfBoot4")
@SpringBootTest(
        classes = GuardedApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "server.address=127.0.0.1",
            "spring.autoconfigure.exclude="
                    + "org.springframework.boot.tomcat.autoconfigure.servlet.TomcatServletWebServerAutoConfiguration",
            "apiguard.tokens.audience=" + GuardedJettyApplicationTest.AUDIENCE,
            "apiguard.routes[0].method=GET",
            "apiguard.routes[0].path=/customers/{id}",
            "apiguard.routes[0].scopes=customers:read"
        })
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class GuardedJettyApplicationTest {

    /** Boot 4's auto-configuration of embedded Jetty, which the Tomcat suites exclude. */
    static final String JETTY =
            "org.springframework.boot.jetty.autoconfigure.servlet.JettyServletWebServerAutoConfiguration";

    static final String ISSUER = "https://issuer.jetty.test";
    static final String AUDIENCE = "https://api.jetty.test";
    static final LocalIssuer issuer = LocalIssuer.rsa(ISSUER).audience(AUDIENCE);
    static final HttpClient client = HttpClient.newHttpClient();

    static boolean jettyOfBoot4() {
        try {
            Class.forName(
                    "org.springframework.boot.jetty.autoconfigure.servlet.JettyServletWebServerAutoConfiguration");
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    @DynamicPropertySource
    static void issuer(DynamicPropertyRegistry registry) throws IOException {
        Path jwks = Files.createTempFile("jetty-jwks", ".json");
        jwks.toFile().deleteOnExit();
        issuer.writeJwks(jwks);
        registry.add("apiguard.tokens.issuers[0].uri", () -> ISSUER);
        registry.add("apiguard.tokens.issuers[0].jwks-file", jwks::toString);
    }

    @LocalServerPort
    int port;

    @Autowired
    ApplicationContext context;

    HttpResponse<String> get(String path, String token) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
            if (token != null) {
                b.header("Authorization", "Bearer " + token);
            }
            return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void theGuardRunsOnJettyWithItsHeaderCacheCustomizer() {
        assertThat(context.getBeansOfType(JettyHeaderCacheCustomizer.class)).hasSize(1);
        HttpResponse<String> read = get(
                "/customers/42",
                issuer.token().clientId("partner-a").scope("customers:read").sign());
        assertThat(read.statusCode()).isEqualTo(200);
        assertThat(read.body()).contains("\"readBy\":\"partner-a\"");
        assertThat(get("/customers/42", null).statusCode()).isEqualTo(401);
        assertThat(get(
                                "/customers/42",
                                issuer.token()
                                        .clientId("partner-a")
                                        .scope("payments:write")
                                        .sign())
                        .statusCode())
                .isEqualTo(403);
    }

    @Test
    void theServerIsJetty() throws ReflectiveOperationException {
        // WebServerApplicationContext moved between Boot lines: read it without naming the type
        Object server = context.getClass().getMethod("getWebServer").invoke(context);
        assertThat(server.getClass().getName()).contains("Jetty");
    }
}
