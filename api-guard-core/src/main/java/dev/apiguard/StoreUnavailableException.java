package dev.apiguard;

/**
 * A shared store (the Redis quarantine list, for example) cannot answer and its failure policy
 * says to fail closed. Thrown from a store look-up inside a step; the guard answers the request
 * with 503 and {@code Retry-After: 1} ({@link Denials#unavailable(long)}), raises a
 * {@code guard.step_failed} event, and logs one line at DEBUG without a stack trace: the store
 * already reported that it went away (once per transition), so a dead store does not write an
 * ERROR with a stack trace for every request.
 *
 * <p>The message names the store, never a caller or a credential.
 */
public class StoreUnavailableException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    /** A store that cannot answer; {@code message} names the store and the operation. */
    public StoreUnavailableException(String message) {
        super(message);
    }

    /** A store that cannot answer, with the fault of its client. */
    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
