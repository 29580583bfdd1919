package dev.apiguard.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.ApiGuard;
import dev.apiguard.apikey.ApiKeyRecord;
import dev.apiguard.apikey.ApiKeyStep;
import dev.apiguard.apikey.ApiKeyStore;
import dev.apiguard.apikey.ApiKeys;
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.inventory.InventoryPolicy;
import dev.apiguard.inventory.InventoryStep;
import dev.apiguard.inventory.RiskView;
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
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
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
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDir;

/**
 * The inventory page in a real headless browser (Debian's {@code chromium}): the DOM it builds
 * shows the callers, their flags and the least-privilege diff, and a client id made of markup
 * stays text. A screenshot is saved to {@code target/inventory.png} ({@code docs/inventory.png},
 * shown in docs/inventory.md, is a copy of it).
 *
 * <p>The browser cannot send an {@code Authorization} header with {@code --dump-dom}, so here the
 * servlet sits behind a guard whose only rule makes {@code GET /admin/inventory} public. In
 * production (and in {@link GovernanceEndToEndTest}) the route needs {@code guard:admin}.
 *
 * <p>Without a {@code chromium} (on the PATH, or named by {@code CHROMIUM}) each test is reported
 * skipped, with the reason in its surefire report, unless the environment sets
 * {@code APIGUARD_REQUIRE_BROWSER=1} (CI does), in which case the class fails.
 */
@ExtendWith(InventoryPageBrowserTest.NeedsChromium.class)
class InventoryPageBrowserTest {

    static final String REQUIRE_ENV = "APIGUARD_REQUIRE_BROWSER";

    static final String XSS = "<img src=x onerror=alert(1)>";
    static final Duration BROWSER_TIMEOUT = Duration.ofSeconds(90);

    @TempDir
    static Path dir;

    static Server server;
    static String url;
    static String chromium;

