package dev.apiguard.docs.boot;

// tag::code[]
import dev.apiguard.anomaly.AnomalyMode;
import dev.apiguard.anomaly.AnomalyPolicy;
import dev.apiguard.ratelimit.RateLimitPlan;
import dev.apiguard.ratelimit.RateLimitPolicy;
import dev.apiguard.scope.RouteRules;
import dev.apiguard.token.KeySource;
import dev.apiguard.token.TokenPolicy;
import java.net.URI;
import java.time.Duration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

// the same guard as the YAML, in code: the starter composes these beans into the guard, registers
// its filter, its health and its observations, exactly as it does for the properties
@Configuration(proxyBeanMethods = false)
class GuardPolicies {

    @Bean
    TokenPolicy tokens() {
        return TokenPolicy.builder()
                .issuer("https://issuer.example", KeySource.jwksUrl(URI.create("https://issuer.example/jwks.json")))
                .audience("https://api.example")
                .build();
    }

    @Bean
    RouteRules routes() {
        return RouteRules.builder()
                .route("GET", "/customers/{id}")
                .requireScopes("customers:read")
                .route("POST", "/payments")
                .senderConstrained()
                .requireScopes("payments:write")
                .route("GET", "/actuator/health")
                .permitAll()
                .build();
    }

    @Bean
    RateLimitPolicy rateLimits() {
        return RateLimitPolicy.builder()
                .plan(RateLimitPlan.simple("default", 50, Duration.ofSeconds(1)))
                .defaultPlan("default")
                .build();
    }

    @Bean
    AnomalyPolicy anomalies() {
        return AnomalyPolicy.builder().mode(AnomalyMode.ENFORCE).build();
    }
}
// end::code[]
