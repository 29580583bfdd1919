package dev.apiguard.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.Caller;
import dev.apiguard.event.SecurityEventType;
import dev.apiguard.servlet.ClientAssertionFilter;
import dev.apiguard.test.RecordingListener;
import dev.apiguard.test.fixtures.LocalIssuer;
import dev.apiguard.token.ClientAssertionPolicy;
import dev.apiguard.token.ClientAssertionVerifier;
import dev.apiguard.token.KeySource;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link ClientAssertionFilter} in front of a token endpoint in embedded Jetty. */
class ClientAssertionFilterTest {

    static final String TYPE = ClientAssertionPolicy.JWT_BEARER_TYPE;
    static final LocalIssuer CLIENT = LocalIssuer.ec("client-a");
    static final RecordingListener EVENTS = new RecordingListener();
    static Server server;
    static URI endpoint;

    /** The token endpoint: answers with the authenticated client's id and kind. */
    static final class TokenEndpoint extends HttpServlet {
        @Override
        protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            Caller caller = (Caller) req.getAttribute(Caller.REQUEST_ATTRIBUTE);
            String principal = req.getUserPrincipal() == null
                    ? "none"
                    : req.getUserPrincipal().getName();
            resp.setContentType("text/plain");
            resp.getWriter()
                    .write(principal + " " + (caller == null ? "-" : caller.kind()) + " "
                            + req.getParameter("grant_type"));
        }
    }

    @BeforeAll
    static void start() throws Exception {
        server = new Server();
        HttpConfiguration http = new HttpConfiguration();
        // the guard must read Authorization as sent, not a case variant of an earlier line (Jetty's header cache)
        http.setHeaderCacheCaseSensitive(true);
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        server.setHandler(context);
        server.start();
        endpoint = URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/token");
        ClientAssertionVerifier verifier = ClientAssertionVerifier.of(ClientAssertionPolicy.builder()
                .client("client-a", KeySource.fixed(CLIENT.publicJwks()))
                .audience(endpoint.toString())
                .build());
        context.addFilter(
                new FilterHolder(
                        ClientAssertionFilter.builder(verifier).listener(EVENTS).build()),
                "/token",
                EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(new ServletHolder(new TokenEndpoint()), "/token");
    }

    @AfterAll
    static void stop() throws Exception {
        server.stop();
    }

    static String assertion() {
        return CLIENT.token()
                .issuer("client-a")
                .subject("client-a")
                .without("client_id")
                .audience(endpoint.toString())
                .withoutType()
                .lifetime(Duration.ofMinutes(1))
                .sign();
    }

    static HttpResponse<String> post(String form) throws Exception {
        // a fresh client per request: the server closes a connection after refusing an oversized
        // body, and a POST on such a pooled connection would fail instead of being retried
        HttpClient http =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        return http.send(
                HttpRequest.newBuilder(endpoint)
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(form))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static String form(String type, String assertion) {
        return "grant_type=client_credentials&client_assertion_type=" + URLEncoder.encode(type, StandardCharsets.UTF_8)
                + "&client_assertion=" + assertion;
    }

    @Test
    void validAssertionExposesTheClientToTheEndpoint() throws Exception {
        HttpResponse<String> r = post(form(TYPE, assertion()));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("client-a CLIENT_ASSERTION client_credentials");
        assertThat(EVENTS.events()).anyMatch(e -> e.type() == SecurityEventType.CLIENT_ASSERTION_ACCEPTED);
    }

    @Test
    void replayedOrForeignAssertionIsInvalidClientWithoutEcho() throws Exception {
        String once = assertion();
        assertThat(post(form(TYPE, once)).statusCode()).isEqualTo(200);
        for (String form : new String[] {
            form(TYPE, once),
            form("urn:other", assertion()),
            form(
                    TYPE,
                    LocalIssuer.ec("client-a")
                            .token()
                            .issuer("client-a")
                            .subject("client-a")
                            .audience(endpoint.toString())
                            .withoutType()
                            .sign()),
            form(TYPE, assertion()) + "&client_assertion=" + assertion()
        }) {
            HttpResponse<String> r = post(form);
            assertThat(r.statusCode()).isEqualTo(401);
            assertThat(r.body()).isEqualTo("{\"error\":\"invalid_client\"}");
            assertThat(r.headers().firstValue("Content-Type"))
                    .hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
            assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-store");
        }
        assertThat(EVENTS.events())
                .anyMatch(e -> e.type() == SecurityEventType.CLIENT_ASSERTION_REJECTED
                        && "replayed".equals(e.detail("reason")));
    }

    @Test
    void requestWithoutAssertionPassesAndOversizedBodyIsRefused() throws Exception {
        HttpResponse<String> plain = post("grant_type=client_credentials");
        assertThat(plain.statusCode()).isEqualTo(200);
        assertThat(plain.body()).isEqualTo("none - client_credentials");

        HttpResponse<String> huge;
        try {
            huge = post(form(TYPE, assertion()) + "&pad=" + "x".repeat(20_000));
        } catch (java.io.IOException e) {
            // the filter answers before reading the body and the server may close the connection
            // while the client is still sending it: the request was refused all the same
            return;
        }
        assertThat(huge.statusCode()).isEqualTo(400);
        assertThat(huge.body()).isEqualTo("{\"error\":\"invalid_request\"}");
    }
}
