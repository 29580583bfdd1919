package dev.apiguard.inventory;

import dev.apiguard.CallerKey;
import dev.apiguard.CredentialKind;
import dev.apiguard.inventory.internal.Ledger;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What the ledger knows about one caller (by {@link dev.apiguard.Caller#key()}: namespace, issuer
 * and id, so that namesakes at two issuers are two records). Immutable; the ledger replaces it
 * with each request.
 *
 * @param key the caller's key
 * @param firstSeen its first request
 * @param lastSeen its latest request
 * @param requestCount how many requests it made, refused ones included
 * @param credentialKinds every way it authenticated
 * @param scopesGranted each scope its credentials granted, with the latest time one did
 * @param scopesUsed each scope it exercised (a scope of a route rule it was let through, that
 *     its credential granted), with the latest time it did
 * @param credentials its credentials, by {@link CredentialRecord#key()}, least recently seen first
 */
public record CallerRecord(
        CallerKey key,
        Instant firstSeen,
        Instant lastSeen,
        long requestCount,
        Set<CredentialKind> credentialKinds,
        Map<String, Instant> scopesGranted,
        Map<String, Instant> scopesUsed,
        Map<String, CredentialRecord> credentials) {

    public CallerRecord {
        Objects.requireNonNull(key, "key cannot be null");
        Objects.requireNonNull(firstSeen, "firstSeen cannot be null");
        Objects.requireNonNull(lastSeen, "lastSeen cannot be null");
        credentialKinds = Set.copyOf(credentialKinds);
        scopesGranted = Map.copyOf(scopesGranted);
        scopesUsed = Map.copyOf(scopesUsed);
        credentials = Collections.unmodifiableMap(new LinkedHashMap<>(credentials));
    }

    /**
     * This record and {@code other} of the same caller as one, as if one ledger had seen the
     * requests of both: request counts add; first seen is the earlier, last seen the later (a
     * record without requests of its own, made by a misuse of its credential, does not move them
     * when the other has some); credential kinds are united; each scope keeps the later of its
     * two times, and the {@value LedgerStore#MAX_SCOPES_PER_CALLER} most recent per map are kept;
     * credentials of the same key merge alike (counts and misuses add, the later expiry of a token
     * client, the more recently observed expiry of a key or certificate, the longest lifetime), and
     * the {@value LedgerStore#MAX_CREDENTIALS_PER_CALLER} most recently seen are kept, least recently
     * seen first. How a fleet adds up what each node saw.
     *
     * @throws IllegalArgumentException when {@code other} is of another caller
     */
    public CallerRecord merge(CallerRecord other) {
        Objects.requireNonNull(other, "other cannot be null");
        if (!key.equals(other.key)) {
            throw new IllegalArgumentException("merge needs records of one caller: " + key + ", " + other.key);
        }
        return Ledger.merge(this, other);
    }

    /** The caller's id ({@link CallerKey#id()}). */
    public String id() {
        return key.id();
    }

    /** The issuer that vouches for the caller (tokens), else {@code null}. */
    public @Nullable String issuer() {
        return key.issuer();
    }
}
