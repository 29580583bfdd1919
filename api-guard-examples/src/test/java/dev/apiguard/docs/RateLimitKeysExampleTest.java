package dev.apiguard.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.ApiGuard;
import dev.apiguard.event.SecurityEventType;
import dev.apiguard.ratelimit.RateLimitPolicy;
import dev.apiguard.ratelimit.RateLimitStep;
import dev.apiguard.scope.RouteAuthorizationStep;
import dev.apiguard.scope.RouteRules;
import dev.apiguard.test.RecordingListener;
import dev.apiguard.test.fixtures.LocalIssuer;
import dev.apiguard.test.fixtures.MutableClock;
import dev.apiguard.token.AccessTokenStep;
import dev.apiguard.token.KeySource;
import dev.apiguard.token.TokenPolicy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The keyed limits of the rate-limit guide, over HTTP through a real Jetty, on the guard's clock. */
class RateLimitKeysExampleTest {

    static final String API = "https://api.example.com";

    private final LocalIssuer login =
            LocalIssuer.ec("https://login.example.com").audience(API);
    private final MutableClock clock = MutableClock.at(Instant.now());
    private final RecordingListener events = new RecordingListener();
    private final HttpClient http = HttpClient.newHttpClient();
    private Server server;
    private String base;

    @BeforeEach
    void start() throws Exception {
        login.clock(clock);
        RateLimitPolicy limits = RateLimitKeysExample.limits();
        ApiGuard guard = ApiGuard.builder()
                .clock(clock)
                .listener(events)
                .step(AccessTokenStep.of(TokenPolicy.builder()
                        .issuer(login.issuer(), KeySource.fixed(login.publicJwks()))
                        .audience(API)
                        .build()))
                .step(RateLimitStep.of(limits))
                .step(RouteAuthorizationStep.of(RouteRules.builder()
                        .route("GET", "/customers/{serviceTag}")
                        .requireScopes("customers:read")
                        .build()))
                .build();
        server = GuardedServer.start(guard, 0);
        base = "http://127.0.0.1:" + DocsExamplesTest.port(server);
    }

    @AfterEach
    void stop() throws Exception {
        server.stop();
    }

    private String token(String clientId, String tenant) {
        var b = login.token().clientId(clientId).scope("customers:read");
        return (tenant == null ? b : b.claim("tenant", tenant)).sign();
    }

    private HttpResponse<String> get(String path, String token, String... headers) throws Exception {
        HttpRequest.Builder r =
                HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + token);
        for (int i = 0; i < headers.length; i += 2) {
            r.header(headers[i], headers[i + 1]);
        }
        return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theRouteCapAdmitsItsCapacityOverEveryCallerAndEverySpellingOfThePath() throws Exception {
        List<String> spellings = List.of("/customers/ABC1234", "/customers/ABC%31234", "/customers/./XYZ9876");
        Map<Integer, Integer> statuses = new TreeMap<>();
        for (int c = 0; c < 6; c++) {
            String token = token("partner-" + c, null);
            for (int i = 0; i < 20; i++) {
                statuses.merge(get(spellings.get(i % 3), token).statusCode(), 1, Integer::sum);
            }
        }
        // 6 callers x 20 (each within its per-route 20): the cap of 100 refuses the last 20
        assertThat(statuses).isEqualTo(Map.of(200, 100, 429, 20));
        HttpResponse<String> refused = get("/customers/ABC1234", token("partner-9", null));
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().firstValue("RateLimit-Policy")).hasValue("\"burst\";q=100;w=1");
        assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(events.events())
                .filteredOn(e -> "partner-9".equals(e.callerId()) && e.type() == SecurityEventType.RATE_LIMITED)
                .singleElement()
                .satisfies(e -> assertThat(e.details())
                        .containsEntry("bucket", "shared")
                        .containsEntry("limit", "lookup-cap"));
        clock.advance(Duration.ofSeconds(1));
        assertThat(get("/customers/ABC1234", token("partner-9", null)).statusCode())
                .isEqualTo(200);
    }

    @Test
    void aTenantsCallersShareItsBudgetAndAllowedAnswersShowTheTightestBucket() throws Exception {
        List<Integer> statuses = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
            String token = token("acme-" + c, "acme");
            for (int i = 0; i < 18; i++) {
                statuses.add(get("/customers/ABC1234", token).statusCode());
            }
        }
        assertThat(statuses.stream().filter(s -> s == 200)).hasSize(60);
        HttpResponse<String> other = get("/customers/ABC1234", token("globex-0", "globex"));
        assertThat(other.statusCode()).isEqualTo(200);
        // the caller's per-route 20 leaves 19; the tenant's 60 leaves 59; the cap, after acme's 60: 39
        assertThat(other.headers().firstValue("RateLimit")).hasValue("\"burst\";r=19;t=1");
    }

    @Test
    void aCallerSprayingProjectNamesGetsEightBucketsThenOne() throws Exception {
        String token = token("sprayer", "acme");
        int admitted = 0;
        for (int i = 0; i < 20; i++) {
            if (get("/customers/ABC1234", token, "X-Project", "p-" + i).statusCode() == 200) {
                admitted++;
            }
        }
        // 8 project names in buckets of their own (10 each, one used), the other 12 share one of 10
        assertThat(admitted).isEqualTo(8 + 10);
    }
}
