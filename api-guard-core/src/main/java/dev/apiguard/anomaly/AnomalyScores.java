package dev.apiguard.anomaly;

import dev.apiguard.CallerKey;
import java.util.Optional;

/** Read access to the current anomaly scores, for a governance view. Thread-safe. */
public interface AnomalyScores {

    /**
     * The caller's score decayed to {@code at}, with reasons and action; empty when the caller is not
     * tracked (or was idle too long by then).
     */
    Optional<AnomalyScore> scoreOf(CallerKey caller, java.time.Instant at);
}
