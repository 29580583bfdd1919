package dev.apiguard.docs;

// tag::keys[]
import dev.apiguard.ratelimit.KeyedLimit;
import dev.apiguard.ratelimit.RateLimitKey;
import dev.apiguard.ratelimit.RateLimitKeys;
import dev.apiguard.ratelimit.RateLimitPlan;
import dev.apiguard.ratelimit.RateLimitPolicy;
import java.time.Duration;

public final class RateLimitKeysExample {

    public static RateLimitPolicy limits() {
        // the host's own key: one bucket for all callers of the EU region, none for the others
        RateLimitKey region = (exchange, caller) -> caller.id().startsWith("eu-") ? "eu" : null;
        return RateLimitPolicy.builder()
                .plan(RateLimitPlan.simple("partner", 50, Duration.ofSeconds(1))) // each caller
                .limit(KeyedLimit.of( // each caller on each route
                        "per-route",
                        RateLimitKeys.callerAndRoute(),
                        RateLimitPlan.simple("per-route", 20, Duration.ofSeconds(1))))
                .limit(KeyedLimit.of( // each tenant, all its callers together (a verified claim)
                        "tenant",
                        RateLimitKeys.claim("tenant"),
                        RateLimitPlan.simple("tenant", 60, Duration.ofSeconds(1))))
                .limit(KeyedLimit.builder( // each value of a header, within a tenant
                                "tenant-project",
                                RateLimitKeys.compound(
                                        RateLimitKeys.claim("tenant"), RateLimitKeys.header("X-Project")),
                                RateLimitPlan.simple("tenant-project", 10, Duration.ofSeconds(1)))
                        .maxKeysPerCaller(8) // a caller spraying project names gets 8 buckets, then one
                        .build())
                .limit(KeyedLimit.of("eu", region, RateLimitPlan.simple("eu", 500, Duration.ofSeconds(1))))
                .limit(KeyedLimit.builder(
                                "lookup-cap", // every caller together: a service-wide cap, added last (see below)
                                RateLimitKeys.route(),
                                RateLimitPlan.simple("lookup-cap", 100, Duration.ofSeconds(1)))
                        .route("GET", "/customers/{serviceTag}")
                        .build())
                .emitHeadersOnAllowed(true) // RateLimit fields of the most restrictive bucket
                .build();
    }
}
// end::keys[]
