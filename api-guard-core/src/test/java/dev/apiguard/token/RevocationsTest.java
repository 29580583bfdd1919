package dev.apiguard.token;

import static dev.apiguard.token.TestIssuer.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apiguard.ApiGuard;
import dev.apiguard.Caller;
import dev.apiguard.CallerKey;
import dev.apiguard.CredentialKind;
import dev.apiguard.LocalRevocations;
import dev.apiguard.Revocation;
import dev.apiguard.event.SecurityEvent;
import dev.apiguard.event.SecurityEventType;
import dev.apiguard.fakes.FakeClient;
import dev.apiguard.fakes.FakeRequest;
import dev.apiguard.fakes.FakeResponse;
import dev.apiguard.test.fixtures.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Revocations checked by the token step: client (by iat), token (jti per issuer), certificate; cached tokens too. */
class RevocationsTest {

    private static final TestIssuer ISSUER = TestIssuer.named("https://issuer.example");
    private static final TestIssuer OTHER_ISSUER = TestIssuer.named("https://other.example");
    private static final Duration RETENTION = Duration.ofMinutes(11);

    private final MutableClock clock = MutableClock.at(NOW);
    private final List<SecurityEvent> events = new CopyOnWriteArrayList<>();
    private final LocalRevocations revocations = LocalRevocations.of(RETENTION);
    private final AccessTokenVerifier verifier = AccessTokenVerifier.of(ISSUER.policy()
            .issuer(OTHER_ISSUER.issuer, OTHER_ISSUER.keySource())
            .build());
    private final FakeClient client = FakeClient.of(ApiGuard.builder()
            .clock(clock)
            .listener(events::add)
            .step(AccessTokenStep.of(verifier, revocations))
            .build());

    private FakeResponse send(String token) {
        return client.send(FakeRequest.get().bearer(token));
    }

    private static void assertRefused(FakeResponse response) {
        response.assertStatus(401);
        assertThat(response.headers("WWW-Authenticate")).containsExactly("Bearer error=\"invalid_token\"");
        assertThat(response.caller()).isEmpty();
    }

    private SecurityEvent lastRevokedEvent() {
        return events.stream()
                .filter(e -> e.type() == SecurityEventType.CREDENTIAL_REVOKED)
                .reduce((a, b) -> b)
                .orElseThrow();
    }

    @Test
    void aRevokedClientsTokenIssuedAtTheVeryInstantIsRefusedAndOneIssuedAfterPasses() {
        String before = ISSUER.token().claim("iat", NOW.getEpochSecond()).sign();
        send(before).assertAllowed();
        clock.advance(Duration.ofMillis(400)); // revoked in the same second as the token's iat

        revocations.revokeClient(CallerKey.token(ISSUER.issuer, "client-1"), clock.instant());

        FakeResponse refused = send(before);
        assertRefused(refused);
        refused.assertNoEcho(before);
        SecurityEvent event = lastRevokedEvent();
        assertThat(event.details()).isEqualTo(Map.of("reason", "client"));
        assertThat(event.callerId()).isEqualTo("client-1");
        assertThat(event.toString()).doesNotContain(before);

        clock.advance(Duration.ofMillis(600)); // the next second: a fresh token of the client
        String after = ISSUER.token()
                .claim("iat", clock.instant().getEpochSecond())
                .claim("exp", clock.instant().plusSeconds(300).getEpochSecond())
                .sign();
        send(after).assertAllowed();
    }

    @Test
    void aTokenIssuedAtTheExactInstantOfTheRevocationIsRefused() {
        revocations.revokeClient(CallerKey.token(ISSUER.issuer, "client-1"), NOW);

        assertRefused(send(ISSUER.token().claim("iat", NOW.getEpochSecond()).sign()));
        send(ISSUER.token()
                        .claim("iat", NOW.getEpochSecond() - 10)
                        .claim("client_id", "client-2")
                        .sign())
                .assertAllowed();
    }

    @Test
    void theClientRevocationIsPerIssuer() {
        revocations.revokeClient(CallerKey.token(ISSUER.issuer, "client-1"), NOW);

        send(OTHER_ISSUER.token().claim("iss", OTHER_ISSUER.issuer).sign()).assertAllowed();
    }

    @Test
    void aTokenFromTheVerifiedTokenCacheIsRefusedOnceRevoked() {
        String token = ISSUER.token().sign();
        send(token).assertAllowed();
        assertThat(verifier.cachedTokens()).isEqualTo(1);

        revocations.revokeClient(CallerKey.token(ISSUER.issuer, "client-1"), clock.instant());

        assertRefused(send(token));
        assertThat(verifier.cachedTokens()).as("still cached, still refused").isEqualTo(1);
        assertRefused(send(token));
    }

