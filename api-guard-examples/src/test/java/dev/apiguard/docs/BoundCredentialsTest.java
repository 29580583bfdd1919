package dev.apiguard.docs;

// tag::bound[]
import dev.apiguard.ApiGuard;
import dev.apiguard.binding.CertificateBindingStep;
import dev.apiguard.binding.ClientCertificates;
import dev.apiguard.binding.DpopPolicy;
import dev.apiguard.binding.DpopStep;
import dev.apiguard.scope.RouteAuthorizationStep;
import dev.apiguard.scope.RouteRules;
import dev.apiguard.test.GuardTester;
import dev.apiguard.test.TestRequest;
import dev.apiguard.test.fixtures.DpopKey;
import dev.apiguard.test.fixtures.IssuedCertificate;
import dev.apiguard.test.fixtures.LocalIssuer;
import dev.apiguard.test.fixtures.TestCertificates;
import dev.apiguard.token.AccessTokenStep;
import dev.apiguard.token.KeySource;
import dev.apiguard.token.TokenPolicy;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class BoundCredentialsTest {

    final LocalIssuer issuer = LocalIssuer.ec("https://login.example.com").audience("https://api.example.com");
    final GuardTester tester = GuardTester.of(ApiGuard.builder()
            .step(AccessTokenStep.of(TokenPolicy.builder()
                    .issuer(issuer.issuer(), KeySource.fixed(issuer.publicJwks()))
                    .audience("https://api.example.com")
                    .build()))
            .step(CertificateBindingStep.of(ClientCertificates.tlsOnly()))
            .step(DpopStep.of(DpopPolicy.defaults()))
            .step(RouteAuthorizationStep.of(RouteRules.builder()
                    .route("POST", "/payments")
                    .senderConstrained()
                    .requireScopes("payments:write")
                    .build()))
            .build());

    @Test
    void aCertificateBoundTokenWorksOnlyWithItsCertificate() {
        TestCertificates pki = TestCertificates.create(); // a CA and client certificates, in memory
        IssuedCertificate mine = pki.client("partner-a");
        String token = issuer.token()
                .scope("payments:write")
                .boundToCertificate(mine.certificate())
                .sign();
        tester.send(TestRequest.post("/payments").bearer(token).clientCertificate(mine))
                .assertAllowed();
        tester.send(TestRequest.post("/payments").bearer(token).clientCertificate(pki.client("thief")))
                .assertStatus(401)
                .assertChallenge("Bearer error=\"invalid_token\"");
    }

    @Test
    void aDpopBoundTokenNeedsAFreshProofOfItsKey() {
        DpopKey key = DpopKey.ec();
        String token = issuer.token()
                .scope("payments:write")
                .boundToDpopKey(key.publicJwk())
                .sign();
        String uri = "https://localhost/payments"; // TestRequest's default origin
        tester.send(TestRequest.post("/payments").dpop(token, key.proof("POST", uri, token)))
                .assertAllowed();
        String stale = key.proofFor("POST", uri)
                .accessToken(token)
                .iatOffset(Duration.ofMinutes(-10))
                .sign();
        tester.send(TestRequest.post("/payments").dpop(token, stale)).assertStatus(401);
        tester.send(TestRequest.post("/payments").bearer(token)).assertStatus(401); // a downgrade to Bearer
    }
}
// end::bound[]
