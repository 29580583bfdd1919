package dev.apiguard;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The list of revoked credentials that {@code AccessTokenStep} checks on every request, after the
 * token is verified (a token found in the verified-token cache included): a client (every token of
 * it issued at or before the revocation), one token ({@code jti}, per issuer) or a certificate
 * (every token bound to its {@code x5t#S256} thumbprint, RFC 8705).
 *
 * <p>Contract for every implementation (local, Redis):
 * <ul>
 *   <li>{@link #revoked} is a look-up in memory (hash maps), never a call to another server: it
 *       runs on every request;</li>
 *   <li>a client revocation at {@code now} refuses every token of that client whose {@code iat} is
 *       at or before {@code now}, and a token without {@code iat}; a token issued after it passes
 *       (the client got new credentials);</li>
 *   <li>each entry lapses its {@linkplain #retention() retention} after it was made: set it to the
 *       longest token lifetime the token policy accepts plus its clock skew
 *       ({@code policy.maxLifetime().plus(policy.clockSkew())}), so that an entry outlives every
 *       token it cuts off and no longer;</li>
 *   <li>a revocation that could not be recorded throws {@link IllegalStateException}: an operator
 *       must know it did not happen.</li>
 * </ul>
 * Time is the {@code now} of each call, the guard's clock. Thread-safe.
 */
public interface Revocations {

    /** The longest retention: the longest token lifetime a token policy accepts (1 day) and a skew. */
    Duration MAX_RETENTION = Duration.ofDays(2);

    /**
     * Revokes every token of this client ({@link CallerKey#token(String, String)}: issuer and
     * client id) issued at or before {@code now}.
     *
     * @throws IllegalArgumentException when the key is not a token client's
     * @throws IllegalStateException when the revocation could not be recorded
     */
    void revokeClient(CallerKey client, Instant now);

    /**
     * Revokes the token of this issuer with this {@code jti}.
     *
     * @throws IllegalStateException when the revocation could not be recorded
     */
    void revokeToken(String issuer, String jti, Instant now);

    /**
     * Revokes every token bound to the certificate of this base64url SHA-256 thumbprint
     * ({@code x5t#S256}).
     *
     * @throws IllegalStateException when the revocation could not be recorded
     */
    void revokeCertificate(String x5tS256, Instant now);

    /**
     * Why the caller's credential is revoked at {@code now}, or empty when it is not: its client
     * (by {@link Caller#key()} and {@link Caller#issuedAt()}), its token ({@link Caller#issuer()}
     * and {@link Caller#tokenId()}) or its certificate ({@code cnf.x5t#S256} of the token, or the
     * certificate the caller was bound to).
     */
    Optional<Revocation.Kind> revoked(Caller caller, Instant now);

    /** Every entry in force at {@code now} (what this node knows), oldest revocation first. */
    List<Revocation> list(Instant now);

    /** How long an entry lasts after it was made. */
    Duration retention();
}
