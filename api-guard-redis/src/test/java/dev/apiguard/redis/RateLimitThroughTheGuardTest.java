package dev.apiguard.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.ApiGuard;
import dev.apiguard.event.SecurityEventType;
import dev.apiguard.ratelimit.AnonymousRateLimitStep;
import dev.apiguard.ratelimit.RateLimitPlan;
import dev.apiguard.ratelimit.RateLimitPolicy;
import dev.apiguard.ratelimit.RateLimitStep;
import dev.apiguard.scope.RouteAuthorizationStep;
import dev.apiguard.scope.RouteRules;
import dev.apiguard.test.GuardTester;
import dev.apiguard.test.RecordingListener;
import dev.apiguard.test.TestRequest;
import dev.apiguard.test.TestResponse;
import dev.apiguard.test.fixtures.LocalIssuer;
import dev.apiguard.test.fixtures.MutableClock;
import dev.apiguard.token.AccessTokenStep;
import dev.apiguard.token.KeySource;
import dev.apiguard.token.TokenPolicy;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The rate-limit steps in a real pipeline: tokens from a local issuer, routes, anonymous limiter first. */
class RateLimitThroughTheGuardTest {

    private final MutableClock clock = MutableClock.at(Instant.now());
    private final LocalIssuer issuer = LocalIssuer.rsa("https://issuer.example").clock(clock);
    private final LocalIssuer impostor =
            LocalIssuer.rsa("https://issuer.example").clock(clock);
    private final RecordingListener events = new RecordingListener();

    private GuardTester tester(int anonymousQuota) {
        RateLimitPolicy policy = RateLimitPolicy.builder()
                .plan(RateLimitPlan.simple("partner", 5, Duration.ofMinutes(1)))
                .anonymousPlan(RateLimitPlan.simple("anonymous", anonymousQuota, Duration.ofMinutes(1)))
                .anonymousExemptPaths("/health")
                .build();
        TokenPolicy tokens = TokenPolicy.builder()
                .issuer(issuer.issuer(), KeySource.fixed(issuer.publicJwks()))
                .audience(issuer.defaultAudience())
                .build();
        RouteRules routes = RouteRules.builder()
                .route("GET", "/health")
                .permitAll()
                .route("GET", "/customers")
                .requireScopes("customers:read")
                .build();
        return GuardTester.of(ApiGuard.builder()
                .clock(clock)
                .listener(events)
                .step(AnonymousRateLimitStep.of(policy))
                .step(AccessTokenStep.of(tokens))
                .step(RateLimitStep.of(policy))
                .step(RouteAuthorizationStep.of(routes))
                .build());
    }

    private TestRequest read(String token) {
        return TestRequest.get("/customers").bearer(token);
    }

    @Test
    void invalidTokensNamingAVictimLeaveTheVictimsBucketUntouched() {
        GuardTester guard = tester(1000);
        String forged =
                issuer.token().clientId("victim").scope("customers:read").signedWith(impostor);
        String expired = issuer.token()
                .clientId("victim")
                .scope("customers:read")
                .issuedAt(clock.instant().minus(Duration.ofMinutes(20)))
                .lifetime(Duration.ofMinutes(10))
                .sign();
        for (int i = 0; i < 50; i++) {
            guard.send(read(i % 2 == 0 ? forged : expired)).assertStatus(401);
        }
        assertThat(events.types()).doesNotContain(SecurityEventType.RATE_LIMITED);
        String valid = issuer.token().clientId("victim").scope("customers:read").sign();
        for (int i = 0; i < 5; i++) {
            guard.send(read(valid)).assertStatus(200);
        }
        TestResponse limited = guard.send(read(valid)).assertStatus(429);
        assertThat(limited.header("Retry-After")).isEqualTo("12");
        assertThat(limited.header("RateLimit-Policy")).isEqualTo("\"burst\";q=5;w=60");
        assertThat(limited.header("RateLimit")).isEqualTo("\"burst\";r=0;t=12");
        limited.assertNoEcho(valid);
    }

    @Test
    void anAnonymousFloodIsLimitedWhileAValidCallerFromTheSamePeerIsUnaffected() {
        GuardTester guard = tester(10);
        String valid =
                issuer.token().clientId("partner-a").scope("customers:read").sign();
        guard.send(read(valid)).assertStatus(200);
        String junk =
                issuer.token().clientId("partner-a").scope("customers:read").signedWith(impostor);
        for (int i = 0; i < 10; i++) {
            guard.send(read(junk)).assertStatus(401);
        }
        TestResponse flooded = guard.send(read(junk)).assertStatus(429);
        assertThat(flooded.header("Retry-After")).isEqualTo("6");
        guard.send(TestRequest.get("/customers")).assertStatus(429); // no credential at all: same answer
        guard.send(TestRequest.get("/health")).assertStatus(200); // exempt
        for (int i = 0; i < 4; i++) {
            guard.send(read(valid)).assertStatus(200);
        }
        guard.send(read(valid)).assertStatus(429); // its own bucket of 5, not the peer's
        // another peer is not limited by the first one's flood
        guard.send(read(junk).remoteAddress("198.51.100.20")).assertStatus(401);
    }

    @Test
    void theFloodedAnswerIsTheSameWhateverTheToken() {
        GuardTester guard = tester(2);
        String junk = "eyJhbGciOiJub25lIn0.e30.";
        guard.send(read(junk));
        guard.send(read(junk));
        TestResponse a = guard.send(read(junk)).assertStatus(429);
        TestResponse b = guard.send(read(
                        issuer.token().clientId("x").scope("customers:read").signedWith(impostor)))
                .assertStatus(429);
        assertThat(a.body()).isEqualTo(b.body());
        assertThat(a.headerEntries()).isEqualTo(b.headerEntries());
    }
}
