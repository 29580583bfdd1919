package dev.apiguard;

import dev.apiguard.internal.Check;
import java.time.Instant;
import java.util.Objects;
import java.util.function.Function;

/**
 * A replay check that a step deferred ({@link GuardExchange#deferReplayCheck}), so that a later
 * step can make it in the same call to its store as its own work: the rate limiter's bucket and a
 * DPoP proof's {@code jti} in one Redis script, one round trip for both. Whoever takes it from the
 * exchange ({@link GuardExchange#takeReplayCheck()}) must {@link #resolve} it with the cache's
 * outcome, exactly once; a check nobody took is made by the guard itself after the last step
 * ({@link #check}), so a deferred check is never skipped. Not thread-safe: it belongs to one request.
 */
public final class DeferredReplayCheck {

    private final GuardStep owner;
    private final ReplayCache cache;
    private final ReplayCache.Claim claim;
    private final Function<ReplayCache.Outcome, Decision> onOutcome;
    private boolean resolved;
    private boolean refused;

    DeferredReplayCheck(
            GuardStep owner,
            ReplayCache cache,
            ReplayCache.Claim claim,
            Function<ReplayCache.Outcome, Decision> onOutcome) {
        this.owner = Check.notNull("owner", owner);
        this.cache = Check.notNull("cache", cache);
        this.claim = Check.notNull("claim", claim);
        this.onOutcome = Check.notNull("onOutcome", onOutcome);
    }

    /** The step that deferred the check: a refusal is its refusal ({@link GuardExchange#deniedBy()}). */
    public GuardStep owner() {
        return owner;
    }

    /** The cache that must record the claim. */
    public ReplayCache cache() {
        return cache;
    }

    /** What to record. */
    public ReplayCache.Claim claim() {
        return claim;
    }

    /**
     * Hands the cache's outcome (obtained by the caller, joined to its own store call) to the owner,
     * which answers with its decision: allow on {@link ReplayCache.Outcome#FIRST_USE}, else its
     * refusal (with its events).
     *
     * @throws IllegalStateException when the check was resolved already
     */
    public Decision resolve(ReplayCache.Outcome outcome) {
        Check.notNull("outcome", outcome);
        if (resolved) {
            throw new IllegalStateException("the replay check was resolved already");
        }
        resolved = true;
        Decision d = Objects.requireNonNull(onOutcome.apply(outcome), "the owner's decision cannot be null");
        refused = !d.isAllowed();
        return d;
    }

    /** Makes the check on its own: asks the cache, then resolves. */
    public Decision check(Instant now) {
        return resolve(cache.firstUse(claim, now));
    }

    /** Whether it was resolved with a refusal. */
    boolean refused() {
        return refused;
    }
}
