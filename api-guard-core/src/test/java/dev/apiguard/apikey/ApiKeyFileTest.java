package dev.apiguard.apikey;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiKeyFileTest {

    static final Instant NOW = Instant.parse("2025-01-01T00:00:00Z");
    static final String HASH = ApiKeys.sha256Hex("apg_one");
    static final String HASH2 = ApiKeys.sha256Hex("apg_two");

    @Test
    void readsKeysSkippingCommentsAndBlankLines() {
        List<ApiKeyRecord> records = ApiKeyFile.parse(
                List.of(
                        "# legacy partners",
                        "",
                        HASH + " partner-a customers:read,customers:export 2025-03-01T00:00:00Z",
                        "  " + HASH2 + "\tpartner-b\t-\t2025-02-01  "),
                NOW);
        assertThat(records).hasSize(2);
        assertThat(records.get(0).clientId()).isEqualTo("partner-a");
        assertThat(records.get(0).scopes()).containsExactlyInAnyOrder("customers:read", "customers:export");
        assertThat(records.get(0).expiresAt()).isEqualTo(Instant.parse("2025-03-01T00:00:00Z"));
        assertThat(records.get(0).keyId()).isEqualTo(HASH.substring(0, 16));
        assertThat(records.get(1).scopes()).isEmpty();
        assertThat(records.get(1).expiresAt()).isEqualTo(Instant.parse("2025-02-01T00:00:00Z"));
    }

    @Test
    void expiredLineIsKeptAsExpiredAndDoesNotStopLoading(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("keys.txt");
        Files.writeString(
                file,
                HASH + " old-partner customers:read 2024-06-01T00:00:00Z\n" + HASH2
                        + " partner customers:read 2025-02-01T00:00:00Z\n");
        ApiKeyStore store = ApiKeyStore.inMemory();
        assertThat(ApiKeyFile.load(file, store, NOW)).isEqualTo(2);
        assertThat(store.find(ApiKeys.keyId(HASH)).orElseThrow().isExpiredAt(NOW))
                .isTrue();
        assertThat(store.find(ApiKeys.keyId(HASH2)).orElseThrow().isExpiredAt(NOW))
                .isFalse();
    }

    @Test
    void malformedLinesNameTheirNumberButNotTheirContent() {
        assertThatThrownBy(() -> ApiKeyFile.parse(List.of("# c", HASH + " p s"), NOW))
                .hasMessage("API key file line 2 needs 4 fields: sha256-hex client-id scopes expiry");
        assertThatThrownBy(() -> ApiKeyFile.parse(List.of(HASH.toUpperCase() + " p s 2025-02-01"), NOW))
                .hasMessageStartingWith("API key file line 1")
                .hasMessageNotContaining(HASH.toUpperCase());
        assertThatThrownBy(() -> ApiKeyFile.parse(List.of(HASH + " p s soon"), NOW))
                .hasMessageContaining("line 1 has an expiry");
        assertThatThrownBy(() -> ApiKeyFile.parse(List.of(HASH + " p a,,b 2025-02-01"), NOW))
                .hasMessageContaining("empty scope");
    }

    @Test
    void aKeyLivingLongerThanTheStoreAllowsStopsTheLoad(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("keys.txt");
        Files.writeString(file, HASH + " p s 2030-01-01T00:00:00Z\n");
        assertThatThrownBy(() -> ApiKeyFile.load(file, ApiKeyStore.inMemory(), NOW))
                .hasMessageContaining("maxLifetime");
    }
}
