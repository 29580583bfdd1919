package dev.apiguard.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.ApiGuard;
import dev.apiguard.Decision;
import dev.apiguard.GuardExchange;
import dev.apiguard.GuardPhase;
import dev.apiguard.GuardStep;
import dev.apiguard.anomaly.AnomalyMode;
import dev.apiguard.anomaly.AnomalyPolicy;
import dev.apiguard.apikey.ApiKeyStep;
import dev.apiguard.apikey.ApiKeys;
import dev.apiguard.inventory.GuardInventory;
import dev.apiguard.ratelimit.RateLimitPolicy;
import dev.apiguard.scope.RouteRules;
import dev.apiguard.servlet.ApiGuardFilter;
import dev.apiguard.test.GuardTester;
import dev.apiguard.test.TestRequest;
import dev.apiguard.test.TestResponse;
import dev.apiguard.test.fixtures.LocalIssuer;
import dev.apiguard.token.KeySource;
import dev.apiguard.token.TokenPolicy;
import jakarta.servlet.DispatcherType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.security.core.context.SecurityContextHolder;

/** Every condition and property of the auto-configuration, checked on the guard it builds. */
class ApiGuardAutoConfigurationTest {

    static final String ISSUER = "https://issuer.boot.test";
    static final String AUDIENCE = "https://api.boot.test";

    static LocalIssuer issuer;
    static Path jwks;

    @BeforeAll
    static void keys(@TempDir Path dir) throws Exception {
        issuer = LocalIssuer.rsa(ISSUER).audience(AUDIENCE);
        jwks = dir.resolve("jwks.json");
        issuer.writeJwks(jwks);
    }

