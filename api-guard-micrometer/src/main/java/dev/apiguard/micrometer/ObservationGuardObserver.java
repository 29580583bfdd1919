package dev.apiguard.micrometer;

import dev.apiguard.ApiGuard;
import dev.apiguard.Decision;
import dev.apiguard.GuardExchange;
import dev.apiguard.GuardObserver;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Observes each guard evaluation with Micrometer's Observation API: one observation per
 * {@link ApiGuard#evaluate} (per request with {@code ApiGuardFilter}), named and tagged by
 * {@link DefaultGuardObservationConvention} (outcome, refusing step, credential kind; the caller's
 * id as a high-cardinality key). With Micrometer Tracing each becomes a span, child of the
 * request's server span; with a {@code MeterRegistry} handler a timer {@code apiguard.decision}.
 *
 * <pre>{@code
 * ApiGuard guard = ApiGuard.builder()
 *     .observer(ObservationGuardObserver.of(observationRegistry))
 *     ...
 * }</pre>
 *
 * <p>When the registry is {@link ObservationRegistry#NOOP} or has no handler, no observation is
 * recorded and nothing is allocated per request. Thread-safe.
 */
public final class ObservationGuardObserver implements GuardObserver {

    private static final DefaultGuardObservationConvention DEFAULT = new DefaultGuardObservationConvention();

    private final ObservationRegistry registry;
    private final @Nullable GuardObservationConvention convention;

    private ObservationGuardObserver(ObservationRegistry registry, @Nullable GuardObservationConvention convention) {
        this.registry = Objects.requireNonNull(registry, "observationRegistry cannot be null");
        this.convention = convention;
    }

    /** An observer recording into {@code registry} with the default convention (or the registry's global one). */
    public static ObservationGuardObserver of(ObservationRegistry registry) {
        return new ObservationGuardObserver(registry, null);
    }

    /** An observer recording into {@code registry}, named and tagged by {@code convention}. */
    public static ObservationGuardObserver of(ObservationRegistry registry, GuardObservationConvention convention) {
        return new ObservationGuardObserver(
                registry, Objects.requireNonNull(convention, "observationConvention cannot be null"));
    }

    @Override
    public Evaluation start(GuardExchange exchange) {
        if (registry.isNoop()) {
            return Evaluation.NONE;
        }
        GuardObservationContext context = new GuardObservationContext(exchange);
        Observation observation = Observation.createNotStarted(convention, DEFAULT, () -> context, registry)
                .start();
        if (observation.isNoop()) {
            return Evaluation.NONE;
        }
        return new Evaluation() {
            @Override
            public void decided(Decision decision) {
                context.decision(decision);
                observation.stop();
            }

            @Override
            public void failed(RuntimeException fault) {
                observation.error(fault);
                observation.stop();
            }
        };
    }

    @Override
    public String toString() {
        return "ObservationGuardObserver[" + registry.getClass().getSimpleName() + "]";
    }
}
