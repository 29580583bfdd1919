package dev.apiguard;

import java.util.List;

/**
 * One check in the guard's pipeline.
 *
 * <p>Steps run in the order they were added to {@link ApiGuard.Builder}; that order is the
 * order of trust, fixed by each step's {@link #phase()}: admit (per address, before any credential
 * is read), authenticate (who is calling), bind (is it really them), protect (quarantine and rate
 * limit: may they call now), authorize (may they call this route), observe. The builder refuses
 * steps out of that order. The first step that answers {@link Decision.Deny} ends the line and
 * the rest do not run ({@link GuardExchange#deniedBy()} names it).
 *
 * <p>Implementations are thread-safe and shared by all requests; per-request state lives in the
 * {@link GuardExchange}. An expected refusal is a returned {@code Deny}, never an exception; an
 * exception means an infrastructure fault and is turned into a 503 by the guard.
 */
public interface GuardStep {

    /** A short stable name for logs and per-capability filters, for example {@code token}. */
    String name();

    /**
     * Where the step belongs in the pipeline; the builder refuses a step placed before one of an
     * earlier phase. Default {@link GuardPhase#ANY}: a host's step that fits anywhere.
     */
    default GuardPhase phase() {
        return GuardPhase.ANY;
    }

    /**
     * Called once when the step joins a guard ({@link ApiGuard.Builder#build()}), with what the
     * guard shares with its steps: its clock. A step that needs the time off the request path (a
     * report) keeps it from here; on the request path it reads {@link GuardExchange#now()}. A step
     * attached to several guards keeps the last one's context. Default: nothing.
     */
    default void attach(GuardContext context) {}

    /**
     * Called on every step, in order, before any step evaluates the request: records on the
     * exchange what later steps need to know from the request line alone (the route step records
     * the matched route, so that the authentication steps leave a public route's credentials
     * unread and the rate limiter knows the route's cost before the route is authorized). Must be
     * cheap, must not refuse, must not read a credential. Default: nothing.
     */
    default void prepare(GuardExchange exchange) {}

    /** Decides about the request in the exchange, and may record what it learnt there. */
    Decision evaluate(GuardExchange exchange);

    /**
     * Called with a request's final status, whether the application answered it or a step refused
     * it (observing steps such as anomaly scoring learn from both): after the application's answer,
     * and before a refusal is written, so that what a refusal counts is counted before the client
     * can send its next request. Default: nothing. Must be fast and must not throw.
     */
    default void completed(GuardExchange exchange, int status) {}

    /**
     * The challenges this step offers to a client that sent no credential (for example
     * {@code Bearer}); the guard sends all steps' challenges together. Default: none.
     */
    default List<Challenge> challenges() {
        return List.of();
    }
}
