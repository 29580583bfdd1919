package dev.apiguard.spring.boot.autoconfigure;

import dev.apiguard.ApiGuard;
import dev.apiguard.inventory.GuardInventory;
import dev.apiguard.token.TokenPolicy;
import java.time.Clock;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/**
 * With Spring Boot Actuator on the classpath: the {@code apiguard} health indicator
 * ({@link ApiGuardHealth}: keys' freshness, Redis under its failure policy), off with
 * {@code management.health.apiguard.enabled=false}, and the {@code apiguard} endpoint
 * ({@link ApiGuardEndpoint}: the inventory report) when the guard keeps an inventory. Without
 * Actuator nothing here loads.
 */
@AutoConfiguration(after = ApiGuardAutoConfiguration.class)
@ConditionalOnClass(
        name = {
            "org.springframework.boot.actuate.endpoint.annotation.Endpoint",
            "org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint"
        })
@ConditionalOnBean(ApiGuard.class)
// the health indicator, registered as the Boot line's own type once ApiGuardHealth is (see the registrar)
@Import(HealthIndicatorRegistrar.class)
public class ApiGuardActuatorAutoConfiguration {

    /** The guard's health: the issuers of the {@link TokenPolicy} bean, the shared state when Redis is configured. */
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = "management.health.apiguard", name = "enabled", matchIfMissing = true)
    public ApiGuardHealth apiGuardHealth(
            ObjectProvider<TokenPolicy> tokens,
            ObjectProvider<ApiGuardHealth.SharedState> shared,
            ObjectProvider<Clock> clock) {
        TokenPolicy policy = tokens.getIfUnique();
        return new ApiGuardHealth(
                policy == null ? Map.of() : policy.issuers(),
                shared.getIfUnique(),
                clock.getIfUnique(Clock::systemUTC));
    }

    /** The inventory endpoint. */
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBean(GuardInventory.class)
    @ConditionalOnAvailableEndpoint(endpoint = ApiGuardEndpoint.class)
    public ApiGuardEndpoint apiGuardEndpoint(GuardInventory inventory) {
        return new ApiGuardEndpoint(inventory);
    }
}
