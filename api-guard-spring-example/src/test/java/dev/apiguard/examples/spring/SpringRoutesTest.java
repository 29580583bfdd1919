package dev.apiguard.examples.spring;

import dev.apiguard.test.GuardTester;
import dev.apiguard.test.TestRequest;
import dev.apiguard.test.fixtures.LocalIssuer;
import dev.apiguard.token.KeySource;
import org.junit.jupiter.api.Test;

/**
 * The Spring Boot example's guard tested the host's way: the same {@link GuardConfiguration#guard}
 * with the test kit's keys, no container, no Spring context.
 */
class SpringRoutesTest {

    final LocalIssuer issuer = LocalIssuer.rsa("https://issuer.example").audience("https://api.example");
    final GuardTester tester = GuardTester.of(GuardConfiguration.guard(
            "https://issuer.example", "https://api.example", KeySource.fixed(issuer.publicJwks())));

    @Test
    void readerReadsACustomer() {
        String token =
                issuer.token().clientId("partner-a").scope("customers:read").sign();
        tester.send(TestRequest.get("/customers/ABC1234").bearer(token))
                .assertAllowed()
                .assertCaller("partner-a");
    }

    @Test
    void tokenWithoutTheScopeIsForbidden() {
        String token =
                issuer.token().clientId("partner-a").scope("payments:write").sign();
        tester.send(TestRequest.get("/customers/ABC1234").bearer(token))
                .assertStatus(403)
                .assertChallenge("Bearer error=\"insufficient_scope\", scope=\"customers:read\"")
                .assertNoEcho(token);
    }

    @Test
    void noTokenIsChallengedAndHealthIsOpen() {
        tester.send(TestRequest.get("/customers/ABC1234")).assertStatus(401).assertChallenge("Bearer");
        tester.send(TestRequest.get("/health")).assertAllowed();
    }

    @Test
    void routesNotListedAreRefused() {
        String token =
                issuer.token().clientId("partner-a").scope("customers:read").sign();
        tester.send(TestRequest.get("/customers").bearer(token)).assertStatus(404);
        tester.send(TestRequest.post("/customers/ABC1234").bearer(token)).assertStatus(405);
        tester.send(TestRequest.get("/admin")).assertStatus(401);
    }
}
