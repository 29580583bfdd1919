package dev.apiguard.benchmarks;

import dev.apiguard.ApiGuard;
import dev.apiguard.Decision;
import dev.apiguard.GuardExchange;
import dev.apiguard.GuardPhase;
import dev.apiguard.GuardStep;
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.micrometer.ObservationGuardObserver;
import dev.apiguard.test.TestRequest;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What the observation hook ({@code GuardObserver}) costs per request: one guard evaluation (one
 * allowing step, no events, so that the hook is most of what differs) with no observer (the
 * default: the hook is skipped by one reference comparison), with
 * {@code ObservationGuardObserver} on {@link ObservationRegistry#NOOP} and on a registry without
 * handlers (what an application without Micrometer Tracing or metrics has), and, for scale, on a
 * registry with one handler that does nothing (an observation is made, started and stopped).
 * Target (issue 18): at most 20 ns per request over {@code noObserver} without a registry.
 *
 * <pre>java -jar api-guard-benchmarks/target/benchmarks.jar ObserverBenchmark -f 1 -wi 3 -i 5 -w 1s -r 1s</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ObserverBenchmark {

    private ApiGuard plain;
    private ApiGuard noopRegistry;
    private ApiGuard registryWithoutHandlers;
    private ApiGuard registryWithAHandler;
    private TestRequest request;

    @Setup
    public void setUp() {
        request = TestRequest.get("/customers/1");
        plain = guard(null);
        noopRegistry = guard(ObservationRegistry.NOOP);
        registryWithoutHandlers = guard(ObservationRegistry.create());
        ObservationRegistry handled = ObservationRegistry.create();
        handled.observationConfig().observationHandler(new ObservationHandler<>() {
            @Override
            public boolean supportsContext(Observation.Context context) {
                return true;
            }
        });
        registryWithAHandler = guard(handled);
    }

    private static ApiGuard guard(ObservationRegistry registry) {
        ApiGuard.Builder builder = ApiGuard.builder()
                .listener(SecurityEventListener.NONE)
                .step(new GuardStep() {
                    @Override
                    public String name() {
                        return "allow";
                    }

                    @Override
                    public GuardPhase phase() {
                        return GuardPhase.ANY;
                    }

                    @Override
                    public Decision evaluate(GuardExchange exchange) {
                        return Decision.ALLOW;
                    }
                });
        if (registry != null) {
            builder.observer(ObservationGuardObserver.of(registry));
        }
        return builder.build();
    }

    @Benchmark
    public Decision noObserver() {
        return plain.evaluate(plain.exchange(request));
    }

    @Benchmark
    public Decision noopRegistry() {
        return noopRegistry.evaluate(noopRegistry.exchange(request));
    }

    @Benchmark
    public Decision registryWithoutHandlers() {
        return registryWithoutHandlers.evaluate(registryWithoutHandlers.exchange(request));
    }

    @Benchmark
    public Decision registryWithAHandler() {
        return registryWithAHandler.evaluate(registryWithAHandler.exchange(request));
    }
}
