package dev.apiguard.docs.spring;

// tag::beans[]
import dev.apiguard.ApiGuard;
import dev.apiguard.scope.RouteAuthorizationStep;
import dev.apiguard.scope.RouteRules;
import dev.apiguard.servlet.ApiGuardFilter;
import dev.apiguard.token.AccessTokenStep;
import dev.apiguard.token.KeySource;
import dev.apiguard.token.TokenPolicy;
import jakarta.servlet.DispatcherType;
import java.net.URI;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

@Configuration(proxyBeanMethods = false)
public class GuardBeans {

    @Bean
    KeySource issuerKeys() {
        return KeySource.jwksUrl(URI.create("https://login.example.com/jwks"));
    }

    @Bean
    ApiGuard apiGuard(KeySource issuerKeys) {
        return ApiGuard.builder()
                .step(AccessTokenStep.of(TokenPolicy.builder()
                        .issuer("https://login.example.com", issuerKeys)
                        .audience("https://api.example.com")
                        .build()))
                .step(RouteAuthorizationStep.of(RouteRules.builder()
                        .route("GET", "/customers/{serviceTag}")
                        .requireScopes("customers:read")
                        .build()))
                .build();
    }

    /** The guard's filter: first in the chain, REQUEST dispatch, every path. */
    @Bean
    FilterRegistrationBean<ApiGuardFilter> apiGuardFilter(ApiGuard apiGuard) {
        FilterRegistrationBean<ApiGuardFilter> registration =
                new FilterRegistrationBean<>(new ApiGuardFilter(apiGuard));
        registration.addUrlPatterns("/*");
        registration.setDispatcherTypes(DispatcherType.REQUEST);
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
        return registration;
    }
}
// end::beans[]
