package dev.apiguard.micrometer;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * Names an observation of a guard evaluation and its key values. Implement it (or extend
 * {@link DefaultGuardObservationConvention}) to add or change key values, and hand it to
 * {@link ObservationGuardObserver#of(io.micrometer.observation.ObservationRegistry,
 * GuardObservationConvention)}, or register it as a global convention of the registry.
 */
public interface GuardObservationConvention extends ObservationConvention<GuardObservationContext> {

    @Override
    default boolean supportsContext(Observation.Context context) {
        return context instanceof GuardObservationContext;
    }
}
