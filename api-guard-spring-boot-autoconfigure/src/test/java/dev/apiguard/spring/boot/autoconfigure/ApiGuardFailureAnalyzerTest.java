package dev.apiguard.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.io.support.SpringFactoriesLoader;

/** A misconfigured guard stops the start with a report naming the property and what to do. */
class ApiGuardFailureAnalyzerTest {

    final ApplicationContextRunner runner =
            new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(ApiGuardAutoConfiguration.class));

    FailureAnalysis analysisOf(String... properties) {
        FailureAnalysis[] analysis = new FailureAnalysis[1];
        runner.withPropertyValues(
                        "apiguard.routes[0].method=GET",
                        "apiguard.routes[0].path=/health",
                        "apiguard.routes[0].permit-all=true")
                .withPropertyValues(properties)
                .run(context -> {
                    assertThat(context).hasFailed();
                    analysis[0] = new ApiGuardFailureAnalyzer().analyze(context.getStartupFailure());
                });
        assertThat(analysis[0]).as("an analysis").isNotNull();
        return analysis[0];
    }

    @Test
    void anAudienceWithoutIssuers() {
        FailureAnalysis analysis = analysisOf("apiguard.tokens.audience=https://api.test");
        assertThat(analysis.getDescription())
                .contains("'apiguard.tokens.issuers'")
                .contains("at least one issuer");
        assertThat(analysis.getAction()).contains("apiguard.tokens.issuers").contains("apiguard.enabled=false");
    }

    @Test
    void anIssuerWithBothKeySources(@TempDir Path dir) {
        FailureAnalysis analysis = analysisOf(
                "apiguard.tokens.audience=https://api.test",
                "apiguard.tokens.issuers[0].uri=https://issuer.test",
                "apiguard.tokens.issuers[0].jwks-uri=https://issuer.test/jwks",
                "apiguard.tokens.issuers[0].jwks-file=" + dir.resolve("jwks.json"));
        assertThat(analysis.getDescription())
                .contains("'apiguard.tokens.issuers[0]'")
                .contains("one of jwks-uri and jwks-file");
    }

    @Test
    void aTooLongMaxLifetime() {
        FailureAnalysis analysis = analysisOf(
                "apiguard.tokens.audience=https://api.test",
                "apiguard.tokens.max-lifetime=-1s",
                "apiguard.tokens.issuers[0].uri=https://issuer.test",
                "apiguard.tokens.issuers[0].jwks-uri=https://issuer.test/jwks");
        assertThat(analysis.getDescription()).contains("'apiguard.tokens.max-lifetime'");
    }

    @Test
    void aRouteWithoutScopes() {
        FailureAnalysis analysis = analysisOf("apiguard.routes[0].permit-all=false");
        assertThat(analysis.getDescription())
                .contains("'apiguard.routes[0].scopes'")
                .contains("scopes or permit-all");
    }

    @Test
    void aRouteWithABadTemplate() {
        FailureAnalysis analysis = analysisOf(
                "apiguard.routes[0].path=customers",
                "apiguard.routes[0].permit-all=false",
                "apiguard.routes[0].scopes=customers:read");
        assertThat(analysis.getDescription()).contains("'apiguard.routes[0].path'");
    }

    @Test
    void aRateLimitOfNoRequests() {
        FailureAnalysis analysis = analysisOf("apiguard.rate-limit.enabled=true", "apiguard.rate-limit.requests=0");
        assertThat(analysis.getDescription()).contains("'apiguard.rate-limit.requests'");
    }

    @Test
    void thresholdsOutOfOrder() {
        FailureAnalysis analysis = analysisOf("apiguard.anomaly.mode=enforce", "apiguard.anomaly.throttle-threshold=1");
        assertThat(analysis.getDescription()).contains("'apiguard.anomaly.observe-threshold'");
    }

    @Test
    void aMissingApiKeyFile(@TempDir Path dir) {
        FailureAnalysis analysis = analysisOf("apiguard.api-keys.file=" + dir.resolve("missing.txt"));
        assertThat(analysis.getDescription())
                .contains("'apiguard.api-keys.file'")
                .contains("missing.txt");
    }

    @Test
    void theAnalyzerIsRegisteredWithSpringBoot() {
        // Boot's own analyzers need constructor arguments: those are skipped, ours needs none
        assertThat(SpringFactoriesLoader.forDefaultResourceLocation(getClass().getClassLoader())
                        .load(
                                FailureAnalyzer.class,
                                null,
                                SpringFactoriesLoader.FailureHandler.handleMessage((message, failure) -> {})))
                .anySatisfy(a -> assertThat(a).isInstanceOf(ApiGuardFailureAnalyzer.class));
    }
}
