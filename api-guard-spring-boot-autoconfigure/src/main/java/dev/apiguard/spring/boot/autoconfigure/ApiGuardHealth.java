package dev.apiguard.spring.boot.autoconfigure;

import dev.apiguard.token.KeySource;
import dev.apiguard.token.KeySourceStatus;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * The guard's health, as the Actuator {@code apiguard} health indicator reports it (on Spring Boot
 * 4.0 and 3.5 alike): the freshness of each issuer's keys and the reachability of the fleet's
 * Redis under its failure policy.
 *
 * <ul>
 *   <li>{@link Status#DOWN}: an issuer's keys could not be fetched and none fetched before serve,
 *       so its tokens are refused ({@code keys_unavailable}).</li>
 *   <li>{@link Status#OUT_OF_SERVICE}: Redis is unavailable and its failure policy is
 *       {@code closed}: guarded requests are answered 503 until it is back.</li>
 *   <li>{@link Status#UP}: otherwise, also while keys fetched before serve through an outage
 *       ({@code stale}) and while Redis is unavailable under the {@code open} policy (each node
 *       decides from its own state).</li>
 * </ul>
 *
 * <p>Details: {@code issuers} (per issuer: {@code keys} = {@code given} for keys given at start,
 * {@code not_fetched}, {@code fetched}, {@code stale} or {@code unavailable}; {@code lastRefresh},
 * {@code refreshAge}, {@code failuresSinceRefresh}, {@code lastFailure}, {@code lastFault}: the
 * fault's type), and {@code redis} ({@code available}, {@code failurePolicy}). Redis's
 * availability is the one the last command found; the check sends nothing. Never a key, a token
 * or a URL's credentials. Thread-safe.
 */
public final class ApiGuardHealth {

    /** The guard's status, in Actuator's terms. */
    public enum Status {
        /** Serving. */
        UP,
        /** Refusing guarded requests by policy (Redis away, failure policy closed). */
        OUT_OF_SERVICE,
        /** Cannot verify an issuer's tokens. */
        DOWN
    }

    /**
     * What the fleet's shared state looks like now.
     *
     * @param unavailable whether Redis is unavailable now
     * @param failurePolicy {@code open} or {@code closed}
     */
    public record SharedState(BooleanSupplier unavailable, String failurePolicy) {
        /** Checks that both are given. */
        public SharedState {
            Objects.requireNonNull(unavailable, "unavailable cannot be null");
            Objects.requireNonNull(failurePolicy, "failurePolicy cannot be null");
        }
    }

    /**
     * One health check's answer.
     *
     * @param status the status
     * @param details what it is made of, in insertion order (JSON-ready: strings, numbers, booleans, maps)
     */
    public record Report(Status status, Map<String, Object> details) {
        /** Copies the details. */
        public Report {
            Objects.requireNonNull(status, "status cannot be null");
            details = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(details));
        }
    }

    private final Map<String, KeySource> issuers;
    private final SharedState shared;
    private final Clock clock;

    /**
     * A health check of these issuers' keys (issuer to key source; empty without tokens) and of
     * this shared state (null without Redis), with ages measured by {@code clock}.
     */
    public ApiGuardHealth(
            Map<String, KeySource> issuers, @org.jspecify.annotations.Nullable SharedState shared, Clock clock) {
        this.issuers = Map.copyOf(Objects.requireNonNull(issuers, "issuers cannot be null"));
        this.shared = shared;
        this.clock = Objects.requireNonNull(clock, "clock cannot be null");
    }

    /** Checks now. */
    public Report check() {
        Instant now = clock.instant();
        Status status = Status.UP;
        Map<String, Object> details = new LinkedHashMap<>();
        if (!issuers.isEmpty()) {
            Map<String, Object> keys = new java.util.TreeMap<>();
            for (Map.Entry<String, KeySource> issuer : issuers.entrySet()) {
                Map<String, Object> one = new LinkedHashMap<>();
                KeySourceStatus fetched = issuer.getValue().status().orElse(null);
                if (fetched == null) {
                    one.put("keys", "given");
                } else {
                    String state = state(fetched);
                    one.put("keys", state);
                    if ("unavailable".equals(state)) {
                        status = Status.DOWN;
                    }
                    if (fetched.lastRefresh() != null) {
                        one.put("lastRefresh", fetched.lastRefresh().toString());
                        one.put(
                                "refreshAge",
                                fetched.refreshAge(now).orElseThrow().toString());
                    }
                    one.put("failuresSinceRefresh", fetched.failuresSinceRefresh());
                    if (fetched.lastFailure() != null) {
                        one.put("lastFailure", fetched.lastFailure().toString());
                        one.put("lastFault", String.valueOf(fetched.lastFault()));
                    }
                }
                keys.put(issuer.getKey(), one);
            }
            details.put("issuers", keys);
        }
        if (shared != null) {
            boolean down = shared.unavailable().getAsBoolean();
            details.put("redis", Map.of("available", !down, "failurePolicy", shared.failurePolicy()));
            if (down && "closed".equals(shared.failurePolicy()) && status == Status.UP) {
                status = Status.OUT_OF_SERVICE;
            }
        }
        return new Report(status, details);
    }

    private static String state(KeySourceStatus s) {
        if (s.lastRefresh() == null && s.lastFailure() == null) {
            return "not_fetched";
        }
        if (!s.hasKeys()) {
            return "unavailable";
        }
        return s.failuresSinceRefresh() > 0 ? "stale" : "fetched";
    }
}
