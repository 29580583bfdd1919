package dev.apiguard.spring.boot.autoconfigure;

import java.util.Map;

/**
 * Reads a health indicator of either Boot line (4.0: {@code org.springframework.boot.health},
 * 3.5: {@code org.springframework.boot.actuate.health}) without naming its types, so that the
 * same tests compile and run on both.
 */
final class ActuatorTesting {

    private ActuatorTesting() {}

    /** The indicator's health: its status code and details. */
    static Health health(Object indicator) throws ReflectiveOperationException {
        Object health = indicator.getClass().getMethod("health").invoke(indicator);
        Object status = health.getClass().getMethod("getStatus").invoke(health);
        @SuppressWarnings("unchecked")
        Map<String, Object> details =
                (Map<String, Object>) health.getClass().getMethod("getDetails").invoke(health);
        return new Health((String) status.getClass().getMethod("getCode").invoke(status), details);
    }

    /** The Boot line's {@code HealthIndicator} interface. */
    static Class<?> healthIndicatorType() throws ClassNotFoundException {
        try {
            return Class.forName(HealthIndicatorRegistrar.BOOT_4 + ".HealthIndicator");
        } catch (ClassNotFoundException e) {
            return Class.forName(HealthIndicatorRegistrar.BOOT_3 + ".HealthIndicator");
        }
    }

    record Health(String status, Map<String, Object> details) {
        @SuppressWarnings("unchecked")
        Map<String, Object> issuer(String issuer) {
            return (Map<String, Object>) ((Map<String, Object>) details.get("issuers")).get(issuer);
        }
    }
}
