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
    VOLUME("volume", Severity.NOTICE, 1, 1),
    /** Path-variable values on templated routes that the caller never asked for before, in a short memory. */
    ENUMERATION("enumeration", Severity.WARNING, 120, 60),
    /**
     * New ids that step along a walk: neighbours walked in one direction ({@code ABC1234},
     * {@code ABC1235}, ...), up to {@value Evidence#WALKS} walks followed at once.
     */
    SEQUENTIAL("sequential", Severity.CRITICAL, 5, 20),
    /** The share of 404 answers among lookups on templated routes. */
    MISSES("misses", Severity.ERROR, 0.3, 0.2),
    /** 401, 403 and 405 answers to the verified caller, and 404s of unmapped routes (probing). */
    FAILURES("failures", Severity.ERROR, 3, 3),
    /** First use of a route outside the caller's history, after the warm-up. */
    NEW_ROUTE("new_route", Severity.NOTICE, 0, 1),
    /** Walking through a collection with {@code page}/{@code size}: distinct pages, weighted by page size. */
    PAGING("paging", Severity.WARNING, 2, 1),
    /** New ids over a long memory (hours): a scraper that stays under every short-term limit. */
    LOW_AND_SLOW("low_and_slow", Severity.ERROR, 200, 100);

    private final String signalName;
    private final AnomalyPolicy.SignalSetting defaults;

    Signal(String signalName, Severity defaultSeverity, double defaultAllowance, double defaultStep) {
        this.signalName = signalName;
        this.defaults = new AnomalyPolicy.SignalSetting(defaultSeverity, defaultAllowance, defaultStep);
    }

    /** The stable name used in reasons and events, for example {@code sequential}. */
    public String signalName() {
        return signalName;
    }

    /** The severity the default policy gives this signal. */
    public Severity defaultSeverity() {
        return defaults.severity();
    }

    /**
     * What the default policy sets for this signal, the one place its defaults are stated:
     * severity, allowance and step (volume 1 / 1 times the bound; enumeration 120 / 60 new ids;
     * sequential 5 / 20 neighbour steps; misses 0.3 / 0.2 of lookups; failures 3 / 3; new route
     * 0 / 1; paging 2 / 1 full pages; low-and-slow 200 / 100 new ids).
     */
    public AnomalyPolicy.SignalSetting defaults() {
        return defaults;
    }
}
