package dev.apiguard.spring.boot.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Reports an {@link ApiGuardConfigurationException} at start-up: the property, what is wrong, what to do. */
public class ApiGuardFailureAnalyzer extends AbstractFailureAnalyzer<ApiGuardConfigurationException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, ApiGuardConfigurationException cause) {
        String description = "api-guard cannot be configured: property '" + cause.property() + "': " + cause.reason();
        String action = "Correct '" + cause.property() + "' in the application's configuration (see the apiguard.*"
                + " properties in docs/spring-boot.md), define the bean it configures yourself, or set"
                + " apiguard.enabled=false.";
        return new FailureAnalysis(description, action, cause);
    }
}