    /**
     * Disables every test of the class when no chromium is found, so that each is counted as skipped
     * with the reason (an assumption in {@code @BeforeAll} would count none: "Tests run: 0"). With
     * {@code APIGUARD_REQUIRE_BROWSER=1} the tests stay enabled and {@link #start()} fails.
     */
    static final class NeedsChromium implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            if (findChromium() != null) {
                return ConditionEvaluationResult.enabled("chromium found");
            }
            if (required()) {
                return ConditionEvaluationResult.enabled(REQUIRE_ENV + "=1: a missing chromium fails");
            }
            return ConditionEvaluationResult.disabled("chromium not found on the PATH (nor named by CHROMIUM): "
                    + "the inventory page's browser test is skipped (install Debian's chromium, or set "
                    + REQUIRE_ENV + "=1 to make this a failure)");
        }
    }

    static boolean required() {
        return "1".equals(System.getenv(REQUIRE_ENV));
    }

    @BeforeAll
    static void start() throws Exception {
        chromium = findChromium();
        if (chromium == null) {
            // only reached with APIGUARD_REQUIRE_BROWSER=1: NeedsChromium disables the class otherwise
            throw new AssertionError(REQUIRE_ENV
                    + "=1 but chromium not found on the PATH (apt-get install -y chromium chromium-driver)");
        }

        LocalIssuer issuer = LocalIssuer.rsa("https://issuer.browser.test").audience("https://api.browser.test");
        ApiKeyStore keys = ApiKeyStore.inMemory();
        String key = ApiKeys.generate();
        Instant now = Instant.now();
        keys.register(ApiKeyRecord.of(
                ApiKeys.sha256Hex(key),
                "legacy-partner",
                Set.of("customers:read"),
                now.minus(Duration.ofDays(1)),
                now.plus(Duration.ofDays(60))));
        InventoryStep inventory = InventoryStep.of(InventoryPolicy.builder()
                .sensitiveScopes("payments:write")
                .riskView((caller, at) -> caller.id().equals("partner-a")
                        ? Optional.of(new RiskView.Risk(0.4, "throttle"))
                        : Optional.empty())
                .build());
        ApiGuard api = ApiGuard.builder()
                .listener(SecurityEventListener.NONE)
                .step(AccessTokenStep.of(TokenPolicy.builder()
                        .issuer(issuer.issuer(), KeySource.fixed(issuer.publicJwks()))
                        .audience("https://api.browser.test")
                        .build()))
                .step(ApiKeyStep.builder(keys)
                        .deprecation(now)
                        .sunset(now.plus(Duration.ofDays(90)))
                        .build())
                // like the demo's routes, but /payments takes plain bearer tokens here, so that the
                // page shows an unbound token on a sensitive route
                .step(RouteAuthorizationStep.of(RouteRules.builder()
                        .route("GET", "/customers/{serviceTag}")
                        .requireScopes("customers:read")
                        .route("POST", "/payments")
                        .requireScopes("payments:write")
                        .build()))
                .step(inventory)
                .build();
        GuardTester tester = GuardTester.of(api);
        String tag = CustomerDirectory.demo().all().get(3).serviceTag();
        for (int i = 0; i < 3; i++) {
            tester.send(TestRequest.get("/customers/" + tag)
                            .bearer(issuer.token()
                                    .clientId("partner-a")
                                    .scope("customers:read")
                                    .sign()))
                    .assertStatus(200);
        }
        tester.send(TestRequest.get("/customers/" + tag)
                        .bearer(issuer.token()
                                .clientId("partner-b")
                                .scope("customers:read payments:write")
                                .sign()))
                .assertStatus(200);
        tester.send(TestRequest.post("/payments")
                        .bearer(issuer.token()
                                .clientId("payer")
                                .scope("payments:write")
                                .sign()))
                .assertStatus(200);
        tester.send(TestRequest.get("/customers/" + tag).header("X-API-Key", key))
                .assertStatus(200);
        tester.send(TestRequest.get("/customers/" + tag)
                        .bearer(issuer.token()
                                .clientId(XSS)
                                .scope("customers:read")
                                .sign()))
                .assertStatus(200);

        ApiGuard pageGuard = ApiGuard.builder()
                .listener(SecurityEventListener.NONE)
                .step(RouteAuthorizationStep.of(RouteRules.builder()
                        .route("GET", "/admin/inventory")
                        .permitAll()
                        .build()))
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
        context.addFilter(new FilterHolder(new ApiGuardFilter(pageGuard)), "/*", EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(new ServletHolder(new InventoryServlet(inventory.inventory())), "/admin/inventory");
        server.setHandler(context);
        server.start();
        // no ?format: the browser's own Accept header selects the HTML page
        url = "http://127.0.0.1:" + connector.getLocalPort() + "/admin/inventory";
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.stop();
        }
    }

    static String findChromium() {
        String configured = System.getenv("CHROMIUM");
        List<String> candidates = new ArrayList<>();
        if (configured != null && !configured.isBlank()) {
            candidates.add(configured);
        }
        String path = System.getenv().getOrDefault("PATH", "");
        for (String d : path.split(File.pathSeparator)) {
            candidates.add(d + File.separator + "chromium");
            candidates.add(d + File.separator + "chromium-browser");
        }
        return candidates.stream()
                .filter(c -> new File(c).canExecute())
                .findFirst()
                .orElse(null);
    }

    /** Runs chromium headless with these extra arguments on the page; returns its stdout. */
    static String browse(String name, String... extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--hide-scrollbars",
                "--user-data-dir=" + dir.resolve("profile-" + name)));
        cmd.addAll(List.of(extra));
        cmd.add(url);
        Path out = dir.resolve(name + ".out");
        Path err = dir.resolve(name + ".err");
        Process p = new ProcessBuilder(cmd)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        if (!p.waitFor(BROWSER_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish within " + BROWSER_TIMEOUT + ": " + tail(err));
        }
        assertThat(p.exitValue())
                .as("chromium exit code; stderr: %s", tail(err))
                .isZero();
        return Files.readString(out, StandardCharsets.UTF_8);
    }

    static String tail(Path file) throws IOException {
        String s = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        return s.substring(Math.max(0, s.length() - 2000));
    }

    @Test
    void domShowsCallersFlagsAndTheLeastPrivilegeDiff() throws Exception {
        String dom = browse("dom", "--dump-dom");
        assertThat(dom).contains("<title>api-guard inventory</title>");
        assertThat(dom)
                .contains("<td class=\"id\">partner-b</td>")
                .contains("<td class=\"unused\">payments:write</td>")
                .contains("<td class=\"id\">legacy-partner</td>")
                .contains("<span class=\"flag\">api_key</span>")
                .contains("<span class=\"flag\">unbound_on_sensitive_route</span>")
                .contains("<span class=\"flag\">unused_scopes</span>")
                .contains("0.4 (throttle)")
                .contains("Callers: 5");
    }

    @Test
    void markupInAClientIdStaysText() throws Exception {
        String dom = browse("xss", "--dump-dom");
        assertThat(dom).contains("<td class=\"id\">&lt;img src=x onerror=alert(1)&gt;</td>");
        assertThat(dom).doesNotContain("<img").doesNotContain("<script");
    }

    @Test
    void screenshotIsTaken() throws Exception {
        Path shot = Path.of("target", "inventory.png").toAbsolutePath();
        Files.createDirectories(shot.getParent());
        Files.deleteIfExists(shot);
        browse("shot", "--screenshot=" + shot, "--window-size=1280,900");
        assertThat(shot).exists();
        byte[] png = Files.readAllBytes(shot);
        assertThat(png.length).isGreaterThan(10_000);
        assertThat(new String(png, 1, 3, StandardCharsets.US_ASCII)).isEqualTo("PNG");
    }
}
