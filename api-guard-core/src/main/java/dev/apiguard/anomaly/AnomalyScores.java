package dev.apiguard.anomaly;

import dev.apiguard.CallerKey;
import java.util.Optional;

/** Read access to the current anomaly scores, for a governance view. Thread-safe. */
public interface AnomalyScores {

    /** The caller's current score, decayed to now, with reasons and action; empty when the caller is not tracked. */
    Optional<AnomalyScore> scoreOf(CallerKey caller);
}
