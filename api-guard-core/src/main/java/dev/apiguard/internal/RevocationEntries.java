package dev.apiguard.internal;

import dev.apiguard.CallerKey;
import dev.apiguard.Revocation;
import dev.apiguard.Revocations;
import java.time.Duration;
import java.time.Instant;

/**
 * The entries every {@link Revocations} store records, checked the same way in each: what
 * {@code revokeClient}, {@code revokeToken} and {@code revokeCertificate} turn their arguments
 * into, and the retention a store accepts.
 */
public final class RevocationEntries {

    private RevocationEntries() {}

    /** Checks a retention: 1 s to {@link Revocations#MAX_RETENTION}. */
    public static Duration retention(Duration retention) {
        return Check.between("retention", retention, Duration.ofSeconds(1), Revocations.MAX_RETENTION);
    }

    /** Every token of a token client issued at or before {@code now}, for {@code retention}. */
    public static Revocation client(CallerKey client, Instant now, Duration retention) {
        Check.notNull("client", client);
        String issuer = client.issuer();
        if (client.namespace() != CallerKey.Namespace.TOKEN || issuer == null) {
            throw new IllegalArgumentException("client must be a token client's key (CallerKey.token): " + client);
        }
        return new Revocation(
                Revocation.Kind.CLIENT, issuer, client.id(), Check.notNull("now", now), now.plus(retention));
    }

    /** One token by its issuer and {@code jti}, for {@code retention}. */
    public static Revocation token(String issuer, String jti, Instant now, Duration retention) {
        return new Revocation(
                Revocation.Kind.TOKEN,
                Check.notBlank("issuer", issuer),
                Check.notBlank("jti", jti),
                Check.notNull("now", now),
                now.plus(retention));
    }

    /** Every token bound to a certificate (its {@code x5t#S256}), for {@code retention}. */
    public static Revocation certificate(String x5tS256, Instant now, Duration retention) {
        return new Revocation(
                Revocation.Kind.CERTIFICATE,
                null,
                Check.notBlank("x5tS256", x5tS256),
                Check.notNull("now", now),
                now.plus(retention));
    }
}
