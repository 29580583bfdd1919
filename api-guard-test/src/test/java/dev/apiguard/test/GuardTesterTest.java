package dev.apiguard.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apiguard.ApiGuard;
import dev.apiguard.Caller;
import dev.apiguard.Challenge;
import dev.apiguard.CredentialKind;
import dev.apiguard.Decision;
import dev.apiguard.Denials;
import dev.apiguard.GuardExchange;
import dev.apiguard.GuardStep;
import dev.apiguard.Problem;
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.event.SecurityEventType;
import dev.apiguard.scope.RouteDenials;
import dev.apiguard.test.fixtures.LocalIssuer;
import dev.apiguard.test.fixtures.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class GuardTesterTest {

    private static final Instant NOW = Instant.parse("2025-03-01T12:00:00Z");

    /** A fake step built from a lambda, recording the statuses completed() is told. */
    static final class FakeStep implements GuardStep {
        final String name;
        final Function<GuardExchange, Decision> decide;
        final List<Integer> completed = new ArrayList<>();

        FakeStep(String name, Function<GuardExchange, Decision> decide) {
            this.name = name;
            this.decide = decide;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Decision evaluate(GuardExchange exchange) {
            return decide.apply(exchange);
        }

        @Override
        public void completed(GuardExchange exchange, int status) {
            completed.add(status);
        }

        @Override
        public List<Challenge> challenges() {
            return List.of(Challenge.of("Bearer"), Challenge.of("DPoP", "algs", "ES256 EdDSA"));
        }
    }

    private static Caller caller(String id) {
        return Caller.builder(id, CredentialKind.BEARER_JWT)
                .subject(id)
                .issuer("https://issuer.example")
                .scopes(Set.of("customers:read"))
                .issuedAt(NOW)
                .expiresAt(NOW.plusSeconds(300))
                .tokenId("jti-1")
                .build();
    }

    @Test
    void deniedRequestIsRenderedAsTheServletWriterWouldAndCompletedWithItsStatus() {
        FakeStep step = new FakeStep("token", ex -> Denials.invalidToken());
        RecordingListener events = new RecordingListener();
        GuardTester tester =
                GuardTester.of(ApiGuard.builder().step(step).listener(events).build());

        TestResponse response =
                tester.send(TestRequest.get("/customers/ABC1234").bearer("abc.def.ghi"));

        response.assertStatus(401)
                .assertDenied(401)
                .assertChallenge("Bearer error=\"invalid_token\"")
                .assertHeader("Cache-Control", "no-store")
                .assertHeader("Content-Type", "application/problem+json")
                .assertNoEcho("abc.def.ghi");
        assertThat(response.body())
                .isEqualTo(Denials.invalidToken().problem().toJson())
                .contains("\"status\":401", "\"type\":\"https://api-guard.dev/problems/invalid-token\"");
        assertThat(response.headerEntries())
                .containsExactly(
                        Map.entry("WWW-Authenticate", "Bearer error=\"invalid_token\""),
                        Map.entry("Cache-Control", "no-store"),
                        Map.entry("Content-Type", "application/problem+json"));
        assertThat(response.caller()).isEmpty();
        assertThat(response.decision()).isSameAs(Denials.invalidToken());
        assertThat(step.completed).containsExactly(401);
    }

    @Test
    void aRefusalOfARequestWithABodyClosesTheConnectionAsTheFilterDoes() {
        GuardTester tester = GuardTester.of(ApiGuard.builder()
                .step(new FakeStep("token", ex -> Denials.invalidToken()))
                .build());

        assertThat(tester.send(TestRequest.post("/payments").body("{}")).headerEntries())
                .last()
                .isEqualTo(Map.entry("Connection", "close"));
        assertThat(tester.send(TestRequest.post("/payments").header("Transfer-Encoding", "chunked"))
                        .headers("Connection"))
                .containsExactly("close");
        assertThat(tester.send(TestRequest.post("/payments").body(new byte[0])).headers("Connection"))
                .isEmpty();
        assertThat(tester.send(TestRequest.post("/payments")).headers("Connection"))
                .isEmpty();
    }

    @Test
    void allowedRequestGetsTheAppStatusAndCompletedIsToldIt() {
        FakeStep auth = new FakeStep("token", ex -> {
            ex.authenticate(caller("partner-a"));
            ex.emit(SecurityEventType.TOKEN_ACCEPTED);
            return Decision.ALLOW;
        });
        FakeStep observer = new FakeStep("observer", ex -> Decision.ALLOW);
        RecordingListener events = new RecordingListener();
        GuardTester tester = GuardTester.of(
                ApiGuard.builder().step(auth).step(observer).listener(events).build());

        tester.send(TestRequest.get("/customers/ABC1234"))
                .assertAllowed()
                .assertStatus(200)
                .assertCaller("partner-a");
        TestResponse miss = tester.send(TestRequest.get("/customers/ZZZ9999"), 404);

        miss.assertAllowed().assertStatus(404);
        assertThat(miss.body()).isEmpty();
        assertThat(miss.headerEntries()).isEmpty();
        assertThat(miss.caller()).get().extracting(Caller::id).isEqualTo("partner-a");
        assertThat(auth.completed).containsExactly(200, 404);
        assertThat(observer.completed).containsExactly(200, 404);
        assertThat(events.types()).containsExactly(SecurityEventType.TOKEN_ACCEPTED, SecurityEventType.TOKEN_ACCEPTED);
        assertThat(events.last(SecurityEventType.TOKEN_ACCEPTED))
                .get()
                .satisfies(e -> assertThat(e.path()).isEqualTo("/customers/ZZZ9999"))
                .satisfies(e -> assertThat(e.callerId()).isEqualTo("partner-a"));
    }

    @Test
    void exchangeUsesTheGuardsClock() {
        MutableClock clock = MutableClock.at(NOW);
        List<Instant> seen = new ArrayList<>();
        GuardTester tester = GuardTester.of(ApiGuard.builder()
                .clock(clock)
                .listener(SecurityEventListener.NONE)
                .step(new FakeStep("t", ex -> {
                    seen.add(ex.now());
                    return Decision.ALLOW;
                }))
                .build());
        tester.send(TestRequest.get("/"));
        clock.advance(Duration.ofMinutes(10));
        tester.send(TestRequest.get("/"));
        assertThat(seen).containsExactly(NOW, NOW.plus(Duration.ofMinutes(10)));
    }

    @Test
    void unauthenticatedOffersEveryChallengeInOrder() {
        GuardTester tester = GuardTester.of(ApiGuard.builder()
                .step(new FakeStep("token", GuardExchange::unauthenticated))
                .build());
        tester.send(TestRequest.get("/customers/ABC1234"))
                .assertStatus(401)
                .assertChallenge("Bearer", "DPoP algs=\"ES256 EdDSA\"");
    }

    @Test
    void stepFaultIsA503WithoutTheException() {
        GuardTester tester = GuardTester.of(ApiGuard.builder()
                .listener(SecurityEventListener.NONE)
                .step(new FakeStep("boom", ex -> {
                    throw new IllegalStateException("jwks down: secret-internal-detail");
                }))
                .build());
        TestResponse r = tester.send(TestRequest.get("/"));
        r.assertStatus(503).assertChallenge().assertNoEcho("secret-internal-detail");
    }

    @Test
    void denialHeadersAreWrittenInResponseHeadersOrder() {
        Decision.Deny limited = new Decision.Deny(
                429,
                List.of(),
                new Problem(Problem.TYPE_BASE + "rate-limited", "Too many requests", 429, "Slow down."),
                Map.of("Retry-After", "7", "RateLimit", "\"default\";r=0;t=7"));
        GuardTester tester = GuardTester.of(
                ApiGuard.builder().step(new FakeStep("rl", ex -> limited)).build());
        TestResponse r = tester.send(TestRequest.get("/"));
        r.assertStatus(429).assertHeader("Retry-After", "7");
        assertThat(r.headerEntries())
                .extracting(Map.Entry::getKey)
                .containsExactly("Cache-Control", "RateLimit", "Retry-After", "Content-Type");
    }

    // ---- the assertions fail, with clear messages --------------------------------------------

    @Test
    void assertionsFailWithMessagesThatShowTheResponse() {
        GuardTester tester = GuardTester.of(ApiGuard.builder()
                .step(new FakeStep("token", ex -> Denials.invalidToken()))
                .build());
        TestResponse r = tester.send(TestRequest.get("/"));

        assertThatThrownBy(() -> r.assertStatus(200))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("expected status 200 but was 401")
                .hasMessageContaining("WWW-Authenticate: Bearer error=\"invalid_token\"");
        assertThatThrownBy(() -> r.assertChallenge("Bearer"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("expected WWW-Authenticate [Bearer]");
        assertThatThrownBy(r::assertAllowed).isInstanceOf(AssertionError.class).hasMessageContaining("refused");
        assertThatThrownBy(() -> r.assertCaller("partner-a"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("no caller");
        assertThatThrownBy(() -> r.assertHeader("Retry-After", "1"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Retry-After");
    }

    @Test
    void assertDeniedFailsOnAnAllowedRequest() {
        GuardTester tester = GuardTester.of(
                ApiGuard.builder().step(new FakeStep("t", ex -> Decision.ALLOW)).build());
        assertThatThrownBy(() -> tester.send(TestRequest.get("/")).assertDenied(401))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("but it was allowed");
    }

    @Test
    void assertNoEchoCatchesTheWholeSecretAndLongPartsOfItButNotShortOnes() {
        String token = LocalIssuer.ec("https://issuer.example").token().sign();
        String part = token.substring(40, 56); // 16 characters
        Decision.Deny echoingWhole = deny("bad token " + token);
        Decision.Deny echoingPart = deny("bad token ..." + part + "...");
        Decision.Deny echoingShort = deny("bad token ..." + part.substring(0, 15) + "...");

        assertThatThrownBy(() -> send(echoingWhole).assertNoEcho(token))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("body echoes the secret")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(part));
        assertThatThrownBy(() -> send(echoingPart).assertNoEcho(token)).isInstanceOf(AssertionError.class);
        send(echoingShort).assertNoEcho(token);
    }

    @Test
    void assertNoEchoLooksAtHeadersToo() {
        Decision.Deny inHeader = new Decision.Deny(
                401, List.of(), Denials.invalidToken().problem(), Map.of("X-Debug", "token=supersecretvalue123"));
        assertThatThrownBy(() -> send(inHeader).assertNoEcho("supersecretvalue123"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("header X-Debug");
        assertThatThrownBy(() -> send(Denials.invalidToken()).assertNoEcho("token"))
                .isInstanceOf(AssertionError.class);
        assertThatThrownBy(() -> send(Denials.invalidToken()).assertNoEcho(""))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static Decision.Deny deny(String detail) {
        return new Decision.Deny(
                401,
                List.of(Challenge.of("Bearer", "error", "invalid_token")),
                new Problem(Problem.TYPE_BASE + "invalid-token", "Invalid token", 401, detail),
                Map.of());
    }

    private static TestResponse send(Decision.Deny deny) {
        return GuardTester.of(
                        ApiGuard.builder().step(new FakeStep("t", ex -> deny)).build())
                .send(TestRequest.get("/"));
    }

    @Test
    void headersStepsAddToTheExchangeFollowAllowedAndRefusedAnswers() {
        FakeStep sunset = new FakeStep("sunset", e -> {
            e.addResponseHeader("Sunset", "Tue, 01 Apr 2025 00:00:00 GMT");
            return Decision.ALLOW;
        });
        FakeStep refuse = new FakeStep(
                "refuse", e -> e.request().path().equals("/no") ? RouteDenials.notFound() : Decision.ALLOW);
        ApiGuard guard = ApiGuard.builder()
                .listener(SecurityEventListener.NONE)
                .step(sunset)
                .step(refuse)
                .build();
        GuardTester tester = GuardTester.of(guard);
        tester.send(TestRequest.get("/yes")).assertStatus(200).assertHeader("Sunset", "Tue, 01 Apr 2025 00:00:00 GMT");
        TestResponse refused = tester.send(TestRequest.get("/no"))
                .assertStatus(404)
                .assertHeader("Sunset", "Tue, 01 Apr 2025 00:00:00 GMT");
        assertThat(refused.headerEntries()).extracting(Map.Entry::getKey).last().isEqualTo("Sunset");
        // a header value that could split the response is a step fault: 503, and nothing written
        TestResponse faulty = GuardTester.of(ApiGuard.builder()
                        .listener(SecurityEventListener.NONE)
                        .step(new FakeStep("bad", e -> {
                            e.addResponseHeader("X-Bad", "line\r\nbreak");
                            return Decision.ALLOW;
                        }))
                        .build())
                .send(TestRequest.get("/"))
                .assertStatus(503);
        assertThat(faulty.headers("X-Bad")).isEmpty();
    }
}
