package dev.apiguard.inventory;

import dev.apiguard.CallerKey;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Where the inventory reads a caller's current anomaly score and the last action taken against it
 * (SPI). The inventory does not depend on the anomaly scorer; the application wires one to the
 * other. Asked when a report is made, never on the request path.
 *
 * <p>Contract: thread-safe, fast, does not throw; {@link #NONE} (the default) knows nothing.
 */
@FunctionalInterface
public interface RiskView {

    /** A view that knows no caller. */
    RiskView NONE = (caller, at) -> Optional.empty();

    /** The caller's risk as of {@code at} (the report's instant), or empty when the scorer has no profile of it. */
    Optional<Risk> riskOf(CallerKey caller, java.time.Instant at);

    /**
     * A caller's risk as the anomaly scorer sees it now.
     *
     * @param score the current anomaly score (higher is more suspicious)
     * @param lastAction the last action taken against the caller ({@code throttle},
     *     {@code quarantine}, ...), or {@code null} for none
     */
    record Risk(double score, @Nullable String lastAction) {
        public Risk {
            if (Double.isNaN(score) || Double.isInfinite(score)) {
                throw new IllegalArgumentException("score must be a finite number");
            }
        }

        /** A risk with a score and no action. */
        public static Risk of(double score) {
            return new Risk(score, null);
        }

        @Override
        public String toString() {
            return "Risk[score=" + score + ", lastAction=" + Objects.toString(lastAction) + "]";
        }
    }
}
