package dev.apiguard.docs;

// tag::loop[]
import dev.apiguard.ApiGuard;
import dev.apiguard.CallerKey;
import dev.apiguard.QuarantineStore;
import dev.apiguard.anomaly.AnomalyMode;
import dev.apiguard.anomaly.AnomalyPolicy;
import dev.apiguard.anomaly.AnomalyScoringStep;
import dev.apiguard.ratelimit.RateLimitPolicy;
import dev.apiguard.ratelimit.RateLimitStep;
import dev.apiguard.scope.RouteAuthorizationStep;
import dev.apiguard.scope.RouteRules;
import dev.apiguard.token.AccessTokenStep;
import dev.apiguard.token.TokenPolicy;
import java.time.Duration;

public final class AnomalyScoring {

    public static ApiGuard guard(TokenPolicy tokens, RouteRules routes, QuarantineStore quarantine) {
        RateLimitStep rateLimit = RateLimitStep.of(RateLimitPolicy.defaults());
        AnomalyPolicy policy = AnomalyPolicy.builder()
                .mode(AnomalyMode.ENFORCE) // the default; run OBSERVE first: the same events, nobody stopped
                .thresholds(5, 10, 20) // observe, throttle, quarantine: the defaults
                .quarantineTtl(Duration.ofMinutes(15)) // doubled for each repeat, up to maxQuarantineTtl (24 h)
                .allowCallers(CallerKey.token("https://login.example.com", "nightly-export")) // a known bulk caller
                .optOutRoutes("/exports/{id}") // not scored (a quarantined caller is refused there too)
                .build();
        AnomalyScoringStep anomaly = AnomalyScoringStep.builder(policy)
                .quarantineStore(quarantine) // LocalQuarantineStore.defaults(), or Redis for a fleet
                .throttleControl(rateLimit.adjustments()) // a throttled caller's plan × 0.5
                .build();
        return ApiGuard.builder()
                .step(AccessTokenStep.of(tokens))
                .step(anomaly) // protect: refuses quarantined callers, scores every answer
                .step(rateLimit)
                .step(RouteAuthorizationStep.of(routes))
                .build();
    }
}
// end::loop[]
