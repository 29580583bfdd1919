package dev.apiguard.spring.boot.autoconfigure;

import static dev.apiguard.spring.boot.autoconfigure.ApiGuardAutoConfigurationTest.AUDIENCE;
import static dev.apiguard.spring.boot.autoconfigure.ApiGuardAutoConfigurationTest.ISSUER;
import static dev.apiguard.spring.boot.autoconfigure.ApiGuardAutoConfigurationTest.token;
import static dev.apiguard.spring.boot.autoconfigure.ApiGuardAutoConfigurationTest.tokens;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.ApiGuard;
import dev.apiguard.apikey.ApiKeys;
import dev.apiguard.test.GuardTester;
import dev.apiguard.test.TestRequest;
import dev.apiguard.test.fixtures.IssuedCertificate;
import dev.apiguard.test.fixtures.TestCertificates;
import dev.apiguard.token.KeySource;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The Actuator side: the apiguard health indicator and endpoint, with and without Actuator. */
@Timeout(value = 30, unit = TimeUnit.SECONDS) // the suite runs on both Boot lines in CI
class ApiGuardActuatorAutoConfigurationTest {

    @BeforeAll
    static void keys(@TempDir Path dir) throws Exception {
        ApiGuardAutoConfigurationTest.keys(dir);
    }

    final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(
                    AutoConfigurations.of(ApiGuardAutoConfiguration.class, ApiGuardActuatorAutoConfiguration.class));

    @Test
    void withActuatorTheHealthIndicatorIsTheBootLinesOwnType() throws Exception {
        Class<?> type = ActuatorTesting.healthIndicatorType();
        runner.withPropertyValues(tokens()).run(context -> {
            assertThat(context).hasSingleBean(ApiGuardHealth.class);
            assertThat(context.getBeansOfType(type)).containsOnlyKeys(HealthIndicatorRegistrar.BEAN_NAME);
            ActuatorTesting.Health health = ActuatorTesting.health(context.getBean(HealthIndicatorRegistrar.BEAN_NAME));
            assertThat(health.status()).isEqualTo("UP");
            // a JWKS file is read once at the start: nothing to refresh
            assertThat(health.issuer(ISSUER)).containsExactly(Map.entry("keys", "given"));
            assertThat(health.details()).doesNotContainKey("redis");
        });
    }

    @Test
    void withoutActuatorNothingOfItLoadsAndTheGuardStillStands() {
        runner.withPropertyValues(tokens("apiguard.inventory.enabled=true"))
                .withClassLoader(
                        new FilteredClassLoader("org.springframework.boot.actuate", "org.springframework.boot.health"))
                .run(context -> assertThat(context)
                        .hasNotFailed()
                        .hasSingleBean(ApiGuard.class)
                        .doesNotHaveBean(ApiGuardHealth.class)
                        .doesNotHaveBean(ApiGuardEndpoint.class)
                        .doesNotHaveBean(HealthIndicatorRegistrar.BEAN_NAME));
    }

    @Test
    void withoutTheGuardThereIsNoHealthAndNoEndpoint() {
        runner.withPropertyValues(tokens("apiguard.enabled=false", "apiguard.inventory.enabled=true"))
                .run(context -> assertThat(context)
                        .hasNotFailed()
                        .doesNotHaveBean(ApiGuardHealth.class)
                        .doesNotHaveBean(HealthIndicatorRegistrar.BEAN_NAME)
                        .doesNotHaveBean(ApiGuardEndpoint.class));
    }

    @Test
    void theHealthIndicatorCanBeSwitchedOff() {
        runner.withPropertyValues(tokens("management.health.apiguard.enabled=false"))
                .run(context -> assertThat(context)
                        .hasNotFailed()
                        .doesNotHaveBean(ApiGuardHealth.class)
                        .doesNotHaveBean(HealthIndicatorRegistrar.BEAN_NAME));
    }