    @Test
    void aJtiIsRevokedAtItsIssuerOnly() {
        String jti = "jti-42";
        String revoked = ISSUER.token().claim("jti", jti).sign();
        String sameJtiElsewhere = OTHER_ISSUER
                .token()
                .claim("iss", OTHER_ISSUER.issuer)
                .claim("jti", jti)
                .sign();
        String sibling = ISSUER.token().claim("jti", "jti-43").sign();

        revocations.revokeToken(ISSUER.issuer, jti, NOW);

        assertRefused(send(revoked));
        assertThat(lastRevokedEvent().details()).isEqualTo(Map.of("reason", "token"));
        send(sameJtiElsewhere).assertAllowed();
        send(sibling).assertAllowed();
    }

    @Test
    void aTokenBoundToARevokedCertificateIsRefused() {
        String thumbprint = "x4Vq2Gv1o3Xr9N5r0m2b6rE2y1nC0aBcDeFgHiJkLmN";
        String bound =
                ISSUER.token().claim("cnf", Map.of("x5t#S256", thumbprint)).sign();
        String otherCertificate =
                ISSUER.token().claim("cnf", Map.of("x5t#S256", "A".repeat(43))).sign();

        revocations.revokeCertificate(thumbprint, NOW);

        assertRefused(send(bound));
        assertThat(lastRevokedEvent().details()).isEqualTo(Map.of("reason", "certificate"));
        send(otherCertificate).assertAllowed();
    }

    @Test
    void anEntryLapsesItsRetentionAfterTheRevocation() {
        Caller caller = Caller.builder("client-1", CredentialKind.BEARER_JWT)
                .issuer(ISSUER.issuer)
                .issuedAt(NOW.minusSeconds(5))
                .tokenId("j")
                .build();
        revocations.revokeClient(caller.key(), NOW);

        Instant lastMoment = NOW.plus(RETENTION).minusMillis(1);
        assertThat(revocations.revoked(caller, lastMoment)).contains(Revocation.Kind.CLIENT);
        assertThat(revocations.list(lastMoment)).singleElement().satisfies(r -> {
            assertThat(r.kind()).isEqualTo(Revocation.Kind.CLIENT);
            assertThat(r.issuer()).isEqualTo(ISSUER.issuer);
            assertThat(r.id()).isEqualTo("client-1");
            assertThat(r.expiresAt()).isEqualTo(NOW.plus(RETENTION));
        });
        assertThat(revocations.revoked(caller, NOW.plus(RETENTION))).isEmpty();
        assertThat(revocations.list(NOW.plus(RETENTION))).isEmpty();
    }

    @Test
    void aTokenWithoutIatOfARevokedClientIsRefused() {
        Caller noIat = Caller.builder("client-1", CredentialKind.BEARER_JWT)
                .issuer(ISSUER.issuer)
                .build();
        revocations.revokeClient(noIat.key(), NOW);

        assertThat(revocations.revoked(noIat, NOW)).contains(Revocation.Kind.CLIENT);
    }

    @Test
    void theListIsBoundedAndRefusesANewEntryWhenFullRatherThanEvictOne() {
        LocalRevocations small = LocalRevocations.of(RETENTION).withMaximumSize(2);
        small.revokeToken("https://i", "a", NOW);
        small.revokeToken("https://i", "b", NOW);
        small.revokeToken("https://i", "b", NOW.plusSeconds(1)); // the same token again: no new entry

        assertThatThrownBy(() -> small.revokeToken("https://i", "c", NOW.plusSeconds(2)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("maximumSize 2");
        Caller a = Caller.builder("x", CredentialKind.BEARER_JWT)
                .issuer("https://i")
                .tokenId("a")
                .build();
        assertThat(small.revoked(a, NOW.plusSeconds(2))).as("nothing evicted").isPresent();

        small.revokeToken("https://i", "c", NOW.plus(RETENTION)); // a lapsed: room for one
        assertThat(small.list(NOW.plus(RETENTION))).extracting(Revocation::id).containsExactly("b", "c");
    }

    @Test
    void settingsAreCheckedAndNamed() {
        assertThatThrownBy(() -> LocalRevocations.of(Duration.ofDays(3)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("retention");
        assertThatThrownBy(() -> revocations.withMaximumSize(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maximumSize");
        assertThatThrownBy(() -> revocations.revokeClient(CallerKey.apiKey("k"), NOW))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("client");
        assertThatThrownBy(() -> revocations.revokeToken(ISSUER.issuer, " ", NOW))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("jti");
    }
}
