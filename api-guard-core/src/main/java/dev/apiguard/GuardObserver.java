package dev.apiguard;

/**
 * Watches each evaluation of the guard: {@link #start} before the steps run, then
 * {@link Evaluation#decided} with the decision (the refusing step is
 * {@link GuardExchange#deniedBy()}, the caller {@link GuardExchange#caller()}). api-guard-micrometer
 * turns each evaluation into a Micrometer {@code Observation} (a timer, and a span with Micrometer
 * Tracing); the core itself stays free of any metrics or tracing library.
 *
 * <p>One evaluation per {@link ApiGuard#evaluate} call: one per request with {@code ApiGuardFilter},
 * one per filter with per-step filters. The default, {@link #NONE}, costs one reference comparison
 * per request. Implementations are called on request threads, must be fast and thread-safe, and
 * should not throw: what an observer throws is logged and the request goes on as decided.
 */
public interface GuardObserver {

    /** Observes nothing; the guard skips the hook altogether. */
    GuardObserver NONE = exchange -> Evaluation.NONE;

    /**
     * Called before the steps run on the exchange; returns what is told the outcome (a shared
     * {@link Evaluation#NONE} when nothing is to be recorded for this request).
     */
    Evaluation start(GuardExchange exchange);

    /** One evaluation being observed. */
    interface Evaluation {

        /** Records nothing. */
        Evaluation NONE = decision -> {};

        /** The steps decided; the exchange now holds the refusing step and the caller, if any. */
        void decided(Decision decision);

        /** The evaluation threw instead of deciding (the adapter answers 503). Default: nothing. */
        default void failed(RuntimeException fault) {}
    }
}
