package dev.apiguard.examples.spring;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A Spring Boot application guarded by api-guard through its starter: the guard is configured in
 * {@code application.yml} alone (tokens, scopes, rate limit, anomaly scoring, inventory, Actuator),
 * and {@link CustomerController} reads the verified caller. No Java configuration.
 *
 * <p>Run it with the issuer's JWKS file and identifiers:
 * {@code java ... SpringBootExampleApplication --apiguard.tokens.issuers[0].uri=https://issuer.example --apiguard.tokens.issuers[0].jwks-file=jwks.json}.
 */
@SpringBootApplication
public class SpringBootExampleApplication {

    /** Starts the application. */
    public static void main(String[] args) {
        SpringApplication.run(SpringBootExampleApplication.class, args);
    }
}
