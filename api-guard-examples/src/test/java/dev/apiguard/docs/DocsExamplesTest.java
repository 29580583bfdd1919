package dev.apiguard.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.ApiGuard;
import dev.apiguard.CallerKey;
import dev.apiguard.LocalQuarantineStore;
import dev.apiguard.LocalReplayCache;
import dev.apiguard.apikey.ApiKeyStore;
import dev.apiguard.inventory.InventoryReport;
import dev.apiguard.inventory.InventoryStep;
import dev.apiguard.scope.RouteAuthorizationStep;
import dev.apiguard.scope.RouteRules;
import dev.apiguard.test.GuardTester;
import dev.apiguard.test.RecordingListener;
import dev.apiguard.test.TestRequest;
import dev.apiguard.test.TestResponse;
import dev.apiguard.test.fixtures.DpopKey;
import dev.apiguard.test.fixtures.IssuedCertificate;
import dev.apiguard.test.fixtures.LocalIssuer;
import dev.apiguard.test.fixtures.MutableClock;
import dev.apiguard.test.fixtures.TestCertificates;
import dev.apiguard.token.AccessTokenStep;
import dev.apiguard.token.KeySource;
import dev.apiguard.token.TokenPolicy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the code the documentation shows (the other classes of this package): each configuration
 * is built and answers a few requests as the docs say it does. {@link DocsSnippetsTest} checks
 * that the Markdown shows exactly this code.
 */
class DocsExamplesTest {

    static final String API = "https://api.example.com";

    final LocalIssuer login = LocalIssuer.ec("https://login.example.com").audience(API);

    TokenPolicy tokens(LocalIssuer issuer) {
        return TokenPolicy.builder()
                .issuer(issuer.issuer(), KeySource.fixed(issuer.publicJwks()))
                .audience(API)
                .build();
    }