    final ApplicationContextRunner runner =
            new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(ApiGuardAutoConfiguration.class));

    final WebApplicationContextRunner web = new WebApplicationContextRunner()
            .withConfiguration(
                    AutoConfigurations.of(ApiGuardAutoConfiguration.class, ApiGuardSecurityAutoConfiguration.class));

    static String[] tokens(String... more) {
        List<String> all = new java.util.ArrayList<>(List.of(
                "apiguard.tokens.issuers[0].uri=" + ISSUER,
                "apiguard.tokens.issuers[0].jwks-file=" + jwks,
                "apiguard.tokens.audience=" + AUDIENCE,
                "apiguard.routes[0].method=GET",
                "apiguard.routes[0].path=/customers/{id}",
                "apiguard.routes[0].scopes=customers:read",
                "apiguard.routes[1].method=GET",
                "apiguard.routes[1].path=/health",
                "apiguard.routes[1].permit-all=true",
                "apiguard.routes[2].method=POST",
                "apiguard.routes[2].path=/payments",
                "apiguard.routes[2].scopes=payments:write",
                "apiguard.routes[2].sender-constrained=true"));
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    static List<String> stepNames(ApiGuard guard) {
        return guard.steps().stream().map(GuardStep::name).toList();
    }

    static String token(String... scopes) {
        return issuer.token()
                .clientId("partner-a")
                .scope(String.join(" ", scopes))
                .sign();
    }

    @Test
    void tokensAndRoutesReachTheGuard() {
        runner.withPropertyValues(tokens()).run(context -> {
            TokenPolicy policy = context.getBean(TokenPolicy.class);
            assertThat(policy.issuers()).containsOnlyKeys(ISSUER);
            assertThat(policy.audience()).isEqualTo(AUDIENCE);
            assertThat(policy.maxLifetime()).isEqualTo(Duration.ofHours(1));
            ApiGuard guard = context.getBean(ApiGuard.class);
            assertThat(stepNames(guard)).containsExactly("token", "mtls-binding", "dpop", "scope");
            GuardTester tester = GuardTester.of(guard);
            assertThat(tester.send(TestRequest.get("/customers/42")).status()).isEqualTo(401);
            assertThat(tester.send(TestRequest.get("/customers/42").bearer(token("customers:read")))
                            .status())
                    .isEqualTo(200);
            assertThat(tester.send(TestRequest.get("/customers/42").bearer(token("payments:write")))
                            .status())
                    .isEqualTo(403);
            assertThat(tester.send(TestRequest.get("/health")).status()).isEqualTo(200);
            // a bearer token, not bound to a certificate or a DPoP key, on a sender-constrained route
            assertThat(tester.send(TestRequest.post("/payments").bearer(token("payments:write")))
                            .status())
                    .isNotEqualTo(200);
            // no route: refused
            assertThat(tester.send(TestRequest.get("/admin").bearer(token("customers:read")))
                            .status())
                    .isEqualTo(404);
            assertThat(context).doesNotHaveBean(RateLimitPolicy.class).doesNotHaveBean(GuardInventory.class);
        });
    }

    @Test
    void maxLifetimeAndClockSkewReachTheTokenPolicy() {
        runner.withPropertyValues(tokens("apiguard.tokens.max-lifetime=10m", "apiguard.tokens.clock-skew=5s"))
                .run(context -> {
                    TokenPolicy policy = context.getBean(TokenPolicy.class);
                    assertThat(policy.maxLifetime()).isEqualTo(Duration.ofMinutes(10));
                    assertThat(policy.clockSkew()).isEqualTo(Duration.ofSeconds(5));
                    GuardTester tester = GuardTester.of(context.getBean(ApiGuard.class));
                    String longLived = issuer.token()
                            .clientId("partner-a")
                            .scope("customers:read")
                            .lifetime(Duration.ofMinutes(30))
                            .sign();
                    assertThat(tester.send(TestRequest.get("/customers/1").bearer(longLived))
                                    .status())
                            .isEqualTo(401);
                });
    }

    @Test
    void routesWithoutTokensGuardOpenRoutesOnly() {
        runner.withPropertyValues(
                        "apiguard.routes[0].method=GET",
                        "apiguard.routes[0].path=/health",
                        "apiguard.routes[0].permit-all=true")
                .run(context -> {
                    assertThat(context).doesNotHaveBean(TokenPolicy.class);
                    ApiGuard guard = context.getBean(ApiGuard.class);
                    assertThat(stepNames(guard)).containsExactly("scope");
                    GuardTester tester = GuardTester.of(guard);
                    assertThat(tester.send(TestRequest.get("/health")).status()).isEqualTo(200);
                    assertThat(tester.send(TestRequest.get("/anything")).status())
                            .isEqualTo(401);
                });
    }

    @Test
    void withoutRoutesTheStartFailsNamingThem() {
        runner.withPropertyValues("apiguard.tokens.audience=" + AUDIENCE).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().isInstanceOf(ApiGuardConfigurationException.class);
        });
        runner.run(context -> assertThat(context)
                .getFailure()
                .rootCause()
                .isInstanceOfSatisfying(
                        ApiGuardConfigurationException.class,
                        e -> assertThat(e.property()).isEqualTo("apiguard.routes")));
    }

    @Test
    void rateLimitPlanAndRouteCostsReachTheGuard() {
        runner.withPropertyValues(tokens(
                        "apiguard.rate-limit.enabled=true",
                        "apiguard.rate-limit.requests=3",
                        "apiguard.rate-limit.period=1m",
                        "apiguard.rate-limit.route-costs[0].method=GET",
                        "apiguard.rate-limit.route-costs[0].path=/customers/{id}",
                        "apiguard.rate-limit.route-costs[0].cost=2"))
                .run(context -> {
                    RateLimitPolicy policy = context.getBean(RateLimitPolicy.class);
                    assertThat(policy.defaultPlan().limits()).singleElement().satisfies(l -> {
                        assertThat(l.quota()).isEqualTo(3);
                        assertThat(l.window()).isEqualTo(Duration.ofMinutes(1));
                    });
                    assertThat(policy.cost("GET", "/customers/{id}")).isEqualTo(2);
                    ApiGuard guard = context.getBean(ApiGuard.class);
                    assertThat(stepNames(guard)).containsExactly("token", "mtls-binding", "dpop", "ratelimit", "scope");
                    GuardTester tester = GuardTester.of(guard);
                    String token = token("customers:read");
                    assertThat(tester.send(TestRequest.get("/customers/1").bearer(token))
                                    .status())
                            .isEqualTo(200);
                    // 2 of 3 spent: the next costs 2 more
                    assertThat(tester.send(TestRequest.get("/customers/1").bearer(token))
                                    .status())
                            .isEqualTo(429);
                });
    }

    @Test
    void anomalyModeAndThresholdsReachTheGuard() {
        runner.withPropertyValues(tokens(
                        "apiguard.anomaly.mode=observe",
                        "apiguard.anomaly.observe-threshold=3",
                        "apiguard.anomaly.throttle-threshold=6",
                        "apiguard.anomaly.quarantine-threshold=9"))
                .run(context -> {
                    AnomalyPolicy policy = context.getBean(AnomalyPolicy.class);
                    assertThat(policy.mode()).isEqualTo(AnomalyMode.OBSERVE);
                    assertThat(policy.thresholds()).isEqualTo(new AnomalyPolicy.Thresholds(3, 6, 9));
                    assertThat(stepNames(context.getBean(ApiGuard.class))).contains("anomaly");
                });
        runner.withPropertyValues(tokens()).run(context -> {
            assertThat(context.getBean(AnomalyPolicy.class).mode()).isEqualTo(AnomalyMode.OFF);
            assertThat(stepNames(context.getBean(ApiGuard.class))).doesNotContain("anomaly");
        });
    }

    @Test
    void inventoryIsKeptWhenEnabled() {
        runner.withPropertyValues(tokens("apiguard.inventory.enabled=true")).run(context -> {
            ApiGuard guard = context.getBean(ApiGuard.class);
            assertThat(stepNames(guard)).endsWith("inventory");
            GuardInventory inventory = context.getBean(GuardInventory.class);
            GuardTester.of(guard).send(TestRequest.get("/customers/1").bearer(token("customers:read")));
            assertThat(inventory.callers()).hasSize(1);
        });
    }

    @Test
    void apiKeysAreReadFromTheFile(@TempDir Path dir) throws Exception {
        String key = ApiKeys.generate();
        Path file = dir.resolve("api-keys.txt");
        Files.writeString(
                file,
                ApiKeys.sha256Hex(key) + " legacy-partner customers:read "
                        + Instant.now().plus(Duration.ofDays(30)) + "\n");
        runner.withPropertyValues(tokens(
                        "apiguard.api-keys.file=" + file,
                        "apiguard.api-keys.sunset=2031-01-01T00:00:00Z",
                        "apiguard.api-keys.migration-link=https://docs.boot.test/tokens"))
                .run(context -> {
                    ApiGuard guard = context.getBean(ApiGuard.class);
                    assertThat(stepNames(guard)).containsExactly("token", "apikey", "mtls-binding", "dpop", "scope");
                    GuardTester tester = GuardTester.of(guard);
                    TestResponse served =
                            tester.send(TestRequest.get("/customers/1").header("X-API-Key", key));
                    assertThat(served.status()).isEqualTo(200);
                    assertThat(served.header("Sunset"))
                            .isEqualTo(ApiKeyStep.sunsetValue(Instant.parse("2031-01-01T00:00:00Z")));
                    assertThat(served.headers("Link"))
                            .anySatisfy(l -> assertThat(l).contains("https://docs.boot.test/tokens"));
                    assertThat(tester.send(TestRequest.get("/customers/1").header("X-API-Key", ApiKeys.generate()))
                                    .status())
                            .isEqualTo(401);
                });
    }

    @Configuration(proxyBeanMethods = false)
    static class HostPolicies {
        static final RouteRules RULES =
                RouteRules.builder().route("GET", "/mine").permitAll().build();

        @Bean
        RouteRules hostRules() {
            return RULES;
        }

        @Bean
        TokenPolicy hostTokens() {
            return TokenPolicy.builder()
                    .issuer("https://host.issuer", KeySource.fixed(issuer.publicJwks()))
                    .audience("https://host.api")
                    .build();
        }
    }

    @Test
    void hostPoliciesWin() {
        runner.withUserConfiguration(HostPolicies.class)
                .withPropertyValues(tokens())
                .run(context -> {
                    assertThat(context).hasSingleBean(RouteRules.class).hasSingleBean(TokenPolicy.class);
                    assertThat(context.getBean(RouteRules.class)).isSameAs(HostPolicies.RULES);
                    assertThat(context.getBean(TokenPolicy.class).audience()).isEqualTo("https://host.api");
                    GuardTester tester = GuardTester.of(context.getBean(ApiGuard.class));
                    assertThat(tester.send(TestRequest.get("/mine")).status()).isEqualTo(200);
                    // the configured routes are not the guard's: the host's rules are
                    assertThat(tester.send(TestRequest.get("/health")).status()).isEqualTo(401);
                });
    }

    @Test
    void hostGuardWinsAndNoCustomizerRuns() {
        ApiGuard own = ApiGuard.builder().step(new Named("own")).build();
        runner.withBean(ApiGuard.class, () -> own)
                .withBean(ApiGuardCustomizer.class, () -> b -> {
                    throw new AssertionError("a customizer of a guard the host built");
                })
                .run(context -> assertThat(context.getBean(ApiGuard.class)).isSameAs(own));
    }

    @Configuration(proxyBeanMethods = false)
    static class Customizers {
        @Bean
        @Order(2)
        ApiGuardCustomizer second() {
            return b -> b.step(new Named("second"));
        }

        @Bean
        @Order(1)
        ApiGuardCustomizer first() {
            return b -> b.step(new Named("first"));
        }
    }

    @Test
    void customizersRunInOrderAfterTheConfiguredSteps() {
        runner.withUserConfiguration(Customizers.class)
                .withPropertyValues(tokens())
                .run(context -> assertThat(stepNames(context.getBean(ApiGuard.class)))
                        .containsExactly("token", "mtls-binding", "dpop", "scope", "first", "second"));
    }

    @Test
    void disabledBuildsNothing() {
        web.withPropertyValues(tokens("apiguard.enabled=false"))
                .run(context -> assertThat(context)
                        .hasNotFailed()
                        .doesNotHaveBean(ApiGuard.class)
                        .doesNotHaveBean(TokenPolicy.class)
                        .doesNotHaveBean(FilterRegistrationBean.class));
    }

    @Test
    void filterIsRegisteredForEveryDispatchBeforeSpringSecurity() {
        web.withPropertyValues(tokens()).run(context -> {
            FilterRegistrationBean<?> guard =
                    context.getBean(ApiGuardAutoConfiguration.FILTER_BEAN_NAME, FilterRegistrationBean.class);
            assertThat(guard.getFilter()).isInstanceOf(ApiGuardFilter.class);
            assertThat(guard.getOrder()).isEqualTo(ApiGuardAutoConfiguration.FILTER_ORDER);
            // Spring Security's filter chain is registered at -100 (spring.security.filter.order)
            assertThat(ApiGuardAutoConfiguration.FILTER_ORDER).isLessThan(-100);
            assertThat(guard.getUrlPatterns()).containsExactly("/*");
            assertThat(dispatcherTypes(guard)).isEqualTo(Set.of(DispatcherType.values()));
            FilterRegistrationBean<?> security =
                    context.getBean(ApiGuardSecurityAutoConfiguration.FILTER_BEAN_NAME, FilterRegistrationBean.class);
            assertThat(security.getFilter()).isInstanceOf(CallerSecurityContextFilter.class);
            assertThat(security.getOrder()).isEqualTo(ApiGuardAutoConfiguration.FILTER_ORDER + 1);
        });
    }

    static Set<DispatcherType> dispatcherTypes(FilterRegistrationBean<?> registration) {
        return Set.copyOf(registration.determineDispatcherTypes());
    }

    @Test
    void withoutSpringSecurityOnlyTheGuardFilterIsRegistered() {
        web.withClassLoader(new FilteredClassLoader(SecurityContextHolder.class))
                .withPropertyValues(tokens())
                .run(context -> {
                    assertThat(context).hasNotFailed().hasBean(ApiGuardAutoConfiguration.FILTER_BEAN_NAME);
                    assertThat(context).doesNotHaveBean(ApiGuardSecurityAutoConfiguration.FILTER_BEAN_NAME);
                });
    }

    @Test
    void hostFilterRegistrationWins() {
        FilterRegistrationBean<ApiGuardFilter> own = new FilterRegistrationBean<>();
        web.withPropertyValues(tokens())
                .withBean(ApiGuardAutoConfiguration.FILTER_BEAN_NAME, FilterRegistrationBean.class, () -> own)
                .run(context -> assertThat(context.getBean(ApiGuardAutoConfiguration.FILTER_BEAN_NAME))
                        .isSameAs(own));
    }

    @Test
    void outsideAWebApplicationNoFilterIsRegistered() {
        runner.withPropertyValues(tokens())
                .run(context -> assertThat(context)
                        .hasSingleBean(ApiGuard.class)
                        .doesNotHaveBean(FilterRegistrationBean.class));
    }

    /** A host's step of no particular phase. */
    record Named(String name) implements GuardStep {
        @Override
        public GuardPhase phase() {
            return GuardPhase.ANY;
        }

        @Override
        public Decision evaluate(GuardExchange exchange) {
            return Decision.ALLOW;
        }
    }
}
