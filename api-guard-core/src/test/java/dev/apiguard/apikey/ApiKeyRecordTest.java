package dev.apiguard.apikey;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What a store may hold about an API key: its hash, never the key, and always an end. */
class ApiKeyRecordTest {

    static final Instant ISSUED = Instant.parse("2030-01-01T00:00:00Z");
    static final Instant EXPIRES = ISSUED.plus(Duration.ofDays(90));
    static final String HASH = ApiKeys.sha256Hex("agk_live_example_key_that_is_long_enough_0123456789");

    @Test
    void theKeyIdIsDerivedFromTheHashAndMustAgreeWithIt() {
        ApiKeyRecord r = ApiKeyRecord.of(HASH, "partner-a", Set.of("customers:read"), ISSUED, EXPIRES);
        assertThat(r.keyId())
                .isEqualTo(HASH.substring(0, ApiKeys.KEY_ID_LENGTH))
                .isEqualTo(ApiKeys.keyId(HASH));
        assertThat(r.sha256Hex()).isEqualTo(HASH);
        assertThatThrownBy(() -> new ApiKeyRecord("0".repeat(16), HASH, "partner-a", Set.of(), ISSUED, EXPIRES))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("keyId must be the first 16 hex digits of sha256Hex");
        assertThatThrownBy(() -> new ApiKeyRecord(null, HASH, "partner-a", Set.of(), ISSUED, EXPIRES))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theHashIsSixtyFourLowerCaseHexDigits() {
        for (String bad :
                new String[] {HASH.toUpperCase(), HASH.substring(1), HASH + "0", "abc", "", HASH.substring(0, 63) + "g"
                }) {
            assertThatThrownBy(() -> ApiKeyRecord.of(bad, "partner-a", Set.of(), ISSUED, EXPIRES))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("sha256Hex must be 64 lower-case hex digits");
        }
        assertThatThrownBy(() -> ApiKeyRecord.of(null, "partner-a", Set.of(), ISSUED, EXPIRES))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("sha256Hex cannot be null");
    }

    @Test
    void aKeyHasAClientAndAnEndAfterItsStart() {
        assertThatThrownBy(() -> ApiKeyRecord.of(HASH, " ", Set.of(), ISSUED, EXPIRES))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("clientId cannot be blank");
        assertThatThrownBy(() -> ApiKeyRecord.of(HASH, null, Set.of(), ISSUED, EXPIRES))
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> ApiKeyRecord.of(HASH, "partner-a", Set.of(), ISSUED, null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("every API key expires");
        assertThatThrownBy(() -> ApiKeyRecord.of(HASH, "partner-a", Set.of(), ISSUED, ISSUED))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("expiresAt must be after issuedAt");
        assertThatThrownBy(() -> ApiKeyRecord.of(HASH, "partner-a", Set.of(), ISSUED, ISSUED.minusSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(ApiKeyRecord.of(HASH, "partner-a", Set.of(), ISSUED, ISSUED.plusNanos(1))
                        .expiresAt())
                .isEqualTo(ISSUED.plusNanos(1));
    }

    @Test
    void aKeyIsExpiredFromItsEndOn() {
        ApiKeyRecord r = ApiKeyRecord.of(HASH, "partner-a", Set.of(), ISSUED, EXPIRES);
        assertThat(r.isExpiredAt(EXPIRES.minusNanos(1))).isFalse();
        assertThat(r.isExpiredAt(EXPIRES)).isTrue();
        assertThat(r.isExpiredAt(EXPIRES.plusSeconds(1))).isTrue();
    }

    @Test
    void theScopesAreCopiedAndTheTextNamesNoHash() {
        Set<String> scopes = new HashSet<>(Set.of("customers:read"));
        ApiKeyRecord r = ApiKeyRecord.of(HASH, "partner-a", scopes, ISSUED, EXPIRES);
        scopes.add("admin");
        assertThat(r.scopes()).containsExactly("customers:read");
        assertThatThrownBy(() -> r.scopes().add("admin")).isInstanceOf(UnsupportedOperationException.class);
        assertThat(r.toString())
                .contains("keyId=" + r.keyId(), "clientId=partner-a", "customers:read", "expiresAt=" + EXPIRES)
                .doesNotContain(HASH);
    }
}
