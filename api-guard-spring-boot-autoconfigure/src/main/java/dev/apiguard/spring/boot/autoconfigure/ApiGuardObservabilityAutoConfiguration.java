package dev.apiguard.spring.boot.autoconfigure;

import dev.apiguard.GuardObserver;
import dev.apiguard.micrometer.GuardObservationConvention;
import dev.apiguard.micrometer.MicrometerSecurityEventListener;
import dev.apiguard.micrometer.ObservationGuardObserver;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * With api-guard-micrometer on the classpath: the guard's security events counted in the
 * application's {@link MeterRegistry} ({@link MicrometerSecurityEventListener}, beside the
 * application's own listeners or the SLF4J one), and each guard decision observed through the
 * application's {@link ObservationRegistry} ({@link ObservationGuardObserver}: a timer
 * {@code apiguard.decision} and, with Micrometer Tracing, a span). Runs after Boot's metrics and
 * observation auto-configuration (Boot 4.0 and 3.5 names), so that their registries are seen.
 */
@AutoConfiguration(
        afterName = {
            // Spring Boot 4.0
            "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
            "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration",
            "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration",
            // Spring Boot 3.5
            "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration",
            "org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration",
            "org.springframework.boot.actuate.autoconfigure.observation.ObservationAutoConfiguration"
        })
@ConditionalOnClass(name = "dev.apiguard.micrometer.ObservationGuardObserver")
@ConditionalOnProperty(prefix = "apiguard", name = "enabled", havingValue = "true", matchIfMissing = true)
public class ApiGuardObservabilityAutoConfiguration {

    /** Security events counted in the application's meter registry. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MeterRegistry.class)
    @ConditionalOnBean(MeterRegistry.class)
    static class Metrics {

        @Bean
        @ConditionalOnMissingBean
        MicrometerSecurityEventListener apiGuardMetricsListener(MeterRegistry registry) {
            return MicrometerSecurityEventListener.of(registry);
        }
    }

    /** Each guard decision observed through the application's observation registry. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(ObservationRegistry.class)
    @ConditionalOnBean(ObservationRegistry.class)
    static class Observations {

        @Bean
        @ConditionalOnMissingBean
        GuardObserver apiGuardObserver(
                ObservationRegistry registry, ObjectProvider<GuardObservationConvention> convention) {
            GuardObservationConvention custom = convention.getIfUnique();
            return custom == null
                    ? ObservationGuardObserver.of(registry)
                    : ObservationGuardObserver.of(registry, custom);
        }
    }
}
