package dev.apiguard.inventory;

import static dev.apiguard.inventory.InventoryFixture.ISSUER;
import static dev.apiguard.inventory.InventoryFixture.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.CallerKey;
import dev.apiguard.CredentialKind;
import dev.apiguard.LocalRevocations;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The inventory flags a token client or a certificate that the revocation list revokes, while it does. */
class InventoryRevocationsTest {

    private static final Duration RETENTION = Duration.ofMinutes(61);

    private static void put(LedgerStore store, CallerKey key, CredentialRecord.Type type, String id) {
        CredentialKind kind = type == CredentialRecord.Type.TOKEN ? CredentialKind.BEARER_JWT : CredentialKind.MTLS;
        CredentialRecord credential = new CredentialRecord(
                type,
                type == CredentialRecord.Type.TOKEN ? key.issuer() : null,
                id,
                Set.of(kind),
                T0,
                T0,
                1,
                null,
                null,
                0,
                0,
                null);
        store.update(
                key,
                old -> new CallerRecord(
                        key, T0, T0, 1, Set.of(kind), Map.of(), Map.of(), Map.of(credential.key(), credential)));
    }

    @Test
    void aRevokedClientAndARevokedCertificateAreFlaggedUntilTheEntriesLapse() {
        LedgerStore store = LedgerStore.inMemory(100);
        put(store, CallerKey.token(ISSUER, "partner-a"), CredentialRecord.Type.TOKEN, "partner-a");
        put(store, CallerKey.token(ISSUER, "partner-b"), CredentialRecord.Type.TOKEN, "partner-b");
        put(store, CallerKey.token("https://other.example", "partner-a"), CredentialRecord.Type.TOKEN, "partner-a");
        put(store, CallerKey.mtlsClient("device-1"), CredentialRecord.Type.CERTIFICATE, "thumb-1");
        LocalRevocations revocations = LocalRevocations.of(RETENTION);
        revocations.revokeClient(CallerKey.token(ISSUER, "partner-a"), T0);
        revocations.revokeCertificate("thumb-1", T0);
        revocations.revokeToken(ISSUER, "jti-of-partner-b", T0);
        GuardInventory inventory =
                InventoryStep.of(InventoryPolicy.defaults(), store, revocations).inventory();

        InventoryReport report = inventory.report(T0.plusSeconds(1));

        assertThat(report.caller(CallerKey.token(ISSUER, "partner-a"))
                        .orElseThrow()
                        .flags())
                .containsExactly(InventoryReport.REVOKED);
        assertThat(report.caller(CallerKey.token(ISSUER, "partner-a"))
                        .orElseThrow()
                        .credentials()
                        .get(0)
                        .flags())
                .containsExactly(InventoryReport.REVOKED);
        assertThat(report.caller(CallerKey.mtlsClient("device-1")).orElseThrow().flags())
                .containsExactly(InventoryReport.REVOKED);
        assertThat(report.caller(CallerKey.token(ISSUER, "partner-b"))
                        .orElseThrow()
                        .flags())
                .as("a revoked jti is not a caller's flag")
                .isEmpty();
        assertThat(report.caller(CallerKey.token("https://other.example", "partner-a"))
                        .orElseThrow()
                        .flags())
                .as("a namesake at another issuer")
                .isEmpty();
        assertThat(report.toJson()).contains("\"flags\":[\"revoked\"]");

        assertThat(inventory.report(T0.plus(RETENTION)).callers())
                .allSatisfy(c -> assertThat(c.flags()).doesNotContain(InventoryReport.REVOKED));
    }

    @Test
    void withoutARevocationListNothingIsFlagged() {
        LedgerStore store = LedgerStore.inMemory(100);
        put(store, CallerKey.token(ISSUER, "partner-a"), CredentialRecord.Type.TOKEN, "partner-a");

        assertThat(InventoryStep.of(InventoryPolicy.defaults(), store)
                        .inventory()
                        .report(T0)
                        .caller("partner-a")
                        .orElseThrow()
                        .flags())
                .isEmpty();
    }
}
