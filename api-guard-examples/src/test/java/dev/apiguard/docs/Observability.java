package dev.apiguard.docs;

// tag::listeners[]
import dev.apiguard.ApiGuard;
import dev.apiguard.GuardStep;
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.event.Slf4jSecurityEventListener;
import dev.apiguard.micrometer.MicrometerSecurityEventListener;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;

public final class Observability {

    /** Events logged within a budget and counted in Micrometer (Spring Boot: the injected MeterRegistry). */
    public static ApiGuard guard(MeterRegistry registry, GuardStep... steps) {
        SecurityEventListener logs = Slf4jSecurityEventListener.builder()
                .linesPerEventType(20, Duration.ofSeconds(1)) // default 100 per 10 s; unlimited() writes all
                .build();
        SecurityEventListener metrics = MicrometerSecurityEventListener.builder(registry)
                .tagCallerIds(true) // opt-in: each caller becomes a time series
                .maxCallerIds(200) // the first 200 callers, then "other"; default 1,000
                .build();
        ApiGuard.Builder guard = ApiGuard.builder().listener(SecurityEventListener.composite(logs, metrics));
        for (GuardStep step : steps) {
            guard.step(step);
        }
        return guard.build();
    }
}
// end::listeners[]
