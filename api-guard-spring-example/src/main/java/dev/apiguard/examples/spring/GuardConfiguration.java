package dev.apiguard.examples.spring;

import com.nimbusds.jose.jwk.JWKSet;
import dev.apiguard.ApiGuard;
import dev.apiguard.scope.RouteAuthorizationStep;
import dev.apiguard.scope.RouteRules;
import dev.apiguard.servlet.ApiGuardFilter;
import dev.apiguard.token.AccessTokenStep;
import dev.apiguard.token.KeySource;
import dev.apiguard.token.TokenPolicy;
import jakarta.servlet.DispatcherType;
import java.io.IOException;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/**
 * The guard of the Spring Boot example, configured in application code: verified access tokens of
 * one issuer (keys from the JWKS file {@code api-guard.jwks}, read once at start-up) and the route
 * rules of {@link #routes()}; the filter runs first, for REQUEST dispatch, on every path.
 */
@Configuration(proxyBeanMethods = false)
public class GuardConfiguration {

    /** What each route needs; a route not listed is refused (404 to a caller, 401 to anyone else). */
    public static RouteRules routes() {
        return RouteRules.builder()
                .route("GET", "/health")
                .permitAll()
                .route("GET", "/customers/{serviceTag}")
                .requireScopes("customers:read")
                .build();
    }

    /** The guard: the token, then the route rules. Host-style tests build it with their own keys. */
    public static ApiGuard guard(String issuer, String audience, KeySource keys) {
        return ApiGuard.builder()
                .step(AccessTokenStep.of(TokenPolicy.builder()
                        .issuer(issuer, keys)
                        .audience(audience)
                        .clockSkew(Duration.ofSeconds(60))
                        .maxLifetime(Duration.ofHours(1))
                        .build()))
                .step(RouteAuthorizationStep.of(routes()))
                .build();
    }

    /** The issuer's public keys, from the JWKS file {@code api-guard.jwks}. */
    @Bean
    KeySource apiGuardKeys(@Value("${api-guard.jwks}") Path jwks) throws IOException, ParseException {
        return KeySource.fixed(JWKSet.load(jwks.toFile()));
    }

    @Bean
    ApiGuard apiGuard(
            KeySource keys,
            @Value("${api-guard.issuer}") String issuer,
            @Value("${api-guard.audience}") String audience) {
        return guard(issuer, audience, keys);
    }

    @Bean
    FilterRegistrationBean<ApiGuardFilter> apiGuardFilter(ApiGuard guard) {
        FilterRegistrationBean<ApiGuardFilter> registration = new FilterRegistrationBean<>(new ApiGuardFilter(guard));
        registration.addUrlPatterns("/*");
        registration.setDispatcherTypes(DispatcherType.REQUEST);
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
        return registration;
    }
}
