package dev.apiguard.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.Revocations;
import dev.apiguard.test.GuardTester;
import dev.apiguard.test.TestRequest;
import dev.apiguard.test.fixtures.LocalIssuer;
import dev.apiguard.test.fixtures.MutableClock;
import dev.apiguard.token.KeySource;
import dev.apiguard.token.TokenPolicy;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** docs/revocations.md: the guard of the snippet refuses a revoked partner and lets the others through. */
class RevokingTest {

    @Test
    void aRevokedPartnerIsRefusedAndTheOthersPass() {
        LocalIssuer login = LocalIssuer.rsa("https://login.example.com").audience("https://api.example.com");
        TokenPolicy policy = TokenPolicy.builder()
                .issuer(login.issuer(), KeySource.fixed(login.publicJwks()))
                .audience("https://api.example.com")
                .build();
        MutableClock clock = MutableClock.at(Instant.now());
        Revocations revocations = Revoking.local(policy);
        GuardTester tester = GuardTester.of(Revoking.guard(policy, revocations, clock));
        String partnerA =
                login.token().clientId("partner-a").scope("customers:read").sign();
        String partnerB =
                login.token().clientId("partner-b").scope("customers:read").sign();
        tester.send(TestRequest.get("/customers").bearer(partnerA)).assertStatus(200);

        clock.advance(Duration.ofSeconds(1)); // the tokens were signed by the real clock, within this second
        Revoking.revokePartner(revocations, clock);

        tester.send(TestRequest.get("/customers").bearer(partnerA)).assertStatus(401);
        tester.send(TestRequest.get("/customers").bearer(partnerB)).assertStatus(200);
        assertThat(revocations.retention()).isEqualTo(policy.maxLifetime().plus(policy.clockSkew()));
        clock.advance(Revoking.retention(policy));
        assertThat(revocations.list(clock.instant())).as("lapsed").isEmpty();
        assertThat(Revoking.adminServlet(revocations, clock)).isNotNull();
    }
}
