package dev.apiguard.docs;

// tag::step[]
import dev.apiguard.Decision;
import dev.apiguard.GuardExchange;
import dev.apiguard.GuardPhase;
import dev.apiguard.GuardStep;
import dev.apiguard.Problem;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/** Refuses writes while a data migration runs: 503 with Retry-After until the window closes. */
public final class ReadOnlyWindowStep implements GuardStep {

    private static final Set<String> READS = Set.of("GET", "HEAD", "OPTIONS");

    private final Instant from;
    private final Instant until;

    public ReadOnlyWindowStep(Instant from, Instant until) {
        this.from = Objects.requireNonNull(from, "from cannot be null");
        this.until = Objects.requireNonNull(until, "until cannot be null");
    }

    @Override
    public String name() {
        return "read-only-window"; // unique within the guard
    }

    @Override
    public GuardPhase phase() {
        return GuardPhase.AUTHORIZE; // the builder refuses it before an earlier phase's step
    }

    @Override
    public Decision evaluate(GuardExchange exchange) {
        Instant now = exchange.now(); // the request's time by the guard's clock, never Instant.now()
        if (READS.contains(exchange.request().method()) || now.isBefore(from) || !now.isBefore(until)) {
            return Decision.ALLOW;
        }
        long retryAfter = Math.max(1, Duration.between(now, until).toSeconds());
        return new Decision.Deny(
                503,
                List.of(),
                new Problem( // RFC 9457, with a type URI of your own
                        "https://api.example.com/problems/read-only",
                        "Read only",
                        503,
                        "This API takes no writes during maintenance."),
                Map.of("Retry-After", Long.toString(retryAfter)));
    }
}
// end::step[]
