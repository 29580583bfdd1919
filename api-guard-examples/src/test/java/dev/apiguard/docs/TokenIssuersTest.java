package dev.apiguard.docs;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.util.JSONObjectUtils;
import com.sun.net.httpserver.HttpServer;
import dev.apiguard.ApiGuard;
import dev.apiguard.test.GuardTester;
import dev.apiguard.test.RecordingListener;
import dev.apiguard.test.TestRequest;
import dev.apiguard.test.fixtures.LocalIssuer;
import dev.apiguard.test.fixtures.MutableClock;
import dev.apiguard.token.AccessTokenStep;
import dev.apiguard.token.JwksOptions;
import dev.apiguard.token.TokenPolicy;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The policies of {@link TokenIssuers} and {@link TenantIssuers}, against an authorization server on loopback. */
class TokenIssuersTest {

    private final Map<String, String> documents = new ConcurrentHashMap<>();
    private final MutableClock clock = MutableClock.at(Instant.now());
    private HttpServer server;
    private String origin;

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            String body = documents.get(exchange.getRequestURI().getPath());
            byte[] b = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(body == null ? 404 : 200, b.length == 0 ? -1 : b.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(b);
            }
        });
        server.start();
        origin = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void publish(LocalIssuer issuer, String metadataPath, String jwksPath) {
        documents.put(
                metadataPath,
                JSONObjectUtils.toJSONString(Map.of("issuer", issuer.issuer(), "jwks_uri", origin + jwksPath)));
        documents.put(jwksPath, issuer.jwksJson());
    }

    private JwksOptions fetching(RecordingListener events) {
        return JwksOptions.builder().listener(events).clock(clock).build();
    }

    private static GuardTester guard(TokenPolicy policy, RecordingListener events) {
        return GuardTester.of(ApiGuard.builder()
                .listener(events)
                .step(AccessTokenStep.of(policy))
                .build());
    }

    @Test
    void anIssuersKeysAreFoundThroughItsMetadataAndEitherAudienceIsAccepted() {
        RecordingListener events = new RecordingListener();
        LocalIssuer login = LocalIssuer.ec(origin).clock(clock);
        GuardTester tester = guard(TokenIssuers.discovered(origin, fetching(events)), events);
        String v2 = login.token().audience("https://api.example.com/v2").sign();

        // metadata not published yet: start-up went fine, the issuer's tokens are refused
        tester.send(TestRequest.get("/customers").bearer(v2)).assertStatus(401);

        publish(login, "/.well-known/oauth-authorization-server", "/keys");
        clock.advance(JwksOptions.DEFAULT_MIN_REFRESH_INTERVAL); // the back-off, by the guard's clock
        tester.send(TestRequest.get("/customers").bearer(v2)).assertAllowed();
        String other = login.token().audience("https://other.example.com").sign();
        tester.send(TestRequest.get("/customers").bearer(other)).assertStatus(401);
        assertThat(TokenIssuers.discovered(JwksOptions.defaults()).issuers())
                .containsOnlyKeys("https://login.example.com");
    }

    @Test
    void onlyKnownTenantsAreAcceptedEachWithItsOwnKeys() {
        RecordingListener events = new RecordingListener();
        LocalIssuer acme = LocalIssuer.ec(origin + "/acme/v2.0").clock(clock).audience("https://api.example.com");
        LocalIssuer beta = LocalIssuer.ec(origin + "/beta/v2.0").clock(clock).audience("https://api.example.com");
        publish(acme, "/.well-known/oauth-authorization-server/acme/v2.0", "/acme/keys");
        publish(beta, "/.well-known/oauth-authorization-server/beta/v2.0", "/beta/keys");
        GuardTester tester = guard(
                TenantIssuers.tenants(origin + "/{tenant}/v2.0", Set.of("acme", "beta"), fetching(events)), events);

        tester.send(TestRequest.get("/customers").bearer(acme.token().sign())).assertAllowed();
        tester.send(TestRequest.get("/customers").bearer(beta.token().sign())).assertAllowed();
        // beta's key signing a token that claims acme: acme's keys alone are tried
        tester.send(TestRequest.get("/customers").bearer(acme.token().signedWith(beta)))
                .assertStatus(401);
        LocalIssuer unknown =
                LocalIssuer.ec(origin + "/gamma/v2.0").clock(clock).audience("https://api.example.com");
        tester.send(TestRequest.get("/customers").bearer(unknown.token().sign()))
                .assertStatus(401);
        assertThat(TenantIssuers.tenants(Set.of("acme"), JwksOptions.defaults()).resolvedIssuersMaximumSize())
                .isEqualTo(1_000);
    }
}
