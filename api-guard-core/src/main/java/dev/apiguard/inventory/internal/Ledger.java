package dev.apiguard.inventory.internal;

import dev.apiguard.CallerKey;
import dev.apiguard.CredentialKind;
import dev.apiguard.inventory.CallerRecord;
import dev.apiguard.inventory.CredentialRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** Folds an {@link Observation} into a {@link CallerRecord}. Stateless. */
public final class Ledger {

    /** Credentials kept per caller; the least recently seen goes first. */
    public static final int MAX_CREDENTIALS_PER_CALLER = 16;
    /** Scopes kept per caller and map; the least recently seen goes first. */
    public static final int MAX_SCOPES_PER_CALLER = 256;

    private Ledger() {}

    /** The caller's record after the observed request; {@code previous} may be null. */
    public static CallerRecord observe(CallerKey callerKey, @Nullable CallerRecord previous, Observation o) {
        if (o.misused()) {
            // another sender's request: not the caller's use, only its credential's misuse
            LedgerEntry e = previous == null ? LedgerEntry.empty(callerKey, o.now()) : LedgerEntry.of(previous);
            e.observe(o);
            return e.toRecord();
        }
        Instant now = o.now();
        Instant first = previous == null ? now : min(previous.firstSeen(), now);
        Instant last = previous == null ? now : max(previous.lastSeen(), now);
        long count = previous == null ? 1 : previous.requestCount() + 1;
        Set<CredentialKind> kinds = EnumSet.noneOf(CredentialKind.class);
        if (previous != null) {
            kinds.addAll(previous.credentialKinds());
        }
        kinds.add(o.kind());
        Map<String, Instant> granted = stamp(previous == null ? Map.of() : previous.scopesGranted(), o.granted(), now);
        Map<String, Instant> used = stamp(previous == null ? Map.of() : previous.scopesUsed(), o.exercised(), now);

        LinkedHashMap<String, CredentialRecord> credentials = new LinkedHashMap<>();
        if (previous != null) {
            credentials.putAll(previous.credentials());
        }
        if (o.tokenClientId() != null) {
            credential(
                    credentials,
                    CredentialRecord.Type.TOKEN,
                    o.issuer(),
                    o.tokenClientId(),
                    o,
                    o.tokenExpiresAt(),
                    o.tokenLifetime(),
                    o.unboundOnSensitiveRoute());
        }
        if (o.apiKeyId() != null) {
            credential(
                    credentials,
                    CredentialRecord.Type.API_KEY,
                    null,
                    o.apiKeyId(),
                    o,
                    o.apiKeyExpiresAt(),
                    null,
                    o.unboundOnSensitiveRoute());
        }
        if (o.thumbprint() != null) {
            credential(
                    credentials,
                    CredentialRecord.Type.CERTIFICATE,
                    null,
                    o.thumbprint(),
                    o,
                    o.certificateExpiresAt(),
                    null,
                    false);
        }
        while (credentials.size() > MAX_CREDENTIALS_PER_CALLER) {
            credentials.remove(credentials.keySet().iterator().next());
        }
        return new CallerRecord(callerKey, first, last, count, kinds, granted, used, credentials);
    }

    private static void credential(
            LinkedHashMap<String, CredentialRecord> all,
            CredentialRecord.Type type,
            @Nullable String issuer,
            String id,
            Observation o,
            @Nullable Instant expiresAt,
            @Nullable Duration lifetime,
            boolean unboundSensitive) {
        String key = type.jsonName() + "|" + (issuer == null ? "" : issuer) + "|" + id;
        CredentialRecord old = all.remove(key);
        Set<CredentialKind> kinds = EnumSet.of(o.kind());
        if (old != null) {
            kinds.addAll(old.kinds());
        }
        Instant expiry = expiresAt;
        Duration longest = lifetime;
        if (old != null) {
            if (expiry == null) {
                expiry = old.expiresAt();
            } else if (type == CredentialRecord.Type.TOKEN && old.expiresAt() != null) {
                // tokens of one client come and go: keep the latest expiry seen
                expiry = max(expiry, old.expiresAt());
            }
            if (old.longestTokenLifetime() != null
                    && (longest == null || old.longestTokenLifetime().compareTo(longest) > 0)) {
                longest = old.longestTokenLifetime();
            }
        }
        all.put(
                key,
                new CredentialRecord(
                        type,
                        issuer,
                        id,
                        kinds,
                        old == null ? o.now() : min(old.firstSeen(), o.now()),
                        old == null ? o.now() : max(old.lastSeen(), o.now()),
                        old == null ? 1 : old.requestCount() + 1,
                        expiry,
                        longest,
                        (old == null ? 0 : old.unboundSensitiveUses()) + (unboundSensitive ? 1 : 0),
                        old == null ? 0 : old.misuses(),
                        old == null ? null : old.lastMisused()));
    }

    private static Map<String, Instant> stamp(Map<String, Instant> previous, Set<String> scopes, Instant now) {
        if (scopes.isEmpty()) {
            return previous;
        }
        Map<String, Instant> next = new HashMap<>(previous);
        for (String s : scopes) {
            next.merge(s, now, Ledger::max);
        }
        trim(next);
        return next;
    }

    /** Drops the least recently stamped scopes beyond {@link #MAX_SCOPES_PER_CALLER}. */
    static void trim(Map<String, Instant> stamps) {
        if (stamps.size() > MAX_SCOPES_PER_CALLER) {
            stamps.entrySet().stream()
                    .sorted(Map.Entry.comparingByValue(Comparator.naturalOrder()))
                    .limit(stamps.size() - MAX_SCOPES_PER_CALLER)
                    .map(Map.Entry::getKey)
                    .toList()
                    .forEach(stamps::remove);
        }
    }

    static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    static Instant max(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }
}
