package dev.apiguard.apikey;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a store knows about one API key: never the key, only its SHA-256. Immutable.
 *
 * @param keyId the first 16 hex digits of {@code sha256Hex} ({@link ApiKeys#keyId}), safe to log
 * @param sha256Hex the lower-case hex SHA-256 of the key ({@link ApiKeys#sha256Hex})
 * @param clientId the caller the key authenticates ({@link dev.apiguard.Caller#id()})
 * @param scopes the scopes the key grants
 * @param issuedAt when the key was issued (or registered)
 * @param expiresAt when the key stops working; mandatory, after {@code issuedAt}
 */
public record ApiKeyRecord(
        String keyId, String sha256Hex, String clientId, Set<String> scopes, Instant issuedAt, Instant expiresAt) {

    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

    public ApiKeyRecord {
        Objects.requireNonNull(sha256Hex, "sha256Hex cannot be null");
        if (!HEX64.matcher(sha256Hex).matches()) {
            throw new IllegalArgumentException("sha256Hex must be 64 lower-case hex digits");
        }
        if (!ApiKeys.keyId(sha256Hex).equals(keyId)) {
            throw new IllegalArgumentException("keyId must be the first 16 hex digits of sha256Hex");
        }
        Objects.requireNonNull(clientId, "clientId cannot be null");
        if (clientId.isBlank()) {
            throw new IllegalArgumentException("clientId cannot be blank");
        }
        scopes = Set.copyOf(scopes);
        Objects.requireNonNull(issuedAt, "issuedAt cannot be null");
        Objects.requireNonNull(expiresAt, "expiresAt cannot be null: every API key expires");
        if (!expiresAt.isAfter(issuedAt)) {
            throw new IllegalArgumentException("expiresAt must be after issuedAt");
        }
    }

    /** A record whose key id is derived from the hash. */
    public static ApiKeyRecord of(
            String sha256Hex, String clientId, Set<String> scopes, Instant issuedAt, Instant expiresAt) {
        Objects.requireNonNull(sha256Hex, "sha256Hex cannot be null");
        return new ApiKeyRecord(
                sha256Hex.length() >= ApiKeys.KEY_ID_LENGTH ? ApiKeys.keyId(sha256Hex) : sha256Hex,
                sha256Hex,
                clientId,
                scopes,
                issuedAt,
                expiresAt);
    }

    /** Whether the key has expired at {@code now}. */
    public boolean isExpiredAt(Instant now) {
        return !now.isBefore(expiresAt);
    }

    @Override
    public String toString() {
        return "ApiKeyRecord[keyId=" + keyId + ", clientId=" + clientId + ", scopes=" + scopes + ", expiresAt="
                + expiresAt + "]";
    }
}
