package dev.apiguard.examples.spring;

import dev.apiguard.ApiGuard;
import dev.apiguard.spring.boot.autoconfigure.ApiGuardAutoConfiguration;
import dev.apiguard.test.GuardTester;
import dev.apiguard.test.TestRequest;
import dev.apiguard.test.fixtures.LocalIssuer;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.ConfigDataApplicationContextInitializer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The example's guard tested the host's way: the guard its application.yml configures, built by
 * the starter with the test kit's keys, and sent requests without a container.
 */
class SpringRoutesTest {

    static final LocalIssuer issuer = LocalIssuer.rsa("https://issuer.example").audience("https://api.example");
    static Path jwks;

    @BeforeAll
    static void keys(@TempDir Path dir) throws Exception {
        jwks = dir.resolve("jwks.json");
        issuer.writeJwks(jwks);
    }

    static void withGuard(Consumer<GuardTester> test) {
        new ApplicationContextRunner()
                .withInitializer(new ConfigDataApplicationContextInitializer()) // application.yml
                .withConfiguration(AutoConfigurations.of(ApiGuardAutoConfiguration.class))
                .withPropertyValues(
                        "apiguard.tokens.issuers[0].uri=https://issuer.example",
                        "apiguard.tokens.issuers[0].jwks-file=" + jwks)
                .run(context -> test.accept(GuardTester.of(context.getBean(ApiGuard.class))));
    }

    static String token(String clientId, String scope) {
        return issuer.token().clientId(clientId).scope(scope).sign();
    }

    @Test
    void readerReadsACustomer() {
        withGuard(tester -> tester.send(
                        TestRequest.get("/customers/ABC1234").bearer(token("partner-a", "customers:read")))
                .assertAllowed()
                .assertCaller("partner-a"));
    }

    @Test
    void tokenWithoutTheScopeIsForbidden() {
        String token = token("partner-a", "payments:write");
        withGuard(tester -> tester.send(TestRequest.get("/customers/ABC1234").bearer(token))
                .assertStatus(403)
                .assertChallenge("Bearer error=\"insufficient_scope\", scope=\"customers:read\"")
                .assertNoEcho(token));
    }

    @Test
    void noTokenIsChallengedAndHealthIsOpen() {
        withGuard(tester -> {
            tester.send(TestRequest.get("/customers/ABC1234")).assertStatus(401);
            tester.send(TestRequest.get("/health")).assertAllowed();
            tester.send(TestRequest.get("/actuator/health")).assertAllowed();
        });
    }

    @Test
    void routesNotListedAreRefused() {
        String token = token("partner-a", "customers:read");
        withGuard(tester -> {
            tester.send(TestRequest.get("/customers").bearer(token)).assertStatus(404);
            tester.send(TestRequest.post("/customers/ABC1234").bearer(token)).assertStatus(405);
            tester.send(TestRequest.get("/admin")).assertStatus(401);
            tester.send(TestRequest.get("/actuator/env")).assertStatus(401);
        });
    }

    @Test
    void eachCallerHasTwentyRequestsAMinute() {
        String token = token("busy-partner", "customers:read");
        withGuard(tester -> {
            for (int i = 0; i < 20; i++) {
                tester.send(TestRequest.get("/customers/ABC1234").bearer(token)).assertAllowed();
            }
            tester.send(TestRequest.get("/customers/ABC1234").bearer(token)).assertStatus(429);
        });
    }
}
