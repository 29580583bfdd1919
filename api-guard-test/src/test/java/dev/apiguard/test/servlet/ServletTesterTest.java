package dev.apiguard.test.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apiguard.ApiGuard;
import dev.apiguard.Caller;
import dev.apiguard.Decision;
import dev.apiguard.GuardExchange;
import dev.apiguard.GuardStep;
import dev.apiguard.event.SecurityEventType;
import dev.apiguard.ratelimit.RateLimitPlan;
import dev.apiguard.ratelimit.RateLimitPolicy;
import dev.apiguard.ratelimit.RateLimitStep;
import dev.apiguard.scope.RouteAuthorizationStep;
import dev.apiguard.scope.RouteRules;
import dev.apiguard.servlet.ApiGuardFilter;
import dev.apiguard.servlet.ApiGuardFilters;
import dev.apiguard.servlet.ClientAssertionFilter;
import dev.apiguard.test.RecordingListener;
import dev.apiguard.test.TestRequest;
import dev.apiguard.test.fixtures.LocalIssuer;
import dev.apiguard.test.fixtures.MutableClock;
import dev.apiguard.token.AccessTokenStep;
import dev.apiguard.token.ClientAssertionPolicy;
import dev.apiguard.token.ClientAssertionVerifier;
import dev.apiguard.token.KeySource;
import dev.apiguard.token.TokenPolicy;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@link ServletTester} against the real {@link ApiGuardFilter}, with tokens of a {@link LocalIssuer}. */
class ServletTesterTest {

    final MutableClock clock = MutableClock.at(Instant.parse("2026-01-01T00:00:00Z"));
    final LocalIssuer issuer = LocalIssuer.ec("https://login.example.com")
            .audience("https://api.example.com")
            .clock(clock);
    final RecordingListener events = new RecordingListener();
    final AtomicInteger faults = new AtomicInteger();
    final List<Integer> completions = new ArrayList<>();

    /** Throws on the route /fault: a step that fails. Records what it is told on completion. */
    final GuardStep faulty = new GuardStep() {
        @Override
        public String name() {
            return "faulty";
        }

        @Override
        public Decision evaluate(GuardExchange exchange) {
            if (exchange.request().path().equals("/fault")) {
                faults.incrementAndGet();
                throw new IllegalStateException("a step that fails");
            }
            return Decision.ALLOW;
        }

        @Override
        public void completed(GuardExchange exchange, int status) {
            completions.add(status);
        }
    };

    final ApiGuard guard = ApiGuard.builder()
            .clock(clock)
            .listener(events)
            .step(AccessTokenStep.of(TokenPolicy.builder()
                    .issuer(issuer.issuer(), KeySource.fixed(issuer.publicJwks()))
                    .audience("https://api.example.com")
                    .build()))
            .step(RateLimitStep.of(RateLimitPolicy.builder()
                    .plan(RateLimitPlan.simple("small", 2, Duration.ofMinutes(1)))
                    .build()))
            .step(RouteAuthorizationStep.of(RouteRules.builder()
                    .route("GET", "/customers/{serviceTag}")
                    .requireScopes("customers:read")
                    .route("GET", "/fault")
                    .permitAll()
                    .build()))
            .step(faulty)
            .build();
    final Filter filter = new ApiGuardFilter(guard);

    @Test
    void anAllowedRequestReachesTheApplicationWithTheCaller() throws Exception {
        String token =
                issuer.token().clientId("partner-a").scope("customers:read").sign();

        ServletResult result =
                ServletTester.run(filter, TestRequest.get("/customers/ABC1234").bearer(token));

        result.assertStatus(200).assertChainReached().assertCaller("partner-a").assertNoEcho(token);
        HttpServletRequest seen = result.chainRequest().orElseThrow();
        assertThat(seen.getUserPrincipal()).isInstanceOf(Caller.class);
        assertThat(seen.getRemoteUser()).isEqualTo("partner-a");
        assertThat(seen.getAuthType()).isEqualTo("Bearer");
        assertThat(seen.getAttribute(Caller.REQUEST_ATTRIBUTE))
                .isSameAs(result.caller().orElseThrow());
        assertThat(seen.getAttribute(ApiGuardFilter.EXCHANGE_ATTRIBUTE)).isInstanceOf(GuardExchange.class);
        assertThat(result.bodyAsString()).isEmpty();
        assertThat(result.committed()).isFalse();
        assertThat(completions).containsExactly(200);
    }

