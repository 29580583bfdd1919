package dev.apiguard.docs;

// tag::test[]
import dev.apiguard.test.GuardTester;
import dev.apiguard.test.TestRequest;
import dev.apiguard.test.fixtures.LocalIssuer;
import dev.apiguard.token.KeySource;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The quick start's guard, tested as it ships: no container, no network, no mocks. */
class GuardConfigurationTest {

    final LocalIssuer issuer = LocalIssuer.rsa("https://login.example.com").audience("https://api.example.com");
    final GuardTester tester = GuardTester.of(QuickStart.guard(KeySource.fixed(issuer.publicJwks())));

    @Test
    void aReaderReadsCustomersButCannotPay() {
        String token =
                issuer.token().clientId("partner-a").scope("customers:read").sign();
        tester.send(TestRequest.get("/customers/ABC1234").bearer(token))
                .assertAllowed()
                .assertCaller("partner-a");
        tester.send(TestRequest.post("/payments").bearer(token))
                .assertStatus(403)
                .assertChallenge("Bearer error=\"insufficient_scope\", scope=\"payments:write\"")
                .assertNoEcho(token);
    }

    @Test
    void whatIsNotAllowedIsRefused() {
        tester.send(TestRequest.get("/health")).assertAllowed();
        tester.send(TestRequest.get("/customers/ABC1234")).assertStatus(401).assertChallenge("Bearer");
        String token = issuer.token().scope("customers:read").sign();
        tester.send(TestRequest.get("/admin").bearer(token)).assertStatus(404); // not in the route table
        String longLived = issuer.token().lifetime(Duration.ofHours(2)).sign(); // over the 15-minute maximum
        tester.send(TestRequest.get("/customers/ABC1234").bearer(longLived))
                .assertStatus(401)
                .assertChallenge("Bearer error=\"invalid_token\"");
    }
}
// end::test[]
