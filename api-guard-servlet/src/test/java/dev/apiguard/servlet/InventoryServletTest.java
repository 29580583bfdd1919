package dev.apiguard.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.ApiGuard;
import dev.apiguard.Caller;
import dev.apiguard.CredentialKind;
import dev.apiguard.Decision;
import dev.apiguard.GuardExchange;
import dev.apiguard.GuardStep;
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.inventory.InventoryPolicy;
import dev.apiguard.inventory.InventoryStep;
import dev.apiguard.scope.RouteAuthorizationStep;
import dev.apiguard.scope.RouteRules;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.Set;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The inventory endpoint behind the whole guard in a real Jetty: scope-protected, negotiated, with
 * strict headers and escaped HTML; and the exchange's response headers on allowed and refused
 * requests.
 */
class InventoryServletTest {

    static final String XSS = "<img src=x onerror=alert(1)>";
    static final Clock CLOCK = Clock.fixed(Instant.parse("2025-01-01T00:00:00Z"), ZoneOffset.UTC);

    static Server server;
    static URI base;
    static final HttpClient CLIENT = HttpClient.newHttpClient();

    /** Authenticates {@code X-Caller: id;scope scope}; a caller whose id starts with legacy gets a Deprecation header. */
    static final GuardStep FAKE_AUTH = new GuardStep() {
        @Override
        public String name() {
            return "fake-auth";
        }

        @Override
        public Decision evaluate(GuardExchange exchange) {
            String h = exchange.request().header("X-Caller");
            if (h != null) {
                String[] p = h.split(";", 2);
                exchange.authenticate(Caller.builder(p[0], CredentialKind.BEARER_JWT)
                        .issuer("https://issuer.test")
                        .scopes(Set.of(p[1].split(" ")))
                        .build());
                if (p[0].startsWith("legacy")) {
                    exchange.addResponseHeader("Deprecation", "@1735689600");
                }
            }
            return Decision.ALLOW;
        }
    };

    @BeforeAll
    static void start() throws Exception {
        InventoryStep inventory = InventoryStep.of(InventoryPolicy.defaults());
        ApiGuard guard = ApiGuard.builder()
                .clock(CLOCK)
                .listener(SecurityEventListener.NONE)
                .step(FAKE_AUTH)
                .step(RouteAuthorizationStep.of(RouteRules.builder()
                        .route("GET", "/admin/inventory")
                        .requireScopes("guard:admin")
                        .route("GET", "/thing")
                        .requireScopes("thing:read")
                        .build()))
                .step(inventory)
                .build();
        server = new Server();
        HttpConfiguration http = new HttpConfiguration();
        // the guard must read Authorization as sent, not a case variant of an earlier line (Jetty's header cache)
        http.setHeaderCacheCaseSensitive(true);
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.addFilter(new FilterHolder(new ApiGuardFilter(guard)), "/*", EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(new ServletHolder(new InventoryServlet(inventory.inventory())), "/admin/inventory");
        context.addServlet(
                new ServletHolder(new HttpServlet() {
                    @Override
                    protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
                        resp.setStatus(200);
                    }
                }),
                "/thing");
        server.setHandler(context);
        server.start();
        base = URI.create("http://127.0.0.1:" + connector.getLocalPort());
        send("/thing", XSS + ";thing:read other:scope", null);
    }

    @AfterAll
    static void stop() throws Exception {
        server.stop();
    }

    static HttpResponse<String> send(String path, String caller, String accept) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).GET();
        if (caller != null) {
            b.header("X-Caller", caller);
        }
        if (accept != null) {
            b.header("Accept", accept);
        }
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theRouteNeedsTheAdminScope() throws Exception {
        assertThat(send("/admin/inventory", null, null).statusCode()).isEqualTo(401);
        assertThat(send("/admin/inventory", "someone;thing:read", null).statusCode())
                .isEqualTo(403);
        assertThat(send("/admin/inventory", "admin;guard:admin", null).statusCode())
                .isEqualTo(200);
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource(
            delimiter = '|',
            value = {
                "/admin/inventory|                                                        |application/json",
                "/admin/inventory|*/*                                                     |application/json",
                "/admin/inventory|application/json                                        |application/json",
                "/admin/inventory|text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8|text/html;charset=utf-8",
                "/admin/inventory|application/json;q=0.5, text/html;q=0.4                 |application/json",
                "/admin/inventory?format=html|application/json                            |text/html;charset=utf-8",
                "/admin/inventory?format=json|text/html                                   |application/json"
            })
    void formatIsNegotiated(String path, String accept, String contentType) throws Exception {
        HttpResponse<String> r = send(path, "admin;guard:admin", accept == null ? null : accept.strip());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue(contentType);
        assertThat(r.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-store");
        assertThat(r.headers().firstValue("Content-Security-Policy"))
                .hasValue(
                        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
    }

    @Test
    void unknownFormatIsABadRequest() throws Exception {
        HttpResponse<String> r = send("/admin/inventory?format=xml", "admin;guard:admin", null);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).doesNotContain("xml");
    }

    @Test
    void jsonCarriesTheSchemaAndEscapesMarkup() throws Exception {
        String body = send("/admin/inventory", "admin;guard:admin", null).body();
        assertThat(body).startsWith("{\"schemaVersion\":1,");
        assertThat(body).contains("\"id\":\"\\u003cimg src=x onerror=alert(1)\\u003e\"");
        assertThat(body).doesNotContain("<img");
    }

    @Test
    void htmlEscapesEveryValueAndHasNoScript() throws Exception {
        String html =
                send("/admin/inventory?format=html", "admin;guard:admin", null).body();
        assertThat(html).contains("&lt;img src=x onerror=alert(1)&gt;");
        assertThat(html).doesNotContain("<img").doesNotContain("<script");
        assertThat(html).contains("<td class=\"unused\">other:scope</td>");
    }

    @Test
    void escapeCoversTheFiveSignificantCharacters() {
        assertThat(InventoryPage.escape("<a href=\"x\" title='y'>&</a>\u0001"))
                .isEqualTo("&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;&#xfffd;");
    }

    @Test
    void exchangeHeadersReachAllowedAndRefusedResponses() throws Exception {
        HttpResponse<String> allowed = send("/thing", "legacy-1;thing:read", null);
        assertThat(allowed.statusCode()).isEqualTo(200);
        assertThat(allowed.headers().allValues("Deprecation")).containsExactly("@1735689600");
        HttpResponse<String> refused = send("/admin/inventory", "legacy-1;thing:read", null);
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.headers().allValues("Deprecation")).containsExactly("@1735689600");
        assertThat(refused.headers().allValues("WWW-Authenticate")).hasSize(1);
        assertThat(send("/thing", "other;thing:read", null).headers().allValues("Deprecation"))
                .isEmpty();
    }
}
