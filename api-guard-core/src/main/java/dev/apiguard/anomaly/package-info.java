/**
 * Anomaly scoring per verified caller: behaviour profiles, a decaying score with reasons, and the
 * control loop into rate limits ({@link dev.apiguard.ThrottleControl}) and quarantine
 * ({@link dev.apiguard.QuarantineStore}). Start at {@link dev.apiguard.anomaly.AnomalyScoringStep}
 * and {@link dev.apiguard.anomaly.AnomalyPolicy}.
 */
@NullMarked
package dev.apiguard.anomaly;

import org.jspecify.annotations.NullMarked;
