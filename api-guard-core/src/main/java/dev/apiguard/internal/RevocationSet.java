package dev.apiguard.internal;

import dev.apiguard.Caller;
import dev.apiguard.CallerKey;
import dev.apiguard.Revocation;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * An immutable set of revocations indexed for the request path: three hash maps, read without
 * locks or allocation. A store replaces its whole set on each change (revocations are few and
 * written by admins), so a reader sees one consistent set through a volatile field.
 */
public final class RevocationSet {

    /** The set without entries. */
    public static final RevocationSet EMPTY = new RevocationSet(List.of());

    private final Map<CallerKey, Revocation> clients;
    // issuer -> jti -> entry: a look-up allocates no composite key
    private final Map<String, Map<String, Revocation>> tokens;
    private final Map<String, Revocation> certificates;
    private final int size;

    private RevocationSet(Collection<Revocation> entries) {
        Map<CallerKey, Revocation> c = new HashMap<>();
        Map<String, Map<String, Revocation>> t = new HashMap<>();
        Map<String, Revocation> x = new HashMap<>();
        for (Revocation r : entries) {
            switch (r.kind()) {
                case CLIENT -> c.merge(CallerKey.token(issuerOf(r), r.id()), r, RevocationSet::later);
                case TOKEN ->
                    t.computeIfAbsent(issuerOf(r), k -> new HashMap<>()).merge(r.id(), r, RevocationSet::later);
                case CERTIFICATE -> x.merge(r.id(), r, RevocationSet::later);
            }
        }
        this.clients = c;
        this.tokens = t;
        this.certificates = x;
        int n = c.size() + x.size();
        for (Map<String, Revocation> m : t.values()) {
            n += m.size();
        }
        this.size = n;
    }

    /** A set of these entries; of two entries of one credential, the later revocation is kept. */
    public static RevocationSet of(Collection<Revocation> entries) {
        return entries.isEmpty() ? EMPTY : new RevocationSet(entries);
    }

    private static String issuerOf(Revocation r) {
        String issuer = r.issuer();
        if (issuer == null) {
            throw new IllegalArgumentException("a client or token revocation needs its issuer");
        }
        return issuer;
    }

    private static Revocation later(Revocation a, Revocation b) {
        return b.revokedAt().isAfter(a.revokedAt()) ? b : a;
    }

    /** How many entries (one per credential), lapsed ones included. */
    public int size() {
        return size;
    }

    /** Why the caller is refused at {@code now}, or null. */
    public Revocation.@Nullable Kind revoked(Caller caller, Instant now) {
        if (size == 0) {
            return null; // the usual case: nothing is revoked
        }
        if (!clients.isEmpty()) {
            Revocation r = clients.get(caller.key());
            if (r != null && now.isBefore(r.expiresAt())) {
                Instant iat = caller.issuedAt();
                // a token issued in the very second of the revocation is refused: iat has no finer
                // precision, so it may have been issued before it
                if (iat == null || !iat.isAfter(r.revokedAt())) {
                    return Revocation.Kind.CLIENT;
                }
            }
        }
        String jti = caller.tokenId();
        String issuer = caller.issuer();
        if (jti != null && issuer != null && !tokens.isEmpty()) {
            Map<String, Revocation> ofIssuer = tokens.get(issuer);
            Revocation r = ofIssuer == null ? null : ofIssuer.get(jti);
            if (r != null && now.isBefore(r.expiresAt())) {
                return Revocation.Kind.TOKEN;
            }
        }
        if (!certificates.isEmpty()
                && (lapsesAfter(certificates.get(caller.confirmation().x5tS256()), now)
                        || lapsesAfter(certificates.get(caller.certificateThumbprint()), now))) {
            return Revocation.Kind.CERTIFICATE;
        }
        return null;
    }

    private static boolean lapsesAfter(@Nullable Revocation r, Instant now) {
        return r != null && now.isBefore(r.expiresAt());
    }

    /** The entries still in force at {@code now}, oldest revocation first. */
    public List<Revocation> inForce(Instant now) {
        List<Revocation> out = new ArrayList<>();
        for (Revocation r : all()) {
            if (now.isBefore(r.expiresAt())) {
                out.add(r);
            }
        }
        out.sort(Comparator.comparing(Revocation::revokedAt));
        return out;
    }

    /** Every entry, lapsed ones included. */
    public List<Revocation> all() {
        List<Revocation> out = new ArrayList<>(clients.values());
        for (Map<String, Revocation> m : tokens.values()) {
            out.addAll(m.values());
        }
        out.addAll(certificates.values());
        return out;
    }
}
