package dev.apiguard.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.apiguard.ApiGuard;
import dev.apiguard.test.GuardTester;
import dev.apiguard.test.TestRequest;
import dev.apiguard.test.fixtures.LocalIssuer;
import dev.apiguard.token.TokenPolicy;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * {@code apiguard.tokens.issuers[n].uri} alone: the issuer's keys found through its metadata,
 * served by a real HTTP server on loopback; and several audiences, in both property forms.
 */
class IssuerPropertiesTest {

    private static final String AUDIENCE = "https://api.boot.test";
    private static final String OTHER_AUDIENCE = "https://api.boot.test/v2";

    private final ApplicationContextRunner runner =
            new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(ApiGuardAutoConfiguration.class));
    private final List<String> asked = new CopyOnWriteArrayList<>();
    private HttpServer server;
    private String origin;
    private LocalIssuer issuer;

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        origin = "http://127.0.0.1:" + server.getAddress().getPort();
        issuer = LocalIssuer.rsa(origin).audience(AUDIENCE);
        Map<String, String> documents = Map.of(
                "/.well-known/oauth-authorization-server",
                "{\"issuer\":\"" + origin + "\",\"jwks_uri\":\"" + origin + "/keys\"}",
                "/keys",
                issuer.publicJwks().toString());
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            asked.add(path);
            String body = documents.get(path);
            byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(body == null ? 404 : 200, bytes.length == 0 ? -1 : bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private String[] properties(String... audiences) {
        List<String> all = new java.util.ArrayList<>(List.of(
                "apiguard.tokens.issuers[0].uri=" + origin,
                "apiguard.routes[0].method=GET",
                "apiguard.routes[0].path=/customers/{id}",
                "apiguard.routes[0].scopes=customers:read"));
        all.addAll(List.of(audiences));
        return all.toArray(String[]::new);
    }

    private static int status(ApiGuard guard, String token) {
        return GuardTester.of(guard)
                .send(TestRequest.get("/customers/1").bearer(token))
                .status();
    }

    @Test
    void anIssuerUriAloneFindsItsKeysThroughItsMetadataOnTheFirstToken() {
        runner.withPropertyValues(properties("apiguard.tokens.audience=" + AUDIENCE))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(asked).as("nothing is fetched at start-up").isEmpty();
                    ApiGuard guard = context.getBean(ApiGuard.class);

                    String token = issuer.token()
                            .clientId("partner-a")
                            .scope("customers:read")
                            .sign();
                    assertThat(status(guard, token)).isEqualTo(200);
                    assertThat(asked).containsExactly("/.well-known/oauth-authorization-server", "/keys");
                    LocalIssuer impostor = LocalIssuer.rsa(origin).audience(AUDIENCE); // same iss, other keys
                    assertThat(status(
                                    guard,
                                    impostor.token()
                                            .clientId("partner-a")
                                            .scope("customers:read")
                                            .sign()))
                            .isEqualTo(401);
                });
    }

    @Test
    void severalAudiencesAsAListOrSeparatedByCommas() {
        String[][] forms = {
            properties("apiguard.tokens.audience[0]=" + AUDIENCE, "apiguard.tokens.audience[1]=" + OTHER_AUDIENCE),
            properties("apiguard.tokens.audience=" + AUDIENCE + "," + OTHER_AUDIENCE)
        };
        for (String[] form : forms) {
            runner.withPropertyValues(form).run(context -> {
                assertThat(context).hasNotFailed();
                assertThat(context.getBean(TokenPolicy.class).audiences()).containsExactly(AUDIENCE, OTHER_AUDIENCE);
                ApiGuard guard = context.getBean(ApiGuard.class);
                for (String aud : List.of(AUDIENCE, OTHER_AUDIENCE)) {
                    String token = issuer.token()
                            .audience(aud)
                            .clientId("partner-a")
                            .scope("customers:read")
                            .sign();
                    assertThat(status(guard, token)).as(aud).isEqualTo(200);
                }
                String elsewhere = issuer.token()
                        .audience("https://elsewhere.test")
                        .clientId("partner-a")
                        .scope("customers:read")
                        .sign();
                assertThat(status(guard, elsewhere)).isEqualTo(401);
            });
        }
    }

    /** The start-up failure's report, as Boot prints it. */
    private String failureOf(String... properties) {
        String[] description = new String[1];
        runner.withPropertyValues(properties).run(context -> {
            assertThat(context).hasFailed();
            FailureAnalysis analysis = new ApiGuardFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis).isNotNull();
            description[0] = analysis.getDescription();
        });
        return description[0];
    }

    @Test
    void bothAJwksUriAndAJwksFileIsRefusedNamingTheIssuer() {
        assertThat(failureOf(properties(
                        "apiguard.tokens.audience=" + AUDIENCE,
                        "apiguard.tokens.issuers[0].jwks-uri=" + origin + "/keys",
                        "apiguard.tokens.issuers[0].jwks-file=/tmp/keys.json")))
                .contains("apiguard.tokens.issuers[0]")
                .contains("at most one of jwks-uri and jwks-file");
    }

    @Test
    void anIssuerUriThatIsNotHttpsIsRefusedNamingTheIssuer() {
        assertThat(failureOf(
                        "apiguard.tokens.issuers[0].uri=http://login.example.com",
                        "apiguard.tokens.audience=" + AUDIENCE,
                        "apiguard.routes[0].method=GET",
                        "apiguard.routes[0].path=/customers/{id}",
                        "apiguard.routes[0].scopes=customers:read"))
                .contains("apiguard.tokens.issuers[0]")
                .contains("must be https");
    }
}
