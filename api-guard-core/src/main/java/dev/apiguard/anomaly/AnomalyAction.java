package dev.apiguard.anomaly;

/** What the anomaly scorer does about a caller, from the mildest to the strongest. */
public enum AnomalyAction {
    /** The score is below every threshold. */
    NONE,
    /** The score reached the observe threshold: an event, nothing else. */
    OBSERVE,
    /** The score reached the throttle threshold: the caller's rate-limit factor is lowered. */
    THROTTLE,
    /** The score reached the quarantine threshold: the caller is refused with 429 until the quarantine ends. */
    QUARANTINE
}
