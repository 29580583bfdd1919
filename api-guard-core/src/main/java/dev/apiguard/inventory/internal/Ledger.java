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

    /**
     * Two records of one caller as one ({@link CallerRecord#merge}); the Redis ledger's script
     * ({@code ledger.lua}) merges by the same rules.
     */
    public static CallerRecord merge(CallerRecord a, CallerRecord b) {
        Instant[] seen =
                seen(a.requestCount(), a.firstSeen(), a.lastSeen(), b.requestCount(), b.firstSeen(), b.lastSeen());
        Set<CredentialKind> kinds = EnumSet.noneOf(CredentialKind.class);
        kinds.addAll(a.credentialKinds());
        kinds.addAll(b.credentialKinds());
        Map<String, Instant> granted = new HashMap<>(a.scopesGranted());
        b.scopesGranted().forEach((s, t) -> granted.merge(s, t, Ledger::max));
        trim(granted);
        Map<String, Instant> used = new HashMap<>(a.scopesUsed());
        b.scopesUsed().forEach((s, t) -> used.merge(s, t, Ledger::max));
        trim(used);
        Map<String, CredentialRecord> all = new HashMap<>(a.credentials());
        b.credentials().forEach((k, c) -> all.merge(k, c, Ledger::merge));
        LinkedHashMap<String, CredentialRecord> credentials = new LinkedHashMap<>();
        all.values().stream()
                .sorted(LEAST_RECENTLY_SEEN)
                .skip(Math.max(0, all.size() - MAX_CREDENTIALS_PER_CALLER))
                .forEach(c -> credentials.put(c.key(), c));
        return new CallerRecord(
                a.key(), seen[0], seen[1], a.requestCount() + b.requestCount(), kinds, granted, used, credentials);
    }

    /** Credentials by last seen, then by key: the order of a record's credentials after a merge. */
    public static final Comparator<CredentialRecord> LEAST_RECENTLY_SEEN =
            Comparator.comparing(CredentialRecord::lastSeen).thenComparing(CredentialRecord::key);

    /** Two records of one credential as one. */
    static CredentialRecord merge(CredentialRecord a, CredentialRecord b) {
        Set<CredentialKind> kinds = EnumSet.noneOf(CredentialKind.class);
        kinds.addAll(a.kinds());
        kinds.addAll(b.kinds());
        Instant[] seen =
                seen(a.requestCount(), a.firstSeen(), a.lastSeen(), b.requestCount(), b.firstSeen(), b.lastSeen());
        Instant expiry;
        if (a.expiresAt() == null || b.expiresAt() == null) {
            expiry = a.expiresAt() == null ? b.expiresAt() : a.expiresAt();
        } else if (a.type() == CredentialRecord.Type.TOKEN) {
            // tokens of one client come and go: keep the latest expiry seen
            expiry = max(a.expiresAt(), b.expiresAt());
        } else {
            // a key or certificate: the expiry of the more recent use (a misuse ranks below a use)
            int order = Long.compare(Math.min(a.requestCount(), 1), Math.min(b.requestCount(), 1));
            if (order == 0) {
                order = a.lastSeen().compareTo(b.lastSeen());
            }
            expiry = order == 0 ? max(a.expiresAt(), b.expiresAt()) : order > 0 ? a.expiresAt() : b.expiresAt();
        }
        Duration longest = a.longestTokenLifetime() == null
                ? b.longestTokenLifetime()
                : b.longestTokenLifetime() == null || a.longestTokenLifetime().compareTo(b.longestTokenLifetime()) >= 0
                        ? a.longestTokenLifetime()
                        : b.longestTokenLifetime();
        Instant lastMisused = a.lastMisused() == null
                ? b.lastMisused()
                : b.lastMisused() == null ? a.lastMisused() : max(a.lastMisused(), b.lastMisused());
        return new CredentialRecord(
                a.type(),
                a.issuer(),
                a.id(),
                kinds,
                seen[0],
                seen[1],
                a.requestCount() + b.requestCount(),
                expiry,
                longest,
                a.unboundSensitiveUses() + b.unboundSensitiveUses(),
                a.misuses() + b.misuses(),
                lastMisused);
    }

    /**
     * First and last seen of two records: the earlier and the later, except that a record without
     * requests of its own (made by misuses) does not move those of one with requests.
     */
    private static Instant[] seen(
            long countA, Instant firstA, Instant lastA, long countB, Instant firstB, Instant lastB) {
        if (countA > 0 && countB == 0) {
            return new Instant[] {firstA, lastA};
        }
        if (countB > 0 && countA == 0) {
            return new Instant[] {firstB, lastB};
        }
        return new Instant[] {min(firstA, firstB), max(lastA, lastB)};
    }

    /** Drops the least recently stamped scopes beyond {@link #MAX_SCOPES_PER_CALLER}. */
    static void trim(Map<String, Instant> stamps) {
        if (stamps.size() > MAX_SCOPES_PER_CALLER) {
            // by time, then by name: the same scopes go whatever the order they came in
            stamps.entrySet().stream()
                    .sorted(Map.Entry.<String, Instant>comparingByValue().thenComparing(Map.Entry.comparingByKey()))
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
