package dev.apiguard.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.ApiGuard;
import dev.apiguard.Caller;
import dev.apiguard.CallerKey;
import dev.apiguard.CredentialKind;
import dev.apiguard.LocalRevocations;
import dev.apiguard.Revocation;
import dev.apiguard.Revocations;
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.scope.RouteAuthorizationStep;
import dev.apiguard.scope.RouteRules;
import jakarta.servlet.DispatcherType;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** POST /admin/revocations in a real Jetty: the three shapes, the scope, the method, and bodies refused without echo. */
class RevocationServletTest {

    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final String ISSUER = "https://issuer.test";
    private static final String SECRET = "s3cr3t-looking-value";
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final HttpClient CLIENT = HttpClient.newHttpClient();
    private static final String ADMIN = "admin;guard:admin";

    private static Server server;
    private static URI base;
    /** Each test's own list: the servlets delegate to it. */
    private static volatile Revocations current;

    private final LocalRevocations revocations = LocalRevocations.of(Duration.ofMinutes(10));

    /**
     * Behind the guard at /admin/revocations (route rule: POST with guard:admin); the same servlet
     * without the guard at /raw/revocations, to reach its own scope and method checks.
     */
    @BeforeAll
    static void start() throws Exception {
        ApiGuard guard = ApiGuard.builder()
                .clock(CLOCK)
                .listener(SecurityEventListener.NONE)
                .step(InventoryServletTest.FAKE_AUTH)
                .step(RouteAuthorizationStep.of(RouteRules.builder()
                        .route("POST", "/admin/revocations")
                        .requireScopes("guard:admin")
                        .build()))
                .build();
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.addFilter(new FilterHolder(new ApiGuardFilter(guard)), "/admin/*", EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(
                new ServletHolder(new RevocationServlet(new Delegate(), "guard:admin", CLOCK)), "/admin/revocations");
        context.addServlet(
                new ServletHolder(new RevocationServlet(new Delegate(), "guard:admin", CLOCK)), "/raw/revocations");
        server.setHandler(context);
        server.start();
        base = URI.create("http://127.0.0.1:" + connector.getLocalPort());
    }

    @AfterAll
    static void stop() throws Exception {
        server.stop();
    }

    @BeforeEach
    void useThisTestsList() {
        current = revocations;
    }

    /**
     * A request with a body goes on a connection of its own: a refusal before the body was read
     * may end the connection once answered, and a pooled client would hand that connection to
     * the next request, which then fails ('header parser received no bytes').
     */
    private static HttpResponse<String> send(String method, String path, String caller, HttpRequest.BodyPublisher body)
            throws Exception {
        return send(body.contentLength() == 0 ? CLIENT : HttpClient.newHttpClient(), method, path, caller, body);
    }

    private static HttpResponse<String> send(
            HttpClient client, String method, String path, String caller, HttpRequest.BodyPublisher body)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).method(method, body);
        if (caller != null) {
            b.header("X-Caller", caller);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String body) throws Exception {
        return send("POST", "/admin/revocations", ADMIN, HttpRequest.BodyPublishers.ofString(body));
    }

    private static Caller token(String clientId, String jti, String x5t) {
        return Caller.builder(clientId, CredentialKind.BEARER_JWT)
                .issuer(ISSUER)
                .issuedAt(NOW.minusSeconds(1))
                .tokenId(jti)
                .confirmation(new Caller.Confirmation(x5t, null))
                .build();
    }

    @Test
    void aClientIsRevokedAsOfNow() throws Exception {
        HttpResponse<String> resp = post("{\"clientId\":\"partner-a\",\"issuer\":\"" + ISSUER + "\"}");

        assertThat(resp.statusCode()).isEqualTo(204);
        assertThat(resp.body()).isEmpty();
        assertThat(revocations.list(NOW)).singleElement().satisfies(r -> {
            assertThat(r.kind()).isEqualTo(Revocation.Kind.CLIENT);
            assertThat(r.revokedAt()).isEqualTo(NOW);
        });
        assertThat(revocations.revoked(token("partner-a", "j", "t"), NOW)).contains(Revocation.Kind.CLIENT);
        assertThat(revocations.revoked(token("partner-b", "j", "t"), NOW)).isEmpty();
    }