    @Test
    void keysThatCannotBeFetchedAreDownWithTheFaultsTypeOnly() throws Exception {
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort(); // nobody listens here once closed
        }
        String jwks = "http://127.0.0.1:" + closed + "/jwks?secret=hunter2";
        runner.withPropertyValues(
                        "apiguard.tokens.issuers[0].uri=" + ISSUER,
                        "apiguard.tokens.issuers[0].jwks-uri=" + jwks,
                        "apiguard.tokens.audience=" + AUDIENCE,
                        "apiguard.routes[0].method=GET",
                        "apiguard.routes[0].path=/customers/{id}",
                        "apiguard.routes[0].scopes=customers:read")
                .run(context -> {
                    Object indicator = context.getBean(HealthIndicatorRegistrar.BEAN_NAME);
                    ActuatorTesting.Health before = ActuatorTesting.health(indicator);
                    assertThat(before.status()).isEqualTo("UP");
                    assertThat(before.issuer(ISSUER)).containsEntry("keys", "not_fetched");

                    GuardTester.of(context.getBean(ApiGuard.class))
                            .send(TestRequest.get("/customers/1").bearer(token("customers:read")))
                            .assertStatus(401);
                    ActuatorTesting.Health after = ActuatorTesting.health(indicator);
                    assertThat(after.status()).isEqualTo("DOWN");
                    assertThat(after.issuer(ISSUER))
                            .containsEntry("keys", "unavailable")
                            .containsEntry("failuresSinceRefresh", 1)
                            .containsEntry("lastFault", "java.net.ConnectException")
                            .doesNotContainKey("lastRefresh");
                    assertThat(after.details().toString())
                            .doesNotContain("hunter2")
                            .doesNotContain(jwks);
                });
    }

    @Test
    void theHealthReportsTheAgeOfTheLastRefreshByTheApplicationsClock() {
        Instant now = Instant.parse("2026-03-01T10:00:00Z");
        ApiGuardHealth health = new ApiGuardHealth(
                Map.of(ISSUER, KeySource.fixed(ApiGuardAutoConfigurationTest.issuer.publicJwks())),
                null,
                Clock.fixed(now, ZoneOffset.UTC));
        assertThat(health.check().status()).isEqualTo(ApiGuardHealth.Status.UP);
        assertThat(health.check().details()).containsOnlyKeys("issuers");
        assertThat(new ApiGuardHealth(Map.of(), null, Clock.systemUTC()).check().details())
                .isEmpty();
    }

    @Test
    void redisAwayIsOutOfServiceUnderTheClosedPolicyAndUpUnderTheOpenOne() {
        boolean[] down = {false};
        Clock clock = Clock.systemUTC();
        ApiGuardHealth closed =
                new ApiGuardHealth(Map.of(), new ApiGuardHealth.SharedState(() -> down[0], "closed"), clock);
        ApiGuardHealth open =
                new ApiGuardHealth(Map.of(), new ApiGuardHealth.SharedState(() -> down[0], "open"), clock);
        assertThat(closed.check().status()).isEqualTo(ApiGuardHealth.Status.UP);
        assertThat(closed.check().details())
                .containsEntry("redis", Map.of("available", true, "failurePolicy", "closed"));
        down[0] = true;
        assertThat(closed.check().status()).isEqualTo(ApiGuardHealth.Status.OUT_OF_SERVICE);
        assertThat(open.check().status()).isEqualTo(ApiGuardHealth.Status.UP);
        assertThat(open.check().details()).containsEntry("redis", Map.of("available", false, "failurePolicy", "open"));
    }

    @Test
    void theEndpointNeedsTheInventoryAndItsExposure() {
        runner.withPropertyValues(tokens("management.endpoints.web.exposure.include=apiguard"))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(ApiGuardEndpoint.class));
        runner.withPropertyValues(tokens("apiguard.inventory.enabled=true"))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(ApiGuardEndpoint.class));
        runner.withPropertyValues(
                        tokens("apiguard.inventory.enabled=true", "management.endpoints.web.exposure.include=apiguard"))
                .run(context -> assertThat(context).hasSingleBean(ApiGuardEndpoint.class));
    }

    @Test
    void theEndpointServesTheInventoryAndNoCredentialItSaw(@TempDir Path dir) throws Exception {
        TestCertificates certificates = TestCertificates.create();
        IssuedCertificate certificate = certificates.client("partner-bound");
        String apiKey = ApiKeys.generate();
        Path keys = dir.resolve("api-keys.txt");
        Files.writeString(
                keys,
                ApiKeys.sha256Hex(apiKey) + " legacy-partner customers:read "
                        + Instant.now().plus(Duration.ofDays(30)) + "\n");
        runner.withPropertyValues(tokens(
                        "apiguard.inventory.enabled=true",
                        "apiguard.api-keys.file=" + keys,
                        "management.endpoints.web.exposure.include=apiguard"))
                .run(context -> {
                    GuardTester tester = GuardTester.of(context.getBean(ApiGuard.class));
                    String bearer = token("customers:read");
                    String bound = ApiGuardAutoConfigurationTest.issuer
                            .token()
                            .clientId("partner-bound")
                            .scope("customers:read")
                            .boundToCertificate(certificate.certificate())
                            .sign();
                    tester.send(TestRequest.get("/customers/1").bearer(bearer)).assertStatus(200);
                    tester.send(TestRequest.get("/customers/2").bearer(bound).clientCertificate(certificate))
                            .assertStatus(200);
                    tester.send(TestRequest.get("/customers/3").header("X-API-Key", apiKey))
                            .assertStatus(200);

                    String json = context.getBean(ApiGuardEndpoint.class).inventory();
                    assertThat(json)
                            .startsWith("{")
                            .contains("\"partner-a\"", "\"partner-bound\"", "\"legacy-partner\"");
                    for (String secret : ActuatorTesting.secretsOf(List.of(bearer, bound), apiKey, certificate)) {
                        assertThat(json).doesNotContain(secret);
                    }
                });
    }
}
