package dev.apiguard.inventory.internal;

import dev.apiguard.CredentialKind;
import dev.apiguard.inventory.CallerRecord;
import dev.apiguard.inventory.CredentialRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One caller's ledger state, changed in place by each request: what {@link Ledger#observe} computes
 * as a new {@link CallerRecord}, without copying the record, its maps and its credentials on every
 * request. {@link #toRecord()} gives the same record {@link Ledger#observe} would have. Not
 * thread-safe: {@link BoundedLedgerStore} changes and reads it under its lock.
 */
final class LedgerEntry {

    private static final CredentialKind[] KINDS = CredentialKind.values();

    private final String id;
    private Instant firstSeen;
    private Instant lastSeen;
    private long requestCount;
    private int kinds;
    private HashMap<String, Instant> scopesGranted;
    private HashMap<String, Instant> scopesUsed;
    /** Least recently seen first, at most {@link Ledger#MAX_CREDENTIALS_PER_CALLER}. */
    private final ArrayList<Credential> credentials = new ArrayList<>(2);

    private LedgerEntry(String id) {
        this.id = id;
    }

    /** The entry of a caller first seen in this request. */
    static LedgerEntry first(String id, Observation o) {
        LedgerEntry e = new LedgerEntry(id);
        e.firstSeen = o.now();
        e.lastSeen = o.now();
        e.observe(o, false);
        return e;
    }

    /** The entry holding what the record says. */
    static LedgerEntry of(CallerRecord r) {
        LedgerEntry e = new LedgerEntry(r.id());
        e.firstSeen = r.firstSeen();
        e.lastSeen = r.lastSeen();
        e.requestCount = r.requestCount();
        for (CredentialKind k : r.credentialKinds()) {
            e.kinds |= 1 << k.ordinal();
        }
        e.scopesGranted = r.scopesGranted().isEmpty() ? null : new HashMap<>(r.scopesGranted());
        e.scopesUsed = r.scopesUsed().isEmpty() ? null : new HashMap<>(r.scopesUsed());
        for (CredentialRecord c : r.credentials().values()) {
            Credential x = new Credential(c.type(), c.issuer(), c.id());
            for (CredentialKind k : c.kinds()) {
                x.kinds |= 1 << k.ordinal();
            }
            x.firstSeen = c.firstSeen();
            x.lastSeen = c.lastSeen();
            x.requestCount = c.requestCount();
            x.expiresAt = c.expiresAt();
            x.longestTokenLifetime = c.longestTokenLifetime();
            x.unboundSensitiveUses = c.unboundSensitiveUses();
            e.credentials.add(x);
        }
        return e;
    }

    /** Folds one more request in, as {@link Ledger#observe} does. */
    void observe(Observation o) {
        observe(o, true);
    }

    private void observe(Observation o, boolean seenBefore) {
        Instant now = o.now();
        if (seenBefore) {
            firstSeen = Ledger.min(firstSeen, now);
            lastSeen = Ledger.max(lastSeen, now);
        }
        requestCount++;
        kinds |= 1 << o.kind().ordinal();
        scopesGranted = stamp(scopesGranted, o.granted(), now);
        scopesUsed = stamp(scopesUsed, o.exercised(), now);
        if (o.tokenClientId() != null) {
            credential(CredentialRecord.Type.TOKEN, o.issuer(), o.tokenClientId(), o, o.tokenExpiresAt(),
                    o.tokenLifetime(), o.unboundOnSensitiveRoute());
        }
        if (o.apiKeyId() != null) {
            credential(CredentialRecord.Type.API_KEY, null, o.apiKeyId(), o, o.apiKeyExpiresAt(), null,
                    o.unboundOnSensitiveRoute());
        }
        if (o.thumbprint() != null) {
            credential(CredentialRecord.Type.CERTIFICATE, null, o.thumbprint(), o, o.certificateExpiresAt(), null, false);
        }
        while (credentials.size() > Ledger.MAX_CREDENTIALS_PER_CALLER) {
            credentials.remove(0);
        }
    }

    private void credential(CredentialRecord.Type type, String issuer, String credentialId, Observation o,
            Instant expiresAt, Duration lifetime, boolean unboundSensitive) {
        Credential c = null;
        for (int i = credentials.size() - 1; i >= 0; i--) {
            Credential x = credentials.get(i);
            if (x.is(type, issuer, credentialId)) {
                c = x;
                if (i != credentials.size() - 1) {
                    // the most recently seen goes last
                    credentials.remove(i);
                    credentials.add(c);
                }
                break;
            }
        }
        Instant now = o.now();
        if (c == null) {
            c = new Credential(type, issuer, credentialId);
            c.firstSeen = now;
            c.lastSeen = now;
            c.expiresAt = expiresAt;
            c.longestTokenLifetime = lifetime;
            credentials.add(c);
        } else {
            c.firstSeen = Ledger.min(c.firstSeen, now);
            c.lastSeen = Ledger.max(c.lastSeen, now);
            if (expiresAt != null) {
                // tokens of one client come and go: keep the latest expiry seen
                c.expiresAt = type == CredentialRecord.Type.TOKEN && c.expiresAt != null
                        ? Ledger.max(expiresAt, c.expiresAt) : expiresAt;
            }
            if (c.longestTokenLifetime == null
                    || lifetime != null && lifetime.compareTo(c.longestTokenLifetime) > 0) {
                c.longestTokenLifetime = lifetime != null ? lifetime : c.longestTokenLifetime;
            }
        }
        c.kinds |= 1 << o.kind().ordinal();
        c.requestCount++;
        if (unboundSensitive) {
            c.unboundSensitiveUses++;
        }
    }

    private static HashMap<String, Instant> stamp(HashMap<String, Instant> stamps, Set<String> scopes, Instant now) {
        if (scopes.isEmpty()) {
            return stamps;
        }
        HashMap<String, Instant> next = stamps != null ? stamps : new HashMap<>();
        for (String s : scopes) {
            next.merge(s, now, Ledger::max);
        }
        Ledger.trim(next);
        return next;
    }

    /** The record as {@link Ledger#observe} would have made it. */
    CallerRecord toRecord() {
        LinkedHashMap<String, CredentialRecord> records = new LinkedHashMap<>();
        for (Credential c : credentials) {
            CredentialRecord r = c.toRecord();
            records.put(r.key(), r);
        }
        return new CallerRecord(id, firstSeen, lastSeen, requestCount, kindSet(kinds),
                scopesGranted == null ? Map.of() : scopesGranted, scopesUsed == null ? Map.of() : scopesUsed, records);
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

    /** One credential of the caller, changed in place. */
    private static final class Credential {
        final CredentialRecord.Type type;
        final String issuer;
        final String id;
        int kinds;
        Instant firstSeen;
        Instant lastSeen;
        long requestCount;
        Instant expiresAt;
        Duration longestTokenLifetime;
        long unboundSensitiveUses;

        Credential(CredentialRecord.Type type, String issuer, String id) {
            this.type = type;
            this.issuer = issuer;
            this.id = id;
        }

        boolean is(CredentialRecord.Type t, String i, String credentialId) {
            return type == t && id.equals(credentialId) && java.util.Objects.equals(issuer, i);
        }

        CredentialRecord toRecord() {
            return new CredentialRecord(type, issuer, id, kindSet(kinds), firstSeen, lastSeen, requestCount, expiresAt,
                    longestTokenLifetime, unboundSensitiveUses);
        }
    }
}
