package dev.apiguard.examples;

import dev.apiguard.ApiGuard;
import dev.apiguard.binding.CertificateBindingStep;
import dev.apiguard.binding.ClientCertificates;
import dev.apiguard.binding.DpopPolicy;
import dev.apiguard.binding.DpopStep;
import dev.apiguard.scope.RouteAuthorizationStep;
import dev.apiguard.test.GuardTester;
import dev.apiguard.test.TestRequest;
import dev.apiguard.test.fixtures.DpopKey;
import dev.apiguard.test.fixtures.IssuedCertificate;
import dev.apiguard.test.fixtures.LocalIssuer;
import dev.apiguard.test.fixtures.MutableClock;
import dev.apiguard.test.fixtures.TestCertificates;
import dev.apiguard.token.AccessTokenStep;
import dev.apiguard.token.KeySource;
import dev.apiguard.token.TokenPolicy;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * How a host application unit-tests its guard configuration with the test kit: no container, no
 * network, a clock it controls (docs/testing.md shows the same with the quick start's guard).
 */
class DemoRoutesTest {

    final MutableClock clock = MutableClock.at(Instant.parse("2026-01-01T00:00:00Z"));
    final LocalIssuer issuer = LocalIssuer.rsa("https://issuer.example")
            .audience("https://api.example")
            .clock(clock);
    final ApiGuard guard = ApiGuard.builder()
            .clock(clock)
            .step(AccessTokenStep.of(TokenPolicy.builder()
                    .issuer(issuer.issuer(), KeySource.fixed(issuer.publicJwks()))
                    .audience("https://api.example")
                    .maxLifetime(Duration.ofHours(1))
                    .build()))
            .step(CertificateBindingStep.of(ClientCertificates.tlsOnly()))
            .step(DpopStep.of(DpopPolicy.defaults()))
            .step(RouteAuthorizationStep.of(DemoServer.routes()))
            .build();
    final GuardTester tester = GuardTester.of(guard);

    @Test
    void readerMayReadCustomersButNotPay() {
        String token =
                issuer.token().clientId("partner-a").scope("customers:read").sign();
        tester.send(TestRequest.get("/customers/ABC1234").bearer(token))
                .assertAllowed()
                .assertCaller("partner-a");
        // POST /payments needs a sender-constrained token: a plain bearer token is refused outright
        tester.send(TestRequest.post("/payments").bearer(token))
                .assertStatus(401)
                .assertChallenge("Bearer error=\"invalid_token\"")
                .assertNoEcho(token);
        IssuedCertificate certificate = TestCertificates.create(clock).client("partner-a");
        String bound = issuer.token()
                .clientId("partner-a")
                .scope("customers:read")
                .boundToCertificate(certificate.certificate())
                .sign();
        tester.send(TestRequest.post("/payments").bearer(bound).clientCertificate(certificate))
                .assertStatus(403)
                .assertChallenge("Bearer error=\"insufficient_scope\", scope=\"payments:write\"")
                .assertNoEcho(bound);
    }

    @Test
    void payerPaysOnlyWithTheCertificateItsTokenIsBoundTo() {
        TestCertificates pki = TestCertificates.create(clock);
        IssuedCertificate mine = pki.client("partner-a");
        String token = issuer.token()
                .clientId("partner-a")
                .scope("payments:write")
                .boundToCertificate(mine.certificate())
                .sign();
        tester.send(TestRequest.post("/payments").bearer(token).clientCertificate(mine))
                .assertAllowed();
        tester.send(TestRequest.post("/payments").bearer(token).clientCertificate(pki.client("partner-b")))
                .assertStatus(401)
                .assertChallenge("Bearer error=\"invalid_token\"");
        tester.send(TestRequest.post("/payments").bearer(token))
                .assertStatus(401)
                .assertChallenge("Bearer error=\"invalid_token\"");
    }

    @Test
    void paymentNeedsADpopBoundTokenWithItsProofAndTheScope() {
        DpopKey key = DpopKey.ec().clock(clock);
        String payer = issuer.token()
                .clientId("partner-a")
                .scope("payments:write")
                .boundToDpopKey(key.publicJwk())
                .sign();
        tester.send(TestRequest.post("/payments").dpop(payer, key.proof("POST", "https://localhost/payments", payer)))
                .assertAllowed()
                .assertCaller("partner-a");
        String reader = issuer.token()
                .clientId("partner-a")
                .scope("customers:read")
                .boundToDpopKey(key.publicJwk())
                .sign();
        tester.send(TestRequest.post("/payments").dpop(reader, key.proof("POST", "https://localhost/payments", reader)))
                .assertStatus(403)
                .assertChallenge("Bearer error=\"insufficient_scope\", scope=\"payments:write\"");
    }

    @Test
    void tokenStopsWorkingWhenItExpires() {
        String token = issuer.token()
                .scope("customers:read")
                .lifetime(Duration.ofMinutes(5))
                .sign();
        tester.send(TestRequest.get("/customers").bearer(token)).assertAllowed();
        clock.advance(Duration.ofMinutes(5).plusSeconds(61)); // past exp and the 60 s skew
        tester.send(TestRequest.get("/customers").bearer(token))
                .assertStatus(401)
                .assertChallenge("Bearer error=\"invalid_token\"");
    }

    @Test
    void healthIsPublicAndEverythingUnmappedIsDenied() {
        tester.send(TestRequest.get("/health")).assertAllowed();
        tester.send(TestRequest.get("/metrics"))
                .assertStatus(401)
                .assertChallenge("Bearer", "DPoP algs=\"ES256 PS256 RS256 EdDSA\"");
        String token = issuer.token().scope("customers:read").sign();
        tester.send(TestRequest.get("/metrics").bearer(token)).assertStatus(404);
    }
}
