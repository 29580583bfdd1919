package dev.apiguard;

import dev.apiguard.internal.Check;
import dev.apiguard.internal.RevocationEntries;
import dev.apiguard.internal.RevocationSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@link Revocations} in this JVM, for one app node (a fleet shares the Redis store,
 * {@code RedisGuardState.revocations(...)}): an immutable set of entries, replaced whole on each
 * revocation, so that the request path reads hash maps without a lock.
 *
 * <p>Bounded: at most {@code maximumSize} entries in force (default
 * {@value #DEFAULT_MAXIMUM_SIZE}). Lapsed entries are dropped on each revocation; when the list
 * is still full, {@code revoke...} throws {@link IllegalStateException} and records nothing: an
 * entry in force is never evicted to make room (that would silently let a revoked credential
 * back in), and the operator learns the revocation did not happen. A revocation of a credential
 * already listed replaces its entry and never counts twice. Thread-safe.
 */
public final class LocalRevocations implements Revocations {

    /** The default maximum number of entries in force. */
    public static final int DEFAULT_MAXIMUM_SIZE = 10_000;

    private final Duration retention;
    private final int maximumSize;
    private volatile RevocationSet set = RevocationSet.EMPTY;

    private LocalRevocations(Duration retention, int maximumSize) {
        this.retention = retention;
        this.maximumSize = maximumSize;
    }

    /**
     * A list whose entries last {@code retention} (1 s to {@link Revocations#MAX_RETENTION}): the
     * token policy's {@code maxLifetime().plus(clockSkew())}; at most
     * {@value #DEFAULT_MAXIMUM_SIZE} entries.
     */
    public static LocalRevocations of(Duration retention) {
        return new LocalRevocations(RevocationEntries.retention(retention), DEFAULT_MAXIMUM_SIZE);
    }

    /** This list's retention with at most {@code maximumSize} entries in force (1 to 1,000,000). */
    public LocalRevocations withMaximumSize(int entries) {
        return new LocalRevocations(retention, Check.between("maximumSize", entries, 1, 1_000_000));
    }

    @Override
    public void revokeClient(CallerKey client, Instant now) {
        add(RevocationEntries.client(client, now, retention));
    }

    @Override
    public void revokeToken(String issuer, String jti, Instant now) {
        add(RevocationEntries.token(issuer, jti, now, retention));
    }

    @Override
    public void revokeCertificate(String x5tS256, Instant now) {
        add(RevocationEntries.certificate(x5tS256, now, retention));
    }

    private synchronized void add(Revocation entry) {
        Instant now = entry.revokedAt();
        List<Revocation> kept = new ArrayList<>();
        for (Revocation r : set.all()) {
            if (now.isBefore(r.expiresAt()) && !sameCredential(r, entry)) {
                kept.add(r);
            }
        }
        if (kept.size() >= maximumSize) {
            throw new IllegalStateException("revocations: the list is full (maximumSize " + maximumSize
                    + " entries in force); nothing revoked");
        }
        kept.add(entry);
        set = RevocationSet.of(kept);
    }

    private static boolean sameCredential(Revocation a, Revocation b) {
        return a.kind() == b.kind() && a.id().equals(b.id()) && java.util.Objects.equals(a.issuer(), b.issuer());
    }

    @Override
    public Optional<Revocation.Kind> revoked(Caller caller, Instant now) {
        return Optional.ofNullable(set.revoked(caller, now));
    }

    @Override
    public List<Revocation> list(Instant now) {
        return set.inForce(now);
    }

    @Override
    public Duration retention() {
        return retention;
    }

    @Override
    public String toString() {
        return "LocalRevocations[retention=" + retention + ", maximumSize=" + maximumSize + "]";
    }
}
