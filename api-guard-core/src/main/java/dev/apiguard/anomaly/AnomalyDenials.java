package dev.apiguard.anomaly;

import dev.apiguard.Decision;
import dev.apiguard.internal.Problems;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** The anomaly scorer's refusal: a quarantined caller. */
final class AnomalyDenials {

    private AnomalyDenials() {}

    /**
     * 429 for a caller the anomaly scorer quarantined, with {@code Retry-After} in whole seconds
     * (rounded up, at least 1) until the quarantine ends. No challenge: the credential is fine.
     */
    static Decision.Deny quarantined(Duration retryAfter) {
        Objects.requireNonNull(retryAfter, "retryAfter cannot be null");
        long seconds = Math.max(1, retryAfter.getSeconds() + (retryAfter.getNano() > 0 ? 1 : 0));
        return new Decision.Deny(
                429,
                List.of(),
                Problems.of(
                        "quarantined",
                        "Too many requests",
                        429,
                        "This client is temporarily refused. Retry after the time given in Retry-After."),
                Map.of("Retry-After", Long.toString(seconds)));
    }
}
