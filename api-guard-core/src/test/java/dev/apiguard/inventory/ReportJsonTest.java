package dev.apiguard.inventory;

import static dev.apiguard.inventory.InventoryFixture.T0;
import static dev.apiguard.inventory.InventoryFixture.apiKey;
import static dev.apiguard.inventory.InventoryFixture.token;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The JSON schema, version 1, as an exact snapshot: a change here is a change of a public contract. */
class ReportJsonTest {

    @Test
    void emptyLedger() {
        InventoryFixture f = new InventoryFixture();
        assertThat(f.ledger().report().toJson())
                .isEqualTo("{\"schemaVersion\":1,\"generatedAt\":\"2025-01-01T00:00:00Z\","
                        + "\"leastPrivilegeWindowSeconds\":2592000,\"staleAfterSeconds\":2592000,\"notice\":null,"
                        + "\"summary\":{\"callers\":0,\"callersWithUnusedScopes\":0,\"weakCredentials\":0,\"staleCredentials\":0,\"misusedCredentials\":0},"
                        + "\"callers\":[]}");
    }

    @Test
    void smallLedgerSnapshot() {
        InventoryFixture f = new InventoryFixture(InventoryPolicy.builder()
                .riskView((key, at) ->
                        key.id().equals("partner-b") ? Optional.of(RiskView.Risk.of(0.25)) : Optional.empty()));
        f.send(token("partner-b", "customers:read payments:write"), "GET", "/customers");
        f.clock.advance(Duration.ofMinutes(30));
        f.send(token("partner-b", "customers:read payments:write"), "GET", "/customers");
        f.send(
                apiKey("<legacy>", "0123456789abcdef", "customers:read", T0.plus(Duration.ofDays(90))),
                "GET",
                "/customers");
        f.clock.advance(Duration.ofMinutes(30));

        String expected = "{\"schemaVersion\":1,\"generatedAt\":\"2025-01-01T01:00:00Z\","
                + "\"leastPrivilegeWindowSeconds\":2592000,\"staleAfterSeconds\":2592000,\"notice\":null,"
                + "\"summary\":{\"callers\":2,\"callersWithUnusedScopes\":1,\"weakCredentials\":1,\"staleCredentials\":0,\"misusedCredentials\":0},"
                + "\"callers\":["
                + "{\"id\":\"\\u003clegacy\\u003e\",\"issuer\":null,\"credentialKinds\":[\"api_key\"],\"scopesGranted\":[\"customers:read\"],"
                + "\"scopesUsed\":[\"customers:read\"],\"scopesUnused\":[],\"firstSeen\":\"2025-01-01T00:30:00Z\","
                + "\"lastSeen\":\"2025-01-01T00:30:00Z\",\"requestCount\":1,\"anomalyScore\":null,\"lastAction\":null,"
                + "\"flags\":[\"api_key\"],\"credentials\":[{\"type\":\"api_key\",\"issuer\":null,\"id\":\"0123456789abcdef\","
                + "\"kinds\":[\"api_key\"],\"firstSeen\":\"2025-01-01T00:30:00Z\",\"lastSeen\":\"2025-01-01T00:30:00Z\","
                + "\"requestCount\":1,\"expiresAt\":\"2025-04-01T00:00:00Z\",\"longestTokenLifetimeSeconds\":null,"
                + "\"unboundSensitiveUses\":0,\"misuses\":0,\"lastMisused\":null,\"flags\":[\"api_key\"]}]},"
                + "{\"id\":\"partner-b\",\"issuer\":\"https://issuer.example\",\"credentialKinds\":[\"bearer_jwt\"],"
                + "\"scopesGranted\":[\"customers:read\",\"payments:write\"],\"scopesUsed\":[\"customers:read\"],"
                + "\"scopesUnused\":[\"payments:write\"],\"firstSeen\":\"2025-01-01T00:00:00Z\","
                + "\"lastSeen\":\"2025-01-01T00:30:00Z\",\"requestCount\":2,\"anomalyScore\":0.25,\"lastAction\":null,"
                + "\"flags\":[\"unused_scopes\"],\"credentials\":[{\"type\":\"token\",\"issuer\":\"https://issuer.example\","
                + "\"id\":\"partner-b\",\"kinds\":[\"bearer_jwt\"],\"firstSeen\":\"2025-01-01T00:00:00Z\","
                + "\"lastSeen\":\"2025-01-01T00:30:00Z\",\"requestCount\":2,\"expiresAt\":\"2025-01-01T00:10:00Z\","
                + "\"longestTokenLifetimeSeconds\":600,\"unboundSensitiveUses\":0,\"misuses\":0,\"lastMisused\":null,\"flags\":[]}]}]}";
        assertThat(f.ledger().report().toJson()).isEqualTo(expected);
    }
}
