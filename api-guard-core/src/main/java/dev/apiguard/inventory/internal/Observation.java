package dev.apiguard.inventory.internal;

import dev.apiguard.CredentialKind;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One request as the ledger learns from it.
 *
 * @param now the request's time
 * @param kind how the caller authenticated
 * @param granted the scopes its credential grants
 * @param exercised the scopes of the matched rule it held, when it was let through; else empty
 * @param issuer the token issuer, or null
 * @param tokenClientId the client id of a token credential, or null
 * @param tokenExpiresAt the token's expiry, or null
 * @param tokenLifetime the token's exp − iat, or null
 * @param apiKeyId the API key id, or null
 * @param apiKeyExpiresAt the key's expiry, or null
 * @param thumbprint the bound certificate's thumbprint, or null
 * @param certificateExpiresAt that certificate's notAfter, when known; else null
 * @param unboundOnSensitiveRoute whether a credential that is not sender-constrained hit a sensitive route
 * @param misused whether the credential was presented by a sender that could not prove holding its
 *     key: then only the credential's misuse count changes, not the caller's use
 */
public record Observation(
        Instant now,
        CredentialKind kind,
        Set<String> granted,
        Set<String> exercised,
        @Nullable String issuer,
        @Nullable String tokenClientId,
        @Nullable Instant tokenExpiresAt,
        @Nullable Duration tokenLifetime,
        @Nullable String apiKeyId,
        @Nullable Instant apiKeyExpiresAt,
        @Nullable String thumbprint,
        @Nullable Instant certificateExpiresAt,
        boolean unboundOnSensitiveRoute,
        boolean misused) {}