    static HttpResponse<String> get(URI uri, String token) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri);
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    static int port(Server server) {
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    @Test
    void quickStartServesTheVerifiedCallerOverHttp() throws Exception {
        LocalIssuer issuer = LocalIssuer.rsa("https://login.example.com").audience(API);
        Server server = GuardedServer.start(QuickStart.guard(KeySource.fixed(issuer.publicJwks())), 0);
        try {
            URI customer = URI.create("http://127.0.0.1:" + port(server) + "/customers/ABC1234");
            String token = issuer.token()
                    .clientId("partner-a")
                    .scope("customers:read")
                    .claim("tenant", "eu-1")
                    .sign();
            HttpResponse<String> allowed = get(customer, token);
            assertThat(allowed.statusCode()).isEqualTo(200);
            assertThat(allowed.body()).isEqualTo("partner-a BEARER_JWT false eu-1");
            HttpResponse<String> anonymous = get(customer, null);
            assertThat(anonymous.statusCode()).isEqualTo(401);
            assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
        } finally {
            server.stop();
        }
        assertThat(JettyHeaderCacheIsOn.of(server)).isTrue();
    }

    @Test
    void quickStartWithItsJwksUrlBuildsWithoutFetching() {
        GuardTester tester = GuardTester.of(QuickStart.guard());
        tester.send(TestRequest.get("/health")).assertAllowed();
        tester.send(TestRequest.get("/customers/ABC1234")).assertStatus(401);
    }

    @Test
    void theFullChainAuthenticatesTokensAndKeysAndKeepsItsLedger() {
        ApiKeyStore keys = ApiKeyStore.inMemory();
        Instant now = Instant.now();
        String key = LegacyKeys.issue(keys, "legacy-partner", now);
        RouteRules routes = RouteRules.builder()
                .route("GET", "/customers/{serviceTag}")
                .requireScopes("customers:read")
                .build();
        ApiGuard guard = FullChain.guard(
                tokens(login), routes, keys, now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(90)));
        assertThat(guard.steps())
                .extracting(s -> s.name())
                .containsExactly(
                        "anonymous-ratelimit",
                        "token",
                        "apikey",
                        "mtls-binding",
                        "dpop",
                        "anomaly",
                        "ratelimit",
                        "scope",
                        "inventory");
        GuardTester tester = GuardTester.of(guard);
        String token =
                login.token().clientId("partner-a").scope("customers:read").sign();
        tester.send(TestRequest.get("/customers/ABC1234").bearer(token)).assertAllowed();
        TestResponse legacy = tester.send(TestRequest.get("/customers/ABC1234").header("X-API-Key", key))
                .assertAllowed()
                .assertCaller("legacy-partner")
                .assertNoEcho(key);
        assertThat(legacy.header("Sunset")).isNotNull();
        tester.send(TestRequest.get("/customers/ABC1234")).assertStatus(401);
        InventoryStep inventory = (InventoryStep) guard.steps().get(8);
        assertThat(inventory.inventory().report().callers())
                .extracting(InventoryReport.CallerReport::id)
                .containsExactlyInAnyOrder("partner-a", "legacy-partner");
    }

    @Test
    void theRouteRulesRefuseWhatIsNotListed() {
        GuardTester tester = GuardTester.of(ApiGuard.builder()
                .step(AccessTokenStep.of(tokens(login)))
                .step(Routes.step())
                .build());
        tester.send(TestRequest.get("/health")).assertAllowed();
        tester.send(TestRequest.get("/admin/inventory")).assertStatus(401);
        String admin = login.token().scope("guard:root").sign();
        tester.send(TestRequest.get("/admin/inventory").bearer(admin)).assertAllowed();
        tester.send(TestRequest.get("/admin/other").bearer(admin)).assertStatus(404);
        tester.send(TestRequest.method("PUT", "/admin/inventory").bearer(admin)).assertStatus(405);
        String payer = login.token().scope("payments:write").sign();
        tester.send(TestRequest.post("/payments").bearer(payer))
                .assertStatus(401)
                .assertChallenge("Bearer error=\"invalid_token\"");
    }

    @Test
    void eachIssuerIsVerifiedWithItsOwnKeysOnly(@TempDir Path dir) throws IOException {
        LocalIssuer partners = LocalIssuer.ec("https://partners.example.net").audience(API);
        Path jwks = dir.resolve("partners-jwks.json");
        partners.writeJwks(jwks);
        RecordingListener events = new RecordingListener();
        GuardTester tester = GuardTester.of(ApiGuard.builder()
                .listener(events)
                .step(TokenSteps.step(events, jwks))
                .step(RouteAuthorizationStep.of(RouteRules.builder()
                        .route("GET", "/customers/{serviceTag}")
                        .requireScopes("customers:read")
                        .build()))
                .build());
        TestRequest read = TestRequest.get("/customers/ABC1234");
        String good = partners.token().scope("customers:read").sign(); // the test kit adds a jti
        tester.send(read.bearer(good)).assertAllowed();
        String withoutJti =
                partners.token().scope("customers:read").without("jti").sign();
        tester.send(read.bearer(withoutJti)).assertStatus(401);
        String rsa = LocalIssuer.rsa("https://partners.example.net")
                .audience(API)
                .token()
                .scope("customers:read")
                .sign();
        tester.send(read.bearer(rsa)).assertStatus(401); // RS256 is not allowed by this policy
        String thirtyMinutes = partners.token()
                .scope("customers:read")
                .lifetime(Duration.ofMinutes(30))
                .sign();
        tester.send(read.bearer(thirtyMinutes)).assertStatus(401);
    }

    @Test
    void aHostVerifiesTokensOutsideTheGuard() {
        TokenCheck check = new TokenCheck(tokens(login), java.time.Clock.systemUTC());
        assertThat(check.callerOf(login.token().clientId("consumer").sign()))
                .hasValueSatisfying(c -> assertThat(c.id()).isEqualTo("consumer"));
        assertThat(check.callerOf("not.a.token")).isEmpty();
    }

    @Test
    void certificatesBindTokensDirectlyAndThroughTheTrustedProxyOnly() throws Exception {
        TestCertificates pki = TestCertificates.create();
        GuardTester tester = GuardTester.of(CertificateBinding.guard(tokens(login), pki.ca()));
        IssuedCertificate mine = pki.client("partner-a");
        String token = login.token()
                .scope("payments:write")
                .boundToCertificate(mine.certificate())
                .sign();
        TestRequest pay = TestRequest.post("/payments").bearer(token);
        tester.send(pay.clientCertificate(mine)).assertAllowed();
        String forwarded =
                ":" + Base64.getEncoder().encodeToString(mine.certificate().getEncoded()) + ":";
        tester.send(pay.remoteAddress("10.20.0.5").header("X-Forwarded-Client-Cert", forwarded))
                .assertAllowed();
        tester.send(pay.remoteAddress("10.20.0.6").header("X-Forwarded-Client-Cert", forwarded))
                .assertStatus(401);
        String plain = login.token().scope("payments:write").sign();
        tester.send(TestRequest.post("/payments").bearer(plain)).assertStatus(401);
        IssuedCertificate batch = pki.client("batch", "DNS:batch.partner-a.example");
        tester.send(TestRequest.get("/customers/ABC1234").clientCertificate(batch))
                .assertAllowed()
                .assertCaller("nightly-batch");
    }

    @Test
    void aDpopProofMustNameTheConfiguredOriginAndServeOnce() {
        GuardTester tester = GuardTester.of(Dpop.guard(tokens(login), LocalReplayCache.defaults()));
        DpopKey key = DpopKey.ec();
        String token = login.token()
                .scope("payments:write")
                .boundToDpopKey(key.publicJwk())
                .sign();
        String proof = key.proof("POST", API + "/payments", token);
        tester.send(TestRequest.post("/payments").dpop(token, proof)).assertAllowed();
        tester.send(TestRequest.post("/payments").dpop(token, proof)).assertStatus(401); // replayed
        String hostOrigin = key.proof("POST", "https://localhost/payments", token);
        tester.send(TestRequest.post("/payments").dpop(token, hostOrigin)).assertStatus(401);
    }

    @Test
    void theTokenEndpointTakesEachSignedAssertionOnce() throws Exception {
        LocalIssuer partner = LocalIssuer.ec("partner-a");
        ServletContextHandler context = new ServletContextHandler();
        ClientAssertions.protectTokenEndpoint(
                context, KeySource.fixed(partner.publicJwks()), LocalReplayCache.defaults());
        context.addServlet(
                new ServletHolder(new HttpServlet() {
                    @Override
                    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                        resp.getWriter().print(req.getUserPrincipal().getName());
                    }
                }),
                "/oauth/token");
        Server server = new Server();
        HttpConfiguration http = new HttpConfiguration();
        http.setHeaderCacheCaseSensitive(true);
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(context);
        server.start();
        try {
            URI endpoint = URI.create("http://127.0.0.1:" + port(server) + "/oauth/token");
            String assertion = partner.token()
                    .issuer("partner-a")
                    .subject("partner-a")
                    .without("client_id")
                    .audience(API + "/oauth/token")
                    .withoutType()
                    .lifetime(Duration.ofMinutes(1))
                    .sign();
            String form = "grant_type=client_credentials&client_assertion_type="
                    + URLEncoder.encode(
                            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", StandardCharsets.UTF_8)
                    + "&client_assertion=" + assertion;
            List<Integer> statuses = new ArrayList<>();
            List<String> bodies = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                HttpResponse<String> r = HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(endpoint)
                                        .header("Content-Type", "application/x-www-form-urlencoded")
                                        .POST(HttpRequest.BodyPublishers.ofString(form))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                statuses.add(r.statusCode());
                bodies.add(r.body());
            }
            assertThat(statuses).containsExactly(200, 401);
            assertThat(bodies).containsExactly("partner-a", "{\"error\":\"invalid_client\"}");
        } finally {
            server.stop();
        }
    }

    @Test
    void plansLimitCallersAndRoutesAndTheHealthCheckIsExempt() {
        RouteRules routes = RouteRules.builder()
                .route("GET", "/health")
                .permitAll()
                .route("GET", "/customers")
                .requireScopes("customers:read")
                .route("POST", "/payments")
                .requireScopes("payments:write")
                .build();
        GuardTester tester = GuardTester.of(RateLimits.guard(tokens(login), routes));
        String token = login.token()
                .clientId("partner-a")
                .scope("customers:read payments:write")
                .sign();
        List<Integer> pages = new ArrayList<>();
        TestResponse last = null;
        for (int i = 0; i < 12; i++) {
            last = tester.send(TestRequest.get("/customers").bearer(token));
            pages.add(last.status());
        }
        assertThat(pages).contains(429); // 10 pages of 5 units empty the burst of 50
        assertThat(last.header("RateLimit-Policy")).isEqualTo("\"burst\";q=50;w=1, \"hourly\";q=10000;w=3600");
        List<Integer> payments = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            payments.add(
                    tester.send(TestRequest.post("/payments").bearer(token)).status());
        }
        assertThat(payments).startsWith(200).contains(429); // the payments plan: 5 a second, a bucket of its own
        for (int i = 0; i < 50; i++) {
            tester.send(TestRequest.get("/health")).assertAllowed(); // exempt from the 20 per address
        }
    }

    @Test
    void theScorerRefusesAQuarantinedCallerAndScoresTheOthers() {
        LocalQuarantineStore quarantine = LocalQuarantineStore.defaults();
        RouteRules routes = RouteRules.builder()
                .route("GET", "/customers/{serviceTag}")
                .requireScopes("customers:read")
                .build();
        GuardTester tester = GuardTester.of(AnomalyScoring.guard(tokens(login), routes, quarantine));
        CallerKey scraper = CallerKey.token(login.issuer(), "scraper");
        Instant now = Instant.now();
        quarantine.quarantine(scraper, now.plus(Duration.ofMinutes(15)), now);
        String scraperToken =
                login.token().clientId("scraper").scope("customers:read").sign();
        TestResponse refused = tester.send(TestRequest.get("/customers/ABC1234").bearer(scraperToken))
                .assertStatus(429);
        assertThat(Long.parseLong(refused.header("Retry-After"))).isBetween(1L, 900L);
        String reader = login.token().clientId("reader").scope("customers:read").sign();
        tester.send(TestRequest.get("/customers/ABC1234").bearer(reader)).assertAllowed();
    }

    @Test
    void theInventoryShowsGrantedScopesNeverUsedAndIsForAdminsOnly() {
        ServletContextHandler context = new ServletContextHandler();
        dev.apiguard.anomaly.AnomalyScoringStep anomaly =
                dev.apiguard.anomaly.AnomalyScoringStep.of(dev.apiguard.anomaly.AnomalyPolicy.defaults());
        ApiGuard guard = Governance.guard(tokens(login), anomaly, context);
        assertThat(context.getServletHandler().getServlets()).hasSize(1);
        GuardTester tester = GuardTester.of(guard);
        String partner = login.token()
                .clientId("partner-b")
                .scope("customers:read payments:write")
                .sign();
        tester.send(TestRequest.get("/customers/ABC1234").bearer(partner)).assertAllowed();
        tester.send(TestRequest.get("/admin/inventory").bearer(partner)).assertStatus(403);
        InventoryStep inventory = (InventoryStep) guard.steps().get(3);
        InventoryReport.CallerReport record =
                inventory.inventory().report().caller("partner-b").orElseThrow();
        assertThat(record.scopesUnused()).containsExactly("payments:write");
        assertThat(record.flags()).contains(InventoryReport.UNUSED_SCOPES);
        assertThat(record.risk()).isNotNull();
    }

    @Test
    void legacyKeysWorkUntilTheirSunsetAndSayIt() {
        MutableClock clock = MutableClock.at(Instant.parse("2026-01-01T00:00:00Z"));
        ApiKeyStore store = ApiKeyStore.inMemory();
        String key = LegacyKeys.issue(store, "partner-c", clock.instant());
        GuardTester tester = GuardTester.of(ApiGuard.builder()
                .clock(clock)
                .step(AccessTokenStep.of(tokens(login)))
                .step(LegacyKeys.step(store, clock.instant(), clock.instant().plus(Duration.ofDays(30))))
                .step(RouteAuthorizationStep.of(RouteRules.builder()
                        .route("GET", "/customers/{serviceTag}")
                        .requireScopes("customers:read")
                        .build()))
                .build());
        TestRequest read = TestRequest.get("/customers/ABC1234").header("X-API-Key", key);
        tester.send(read)
                .assertAllowed()
                .assertHeader("Deprecation", "@" + clock.instant().getEpochSecond())
                .assertHeader("Sunset", "Sat, 31 Jan 2026 00:00:00 GMT")
                .assertHeader(
                        "Link", "<https://example.com/docs/moving-to-tokens>; rel=\"deprecation\"; type=\"text/html\"");
        clock.advance(Duration.ofDays(30));
        tester.send(read).assertStatus(401);
    }

    @Test
    void eventsAreLoggedAndCounted() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        GuardTester tester = GuardTester.of(Observability.guard(
                registry,
                AccessTokenStep.of(tokens(login)),
                RouteAuthorizationStep.of(RouteRules.builder()
                        .route("GET", "/customers/{serviceTag}")
                        .requireScopes("customers:read")
                        .build())));
        tester.send(TestRequest.get("/customers/ABC1234")).assertStatus(401);
        tester.send(TestRequest.get("/customers/ABC1234")
                        .bearer(login.token()
                                .clientId("partner-a")
                                .scope("customers:read")
                                .sign()))
                .assertAllowed();
        assertThat(registry.get("apiguard.events")
                        .tag("event", "credential.missing")
                        .counter()
                        .count())
                .isEqualTo(1.0);
        assertThat(registry.get("apiguard.decisions")
                        .tag("step", "token")
                        .tag("outcome", "allow")
                        .tag("caller", "partner-a")
                        .counter()
                        .count())
                .isEqualTo(1.0);
    }

    @Test
    void jettyHeaderCacheIsMadeCaseSensitiveOnEveryConnector() {
        Server server = new Server();
        server.addConnector(new ServerConnector(server));
        server.addConnector(new ServerConnector(server, new HttpConnectionFactory(new HttpConfiguration())));
        JettyHeaderCache.caseSensitive(server);
        assertThat(JettyHeaderCacheIsOn.of(server)).isTrue();
    }

    @Test
    void aHostStepRefusesWritesDuringItsWindow() {
        MutableClock clock = MutableClock.at(Instant.parse("2026-01-01T00:00:00Z"));
        GuardTester tester = GuardTester.of(ApiGuard.builder()
                .clock(clock)
                .step(AccessTokenStep.of(tokens(login)))
                .step(new ReadOnlyWindowStep(clock.instant(), clock.instant().plus(Duration.ofMinutes(10))))
                .build());
        tester.send(TestRequest.get("/customers")).assertAllowed();
        tester.send(TestRequest.post("/payments")).assertStatus(503).assertHeader("Retry-After", "600");
        clock.advance(Duration.ofMinutes(10));
        tester.send(TestRequest.post("/payments")).assertAllowed();
    }

    /** Whether every connection factory of the server's connectors has a case-sensitive header cache. */
    static final class JettyHeaderCacheIsOn {
        static boolean of(Server server) {
            return java.util.Arrays.stream(server.getConnectors())
                    .flatMap(c -> c.getConnectionFactories().stream())
                    .filter(HttpConfiguration.ConnectionFactory.class::isInstance)
                    .map(HttpConfiguration.ConnectionFactory.class::cast)
                    .allMatch(f -> f.getHttpConfiguration().isHeaderCacheCaseSensitive());
        }
    }
}
