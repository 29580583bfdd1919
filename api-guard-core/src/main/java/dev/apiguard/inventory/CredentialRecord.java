package dev.apiguard.inventory;

import dev.apiguard.CredentialKind;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What the ledger knows about one credential of a caller. Immutable.
 *
 * @param type what kind of credential it is
 * @param issuer the token issuer, for {@link Type#TOKEN}; else {@code null}
 * @param id the client id (tokens), the base64url SHA-256 certificate thumbprint (certificates)
 *     or the key id (API keys, never the key)
 * @param kinds every way the credential was presented
 * @param firstSeen the first request it authenticated
 * @param lastSeen the latest request it authenticated
 * @param requestCount how many requests it authenticated
 * @param expiresAt the latest expiry seen: of the last token, of the key, of the certificate
 *     (when known); {@code null} when unknown
 * @param longestTokenLifetime the longest {@code exp − iat} among its tokens, or {@code null}
 * @param unboundSensitiveUses how many requests it made, not sender-constrained, to sensitive routes
 * @param misuses how many requests presented it from a sender that could not prove holding the key
 *     it is bound to (without its certificate, without a valid DPoP proof, a DPoP-bound token as
 *     {@code Bearer}): evidence that it leaked
 * @param lastMisused the latest such request, or {@code null}
 */
public record CredentialRecord(
        Type type,
        @Nullable String issuer,
        String id,
        Set<CredentialKind> kinds,
        Instant firstSeen,
        Instant lastSeen,
        long requestCount,
        @Nullable Instant expiresAt,
        @Nullable Duration longestTokenLifetime,
        long unboundSensitiveUses,
        long misuses,
        @Nullable Instant lastMisused) {

    /** The kinds of credentials the ledger tells apart. */
    public enum Type {
        /** Access tokens of one client at one issuer. */
        TOKEN("token"),
        /** A TLS client certificate, by thumbprint. */
        CERTIFICATE("certificate"),
        /** A static API key, by key id. */
        API_KEY("api_key");

        private final String jsonName;

        Type(String jsonName) {
            this.jsonName = jsonName;
        }

        /** The stable name in the report's JSON. */
        public String jsonName() {
            return jsonName;
        }
    }

    public CredentialRecord {
        Objects.requireNonNull(type, "type cannot be null");
        Objects.requireNonNull(id, "id cannot be null");
        kinds = Set.copyOf(kinds);
        Objects.requireNonNull(firstSeen, "firstSeen cannot be null");
        Objects.requireNonNull(lastSeen, "lastSeen cannot be null");
    }

    /** The key that identifies the credential within its caller: type, issuer and id. */
    public String key() {
        return type.jsonName() + "|" + (issuer == null ? "" : issuer) + "|" + id;
    }
}
