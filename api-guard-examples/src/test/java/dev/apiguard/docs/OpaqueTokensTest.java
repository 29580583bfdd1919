package dev.apiguard.docs;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.apiguard.ApiGuard;
import dev.apiguard.LocalRevocations;
import dev.apiguard.test.GuardTester;
import dev.apiguard.test.TestRequest;
import dev.apiguard.test.fixtures.LocalIssuer;
import dev.apiguard.token.KeySource;
import dev.apiguard.token.TokenPolicy;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The step of {@link OpaqueTokens}, against an introspection endpoint on loopback. */
class OpaqueTokensTest {

    private final AtomicInteger calls = new AtomicInteger();
    private HttpServer server;

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/introspect", exchange -> {
            calls.incrementAndGet();
            String form = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String body = form.startsWith("token=opaque-partner-token&")
                    ? "{\"active\":true,\"client_id\":\"partner-a\",\"scope\":\"customers:read\","
                            + "\"iss\":\"https://login.example.com\",\"exp\":"
                            + Instant.now().plus(Duration.ofMinutes(10)).getEpochSecond() + "}"
                    : "{\"active\":false}";
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, b.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(b);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void jwtAndOpaqueTokensAreAcceptedSideBySide() {
        LocalIssuer login = LocalIssuer.ec("https://login.example.com").audience("https://api.example.com");
        TokenPolicy jwts = TokenPolicy.builder()
                .issuer(login.issuer(), KeySource.fixed(login.publicJwks()))
                .audience("https://api.example.com")
                .build();
        URI endpoint = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/introspect");
        GuardTester tester = GuardTester.of(ApiGuard.builder()
                .step(OpaqueTokens.tokenStep(jwts, endpoint, "s3cret", LocalRevocations.of(Duration.ofHours(1))))
                .build());

        tester.send(TestRequest.get("/customers")
                        .bearer(login.token().clientId("partner-b").sign()))
                .assertCaller("partner-b");
        assertThat(calls).hasValue(0);
        tester.send(TestRequest.get("/customers").bearer("opaque-partner-token"))
                .assertCaller("partner-a");
        tester.send(TestRequest.get("/customers").bearer("opaque-partner-token"))
                .assertCaller("partner-a");
        tester.send(TestRequest.get("/customers").bearer("unknown-opaque-token"))
                .assertStatus(401);
        assertThat(calls).hasValue(2);
    }
}
