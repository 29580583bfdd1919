package dev.apiguard.test;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.ApiGuard;
import dev.apiguard.CallerKey;
import dev.apiguard.anomaly.AnomalyPolicy;
import dev.apiguard.anomaly.AnomalyScoringStep;
import dev.apiguard.ratelimit.RateLimitPlan;
import dev.apiguard.ratelimit.RateLimitPolicy;
import dev.apiguard.ratelimit.RateLimitStep;
import dev.apiguard.scope.RouteAuthorizationStep;
import dev.apiguard.scope.RouteRules;
import dev.apiguard.test.fixtures.LocalIssuer;
import dev.apiguard.test.fixtures.MutableClock;
import dev.apiguard.token.AccessTokenStep;
import dev.apiguard.token.KeySource;
import dev.apiguard.token.TokenPolicy;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The clock handed to {@code ApiGuard.builder().clock(...)} rules every step: a host test that
 * moves it past a {@code Retry-After} or a quarantine's end gets in again, with no other clock to
 * move (a user found the rate limiter and the scorer on clocks of their own).
 */
class OneClockTest {

    private final MutableClock clock = MutableClock.at(Instant.parse("2026-01-01T00:00:00Z"));
    private final LocalIssuer issuer = LocalIssuer.rsa("https://issuer.example")
            .audience("https://api.example")
            .clock(clock);
    private final RateLimitStep rateLimit = RateLimitStep.of(RateLimitPolicy.builder()
            .plan(RateLimitPlan.simple("partner", 2, Duration.ofMinutes(1)))
            .build());
    private final AnomalyScoringStep anomaly = AnomalyScoringStep.builder(AnomalyPolicy.defaults())
            .throttleControl(rateLimit.adjustments())
            .build();
    private final GuardTester tester = GuardTester.of(ApiGuard.builder()
            .clock(clock)
            .step(AccessTokenStep.of(TokenPolicy.builder()
                    .issuer(issuer.issuer(), KeySource.fixed(issuer.publicJwks()))
                    .audience("https://api.example")
                    .build()))
            .step(anomaly)
            .step(rateLimit)
            .step(RouteAuthorizationStep.of(RouteRules.builder()
                    .route("GET", "/customers/{id}")
                    .requireScopes("customers:read")
                    .build()))
            .build());

    private TestRequest read(String token) {
        return TestRequest.get("/customers/ABC1234").bearer(token);
    }

    @Test
    void aCallerRefusedWithRetryAfterIsAdmittedOnceTheGuardsClockHasMovedThatFar() {
        String token =
                issuer.token().clientId("partner-a").scope("customers:read").sign();
        tester.send(read(token)).assertAllowed();
        tester.send(read(token)).assertAllowed();
        TestResponse refused = tester.send(read(token)).assertStatus(429);
        long retryAfter = Long.parseLong(refused.header("Retry-After"));
        assertThat(retryAfter).isBetween(1L, 60L);

        clock.advance(Duration.ofSeconds(retryAfter - 1));
        tester.send(read(token)).assertStatus(429);
        clock.advance(Duration.ofSeconds(1));
        tester.send(read(token)).assertAllowed();
    }

    @Test
    void theScorersViewAndTheThrottleFollowTheSameClock() {
        String token =
                issuer.token().clientId("partner-a").scope("customers:read").sign();
        tester.send(read(token)).assertAllowed();
        CallerKey key = CallerKey.token("https://issuer.example", "partner-a");
        assertThat(anomaly.scoreOf(key)).isPresent();
        rateLimit.adjustments().throttle(key, 0.5, clock.instant().plusSeconds(30), clock.instant());
        assertThat(rateLimit.adjustments().factor(key, clock.instant())).isEqualTo(0.5);
        // a day later by the guard's clock: the profile is idle (24 h) and the throttle is over
        clock.advance(Duration.ofHours(25));
        assertThat(anomaly.scoreOf(key)).isEmpty();
        assertThat(rateLimit.adjustments().factor(key, clock.instant())).isEqualTo(1.0);
    }
}
