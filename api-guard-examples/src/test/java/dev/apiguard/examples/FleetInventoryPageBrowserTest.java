package dev.apiguard.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.ApiGuard;
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.inventory.InventoryPolicy;
import dev.apiguard.inventory.InventoryStep;
import dev.apiguard.redis.RedisGuardState;
import dev.apiguard.redis.RedisServer;
import dev.apiguard.redis.RedisServerCondition;
import dev.apiguard.redis.RedisServerExtension;
import dev.apiguard.scope.RouteAuthorizationStep;
import dev.apiguard.scope.RouteRules;
import dev.apiguard.servlet.ApiGuardFilter;
import dev.apiguard.servlet.InventoryServlet;
import dev.apiguard.test.GuardTester;
import dev.apiguard.test.TestRequest;
import dev.apiguard.test.fixtures.LocalIssuer;
import dev.apiguard.token.AccessTokenStep;
import dev.apiguard.token.KeySource;
import dev.apiguard.token.TokenPolicy;
import jakarta.servlet.DispatcherType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The inventory page over a ledger shared by two nodes ({@code RedisGuardState.ledgerStore()}), in
 * headless Chromium: the page node A serves shows the caller only node B saw, counts added up over
 * both, and the least-privilege diff computed over the fleet; with Redis killed, the page shows
 * node A's own view under the notice {@code <p id="notice">}.
 *
 * <p>Skipped, each test with its reason, without {@code chromium} (unless
 * {@code APIGUARD_REQUIRE_BROWSER=1}) or without {@code redis-server} (unless
 * {@code APIGUARD_REQUIRE_REDIS=1}), as {@link InventoryPageBrowserTest} and the Redis tests are.
 */
@ExtendWith({InventoryPageBrowserTest.NeedsChromium.class, RedisServerCondition.class})
class FleetInventoryPageBrowserTest {

    private static final String API = "https://api.fleet.test";

    @TempDir
    Path dir;

    private final List<RedisGuardState> states = new ArrayList<>();
    private Server jetty;

    @BeforeAll
    static void needs() {
        RedisServerExtension.requireBinary();
        if (InventoryPageBrowserTest.findChromium() == null) {
            throw new AssertionError(InventoryPageBrowserTest.REQUIRE_ENV + "=1 but chromium not found on the PATH");
        }
    }

    @AfterEach
    void stop() throws Exception {
        if (jetty != null) {
            jetty.stop();
        }
        states.forEach(RedisGuardState::close);
    }

    private record Node(ApiGuard guard, InventoryStep inventory, RedisGuardState state) {}

    private Node node(RedisServer redis, LocalIssuer issuer) {
        RedisGuardState state = RedisGuardState.builder(redis.uri())
                .listener(SecurityEventListener.NONE)
                .commandTimeout(Duration.ofMillis(500))
                .ledgerFlushInterval(Duration.ofHours(1)) // flushed by the test
                .build();
        states.add(state);
        InventoryStep inventory = InventoryStep.of(InventoryPolicy.defaults(), state.ledgerStore());
        ApiGuard guard = ApiGuard.builder()
                .listener(SecurityEventListener.NONE)
                .step(AccessTokenStep.of(TokenPolicy.builder()
                        .issuer(issuer.issuer(), KeySource.fixed(issuer.publicJwks()))
                        .audience(API)
                        .build()))
                .step(RouteAuthorizationStep.of(RouteRules.builder()
                        .route("GET", "/customers/{serviceTag}")
                        .requireScopes("customers:read")
                        .route("POST", "/payments")
                        .requireScopes("payments:write")
                        .build()))
                .step(inventory)
                .build();
        return new Node(guard, inventory, state);
    }

    /** Serves node A's inventory page, public here (the browser sends no token; production needs guard:admin). */
    private String serve(Node node) throws Exception {
        ApiGuard pageGuard = ApiGuard.builder()
                .listener(SecurityEventListener.NONE)
                .step(RouteAuthorizationStep.of(RouteRules.builder()
                        .route("GET", "/admin/inventory")
                        .permitAll()
                        .build()))
                .build();
        jetty = new Server();
        ServerConnector connector = new ServerConnector(jetty);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        jetty.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.addFilter(new FilterHolder(new ApiGuardFilter(pageGuard)), "/*", EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(
                new ServletHolder(new InventoryServlet(node.inventory().inventory())), "/admin/inventory");
        jetty.setHandler(context);
        jetty.start();
        return "http://127.0.0.1:" + connector.getLocalPort() + "/admin/inventory";
    }

    private String dom(String url, String name) throws Exception {
        List<String> cmd = List.of(
                InventoryPageBrowserTest.findChromium(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--user-data-dir=" + dir.resolve("profile-" + name),
                "--dump-dom",
                url);
        Path out = dir.resolve(name + ".out");
        Path err = dir.resolve(name + ".err");
        Process p = new ProcessBuilder(cmd)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        if (!p.waitFor(InventoryPageBrowserTest.BROWSER_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish: " + InventoryPageBrowserTest.tail(err));
        }
        assertThat(p.exitValue())
                .as("chromium exit code; stderr: %s", InventoryPageBrowserTest.tail(err))
                .isZero();
        return Files.readString(out, StandardCharsets.UTF_8);
    }

    @Test
    void nodeAsPageShowsWhatEveryNodeSawAndTheNoticeWhenRedisIsGone() throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            LocalIssuer issuer = LocalIssuer.rsa("https://issuer.fleet.test").audience(API);
            Node a = node(redis, issuer);
            Node b = node(redis, issuer);
            GuardTester onA = GuardTester.of(a.guard());
            GuardTester onB = GuardTester.of(b.guard());
            String both = "customers:read payments:write";
            // partner-a reads on node A and pays on node B: over the fleet it used both scopes
            for (int i = 0; i < 2; i++) {
                onA.send(TestRequest.get("/customers/ABC1234")
                                .bearer(issuer.token()
                                        .clientId("partner-a")
                                        .scope(both)
                                        .sign()))
                        .assertStatus(200);
            }
            onB.send(TestRequest.post("/payments")
                            .bearer(issuer.token()
                                    .clientId("partner-a")
                                    .scope(both)
                                    .sign()))
                    .assertStatus(200);
            // partner-b is seen by node B only, and never pays
            onB.send(TestRequest.get("/customers/ABC1234")
                            .bearer(issuer.token()
                                    .clientId("partner-b")
                                    .scope(both)
                                    .sign()))
                    .assertStatus(200);
            a.state().ledgerStore().flush();
            b.state().ledgerStore().flush();

            String url = serve(a);
            String fleet = dom(url, "fleet");
            assertThat(fleet)
                    .contains("<title>api-guard inventory</title>")
                    .contains("Callers: 2")
                    .contains("<td class=\"id\">partner-b</td>")
                    .contains("<td class=\"unused\">payments:write</td>")
                    .doesNotContain("id=\"notice\"");
            // partner-a's row: three requests over two nodes, nothing granted left unused
            String rowA = fleet.substring(fleet.indexOf("<td class=\"id\">partner-a</td>"));
            rowA = rowA.substring(0, rowA.indexOf("</tr>"));
            assertThat(rowA).contains("<td class=\"unused\"></td>").contains("<td>3</td>");

            redis.kill();
            String alone = dom(url, "alone");
            assertThat(alone)
                    .contains("<p id=\"notice\" class=\"fleet_view_unavailable\">")
                    .contains("this report shows what this node saw only")
                    .contains("Callers: 1")
                    .contains("<td class=\"id\">partner-a</td>")
                    .doesNotContain("<td class=\"id\">partner-b</td>");
        }
    }
}
