package dev.apiguard.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apiguard.Caller;
import dev.apiguard.CallerKey;
import dev.apiguard.CredentialKind;
import dev.apiguard.Revocation;
import dev.apiguard.Revocations;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** What every {@link Revocations} does, local or shared: run by a local and a Redis subclass. */
abstract class RevocationsContract {

    static final Duration RETENTION = Duration.ofMinutes(61);
    static final Instant NOW = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    static final String ISSUER = "https://issuer.test";

    /** A fresh, empty list with this retention holding at most {@code maximumSize} entries. */
    protected abstract Revocations create(int maximumSize);

    static Caller token(String issuer, String clientId, Instant iat, String jti, String x5t) {
        return Caller.builder(clientId, CredentialKind.BEARER_JWT)
                .issuer(issuer)
                .issuedAt(iat)
                .tokenId(jti)
                .confirmation(x5t == null ? null : new Caller.Confirmation(x5t, null))
                .build();
    }

    @Test
    void aClientIsRevokedForTokensIssuedAtOrBeforeTheRevocation() {
        Revocations list = create(100);
        list.revokeClient(CallerKey.token(ISSUER, "partner-a"), NOW);

        assertThat(list.revoked(token(ISSUER, "partner-a", NOW.minusSeconds(30), "j1", null), NOW))
                .contains(Revocation.Kind.CLIENT);
        assertThat(list.revoked(token(ISSUER, "partner-a", NOW, "j2", null), NOW))
                .as("issued at the very instant")
                .contains(Revocation.Kind.CLIENT);
        assertThat(list.revoked(token(ISSUER, "partner-a", NOW.plusSeconds(1), "j3", null), NOW.plusSeconds(1)))
                .as("issued after")
                .isEmpty();
        assertThat(list.revoked(token("https://other.test", "partner-a", NOW.minusSeconds(30), "j4", null), NOW))
                .as("a namesake at another issuer")
                .isEmpty();
        assertThat(list.revoked(token(ISSUER, "partner-b", NOW.minusSeconds(30), "j5", null), NOW))
                .isEmpty();
    }

    @Test
    void aTokenIsRevokedByJtiAtItsIssuerAndACertificateByThumbprint() {
        Revocations list = create(100);
        list.revokeToken(ISSUER, "jti-1", NOW);
        list.revokeCertificate("thumb-1", NOW);

        assertThat(list.revoked(token(ISSUER, "c", NOW, "jti-1", null), NOW)).contains(Revocation.Kind.TOKEN);
        assertThat(list.revoked(token("https://other.test", "c", NOW, "jti-1", null), NOW))
                .isEmpty();
        assertThat(list.revoked(token(ISSUER, "c", NOW, "jti-2", "thumb-1"), NOW))
                .contains(Revocation.Kind.CERTIFICATE);
        assertThat(list.revoked(token(ISSUER, "c", NOW, "jti-2", "thumb-2"), NOW))
                .isEmpty();
    }

    @Test
    void anEntryLapsesOneRetentionAfterTheRevocation() {
        Revocations list = create(100);
        list.revokeToken(ISSUER, "jti-1", NOW);
        Caller caller = token(ISSUER, "c", NOW, "jti-1", null);

        assertThat(list.retention()).isEqualTo(RETENTION);
        assertThat(list.revoked(caller, NOW.plus(RETENTION).minusMillis(1))).isPresent();
        assertThat(list.revoked(caller, NOW.plus(RETENTION))).isEmpty();
        assertThat(list.list(NOW)).singleElement().satisfies(r -> {
            assertThat(r).isEqualTo(new Revocation(Revocation.Kind.TOKEN, ISSUER, "jti-1", NOW, NOW.plus(RETENTION)));
        });
        assertThat(list.list(NOW.plus(RETENTION))).isEmpty();
    }

    @Test
    void aFullListRefusesANewEntryAndKeepsEveryEntryInForce() {
        Revocations list = create(2);
        list.revokeToken(ISSUER, "1", NOW);
        list.revokeToken(ISSUER, "2", NOW);
        list.revokeToken(ISSUER, "2", NOW.plusSeconds(1)); // the same token: no new entry

        assertThatThrownBy(() -> list.revokeToken(ISSUER, "3", NOW.plusSeconds(2)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("maximumSize 2");
        assertThat(list.revoked(token(ISSUER, "c", NOW, "1", null), NOW.plusSeconds(2)))
                .isPresent();
        assertThat(list.revoked(token(ISSUER, "c", NOW, "3", null), NOW.plusSeconds(2)))
                .isEmpty();

        list.revokeToken(ISSUER, "3", NOW.plus(RETENTION)); // "1" lapsed: room for one
        assertThat(list.list(NOW.plus(RETENTION))).extracting(Revocation::id).containsExactly("2", "3");
    }

    @Test
    void aClientKeyOfAnotherNamespaceIsRefused() {
        Revocations list = create(100);
        assertThatThrownBy(() -> list.revokeClient(CallerKey.apiKey("k"), NOW))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("CallerKey.token");
        assertThatThrownBy(() -> list.revokeCertificate("", NOW))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("x5tS256");
    }
}
