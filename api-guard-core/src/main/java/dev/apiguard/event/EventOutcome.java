package dev.apiguard.event;

import java.util.Locale;

/**
 * What kind of outcome an event reports; metrics group events by it (the {@code outcome} tag of
 * {@code apiguard.events} in api-guard-micrometer).
 */
public enum EventOutcome {
    /** A credential or a request was accepted. */
    ACCEPTED,
    /** A request was refused. */
    REFUSED,
    /** Something worth knowing that decided nothing. */
    NOTICE,
    /** The anomaly scorer changed its view of a caller. */
    ANOMALY,
    /** A dependency or a step failed. */
    FAULT,
    /** A dependency answers again. */
    RECOVERED;

    private final String tag = name().toLowerCase(Locale.ROOT);

    /** The outcome in lower case, as metrics tag it: {@code accepted}, {@code refused}, ... */
    public String tag() {
        return tag;
    }
}
