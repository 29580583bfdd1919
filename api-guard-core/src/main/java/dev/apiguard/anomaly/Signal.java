package dev.apiguard.anomaly;

/**
 * The behaviours the anomaly scorer measures per caller. Each signal has an intensity (0 while
 * the behaviour stays within its allowance, then one unit per step beyond it, at most
 * {@link AnomalyPolicy#MAX_INTENSITY}); its contribution to the score is intensity × the points
 * of its severity. Every measure decays (see {@link AnomalyPolicy.Builder#halfLife}), so the
 * score falls again when the behaviour stops.
 */
public enum Signal {
    /** Requests in the current minute far above the caller's own EWMA baseline, after the warm-up. */
    VOLUME("volume", Severity.NOTICE),
    /** Path-variable values on templated routes that the caller never asked for before, in a short memory. */
    ENUMERATION("enumeration", Severity.WARNING),
    /** Successive new ids that are neighbours walked in one direction ({@code ABC1234}, {@code ABC1235}, ...). */
    SEQUENTIAL("sequential", Severity.CRITICAL),
    /** The share of 404 answers among lookups on templated routes. */
    MISSES("misses", Severity.ERROR),
    /** 401, 403 and 405 answers to the verified caller, and 404s of unmapped routes (probing). */
    FAILURES("failures", Severity.ERROR),
    /** First use of a route outside the caller's history, after the warm-up. */
    NEW_ROUTE("new_route", Severity.NOTICE),
    /** Walking through a collection with {@code page}/{@code size}: distinct pages, weighted by page size. */
    PAGING("paging", Severity.WARNING),
    /** New ids over a long memory (hours): a scraper that stays under every short-term limit. */
    LOW_AND_SLOW("low_and_slow", Severity.ERROR);

    private final String signalName;
    private final Severity defaultSeverity;

    Signal(String signalName, Severity defaultSeverity) {
        this.signalName = signalName;
        this.defaultSeverity = defaultSeverity;
    }

    /** The stable name used in reasons and events, for example {@code sequential}. */
    public String signalName() {
        return signalName;
    }

    /** The severity the default policy gives this signal. */
    public Severity defaultSeverity() {
        return defaultSeverity;
    }
}
