package dev.apiguard.event;

/**
 * A reason code: why a credential or a request was refused, as events, logs and metrics carry it
 * in their {@code reason} detail. Every family of reasons is an enum implementing this interface
 * (for example {@code TokenVerification.Reason}, {@code DpopVerification.Reason},
 * {@link RequestInvalidReason}); {@link #code()} is the wire string, stable once released, which
 * clients, log queries and alerts match on.
 */
public interface ReasonCode {

    /** The wire string, lower-case with underscores, for example {@code expired}. */
    String code();
}
