package dev.apiguard;

/**
 * Where a {@link GuardStep} belongs in the pipeline: the phases run in the order declared here,
 * and {@link ApiGuard.Builder#build()} refuses steps added out of this order.
 *
 * <p>The order is the order of trust, and each control's place follows from what an attacker
 * could do with it elsewhere:
 * <ol>
 *   <li>{@link #ADMIT}: limits per client address what arrives without a credential known to be
 *       valid, before any credential is parsed, so that junk costs no signature check;</li>
 *   <li>{@link #AUTHENTICATE}: who claims to call (a token, an API key, a client certificate);</li>
 *   <li>{@link #BIND}: whether the sender holds the key the credential is bound to; a refusal here
 *       withdraws the caller ({@link GuardExchange#credentialMisused}), so that a thief's requests
 *       count against his own address, never against the credential's owner;</li>
 *   <li>{@link #PROTECT}: the proven caller's quarantine and budget, before anything else is
 *       answered, so that every request a caller makes counts against its limit, whatever the
 *       answer (a 404 or a 403 too);</li>
 *   <li>{@link #AUTHORIZE}: may this caller call this route (scopes, deny by default);</li>
 *   <li>{@link #OBSERVE}: steps that never refuse and learn from the outcome (the inventory).</li>
 * </ol>
 * {@link #ANY} is for a host's own step that fits anywhere: the order check skips it, and the host
 * answers for its place.
 */
public enum GuardPhase {
    /** Per-address admission before any credential is read. */
    ADMIT,
    /** Authentication: a credential becomes a {@link Caller}. */
    AUTHENTICATE,
    /** Sender constraint: proof that the caller holds the credential's key. */
    BIND,
    /** Quarantine and rate limits of the proven caller. */
    PROTECT,
    /** Route authorization: scopes, deny by default. */
    AUTHORIZE,
    /** Observation only: never refuses. */
    OBSERVE,
    /** A host step without a fixed place; not checked. */
    ANY;

    /** The phase's name in lower case, as messages spell it. */
    String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
