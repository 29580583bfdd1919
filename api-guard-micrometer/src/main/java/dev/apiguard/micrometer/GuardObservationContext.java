package dev.apiguard.micrometer;

import dev.apiguard.Decision;
import dev.apiguard.GuardExchange;
import io.micrometer.observation.Observation;
import org.jspecify.annotations.Nullable;

/**
 * What an observation of one guard evaluation carries: the exchange (request, caller, refusing
 * step) and, once the steps decided, the {@link Decision}. A {@link GuardObservationConvention}
 * reads its key values from here. Used by one request thread at a time.
 */
public final class GuardObservationContext extends Observation.Context {

    private final GuardExchange exchange;
    private @Nullable Decision decision;

    /** The context of the evaluation of {@code exchange}. */
    public GuardObservationContext(GuardExchange exchange) {
        this.exchange = exchange;
    }

    /** The exchange being evaluated. */
    public GuardExchange exchange() {
        return exchange;
    }

    /** The decision, or null while the steps run (and when the evaluation threw). */
    public @Nullable Decision decision() {
        return decision;
    }

    /** Records the decision; called by {@link ObservationGuardObserver} before the observation stops. */
    public void decision(Decision decided) {
        this.decision = decided;
    }
}
