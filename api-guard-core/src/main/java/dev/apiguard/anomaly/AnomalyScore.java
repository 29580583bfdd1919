package dev.apiguard.anomaly;

import dev.apiguard.CallerKey;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * A caller's anomaly score at one instant, with the reasons behind it. Immutable.
 *
 * @param caller the verified caller's key
 * @param score the sum of the contributions
 * @param reasons each signal that contributes, with its points, the largest first
 * @param action what the scorer currently does about the caller
 * @param at the instant the score was computed for
 */
public record AnomalyScore(
        CallerKey caller, double score, Map<Signal, Double> reasons, AnomalyAction action, Instant at) {

    public AnomalyScore {
        Objects.requireNonNull(caller, "caller cannot be null");
        Objects.requireNonNull(action, "action cannot be null");
        Objects.requireNonNull(at, "at cannot be null");
        if (reasons.isEmpty()) {
            // the usual score of a well-behaved caller, computed on each of its requests
            reasons = Map.of();
        } else {
            Map<Signal, Double> sorted = new LinkedHashMap<>();
            reasons.entrySet().stream()
                    .sorted(Map.Entry.<Signal, Double>comparingByValue().reversed())
                    .forEach(e -> sorted.put(e.getKey(), e.getValue()));
            reasons = Collections.unmodifiableMap(sorted);
        }
    }

    /** The reasons as {@code sequential=12.5 enumeration=3.0}, the largest first; empty when none. */
    public String reasonsText() {
        return reasons.entrySet().stream()
                .map(e -> e.getKey().signalName() + "=" + format(e.getValue()))
                .collect(Collectors.joining(" "));
    }

    static String format(double v) {
        return String.format(java.util.Locale.ROOT, "%.1f", v);
    }
}
