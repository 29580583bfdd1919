package dev.apiguard.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.ApiGuard;
import dev.apiguard.GuardStep;
import dev.apiguard.anomaly.AnomalyMode;
import dev.apiguard.anomaly.AnomalyPolicy;
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.ratelimit.RateLimitPolicy;
import dev.apiguard.test.GuardTester;
import dev.apiguard.test.TestRequest;
import dev.apiguard.token.TokenPolicy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.ByteArrayResource;

/** The YAML of docs/spring-boot.md binds, and each of its settings reaches the guard. */
class DocumentedConfigurationTest {

    static final Path DOC = Path.of("..", "docs", "spring-boot.md");

    static String documentedYaml() throws Exception {
        Matcher m = Pattern.compile("```yaml\\n(.*?)```", Pattern.DOTALL)
                .matcher(Files.readString(DOC, StandardCharsets.UTF_8));
        assertThat(m.find()).as("a yaml block in " + DOC).isTrue();
        return m.group(1);
    }

    @Test
    void theDocumentedYamlConfiguresTheGuard() throws Exception {
        List<PropertySource<?>> yaml = new YamlPropertySourceLoader()
                .load("docs", new ByteArrayResource(documentedYaml().getBytes(StandardCharsets.UTF_8)));
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(ApiGuardAutoConfiguration.class))
                .withInitializer(c -> yaml.forEach(c.getEnvironment().getPropertySources()::addFirst))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    TokenPolicy tokens = context.getBean(TokenPolicy.class);
                    assertThat(tokens.issuers()).containsOnlyKeys("https://issuer.example");
                    assertThat(tokens.audience()).isEqualTo("https://api.example");
                    assertThat(tokens.maxLifetime()).isEqualTo(Duration.ofHours(1));
                    RateLimitPolicy limits = context.getBean(RateLimitPolicy.class);
                    assertThat(limits.cost("GET", "/customers/{id}/export")).isEqualTo(10);
                    assertThat(limits.defaultPlan().limits().get(0).quota()).isEqualTo(50);
                    assertThat(limits.limits())
                            .extracting(l -> l.name() + " " + l.route() + " " + l.key())
                            .containsExactly("route-cap-0 GET /customers/{id}/export route", "key null claim(tenant)");
                    assertThat(context.getBean(AnomalyPolicy.class).mode()).isEqualTo(AnomalyMode.OBSERVE);
                    ApiGuard guard = context.getBean(ApiGuard.class);
                    assertThat(guard.steps().stream().map(GuardStep::name))
                            .containsExactly("token", "mtls-binding", "dpop", "anomaly", "ratelimit", "scope");
                    GuardTester tester = GuardTester.of(guard);
                    assertThat(tester.send(TestRequest.get("/health")).status()).isEqualTo(200);
                    assertThat(tester.send(TestRequest.get("/customers/1")).status())
                            .isEqualTo(401);
                    assertThat(tester.send(TestRequest.post("/payments")).status())
                            .isEqualTo(401);
                });
    }

    static final Path README = Path.of("..", "README.md");

    static ApplicationContextRunner withActuator() {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(
                        ApiGuardAutoConfiguration.class, ApiGuardActuatorAutoConfiguration.class));
    }

    /** The README's Spring Boot section, up to the next section. */
    static String readmeSection() throws Exception {
        String readme = Files.readString(README, StandardCharsets.UTF_8);
        int start = readme.indexOf("## Spring Boot\n");
        assertThat(start).as("a Spring Boot section in " + README).isNotNegative();
        int end = readme.indexOf("\n## ", start + 1);
        return readme.substring(start, end < 0 ? readme.length() : end + 1);
    }

    @Test
    void theReadmesYamlAloneGivesTokensScopesRateLimitsAnomalyScoringAndTheInventoryInUnder40Lines() throws Exception {
        String section = readmeSection();
        assertThat(section.lines().count()).isLessThan(40);
        Matcher m = Pattern.compile("```yaml\\n(.*?)```", Pattern.DOTALL).matcher(section);
        assertThat(m.find()).isTrue();
        List<PropertySource<?>> yaml = new YamlPropertySourceLoader()
                .load("readme", new ByteArrayResource(m.group(1).getBytes(StandardCharsets.UTF_8)));
        withActuator()
                .withInitializer(c -> yaml.forEach(c.getEnvironment().getPropertySources()::addFirst))
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(ApiGuardEndpoint.class);
                    ApiGuard guard = context.getBean(ApiGuard.class);
                    assertThat(guard.steps().stream().map(GuardStep::name))
                            .containsExactly(
                                    "token", "mtls-binding", "dpop", "anomaly", "ratelimit", "scope", "inventory");
                    assertThat(context.getBean(AnomalyPolicy.class).mode()).isEqualTo(AnomalyMode.ENFORCE);
                    GuardTester tester = GuardTester.of(guard);
                    assertThat(tester.send(TestRequest.get("/actuator/health")).status())
                            .isEqualTo(200);
                    assertThat(tester.send(TestRequest.get("/customers/1")).status())
                            .isEqualTo(401);
                });
    }

    @Test
    void theCodeConfiguredVariantBuildsTheSameGuardWithoutProperties() {
        withActuator()
                .withUserConfiguration(dev.apiguard.docs.boot.StarterCustomizerAccess.codeConfigured())
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(ApiGuardHealth.class);
                    ApiGuard guard = context.getBean(ApiGuard.class);
                    assertThat(guard.steps().stream().map(GuardStep::name))
                            .containsExactly("token", "mtls-binding", "dpop", "anomaly", "ratelimit", "scope");
                    assertThat(context.getBean(ApiGuardHealth.class).check().details())
                            .containsKey("issuers");
                    GuardTester tester = GuardTester.of(guard);
                    assertThat(tester.send(TestRequest.get("/actuator/health")).status())
                            .isEqualTo(200);
                    assertThat(tester.send(TestRequest.post("/payments")).status())
                            .isEqualTo(401);
                });
    }

    @Test
    void theIdeMetadataNamesEveryProperty() throws Exception {
        // generated by spring-boot-configuration-processor into the jar
        try (var in = getClass().getClassLoader().getResourceAsStream("META-INF/spring-configuration-metadata.json")) {
            assertThat(in).as("META-INF/spring-configuration-metadata.json").isNotNull();
            String metadata = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertThat(metadata)
                    .contains(
                            "\"apiguard.enabled\"",
                            "\"apiguard.tokens.issuers\"",
                            "\"apiguard.tokens.audience\"",
                            "\"apiguard.tokens.max-lifetime\"",
                            "\"apiguard.routes\"",
                            "\"apiguard.rate-limit.requests\"",
                            "\"apiguard.rate-limit.route-costs\"",
                            "\"apiguard.rate-limit.route-caps\"",
                            "\"apiguard.rate-limit.caller-route-limits\"",
                            "\"apiguard.rate-limit.key.header\"",
                            "\"apiguard.rate-limit.key.claim\"",
                            "\"apiguard.rate-limit.key.requests\"",
                            "\"apiguard.rate-limit.key.period\"",
                            "\"apiguard.rate-limit.key.max-keys-per-caller\"",
                            "\"apiguard.anomaly.mode\"",
                            "\"apiguard.anomaly.quarantine-threshold\"",
                            "\"apiguard.inventory.enabled\"",
                            "\"apiguard.api-keys.file\"",
                            "\"apiguard.api-keys.sunset\"",
                            "\"apiguard.redis.uri\"",
                            "\"apiguard.redis.cluster\"",
                            "\"apiguard.redis.failure-policy\"",
                            "\"apiguard.redis.bucket-leases.requests\"",
                            "\"apiguard.redis.bucket-leases.validity\"",
                            "\"apiguard.redis.bucket-batches\"",
                            "\"apiguard.redis.evidence-linger\"");
        }
    }

    @Test
    void theDocumentedCustomizersAddTheStepAndTheListener() {
        GuardStep window = new ApiGuardAutoConfigurationTest.Named("read-only-window");
        SecurityEventListener audit = event -> {};
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(ApiGuardAutoConfiguration.class))
                .withUserConfiguration(dev.apiguard.docs.boot.StarterCustomizerAccess.configuration())
                .withBean(GuardStep.class, () -> window)
                .withBean(SecurityEventListener.class, () -> audit)
                .withPropertyValues(
                        "apiguard.routes[0].method=GET",
                        "apiguard.routes[0].path=/health",
                        "apiguard.routes[0].permit-all=true")
                .run(context -> assertThat(context.getBean(ApiGuard.class).steps())
                        .last()
                        .isSameAs(window));
    }
}
