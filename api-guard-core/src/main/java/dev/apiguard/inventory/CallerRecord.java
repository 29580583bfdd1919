package dev.apiguard.inventory;

import dev.apiguard.CredentialKind;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What the ledger knows about one caller (by {@link dev.apiguard.Caller#id()}). Immutable; the
 * ledger replaces it with each request.
 *
 * @param id the caller's id
 * @param firstSeen its first request
 * @param lastSeen its latest request
 * @param requestCount how many requests it made, refused ones included
 * @param credentialKinds every way it authenticated
 * @param scopesGranted each scope its credentials granted, with the latest time one did
 * @param scopesUsed each scope it exercised (a scope of a route rule it was let through, that
 *     its credential granted), with the latest time it did
 * @param credentials its credentials, by {@link CredentialRecord#key()}, least recently seen first
 */
public record CallerRecord(String id, Instant firstSeen, Instant lastSeen, long requestCount,
        Set<CredentialKind> credentialKinds, Map<String, Instant> scopesGranted,
        Map<String, Instant> scopesUsed, Map<String, CredentialRecord> credentials) {

    public CallerRecord {
        Objects.requireNonNull(id, "id cannot be null");
        Objects.requireNonNull(firstSeen, "firstSeen cannot be null");
        Objects.requireNonNull(lastSeen, "lastSeen cannot be null");
        credentialKinds = Set.copyOf(credentialKinds);
        scopesGranted = Map.copyOf(scopesGranted);
        scopesUsed = Map.copyOf(scopesUsed);
        credentials = Collections.unmodifiableMap(new LinkedHashMap<>(credentials));
    }
}
