package dev.apiguard.anomaly;

import dev.apiguard.ApiGuard;
import dev.apiguard.Caller;
import dev.apiguard.CallerKey;
import dev.apiguard.CredentialKind;
import dev.apiguard.Decision;
import dev.apiguard.GuardExchange;
import dev.apiguard.GuardStep;
import dev.apiguard.QuarantineStore;
import dev.apiguard.ThrottleControl;
import dev.apiguard.event.SecurityEvent;
import dev.apiguard.event.SecurityEventType;
import dev.apiguard.fakes.FakeRequest;
import dev.apiguard.scope.RouteAuthorizationStep;
import dev.apiguard.scope.RouteRules;
import dev.apiguard.test.fixtures.MutableClock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A guard around the anomaly step for unit tests: a fake authentication step (the caller named in
 * {@code X-Caller}, nobody without it), the real route step, a fake clock, a recording listener,
 * a recording throttle control and a plain quarantine store.
 */
final class Harness {

    static final Instant START = Instant.parse("2026-01-05T08:00:00Z");

    static final String ISSUER = "https://issuer.test";
    final MutableClock clock = MutableClock.at(START);
    final List<SecurityEvent> events = new ArrayList<>();
    final List<String> throttles = new ArrayList<>();
    final MapStore store = new MapStore();
    final AnomalyScoringStep step;
    final ApiGuard guard;

    Harness(AnomalyPolicy policy) {
        this(policy, null);
    }

    /** With an evidence store (a fleet's), when not null. */
    Harness(AnomalyPolicy policy, @org.jspecify.annotations.Nullable EvidenceStore evidence) {
        AnomalyScoringStep.Builder b = AnomalyScoringStep.builder(policy);
        if (evidence != null) {
            b.evidenceStore(evidence);
        }
        step = b.quarantineStore(store)
                .throttleControl(new ThrottleControl() {
                    @Override
                    public void throttle(CallerKey caller, double factor, Instant until, Instant now) {
                        throttles.add("throttle " + caller.id() + " " + factor + " " + until);
                    }

                    @Override
                    public void clear(CallerKey caller) {
                        throttles.add("clear " + caller.id());
                    }
                })
                .build();
        guard = ApiGuard.builder()
                .clock(clock)
                .listener(events::add)
                .step(new FakeAuthentication())
                .step(step)
                .step(RouteAuthorizationStep.of(RouteRules.builder()
                        .route("GET", "/customers/{serviceTag}")
                        .requireScopes("customers:read")
                        .route("GET", "/orders/{id}")
                        .requireScopes("customers:read")
                        .route("GET", "/customers")
                        .requireScopes("customers:read")
                        .route("GET", "/exports/{id}")
                        .requireScopes("customers:read")
                        .route("POST", "/payments")
                        .requireScopes("payments:write")
                        .build()))
                .build();
    }

    Harness() {
        this(AnomalyPolicy.defaults());
    }

    /** Sends a request; the fake application answers {@code appStatus} when the guard allows it. */
    int send(String caller, String method, String path, String query, int appStatus) {
        GuardExchange exchange = guard.exchange(request(caller, method, path, query));
        Decision d = guard.evaluate(exchange);
        int status = d instanceof Decision.Deny deny ? deny.status() : appStatus;
        guard.completed(exchange, status);
        return status;
    }

    int get(String caller, String path, int appStatus) {
        return send(caller, "GET", path, null, appStatus);
    }

    Decision evaluate(String caller, String path) {
        return guard.evaluate(guard.exchange(request(caller, "GET", path, null)));
    }

    AnomalyScore score(String caller) {
        return step.scoreOf(key(caller)).orElseThrow();
    }

    List<dev.apiguard.event.EventType> anomalyEvents() {
        return events.stream()
                .map(SecurityEvent::type)
                .filter(t -> t.eventName().startsWith("anomaly.") && t != SecurityEventType.QUARANTINE_REFUSED)
                .toList();
    }

    /** A 7-character tag from a number, for ids that are not neighbours of each other. */
    static String scattered(int n) {
        long x = (n + 1) * 0x9E3779B97F4A7C15L;
        x ^= x >>> 29;
        StringBuilder sb = new StringBuilder();
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        for (int i = 0; i < 7; i++) {
            sb.append(alphabet.charAt((int) Long.remainderUnsigned(x, 36)));
            x = Long.divideUnsigned(x, 36);
        }
        return sb.toString();
    }

    static final class FakeAuthentication implements GuardStep {
        @Override
        public String name() {
            return "fake-token";
        }

        @Override
        public Decision evaluate(GuardExchange exchange) {
            String id = exchange.request().header("X-Caller");
            if (id != null) {
                exchange.authenticate(Caller.builder(id, CredentialKind.BEARER_JWT)
                        .subject(id)
                        .issuer(ISSUER)
                        .scopes(Set.of("customers:read"))
                        .build());
            }
            return Decision.ALLOW;
        }
    }

    /**
     * A request of the caller ({@code X-Caller}, none for null) with the raw query (null for none),
     * from 192.0.2.7 to api.test.
     */
    static FakeRequest request(String caller, String method, String path, String query) {
        FakeRequest request = FakeRequest.of(method, path)
                .host("api.test")
                .remoteAddress("192.0.2.7")
                .rawQuery(query);
        return caller == null ? request : request.header("X-Caller", caller);
    }

    static final class MapStore implements QuarantineStore {
        final Map<String, Instant> until = new HashMap<>();

        @Override
        public void quarantine(CallerKey caller, Instant end, Instant now) {
            until.put(caller.id(), end);
        }

        @Override
        public Optional<Instant> quarantinedUntil(CallerKey caller, Instant now) {
            Instant end = until.get(caller.id());
            return end != null && end.isAfter(now) ? Optional.of(end) : Optional.empty();
        }

        @Override
        public void release(CallerKey caller) {
            until.remove(caller.id());
        }
    }

    /** The key of a caller of the harness's issuer. */
    static CallerKey key(String id) {
        return CallerKey.token(ISSUER, id);
    }
}
