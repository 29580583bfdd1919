package dev.apiguard.docs.boot;

// tag::customizer[]
import dev.apiguard.GuardStep;
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.spring.boot.autoconfigure.ApiGuardCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;

@Configuration(proxyBeanMethods = false)
class GuardCustomization {

    // runs after the configured steps are on the builder: add a step of a later phase (or ANY)
    @Bean
    @Order(1)
    ApiGuardCustomizer maintenanceWindow(GuardStep readOnlyWindow) {
        return builder -> builder.step(readOnlyWindow);
    }

    // or change the guard's settings: here, where its security events go
    @Bean
    @Order(2)
    ApiGuardCustomizer events(SecurityEventListener audit) {
        return builder -> builder.listener(audit);
    }
}
// end::customizer[]
