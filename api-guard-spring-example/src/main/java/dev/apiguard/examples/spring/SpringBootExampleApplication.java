package dev.apiguard.examples.spring;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A Spring Boot application guarded by api-guard: {@link GuardConfiguration} builds the
 * {@link dev.apiguard.ApiGuard} in application code and registers its
 * {@link dev.apiguard.servlet.ApiGuardFilter} with a {@code FilterRegistrationBean};
 * {@link CustomerController} reads the verified caller from {@code request.getUserPrincipal()}.
 *
 * <p>Run it with the issuer's JWKS file:
 * {@code java ... SpringBootExampleApplication --api-guard.jwks=jwks.json --api-guard.issuer=https://issuer.example --api-guard.audience=https://api.example}.
 */
@SpringBootApplication
public class SpringBootExampleApplication {

    /** Starts the application. */
    public static void main(String[] args) {
        SpringApplication.run(SpringBootExampleApplication.class, args);
    }
}
