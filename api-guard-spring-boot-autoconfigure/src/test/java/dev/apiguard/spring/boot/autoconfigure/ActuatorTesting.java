package dev.apiguard.spring.boot.autoconfigure;

import dev.apiguard.test.fixtures.IssuedCertificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Reads a health indicator of either Boot line (4.0: {@code org.springframework.boot.health},
 * 3.5: {@code org.springframework.boot.actuate.health}) without naming its types, so that the
 * same tests compile and run on both.
 */
public final class ActuatorTesting {

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

    /**
     * Each credential, and the parts of one that would be a credential alone: the tokens and their
     * signatures, the API key, the certificate's and its private key's encodings.
     */
    public static List<String> secretsOf(List<String> tokens, String apiKey, IssuedCertificate certificate)
            throws Exception {
        List<String> secrets = new ArrayList<>();
        for (String token : tokens) {
            secrets.add(token);
            secrets.add(token.substring(token.lastIndexOf('.') + 1));
        }
        secrets.add(apiKey);
        secrets.add(Base64.getEncoder()
                .encodeToString(certificate.certificate().getEncoded())
                .substring(0, 64));
        secrets.add(Base64.getEncoder()
                .encodeToString(certificate.privateKey().getEncoded())
                .substring(0, 64));
        secrets.add(certificate.certificatePem().lines().skip(1).findFirst().orElseThrow());
        return secrets;
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
