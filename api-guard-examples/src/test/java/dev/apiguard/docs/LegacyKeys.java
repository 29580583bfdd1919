package dev.apiguard.docs;

// tag::keys[]
import dev.apiguard.apikey.ApiKeyRecord;
import dev.apiguard.apikey.ApiKeyStep;
import dev.apiguard.apikey.ApiKeyStore;
import dev.apiguard.apikey.ApiKeys;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;

public final class LegacyKeys {

    /** A new key for a partner that cannot move to tokens yet; the store keeps its SHA-256 only. */
    public static String issue(ApiKeyStore store, String clientId, Instant now) {
        String key = ApiKeys.generate(); // apg_..._<crc32>: secret scanners recognise it
        store.register(ApiKeyRecord.of(
                ApiKeys.sha256Hex(key), clientId, Set.of("customers:read"), now, now.plus(Duration.ofDays(90))));
        return key; // shown to the partner once, never stored
    }

    /** Authenticates X-API-Key after the token step, and tells every key holder to move. */
    public static ApiKeyStep step(ApiKeyStore store, Instant deprecatedSince, Instant sunset) {
        return ApiKeyStep.builder(store) // ApiKeyStore.inMemory(), or RedisGuardState.apiKeyStore()
                .deprecation(deprecatedSince) // Deprecation: @<epoch seconds>
                .sunset(sunset) // Sunset: <date>; from then on every key is refused
                .migrationLink(URI.create("https://example.com/docs/moving-to-tokens"))
                .build();
    }
}
// end::keys[]