    @Test
    void theApplicationAnswersAndTheGuardIsToldItsStatus() throws Exception {
        String token = issuer.token().scope("customers:read").sign();
        ServletTester tester = ServletTester.of(filter).application((request, response) -> {
            HttpServletResponse res = (HttpServletResponse) response;
            res.setStatus(404);
            res.setContentType("application/json");
            res.getWriter().write("{\"customer\":null}");
        });

        ServletResult result = tester.run(TestRequest.get("/customers/NOPE").bearer(token));

        result.assertStatus(404).assertChainReached().assertHeader("Content-Type", "application/json");
        assertThat(result.bodyAsString()).isEqualTo("{\"customer\":null}");
        assertThat(completions).containsExactly(404);
    }

    @Test
    void aBadTokenIs401WithAChallengeAndNeverReachesTheApplication() throws Exception {
        String expired = issuer.token().scope("customers:read").sign();
        clock.advance(Duration.ofHours(1));

        ServletResult result =
                ServletTester.run(filter, TestRequest.get("/customers/ABC1234").bearer(expired));

        result.assertStatus(401)
                .assertChallenge("Bearer error=\"invalid_token\"")
                .assertHeader("Content-Type", "application/problem+json")
                .assertHeader("Cache-Control", "no-store")
                .assertChainNotReached()
                .assertNoEcho(expired);
        assertThat(result.bodyAsString()).contains("\"status\":401");
        assertThat(result.header("Content-Length")).isEqualTo(Integer.toString(result.body().length));
        assertThat(result.committed()).as("the refusal is flushed").isTrue();
        assertThat(result.caller()).isEmpty();
        assertThat(result.chainRequest()).isEmpty();
    }

    @Test
    void overTheRateLimitIs429WithRetryAfter() throws Exception {
        String token = issuer.token().scope("customers:read").sign();
        TestRequest read = TestRequest.get("/customers/ABC1234").bearer(token);
        ServletTester.run(filter, read).assertStatus(200);
        ServletTester.run(filter, read).assertStatus(200);

        ServletResult third = ServletTester.run(filter, read);

        third.assertStatus(429).assertHeader("Retry-After", "30").assertChainNotReached();
        assertThat(completions).containsExactly(200, 200, 429);
    }

    @Test
    void aFaultInAStepIs503AndAnEvent() throws Exception {
        ServletResult result = ServletTester.run(filter, TestRequest.get("/fault"));

        result.assertStatus(503).assertHeader("Content-Type", "application/problem+json");
        result.assertChainNotReached();
        assertThat(faults).hasValue(1);
        assertThat(events.types()).containsOnlyOnce(SecurityEventType.STEP_FAILED);
        assertThat(result.bodyAsString()).contains("\"status\":503");
    }

    @Test
    void theSameAnswersThroughThePerStepFilters() throws Exception {
        String token =
                issuer.token().clientId("partner-a").scope("customers:read").sign();
        ServletTester perStep = ServletTester.of(ApiGuardFilters.perStep(guard));

        perStep.run(TestRequest.get("/customers/ABC1234").bearer(token))
                .assertStatus(200)
                .assertCaller("partner-a");
        perStep.run(TestRequest.get("/customers/ABC1234").bearer("not-a-token"))
                .assertStatus(401)
                .assertChainNotReached();
        perStep.run(TestRequest.get("/fault")).assertStatus(503);
    }

    @Test
    void aRefusalOfARequestWithABodyClosesTheConnection() throws Exception {
        ServletResult result =
                ServletTester.run(filter, TestRequest.post("/customers/ABC1234").body("{\"name\":\"x\"}"));

        result.assertStatus(401).assertHeader("Connection", "close");
    }

    @Test
    void aRedispatchOfAGuardedRequestIsPassedOnUnguarded() throws Exception {
        String token = issuer.token().scope("customers:read").sign();
        ServletResult first =
                ServletTester.run(filter, TestRequest.get("/customers/ABC1234").bearer(token));
        TestServletRequest forward = first.request().setDispatcherType(DispatcherType.FORWARD);

        ServletResult again = ServletTester.of(filter).run(forward);

        again.assertStatus(200).assertChainReached();
        assertThat(completions).as("guarded once").containsExactly(200);
    }

