package dev.apiguard.docs;

// tag::limits[]
import dev.apiguard.ApiGuard;
import dev.apiguard.TrustedProxies;
import dev.apiguard.ratelimit.AnonymousRateLimitStep;
import dev.apiguard.ratelimit.BucketStore;
import dev.apiguard.ratelimit.LocalBucketStore;
import dev.apiguard.ratelimit.PlanResolver;
import dev.apiguard.ratelimit.RateLimitPlan;
import dev.apiguard.ratelimit.RateLimitPolicy;
import dev.apiguard.ratelimit.RateLimitStep;
import dev.apiguard.scope.RouteAuthorizationStep;
import dev.apiguard.scope.RouteRules;
import dev.apiguard.token.AccessTokenStep;
import dev.apiguard.token.TokenPolicy;
import java.time.Duration;
import java.util.Map;

public final class RateLimits {

    public static ApiGuard guard(TokenPolicy tokens, RouteRules routes) {
        RateLimitPolicy limits = RateLimitPolicy.builder()
                .plan(RateLimitPlan.of(
                        "gold",
                        RateLimitPlan.Limit.of("burst", 50, Duration.ofSeconds(1)),
                        RateLimitPlan.Limit.of("hourly", 10_000, Duration.ofHours(1))))
                .plan(RateLimitPlan.simple("silver", 10, Duration.ofSeconds(1)))
                .plan(RateLimitPlan.simple("payments", 5, Duration.ofSeconds(1)))
                .defaultPlan("gold")
                .planResolver(PlanResolver.registry(Map.of("partner-b", "silver"))) // by caller id; others: gold
                .routeCost("GET", "/customers", 5) // a page costs 5 units
                .routePlan("POST", "/payments", "payments") // a bucket of its own, per caller
                .anonymousPlan(RateLimitPlan.simple("anonymous", 20, Duration.ofSeconds(1))) // the default
                .anonymousExemptPaths("/health")
                .trustedProxies(TrustedProxies.of("10.0.0.0/8")) // their X-Forwarded-For, read right to left
                .build();
        BucketStore buckets = LocalBucketStore.defaults(); // 100,000 buckets; RedisGuardState.bucketStore() for a fleet
        return ApiGuard.builder()
                .step(AnonymousRateLimitStep.of(limits, buckets)) // admit: per address, before any token parsing
                .step(AccessTokenStep.of(tokens))
                .step(RateLimitStep.builder(limits).store(buckets).build()) // protect: per verified caller
                .step(RouteAuthorizationStep.of(routes))
                .build();
    }
}
// end::limits[]
