package dev.apiguard.anomaly;

/** How far the anomaly scorer acts on what it sees. */
public enum AnomalyMode {
    /** No profiles, no scores, no refusals: the step does nothing. */
    OFF,
    /** Shadow mode: profiles, scores and events as in {@link #ENFORCE}, but nobody is throttled or refused. */
    OBSERVE,
    /** Events, throttling through {@link dev.apiguard.ThrottleControl} and quarantine through the quarantine store (the default). */
    ENFORCE
}