    @Test
    void whatTheApplicationThrowsReachesTheTestAndTheGuardHears500() {
        ServletTester throwing = ServletTester.of(filter).application((request, response) -> {
            throw new IllegalStateException("the application failed");
        });
        String token = issuer.token().scope("customers:read").sign();

        assertThatThrownBy(
                        () -> throwing.run(TestRequest.get("/customers/ABC1234").bearer(token)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("the application failed");
        assertThat(completions).containsExactly(500);
    }

    @Test
    void filtersRunInOrderAndAnyFilterCanStopTheChain() throws Exception {
        List<String> order = new ArrayList<>();
        Filter first = (request, response, chain) -> {
            order.add("first");
            chain.doFilter(request, response);
        };
        Filter stopping = (request, response, chain) -> {
            order.add("stopping");
            ((HttpServletResponse) response).sendError(418, "short and stout");
        };

        ServletResult result = ServletTester.of(first, stopping, filter).run(TestRequest.get("/customers/A"));

        assertThat(order).containsExactly("first", "stopping");
        result.assertStatus(418).assertChainNotReached();
        assertThat(result.response().errorMessage()).isEqualTo("short and stout");
        assertThat(result.committed()).isTrue();
        assertThat(completions).as("the guard never ran").isEmpty();
    }

    @Test
    void aClientAssertionInAFormBodyAuthenticatesAtTheTokenEndpoint() throws Exception {
        LocalIssuer client = LocalIssuer.ec("client-a").clock(clock);
        Filter assertions = ClientAssertionFilter.builder(ClientAssertionVerifier.of(ClientAssertionPolicy.builder()
                        .client("client-a", KeySource.fixed(client.publicJwks()))
                        .audience("https://localhost/token")
                        .build()))
                .clock(clock)
                .listener(events)
                .build();
        String assertion = client.token()
                .issuer("client-a")
                .subject("client-a")
                .without("client_id")
                .audience("https://localhost/token")
                .withoutType()
                .lifetime(Duration.ofMinutes(1))
                .sign();
        String form = "grant_type=client_credentials&client_assertion_type="
                + URLEncoder.encode(ClientAssertionPolicy.JWT_BEARER_TYPE, StandardCharsets.UTF_8)
                + "&client_assertion=" + assertion;
        ServletTester endpoint = ServletTester.of(assertions)
                .application((request, response) -> response.getWriter().write(request.getParameter("grant_type")));

        endpoint.run(TestRequest.post("/token").form(form))
                .assertStatus(200)
                .assertCaller("client-a")
                .assertChainReached();
        assertThat(endpoint.run(TestRequest.post("/token").form(form)).bodyAsString())
                .as("a replayed assertion")
                .isEqualTo("{\"error\":\"invalid_client\"}");
        endpoint.run(TestRequest.post("/token").form("x".repeat(ClientAssertionFilter.DEFAULT_MAX_BODY_BYTES + 1)))
                .assertStatus(400)
                .assertChainNotReached();
    }

    @Test
    void assertionsNameWhatDiffered() throws Exception {
        ServletResult refused = ServletTester.run(filter, TestRequest.get("/customers/A"));

        assertThatThrownBy(() -> refused.assertStatus(200))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("expected status 200 but was 401")
                .hasMessageContaining("WWW-Authenticate: Bearer");
        assertThatThrownBy(refused::assertChainReached).hasMessageContaining("a filter stopped it");
        assertThatThrownBy(() -> refused.assertCaller("x")).hasMessageContaining("no caller was exposed");
        assertThatThrownBy(() -> refused.assertHeader("Retry-After", "1")).hasMessageContaining("but was []");
        assertThatThrownBy(() -> refused.assertChallenge("DPoP")).hasMessageContaining("but was [Bearer]");
        String secretInBody = new String(refused.body(), StandardCharsets.UTF_8).substring(0, 20);
        assertThatThrownBy(() -> refused.assertNoEcho(secretInBody)).hasMessageContaining("the body echoes");
        assertThat(refused.toString()).isEqualTo("ServletResult[401]");
    }
}
