package dev.apiguard.docs;

// tag::clock[]
import dev.apiguard.ApiGuard;
import dev.apiguard.ratelimit.RateLimitPlan;
import dev.apiguard.ratelimit.RateLimitPolicy;
import dev.apiguard.ratelimit.RateLimitStep;
import dev.apiguard.scope.RouteAuthorizationStep;
import dev.apiguard.scope.RouteRules;
import dev.apiguard.test.GuardTester;
import dev.apiguard.test.TestRequest;
import dev.apiguard.test.fixtures.LocalIssuer;
import dev.apiguard.test.fixtures.MutableClock;
import dev.apiguard.token.AccessTokenStep;
import dev.apiguard.token.KeySource;
import dev.apiguard.token.TokenPolicy;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ClockControlTest {

    final MutableClock clock = MutableClock.at(Instant.parse("2026-01-01T00:00:00Z"));
    final LocalIssuer issuer = LocalIssuer.ec("https://login.example.com")
            .audience("https://api.example.com")
            .clock(clock);
    final GuardTester tester = GuardTester.of(ApiGuard.builder()
            .clock(clock) // the guard's one clock: every step, store and cache reads the request's time from it
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
                    .build()))
            .build());

    @Test
    void theBucketRefillsAndTheTokenExpiresAsTheClockSays() {
        String token = issuer.token().scope("customers:read").sign(); // lives 5 minutes by default
        TestRequest read = TestRequest.get("/customers/ABC1234").bearer(token);
        tester.send(read).assertAllowed();
        tester.send(read).assertAllowed();
        tester.send(read).assertStatus(429).assertHeader("Retry-After", "30");
        clock.advance(Duration.ofSeconds(30)); // one unit back in the bucket
        tester.send(read).assertAllowed();
        clock.advance(Duration.ofMinutes(6)); // past exp and the 60 s skew
        tester.send(read).assertStatus(401).assertChallenge("Bearer error=\"invalid_token\"");
    }
}
// end::clock[]