    @Test
    void aTokenAndACertificateAreRevoked() throws Exception {
        assertThat(post("{\"jti\":\"j-1\",\"issuer\":\"" + ISSUER + "\"}").statusCode())
                .isEqualTo(204);
        assertThat(post("{\"x5tS256\":\"thumb-1\"}").statusCode()).isEqualTo(204);

        assertThat(revocations.revoked(token("c", "j-1", "other"), NOW)).contains(Revocation.Kind.TOKEN);
        assertThat(revocations.revoked(token("c", "j-2", "thumb-1"), NOW)).contains(Revocation.Kind.CERTIFICATE);
        assertThat(revocations.revoked(token("c", "j-2", "other"), NOW)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "not json " + SECRET,
                "[\"" + SECRET + "\"]",
                "{\"clientId\":\"" + SECRET + "\"}",
                "{\"clientId\":\"a\",\"issuer\":\"i\",\"extra\":\"" + SECRET + "\"}",
                "{\"jti\":\"" + SECRET + "\",\"issuer\":\" \"}",
                "{\"x5tS256\":42}",
                "{\"x5tS256\":{\"a\":\"" + SECRET + "\"}}",
                "{\"clientId\":\"a\",\"jti\":\"b\",\"issuer\":\"i\"}",
                "{\"x5tS256\":\"" + SECRET + "\"",
            })
    void aBodyThatIsNoRevocationIs400WithoutEcho(String body) throws Exception {
        HttpResponse<String> resp = post(body);

        assertThat(resp.statusCode()).isEqualTo(400);
        assertThat(resp.headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
        assertThat(resp.body()).contains("bad-revocation").doesNotContain(SECRET);
        assertThat(revocations.list(NOW)).isEmpty();
    }

    /**
     * A refusal before the whole body was read ends the connection (the server will not read the
     * rest), so each request here goes on a connection of its own: a pooled one the server just
     * closed would fail the next request before it reached the servlet.
     */
    @Test
    void aBodyOverFourKibIsRefusedDeclaredOrChunked() throws Exception {
        String padded = "{\"x5tS256\":\"" + "a".repeat(RevocationServlet.MAX_BODY_BYTES) + "\"}";
        assertThat(send(
                                HttpClient.newHttpClient(),
                                "POST",
                                "/admin/revocations",
                                ADMIN,
                                HttpRequest.BodyPublishers.ofString(padded))
                        .statusCode())
                .isEqualTo(400);
        // chunked: no Content-Length, at most 4 KiB + 1 bytes are read
        HttpResponse<String> chunked = send(
                HttpClient.newHttpClient(),
                "POST",
                "/admin/revocations",
                ADMIN,
                HttpRequest.BodyPublishers.ofInputStream(
                        () -> new ByteArrayInputStream(padded.getBytes(StandardCharsets.UTF_8))));
        assertThat(chunked.statusCode()).isEqualTo(400);
        assertThat(revocations.list(NOW)).isEmpty();

        String exactly = "{\"x5tS256\":\"" + "a".repeat(RevocationServlet.MAX_BODY_BYTES - 14) + "\"}";
        assertThat(exactly.getBytes(StandardCharsets.UTF_8)).hasSize(RevocationServlet.MAX_BODY_BYTES);
        assertThat(send(
                                HttpClient.newHttpClient(),
                                "POST",
                                "/admin/revocations",
                                ADMIN,
                                HttpRequest.BodyPublishers.ofString(exactly))
                        .statusCode())
                .as("4 KiB exactly is accepted")
                .isEqualTo(204);
    }

    @Test
    void theCallerNeedsTheChosenScopeAtTheGuardAndAtTheServlet() throws Exception {
        HttpRequest.BodyPublisher body = HttpRequest.BodyPublishers.ofString("{\"x5tS256\":\"thumb-1\"}");
        assertThat(send("POST", "/admin/revocations", null, body).statusCode()).isEqualTo(401);
        assertThat(send("POST", "/admin/revocations", "someone;guard:read", body)
                        .statusCode())
                .isEqualTo(403);
        // the servlet alone (no guard in front: a mapping mistake) refuses too
        assertThat(send("POST", "/raw/revocations", ADMIN, body).statusCode())
                .as("no caller from the guard")
                .isEqualTo(401);
        assertThat(revocations.list(NOW)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"GET", "PUT", "DELETE", "PATCH"})
    void anotherMethodIs405(String method) throws Exception {
        HttpResponse<String> resp =
                send(method, "/raw/revocations", ADMIN, HttpRequest.BodyPublishers.ofString("{\"x5tS256\":\"t\"}"));

        assertThat(resp.statusCode()).isEqualTo(405);
        assertThat(resp.headers().firstValue("Allow")).contains("POST");
        assertThat(revocations.list(NOW)).isEmpty();
        assertThat(send(method, "/admin/revocations", ADMIN, HttpRequest.BodyPublishers.noBody())
                        .statusCode())
                .as("the guard's route rule answers first")
                .isEqualTo(405);
    }

    @Test
    void aRevocationNotRecordedIs503() throws Exception {
        current = new Delegate() {
            @Override
            public void revokeCertificate(String x5tS256, Instant now) {
                throw new IllegalStateException("redis: the revocation was not recorded");
            }
        };

        HttpResponse<String> resp = post("{\"x5tS256\":\"t\"}");

        assertThat(resp.statusCode()).isEqualTo(503);
        assertThat(resp.body()).contains("revocation-not-recorded");
    }

    /** The current test's list. */
    private static class Delegate implements Revocations {
        @Override
        public void revokeClient(CallerKey client, Instant now) {
            current.revokeClient(client, now);
        }

        @Override
        public void revokeToken(String issuer, String jti, Instant now) {
            current.revokeToken(issuer, jti, now);
        }

        @Override
        public void revokeCertificate(String x5tS256, Instant now) {
            current.revokeCertificate(x5tS256, now);
        }

        @Override
        public Optional<Revocation.Kind> revoked(Caller caller, Instant now) {
            return current.revoked(caller, now);
        }

        @Override
        public List<Revocation> list(Instant now) {
            return current.list(now);
        }

        @Override
        public Duration retention() {
            return current.retention();
        }
    }
}
