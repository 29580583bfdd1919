package dev.apiguard.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.ApiGuard;
import dev.apiguard.CallerKey;
import dev.apiguard.LocalRevocations;
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.ratelimit.RateLimitPlan;
import dev.apiguard.ratelimit.RateLimitPolicy;
import dev.apiguard.ratelimit.RateLimitStep;
import dev.apiguard.scope.RouteAuthorizationStep;
import dev.apiguard.scope.RouteRules;
import dev.apiguard.test.GuardTester;
import dev.apiguard.test.RecordingListener;
import dev.apiguard.test.TestRequest;
import dev.apiguard.test.fixtures.LocalIssuer;
import dev.apiguard.test.fixtures.MutableClock;
import dev.apiguard.token.AccessTokenStep;
import dev.apiguard.token.KeySource;
import dev.apiguard.token.TokenPolicy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The events the real steps emit land on the counters and tags docs/events.md names. */
class MetricsThroughTheGuardTest {

    @Test
    void realStepsFeedTheCounters() {
        MutableClock clock = MutableClock.at(Instant.parse("2026-01-01T00:00:00Z"));
        LocalIssuer issuer = LocalIssuer.rsa("https://issuer.example")
                .audience("https://api.example")
                .clock(clock);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        RecordingListener recorded = new RecordingListener();
        ApiGuard guard = ApiGuard.builder()
                .clock(clock)
                .listener(SecurityEventListener.composite(recorded, MicrometerSecurityEventListener.of(registry)))
                .step(AccessTokenStep.of(TokenPolicy.builder()
                        .issuer(issuer.issuer(), KeySource.fixed(issuer.publicJwks()))
                        .audience("https://api.example")
                        .build()))
                .step(RateLimitStep.of(RateLimitPolicy.builder()
                        .plan(RateLimitPlan.simple("partner", 2, Duration.ofMinutes(1)))
                        .defaultPlan("partner")
                        .build()))
                .step(RouteAuthorizationStep.of(RouteRules.builder()
                        .route("GET", "/customers/{id}")
                        .requireScopes("customers:read")
                        .build()))
                .build();
        GuardTester tester = GuardTester.of(guard);

        String reader =
                issuer.token().clientId("partner-a").scope("customers:read").sign();
        String other = issuer.token().clientId("partner-b").scope("orders:read").sign();
        for (int i = 0; i < 3; i++) {
            tester.send(TestRequest.get("/customers/1").bearer(reader));
        }
        tester.send(TestRequest.get("/customers/1").bearer(other)).assertStatus(403);
        tester.send(TestRequest.get("/customers/1").bearer("not.a.token")).assertStatus(401);
        tester.send(TestRequest.get("/customers/1")).assertStatus(401);

        assertThat(counter(registry, "apiguard.events", "event", "token.accepted"))
                .isEqualTo(4);
        assertThat(counter(registry, "apiguard.events", "event", "ratelimit.limited", "outcome", "refused"))
                .isEqualTo(1);
        assertThat(counter(registry, "apiguard.ratelimit.rejections", "plan", "partner", "bucket", "caller"))
                .isEqualTo(1);
        assertThat(counter(registry, "apiguard.decisions", "step", "ratelimit", "outcome", "deny"))
                .isEqualTo(1);
        assertThat(counter(registry, "apiguard.decisions", "step", "scope", "outcome", "deny"))
                .isEqualTo(2);
        assertThat(counter(registry, "apiguard.decisions", "step", "token", "outcome", "deny"))
                .isEqualTo(1);
        assertThat(counter(registry, "apiguard.decisions", "step", "token", "outcome", "allow"))
                .isEqualTo(4);
        assertThat(counter(registry, "apiguard.events"))
                .isEqualTo(recorded.events().size());
        assertThat(registry.getMeters())
                .allSatisfy(m -> assertThat(m.getId().getTag("caller")).isNull());
    }

    @Test
    void aRevokedTokenIsCountedAsARefusalOfTheTokenStep() {
        MutableClock clock = MutableClock.at(Instant.parse("2026-01-01T00:00:00Z"));
        LocalIssuer issuer = LocalIssuer.rsa("https://issuer.example")
                .audience("https://api.example")
                .clock(clock);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        LocalRevocations revocations = LocalRevocations.of(Duration.ofMinutes(61));
        GuardTester tester = GuardTester.of(ApiGuard.builder()
                .clock(clock)
                .listener(MicrometerSecurityEventListener.of(registry))
                .step(AccessTokenStep.of(
                        TokenPolicy.builder()
                                .issuer(issuer.issuer(), KeySource.fixed(issuer.publicJwks()))
                                .audience("https://api.example")
                                .build(),
                        revocations))
                .build());
        String token = issuer.token().clientId("partner-a").sign();
        tester.send(TestRequest.get("/customers/1").bearer(token)).assertStatus(200);

        revocations.revokeClient(CallerKey.token(issuer.issuer(), "partner-a"), clock.instant());
        tester.send(TestRequest.get("/customers/1").bearer(token)).assertStatus(401);

        assertThat(counter(registry, "apiguard.events", "event", "credential.revoked", "outcome", "refused"))
                .isEqualTo(1);
        assertThat(counter(registry, "apiguard.decisions", "step", "token", "outcome", "deny"))
                .isEqualTo(1);
    }

    private static double counter(SimpleMeterRegistry registry, String name, String... tags) {
        return registry.find(name).tags(tags).counters().stream()
                .mapToDouble(c -> c.count())
                .sum();
    }
}
