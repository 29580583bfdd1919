package dev.apiguard.docs.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.ApiGuard;
import dev.apiguard.servlet.ApiGuardFilter;
import dev.apiguard.test.GuardTester;
import dev.apiguard.test.TestRequest;
import dev.apiguard.test.fixtures.LocalIssuer;
import dev.apiguard.token.KeySource;
import jakarta.servlet.DispatcherType;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.core.Ordered;

/** The Spring beans of docs/containers.md, called as Spring would call them. */
class GuardBeansTest {

    final GuardBeans beans = new GuardBeans();

    @Test
    void theGuardBeanGuardsTheRoutes() {
        LocalIssuer issuer = LocalIssuer.ec("https://login.example.com").audience("https://api.example.com");
        GuardTester tester = GuardTester.of(beans.apiGuard(KeySource.fixed(issuer.publicJwks())));
        tester.send(TestRequest.get("/customers/ABC1234")
                        .bearer(issuer.token()
                                .clientId("partner-a")
                                .scope("customers:read")
                                .sign()))
                .assertAllowed()
                .assertCaller("partner-a");
        tester.send(TestRequest.get("/customers/ABC1234")).assertStatus(401);
    }

    @Test
    void theFilterRunsFirstOnEveryRequest() {
        ApiGuard guard = beans.apiGuard(beans.issuerKeys()); // the JWKS URL is fetched on first use only
        FilterRegistrationBean<ApiGuardFilter> registration = beans.apiGuardFilter(guard);
        assertThat(registration.getFilter().guard()).isSameAs(guard);
        assertThat(registration.getUrlPatterns()).containsExactly("/*");
        assertThat(registration.getOrder()).isEqualTo(Ordered.HIGHEST_PRECEDENCE);
        assertThat(registration.determineDispatcherTypes()).isEqualTo(EnumSet.of(DispatcherType.REQUEST));
    }
}
