package dev.apiguard.inventory.internal;

import dev.apiguard.CallerKey;
import dev.apiguard.CredentialKind;
import dev.apiguard.inventory.CallerRecord;
import dev.apiguard.inventory.CredentialRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One caller's ledger state, changed in place by each request: what {@link Ledger#observe} computes
 * as a new {@link CallerRecord}, without copying the record, its maps and its credentials on every
 * request. {@link #toRecord()} gives the same record {@link Ledger#observe} would have. Not
 * thread-safe: {@link BoundedLedgerStore} changes and reads it under its lock.
 */
final class LedgerEntry {

    private static final CredentialKind[] KINDS = CredentialKind.values();

    private final CallerKey key;
    private Instant firstSeen;
    private Instant lastSeen;
    private long requestCount;
    private int kinds;
    // null while the caller has none
    private @Nullable Stamps scopesGranted;
    private @Nullable Stamps scopesUsed;
    /** Least recently seen first; observe keeps at most {@link Ledger#MAX_CREDENTIALS_PER_CALLER}. */
    private Credential[] credentials = new Credential[1];

    private int credentialCount;

    private LedgerEntry(CallerKey key, Instant firstSeen, Instant lastSeen) {
        this.key = key;
        this.firstSeen = firstSeen;
        this.lastSeen = lastSeen;
    }

    /**
     * The entry of a caller not seen yet, made for a misuse of its credential by another sender:
     * no request of its own, first and last seen at that time.
     */
    static LedgerEntry empty(CallerKey key, Instant now) {
        LedgerEntry e = new LedgerEntry(key, now, now);
        return e;
    }

    /** The entry of a caller first seen in this request. */
    static LedgerEntry first(CallerKey key, Observation o) {
        LedgerEntry e = new LedgerEntry(key, o.now(), o.now());
        e.observe(o, false);
        return e;
    }

    /** The entry holding what the record says. */
    static LedgerEntry of(CallerRecord r) {
        LedgerEntry e = new LedgerEntry(r.key(), r.firstSeen(), r.lastSeen());
        e.requestCount = r.requestCount();
        for (CredentialKind k : r.credentialKinds()) {
            e.kinds |= 1 << k.ordinal();
        }
        e.scopesGranted = Stamps.of(r.scopesGranted());
        e.scopesUsed = Stamps.of(r.scopesUsed());
        for (CredentialRecord c : r.credentials().values()) {
            Credential x = new Credential(c.type(), c.issuer(), c.id(), c.firstSeen(), c.lastSeen());
            for (CredentialKind k : c.kinds()) {
                x.kinds |= 1 << k.ordinal();
            }
            x.requestCount = c.requestCount();
            x.expiresAt = c.expiresAt();
            x.longestTokenLifetime = c.longestTokenLifetime();
            x.unboundSensitiveUses = c.unboundSensitiveUses();
            if (c.misuses() > 0 || c.lastMisused() != null) {
                x.misuse = new Misuse(c.misuses(), c.lastMisused());
            }
            e.add(x);
        }
        return e;
    }

    /** Folds one more request in, as {@link Ledger#observe} does. */
    void observe(Observation o) {
        observe(o, true);
    }

    private void observe(Observation o, boolean seenBefore) {
        Instant now = o.now();
        if (o.misused()) {
            misused(o);
            return;
        }
        if (seenBefore) {
            firstSeen = Ledger.min(firstSeen, now);
            lastSeen = Ledger.max(lastSeen, now);
        }
        requestCount++;
        kinds |= 1 << o.kind().ordinal();
        scopesGranted = Stamps.stamp(scopesGranted, o.granted(), now);
        scopesUsed = Stamps.stamp(scopesUsed, o.exercised(), now);
        if (o.tokenClientId() != null) {
            credential(
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
                    CredentialRecord.Type.CERTIFICATE, null, o.thumbprint(), o, o.certificateExpiresAt(), null, false);
        }
        trimCredentials();
    }

    private void credential(
            CredentialRecord.Type type,
            @Nullable String issuer,
            String credentialId,
            Observation o,
            @Nullable Instant expiresAt,
            @Nullable Duration lifetime,
            boolean unboundSensitive) {
        // the most recently seen goes last
        Credential c = find(type, issuer, credentialId);
        Instant now = o.now();
        if (c == null) {
            c = new Credential(type, issuer, credentialId, now, now);
            c.expiresAt = expiresAt;
            c.longestTokenLifetime = lifetime;
            add(c);
        } else {
            c.firstSeen = Ledger.min(c.firstSeen, now);
            c.lastSeen = Ledger.max(c.lastSeen, now);
            if (expiresAt != null) {
                // tokens of one client come and go: keep the latest expiry seen
                c.expiresAt = type == CredentialRecord.Type.TOKEN && c.expiresAt != null
                        ? Ledger.max(expiresAt, c.expiresAt)
                        : expiresAt;
            }
            if (c.longestTokenLifetime == null || lifetime != null && lifetime.compareTo(c.longestTokenLifetime) > 0) {
                c.longestTokenLifetime = lifetime != null ? lifetime : c.longestTokenLifetime;
            }
        }
        c.kinds |= 1 << o.kind().ordinal();
        c.requestCount++;
        if (unboundSensitive) {
            c.unboundSensitiveUses++;
        }
    }

    /**
     * Counts a misuse on the credential another sender presented: the caller's own use (count,
     * last seen, kinds, scopes) is untouched. The credential is added when the ledger does not know
     * it yet, within the same bound on credentials per caller.
     */
    private void misused(Observation o) {
        String tokenClientId = o.tokenClientId();
        String credentialId = tokenClientId != null ? tokenClientId : o.apiKeyId();
        if (credentialId == null) {
            return;
        }
        boolean token = tokenClientId != null;
        CredentialRecord.Type type = token ? CredentialRecord.Type.TOKEN : CredentialRecord.Type.API_KEY;
        String issuer = token ? o.issuer() : null;
        Credential c = find(type, issuer, credentialId);
        if (c == null) {
            c = new Credential(type, issuer, credentialId, o.now(), o.now());
            c.expiresAt = token ? o.tokenExpiresAt() : o.apiKeyExpiresAt();
            add(c);
            trimCredentials();
        }
        c.kinds |= 1 << o.kind().ordinal();
        if (c.misuse == null) {
            c.misuse = new Misuse(0, null);
        }
        c.misuse.count++;
        c.misuse.last = c.misuse.last == null ? o.now() : Ledger.max(c.misuse.last, o.now());
    }

    /** The credential, moved to the most recently seen end; null when the entry holds none such. */
    private @Nullable Credential find(CredentialRecord.Type type, @Nullable String issuer, String credentialId) {
        for (int i = credentialCount - 1; i >= 0; i--) {
            Credential x = credentials[i];
            if (x.is(type, issuer, credentialId)) {
                System.arraycopy(credentials, i + 1, credentials, i, credentialCount - 1 - i);
                credentials[credentialCount - 1] = x;
                return x;
            }
        }
        return null;
    }

    private void trimCredentials() {
        if (credentialCount > Ledger.MAX_CREDENTIALS_PER_CALLER) {
            int drop = credentialCount - Ledger.MAX_CREDENTIALS_PER_CALLER;
            System.arraycopy(credentials, drop, credentials, 0, Ledger.MAX_CREDENTIALS_PER_CALLER);
            java.util.Arrays.fill(credentials, Ledger.MAX_CREDENTIALS_PER_CALLER, credentialCount, null);
            credentialCount = Ledger.MAX_CREDENTIALS_PER_CALLER;
        }
    }

    /** The record as {@link Ledger#observe} would have made it. */
    CallerRecord toRecord() {
        LinkedHashMap<String, CredentialRecord> records = new LinkedHashMap<>();
        for (int i = 0; i < credentialCount; i++) {
            CredentialRecord r = credentials[i].toRecord();
            records.put(r.key(), r);
        }
        return new CallerRecord(
                key,
                firstSeen,
                lastSeen,
                requestCount,
                kindSet(kinds),
                Stamps.toMap(scopesGranted),
                Stamps.toMap(scopesUsed),
                records);
    }

    private void add(Credential c) {
        if (credentialCount == credentials.length) {
            credentials = java.util.Arrays.copyOf(credentials, 2 * credentials.length);
        }
        credentials[credentialCount++] = c;
    }

    private static Set<CredentialKind> kindSet(int bits) {
        EnumSet<CredentialKind> set = EnumSet.noneOf(CredentialKind.class);
        for (CredentialKind k : KINDS) {
            if ((bits & 1 << k.ordinal()) != 0) {
                set.add(k);
            }
        }
        return set;
    }

    /**
     * Scope to the latest time it was stamped: two small parallel arrays while there are few (a
     * caller's scopes are usually a handful; a HashMap per caller costs twice as much), a HashMap
     * beyond {@value #ARRAYS_UP_TO}, so that stamping stays cheap for a caller of many scopes.
     */
    private static final class Stamps {
        static final int ARRAYS_UP_TO = 8;

        private static final String[] NO_SCOPES = {};
        private static final Instant[] NO_TIMES = {};

        private String[] scopes = new String[1];
        private Instant[] times = new Instant[1];
        private int size;
        // once set, the arrays are dropped (NO_SCOPES, NO_TIMES)
        private @Nullable HashMap<String, Instant> map;

        /** Stamps with the scopes at {@code now}; null stays null when there is nothing to stamp. */
        static @Nullable Stamps stamp(@Nullable Stamps stamps, Set<String> scopes, Instant now) {
            if (scopes.isEmpty()) {
                return stamps;
            }
            Stamps s = stamps != null ? stamps : new Stamps();
            for (String scope : scopes) {
                s.stamp(scope, now);
            }
            if (s.map != null) {
                Ledger.trim(s.map);
            }
            return s;
        }

        static @Nullable Stamps of(Map<String, Instant> stamps) {
            Stamps s = null;
            for (Map.Entry<String, Instant> e : stamps.entrySet()) {
                s = s != null ? s : new Stamps();
                s.stamp(e.getKey(), e.getValue());
            }
            return s;
        }

        static Map<String, Instant> toMap(@Nullable Stamps s) {
            if (s == null) {
                return Map.of();
            }
            if (s.map != null) {
                return s.map;
            }
            HashMap<String, Instant> m = new HashMap<>();
            for (int i = 0; i < s.size; i++) {
                m.put(s.scopes[i], s.times[i]);
            }
            return m;
        }

        private void stamp(String scope, Instant at) {
            if (map != null) {
                map.merge(scope, at, Ledger::max);
                return;
            }
            for (int i = 0; i < size; i++) {
                if (scopes[i].equals(scope)) {
                    times[i] = Ledger.max(times[i], at);
                    return;
                }
            }
            if (size == ARRAYS_UP_TO) {
                map = new HashMap<>();
                for (int i = 0; i < size; i++) {
                    map.put(scopes[i], times[i]);
                }
                scopes = NO_SCOPES;
                times = NO_TIMES;
                map.put(scope, at);
                return;
            }
            if (size == scopes.length) {
                scopes = java.util.Arrays.copyOf(scopes, Math.min(ARRAYS_UP_TO, 2 * size));
                times = java.util.Arrays.copyOf(times, scopes.length);
            }
            scopes[size] = scope;
            times[size] = at;
            size++;
        }
    }

    /** How often a credential was presented by a sender that could not prove holding its key. */
    private static final class Misuse {
        long count;

        @Nullable
        Instant last;

        Misuse(long count, @Nullable Instant last) {
            this.count = count;
            this.last = last;
        }
    }

    /** One credential of the caller, changed in place. */
    private static final class Credential {
        final CredentialRecord.Type type;
        final @Nullable String issuer;
        final String id;
        int kinds;
        Instant firstSeen;
        Instant lastSeen;
        long requestCount;

        @Nullable
        Instant expiresAt;

        @Nullable
        Duration longestTokenLifetime;

        long unboundSensitiveUses;
        // made on the first misuse only: most credentials are never misused, and this is per caller
        @Nullable
        Misuse misuse;

        Credential(
                CredentialRecord.Type type, @Nullable String issuer, String id, Instant firstSeen, Instant lastSeen) {
            this.type = type;
            this.issuer = issuer;
            this.id = id;
            this.firstSeen = firstSeen;
            this.lastSeen = lastSeen;
        }

        boolean is(CredentialRecord.Type t, @Nullable String i, String credentialId) {
            return type == t && id.equals(credentialId) && java.util.Objects.equals(issuer, i);
        }

        CredentialRecord toRecord() {
            return new CredentialRecord(
                    type,
                    issuer,
                    id,
                    kindSet(kinds),
                    firstSeen,
                    lastSeen,
                    requestCount,
                    expiresAt,
                    longestTokenLifetime,
                    unboundSensitiveUses,
                    misuse == null ? 0 : misuse.count,
                    misuse == null ? null : misuse.last);
        }
    }
}
