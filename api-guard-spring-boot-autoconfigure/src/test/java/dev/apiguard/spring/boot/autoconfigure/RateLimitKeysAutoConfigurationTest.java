package dev.apiguard.spring.boot.autoconfigure;

import static dev.apiguard.spring.boot.autoconfigure.ApiGuardAutoConfigurationTest.issuer;
import static dev.apiguard.spring.boot.autoconfigure.ApiGuardAutoConfigurationTest.tokens;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.ApiGuard;
import dev.apiguard.ratelimit.KeyedLimit;
import dev.apiguard.ratelimit.RateLimitKey;
import dev.apiguard.ratelimit.RateLimitKeys;
import dev.apiguard.ratelimit.RateLimitPolicy;
import dev.apiguard.test.GuardTester;
import dev.apiguard.test.TestRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The keyed rate-limit properties: route caps, limits per caller and route, a header or claim key. */
class RateLimitKeysAutoConfigurationTest {

    @BeforeAll
    static void keys(@TempDir Path dir) throws Exception {
        ApiGuardAutoConfigurationTest.keys(dir);
    }

    final ApplicationContextRunner runner =
            new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(ApiGuardAutoConfiguration.class));

    private static String[] limits(String... more) {
        List<String> all = new ArrayList<>(List.of(tokens(
                "apiguard.rate-limit.enabled=true",
                "apiguard.rate-limit.requests=100",
                "apiguard.rate-limit.period=1m")));
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    private static String token(String clientId, String tenant) {
        var b = issuer.token().clientId(clientId).scope("customers:read");
        return (tenant == null ? b : b.claim("tenant", tenant)).sign();
    }

    private static int status(GuardTester guard, String path, String token) {
        return guard.send(TestRequest.get(path).bearer(token)).status();
    }

    @Test
    void aRouteCapIsSharedByEveryCaller() {
        runner.withPropertyValues(limits(
                        "apiguard.rate-limit.route-caps[0].method=GET",
                        "apiguard.rate-limit.route-caps[0].path=/customers/{id}",
                        "apiguard.rate-limit.route-caps[0].requests=2",
                        "apiguard.rate-limit.route-caps[0].period=1m"))
                .run(context -> {
                    RateLimitPolicy policy = context.getBean(RateLimitPolicy.class);
                    assertThat(policy.limits()).singleElement().satisfies(l -> {
                        assertThat(l.name()).isEqualTo("route-cap-0");
                        assertThat(l.key()).isSameAs(RateLimitKeys.route());
                        assertThat(l.route()).isEqualTo("GET /customers/{id}");
                        assertThat(l.plan().limits().get(0).quota()).isEqualTo(2);
                        assertThat(l.plan().limits().get(0).window()).isEqualTo(Duration.ofMinutes(1));
                    });
                    GuardTester guard = GuardTester.of(context.getBean(ApiGuard.class));
                    assertThat(status(guard, "/customers/1", token("a", null))).isEqualTo(200);
                    assertThat(status(guard, "/customers/2", token("b", null))).isEqualTo(200);
                    assertThat(status(guard, "/customers/3", token("c", null))).isEqualTo(429);
                });
    }

    @Test
    void aRouteCapWithoutAPathCapsEveryRouteApart() {
        runner.withPropertyValues(limits("apiguard.rate-limit.route-caps[0].requests=5"))
                .run(context -> {
                    KeyedLimit limit =
                            context.getBean(RateLimitPolicy.class).limits().get(0);
                    assertThat(limit.route()).isNull();
                    assertThat(limit.plan().limits().get(0).window()).isEqualTo(Duration.ofSeconds(1));
                });
    }

    @Test
    void aCallerRouteLimitCountsEachCallerApart() {
        runner.withPropertyValues(limits(
                        "apiguard.rate-limit.caller-route-limits[0].method=GET",
                        "apiguard.rate-limit.caller-route-limits[0].path=/customers/{id}",
                        "apiguard.rate-limit.caller-route-limits[0].requests=1",
                        "apiguard.rate-limit.caller-route-limits[0].period=1m"))
                .run(context -> {
                    KeyedLimit limit =
                            context.getBean(RateLimitPolicy.class).limits().get(0);
                    assertThat(limit.name()).isEqualTo("caller-route-0");
                    assertThat(limit.key()).isSameAs(RateLimitKeys.callerAndRoute());
                    GuardTester guard = GuardTester.of(context.getBean(ApiGuard.class));
                    String a = token("a", null);
                    assertThat(status(guard, "/customers/1", a)).isEqualTo(200);
                    assertThat(status(guard, "/customers/2", a)).isEqualTo(429);
                    assertThat(status(guard, "/customers/1", token("b", null))).isEqualTo(200);
                });
    }

    @Test
    void aClaimKeyCountsEachTenant() {
        runner.withPropertyValues(limits(
                        "apiguard.rate-limit.key.claim=tenant",
                        "apiguard.rate-limit.key.requests=2",
                        "apiguard.rate-limit.key.period=1m",
                        "apiguard.rate-limit.key.max-keys-per-caller=4"))
                .run(context -> {
                    KeyedLimit limit =
                            context.getBean(RateLimitPolicy.class).limits().get(0);
                    assertThat(limit.name()).isEqualTo("key");
                    assertThat(limit.key()).hasToString("claim(tenant)");
                    assertThat(limit.maxKeysPerCaller()).isEqualTo(4);
                    GuardTester guard = GuardTester.of(context.getBean(ApiGuard.class));
                    assertThat(status(guard, "/customers/1", token("a", "acme")))
                            .isEqualTo(200);
                    assertThat(status(guard, "/customers/1", token("b", "acme")))
                            .isEqualTo(200);
                    assertThat(status(guard, "/customers/1", token("c", "acme")))
                            .isEqualTo(429);
                    assertThat(status(guard, "/customers/1", token("c", "globex")))
                            .isEqualTo(200);
                });
    }

    @Test
    void aHeaderKeyCountsEachValue() {
        runner.withPropertyValues(
                        limits("apiguard.rate-limit.key.header=X-Tenant", "apiguard.rate-limit.key.requests=1"))
                .run(context -> {
                    assertThat(context.getBean(RateLimitKey.class)).hasToString("header(x-tenant)");
                    GuardTester guard = GuardTester.of(context.getBean(ApiGuard.class));
                    String a = token("a", null);
                    assertThat(guard.send(TestRequest.get("/customers/1")
                                            .bearer(a)
                                            .header("X-Tenant", "one"))
                                    .status())
                            .isEqualTo(200);
                    assertThat(guard.send(TestRequest.get("/customers/1")
                                            .bearer(token("b", null))
                                            .header("X-Tenant", "one"))
                                    .status())
                            .isEqualTo(429);
                });
    }

    @Test
    void noKeyPropertyNoKeyBeanNoKeyedLimit() {
        runner.withPropertyValues(limits()).run(context -> {
            assertThat(context).doesNotHaveBean(RateLimitKey.class);
            assertThat(context.getBean(RateLimitPolicy.class).limits()).isEmpty();
        });
    }

    @Configuration(proxyBeanMethods = false)
    static class HostKey {
        @Bean
        RateLimitKey partnerRegion() {
            return (exchange, caller) -> caller.id().startsWith("eu-") ? "eu" : null;
        }
    }

    @Test
    void theApplicationsKeyBeanWinsOverTheHeaderOrClaim() {
        runner.withUserConfiguration(HostKey.class)
                .withPropertyValues(
                        limits("apiguard.rate-limit.key.claim=tenant", "apiguard.rate-limit.key.requests=1"))
                .run(context -> {
                    assertThat(context).hasSingleBean(RateLimitKey.class);
                    assertThat(context.getBean(RateLimitKey.class)).isSameAs(context.getBean("partnerRegion"));
                    GuardTester guard = GuardTester.of(context.getBean(ApiGuard.class));
                    assertThat(status(guard, "/customers/1", token("eu-a", "acme")))
                            .isEqualTo(200);
                    assertThat(status(guard, "/customers/1", token("eu-b", "globex")))
                            .isEqualTo(429);
                    assertThat(status(guard, "/customers/1", token("us-a", "acme")))
                            .isEqualTo(200);
                });
    }

    @Test
    void theApplicationsKeyBeanAloneAddsTheKeyedLimitAtTheKeyQuota() {
        runner.withUserConfiguration(HostKey.class)
                .withPropertyValues(limits())
                .run(context -> assertThat(
                                context.getBean(RateLimitPolicy.class).limits())
                        .singleElement()
                        .satisfies(l ->
                                assertThat(l.plan().limits().get(0).quota()).isEqualTo(50)));
    }

    FailureAnalysis analysisOf(String... properties) {
        FailureAnalysis[] analysis = new FailureAnalysis[1];
        runner.withPropertyValues(limits(properties)).run(context -> {
            assertThat(context).hasFailed();
            analysis[0] = new ApiGuardFailureAnalyzer().analyze(context.getStartupFailure());
        });
        assertThat(analysis[0]).as("an analysis").isNotNull();
        return analysis[0];
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "apiguard.rate-limit.route-caps[0].requests|0|apiguard.rate-limit.route-caps[0].requests",
                "apiguard.rate-limit.route-caps[0].period|500ms|apiguard.rate-limit.route-caps[0].period",
                "apiguard.rate-limit.caller-route-limits[0].requests|-1|apiguard.rate-limit.caller-route-limits[0].requests",
                "apiguard.rate-limit.key.requests|2000000000|apiguard.rate-limit.key.requests",
                "apiguard.rate-limit.key.max-keys-per-caller|0|apiguard.rate-limit.key.max-keys-per-caller",
                "apiguard.rate-limit.key.header|X Tenant|apiguard.rate-limit.key.header",
            })
    void aBadValueNamesItsProperty(String property, String value, String named) {
        List<String> props = new ArrayList<>();
        props.add(property + "=" + value);
        if (property.contains("[0]") && !property.endsWith(".requests")) {
            props.add(property.substring(0, property.lastIndexOf('.')) + ".requests=5");
        }
        if (property.startsWith("apiguard.rate-limit.key.") && !property.endsWith(".header")) {
            props.add("apiguard.rate-limit.key.claim=tenant");
        }
        FailureAnalysis analysis = analysisOf(props.toArray(String[]::new));
        assertThat(analysis.getDescription()).contains("'" + named + "'");
    }

    @Test
    void aPathWithoutAMethodAndAMethodWithoutAPathAreRefused() {
        assertThat(analysisOf(
                                "apiguard.rate-limit.route-caps[0].path=/customers/{id}",
                                "apiguard.rate-limit.route-caps[0].requests=5")
                        .getDescription())
                .contains("'apiguard.rate-limit.route-caps[0].method'")
                .contains("is needed with a path");
        assertThat(analysisOf(
                                "apiguard.rate-limit.caller-route-limits[0].method=GET",
                                "apiguard.rate-limit.caller-route-limits[0].requests=5")
                        .getDescription())
                .contains("'apiguard.rate-limit.caller-route-limits[0].path'");
        assertThat(analysisOf(
                                "apiguard.rate-limit.route-caps[0].method=GET",
                                "apiguard.rate-limit.route-caps[0].path=customers",
                                "apiguard.rate-limit.route-caps[0].requests=5")
                        .getDescription())
                .contains("'apiguard.rate-limit.route-caps[0].path'")
                .contains("must start with /");
    }

    @Test
    void aHeaderAndAClaimTogetherAreRefused() {
        assertThat(analysisOf("apiguard.rate-limit.key.header=X-Tenant", "apiguard.rate-limit.key.claim=tenant")
                        .getDescription())
                .contains("'apiguard.rate-limit.key'")
                .contains("set one of them");
    }
}
