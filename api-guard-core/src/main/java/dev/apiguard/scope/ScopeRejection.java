package dev.apiguard.scope;

import dev.apiguard.event.ReasonCode;

/**
 * Why the route step refused a verified credential: the {@code reason} detail of the
 * {@code token.rejected} event it raises. (Its refusals of a malformed request are
 * {@link dev.apiguard.event.RequestInvalidReason}; a missing scope is {@code scope.denied}.)
 */
public enum ScopeRejection implements ReasonCode {
    /** The route needs a sender-constrained credential (mTLS- or DPoP-bound) and the caller's is not. */
    SENDER_CONSTRAINT_REQUIRED("sender_constraint_required");

    private final String code;

    ScopeRejection(String code) {
        this.code = code;
    }

    @Override
    public String code() {
        return code;
    }
}
