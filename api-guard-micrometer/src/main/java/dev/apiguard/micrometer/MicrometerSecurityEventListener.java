package dev.apiguard.micrometer;

import dev.apiguard.event.EventType;
import dev.apiguard.event.RequestInvalidReason;
import dev.apiguard.event.SecurityEvent;
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.event.SecurityEventType;
import dev.apiguard.scope.ScopeRejection;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Counts api-guard's security events in a Micrometer {@link MeterRegistry}.
 *
 * <p>Compose it with the logging listener, so that events are both logged and counted:
 * <pre>{@code
 * ApiGuard guard = ApiGuard.builder()
 *     .listener(SecurityEventListener.composite(
 *             new Slf4jSecurityEventListener(),
 *             MicrometerSecurityEventListener.of(meterRegistry)))
 *     ...
 * }</pre>
 *
 * <p>Meters (all counters):
 * <ul>
 *   <li>{@value #EVENTS}: every event, tagged {@code event} (the stable dotted name, for example
 *       {@code token.rejected}) and {@code outcome} ({@code accepted}, {@code refused},
 *       {@code notice}, {@code anomaly}, {@code fault} or {@code recovered}). The counter of every
 *       event kind is registered at zero up front (without caller ids). A host's own
 *       {@link EventType} is counted here too, under its name and the outcome it declares (the
 *       first {@link Builder#maxTagValues(int)} distinct host names, later ones as
 *       {@value #OTHER}), and in no other meter.</li>
 *   <li>{@value #DECISIONS}: step decisions <em>as derived from events</em>, tagged {@code step}
 *       (the name of the guard step that emits the kind of event: {@code token}, {@code scope},
 *       {@code mtls-binding}, {@code mtls-client}, {@code dpop}, {@code client-assertion},
 *       {@code apikey}, {@code ratelimit}, {@code anonymous-ratelimit}, {@code anomaly}, or
 *       {@code guard} for request-level events) and {@code outcome} ({@code allow} for a verified
 *       credential, {@code deny} for a refusal, {@code fault} for a step that threw). A decision
 *       that emits no event (a step that lets a request through silently, such as the rate
 *       limiter with tokens left) is not counted.</li>
 *   <li>{@value #RATE_LIMIT_REJECTIONS}: {@code ratelimit.limited} events, tagged {@code plan} (the
 *       plan's name) and {@code bucket} ({@code caller}, {@code peer} before authentication, or
 *       {@code dpop_proofs} for a caller over its share of the DPoP replay cache).</li>
 *   <li>{@value #CREDENTIALS_MISUSED}: {@code credential.misused} events (a bound credential
 *       presented without its certificate or a valid proof: it leaked), tagged {@code reason}.</li>
 *   <li>{@value #ANOMALY_ACTIONS}: anomaly-scorer transitions, tagged {@code action}
 *       ({@code observed}, {@code throttled}, {@code quarantined}, {@code cleared}).</li>
 *   <li>{@value #KEY_FETCH_FAILURES}: {@code keys.fetch_failed} events (a key set that could not be
 *       fetched), and {@value #KEY_REFRESHES}: {@code keys.refreshed} events (a fetch that
 *       succeeded); the JWKS client raises them on the listener of its
 *       {@code JwksOptions}. It also logs its health changes on the logger
 *       {@code dev.apiguard.token.jwks}.</li>
 *   <li>{@value #STORE_TRANSITIONS}: shared-store (Redis) failures and recoveries, tagged
 *       {@code store} and {@code state} ({@code unavailable}, {@code recovered}).</li>
 * </ul>
 *
 * <p>Cardinality: tag values come only from closed sets (event names, step names, outcomes) or
 * are capped: the first {@link Builder#maxTagValues(int)} distinct plan and step names are kept
 * and later ones count as {@value #OTHER}. Other event details are never tags. Caller ids are
 * <em>not</em> tags unless the host opts in with {@link Builder#tagCallerIds(boolean)}; even then
 * only the first {@link Builder#maxCallerIds(int)} distinct callers get their own tag value.
 *
 * <p>Thread-safe; {@link #onEvent} never blocks beyond the registry's own meter lookup.
 */
public final class MicrometerSecurityEventListener implements SecurityEventListener {

    /** Counter of every security event. */
    public static final String EVENTS = "apiguard.events";
    /** Counter of step decisions derived from events. */
    public static final String DECISIONS = "apiguard.decisions";
    /** Counter of rate-limit rejections per plan. */
    public static final String RATE_LIMIT_REJECTIONS = "apiguard.ratelimit.rejections";
    /** Counter of anomaly-scorer actions. */
    public static final String ANOMALY_ACTIONS = "apiguard.anomaly.actions";
    /** Counter of key-set fetch failures. */
    public static final String KEY_FETCH_FAILURES = "apiguard.keys.fetch_failures";
    /** Counter of key-set fetches that succeeded (JWKS refreshes). */
    public static final String KEY_REFRESHES = "apiguard.keys.refreshes";
    /**
     * Counter of credentials presented by a sender that could not prove holding their key
     * ({@code credential.misused}): evidence of a leaked credential; alert on any increase.
     */
    public static final String CREDENTIALS_MISUSED = "apiguard.credentials.misused";
    /** Counter of shared-store availability changes. */
    public static final String STORE_TRANSITIONS = "apiguard.store.transitions";
    /** The tag value that stands for any value past a cap. */
    public static final String OTHER = "other";
    /** The tag value of a missing value (no caller, no plan). */
    public static final String NONE = "none";

    private static final Set<String> KNOWN_STEPS = Set.of(
            "token",
            "scope",
            "mtls-binding",
            "mtls-client",
            "dpop",
            "client-assertion",
            "apikey",
            "ratelimit",
            "anonymous-ratelimit",
            "anomaly",
            "inventory",
            "guard");
    private static final Set<String> KNOWN_STORES = Set.of("redis");
    /** The step that raises each {@code request.invalid} reason (any other counts as {@code guard}). */
    private static final Map<String, String> INVALID_REQUEST_STEPS = Map.of(
            RequestInvalidReason.MULTIPLE_AUTHORIZATION_HEADERS.code(), "token",
            RequestInvalidReason.MULTIPLE_API_KEY_HEADERS.code(), "apikey",
            RequestInvalidReason.METHOD_OVERRIDE.code(), "scope",
            RequestInvalidReason.FORM_BODY_SIZE.code(), "client-assertion");

    private final MeterRegistry registry;
    private final boolean tagCallerIds;
    private final BoundedValues callers;
    private final BoundedValues plans;
    private final BoundedValues steps;
    private final BoundedValues reasons;
    private final BoundedValues hostEvents;
    private final Map<SecurityEventType, Counter> eventCounters = new EnumMap<>(SecurityEventType.class);

    private MicrometerSecurityEventListener(Builder b) {
        this.registry = b.registry;
        this.tagCallerIds = b.tagCallerIds;
        this.callers = new BoundedValues(Set.of(), b.maxCallerIds);
        this.plans = new BoundedValues(Set.of(), b.maxTagValues);
        this.steps = new BoundedValues(KNOWN_STEPS, b.maxTagValues);
        this.reasons = new BoundedValues(Set.of(), b.maxTagValues);
        this.hostEvents = new BoundedValues(Set.of(), b.maxTagValues);
        if (!tagCallerIds) {
            for (SecurityEventType type : SecurityEventType.values()) {
                eventCounters.put(type, counter(EVENTS, Tags.of("event", type.eventName(), "outcome", outcome(type))));
            }
        }
    }

    /** A listener with the defaults: no caller ids as tags. */
    public static MicrometerSecurityEventListener of(MeterRegistry registry) {
        return builder(registry).build();
    }

    /** A builder of a listener counting into the registry. */
    public static Builder builder(MeterRegistry registry) {
        return new Builder(registry);
    }

    @Override
    public void onEvent(SecurityEvent event) {
        Tags caller = tagCallerIds ? Tags.of("caller", callers.bound(event.callerId())) : Tags.empty();
        if (!(event.type() instanceof SecurityEventType type)) {
            // a host's own kind: counted under its name (capped), with the outcome it declares
            EventType host = event.type();
            counter(EVENTS, caller.and("event", hostEvents.bound(host.eventName()), "outcome", outcome(host)))
                    .increment();
            return;
        }
        Counter events = eventCounters.get(type);
        if (events == null) {
            events = counter(EVENTS, caller.and("event", type.eventName(), "outcome", outcome(type)));
        }
        events.increment();

        String step = step(event);
        String decision = decision(type);
        if (step != null && decision != null) {
            counter(DECISIONS, caller.and("step", steps.bound(step), "outcome", decision))
                    .increment();
        }
        switch (type) {
            case RATE_LIMITED ->
                counter(
                                RATE_LIMIT_REJECTIONS,
                                caller.and(
                                        "plan", plans.bound(event.detail("plan")),
                                        "bucket", bucket(event.detail("bucket"))))
                        .increment();
            case CREDENTIAL_MISUSED ->
                counter(CREDENTIALS_MISUSED, caller.and("reason", reasons.bound(event.detail("reason"))))
                        .increment();
            case ANOMALY_OBSERVED, ANOMALY_THROTTLED, ANOMALY_QUARANTINED, ANOMALY_CLEARED ->
                counter(ANOMALY_ACTIONS, caller.and("action", anomalyAction(type)))
                        .increment();
            case KEY_SOURCE_FAILED -> counter(KEY_FETCH_FAILURES, Tags.empty()).increment();
            case KEY_SOURCE_REFRESHED -> counter(KEY_REFRESHES, Tags.empty()).increment();
            case STORE_UNAVAILABLE, STORE_RECOVERED -> {
                String store = event.detail("store");
                counter(
                                STORE_TRANSITIONS,
                                Tags.of(
                                        "store", store == null ? NONE : KNOWN_STORES.contains(store) ? store : OTHER,
                                        "state",
                                                type == SecurityEventType.STORE_UNAVAILABLE
                                                        ? "unavailable"
                                                        : "recovered"))
                        .increment();
            }
            default -> {}
        }
    }

    /** The {@code outcome} tag of {@value #EVENTS} for a kind of event: the outcome it declares. */
    static String outcome(EventType type) {
        return type.outcome().tag();
    }

    /** The {@code outcome} tag of {@value #DECISIONS}, or {@code null} when the event is no decision. */
    static @Nullable String decision(SecurityEventType type) {
        if (type == SecurityEventType.STEP_FAILED) {
            return "fault";
        }
        if (type == SecurityEventType.CERTIFICATE_REJECTED) {
            return null; // certificate resolution: the step using it decides (and emits) on its own
        }
        return switch (outcome(type)) {
            case "accepted" -> "allow";
            case "refused" -> "deny";
            default -> null;
        };
    }

    /** The step that emits this event, or {@code null} when it is not tied to one. */
    static @Nullable String step(SecurityEvent event) {
        if (!(event.type() instanceof SecurityEventType type)) {
            return null;
        }
        return switch (type) {
            case TOKEN_ACCEPTED, CREDENTIAL_REVOKED -> "token";
            case TOKEN_REJECTED ->
                ScopeRejection.SENDER_CONSTRAINT_REQUIRED.code().equals(event.detail("reason")) ? "scope" : "token";
            case CREDENTIAL_MISSING, SCOPE_DENIED, ROUTE_UNMAPPED, METHOD_NOT_ALLOWED, PATH_REJECTED -> "scope";
            case CERTIFICATE_BINDING_FAILED -> "mtls-binding";
            case MTLS_CLIENT_ACCEPTED, MTLS_CLIENT_UNMATCHED -> "mtls-client";
            case DPOP_PROOF_ACCEPTED, DPOP_PROOF_REJECTED, DPOP_REPLAYED, DPOP_DOWNGRADE, DPOP_NONCE_REQUIRED -> "dpop";
            case CLIENT_ASSERTION_ACCEPTED, CLIENT_ASSERTION_REJECTED -> "client-assertion";
            case API_KEY_ACCEPTED, API_KEY_REJECTED -> "apikey";
            case RATE_LIMITED ->
                switch (bucket(event.detail("bucket"))) {
                    case "peer" -> "anonymous-ratelimit";
                    case "dpop_proofs" -> "dpop";
                    default -> "ratelimit";
                };
            case QUARANTINE_REFUSED -> "anomaly";
            case REQUEST_ALLOWED -> "guard";
            case STEP_FAILED -> event.detail("step") == null ? "guard" : event.detail("step");
            case REQUEST_INVALID -> INVALID_REQUEST_STEPS.getOrDefault(String.valueOf(event.detail("reason")), "guard");
            default -> null;
        };
    }

    /** The {@code bucket} tag: {@code peer}, {@code dpop_proofs} (a caller's share of the replay cache) or {@code caller}. */
    private static String bucket(@Nullable String detail) {
        return detail != null && (detail.equals("peer") || detail.equals("dpop_proofs")) ? detail : "caller";
    }

    private static String anomalyAction(SecurityEventType type) {
        return switch (type) {
            case ANOMALY_THROTTLED -> "throttled";
            case ANOMALY_QUARANTINED -> "quarantined";
            case ANOMALY_CLEARED -> "cleared";
            default -> "observed";
        };
    }

    @Override
    public String toString() {
        return "MicrometerSecurityEventListener[tagCallerIds=" + tagCallerIds + "]";
    }

    /** Builds a {@link MicrometerSecurityEventListener}. Not thread-safe. */
    public static final class Builder {
        private final MeterRegistry registry;
        private boolean tagCallerIds;
        private int maxCallerIds = 1000;
        private int maxTagValues = 64;

        private Builder(MeterRegistry registry) {
            this.registry = Objects.requireNonNull(registry, "registry cannot be null");
        }

        /**
         * Whether request meters carry a {@code caller} tag with the verified caller's id
         * ({@value MicrometerSecurityEventListener#NONE} before authentication). Default:
         * {@code false}, since every caller id is a new time series in the monitoring system.
         */
        public Builder tagCallerIds(boolean tagCallerIds) {
            this.tagCallerIds = tagCallerIds;
            return this;
        }

        /**
         * How many distinct caller ids get their own tag value when {@link #tagCallerIds(boolean)}
         * is on; later callers count as {@value MicrometerSecurityEventListener#OTHER}. Default 1000.
         */
        public Builder maxCallerIds(int maxCallerIds) {
            if (maxCallerIds < 0) {
                throw new IllegalArgumentException("maxCallerIds cannot be negative");
            }
            this.maxCallerIds = maxCallerIds;
            return this;
        }

        /**
         * How many distinct host-defined names (rate-limit plans, custom step names, host event names) get their own
         * tag value; later ones count as {@value MicrometerSecurityEventListener#OTHER}. Default 64.
         */
        public Builder maxTagValues(int maxTagValues) {
            if (maxTagValues < 0) {
                throw new IllegalArgumentException("maxTagValues cannot be negative");
            }
            this.maxTagValues = maxTagValues;
            return this;
        }

        /** Builds the listener and registers its event counters (at zero). */
        public MicrometerSecurityEventListener build() {
            return new MicrometerSecurityEventListener(this);
        }
    }

    /** Keeps a tag's values to the known ones plus at most {@code max} others seen first. */
    static final class BoundedValues {
        private final Set<String> known;
        private final int max;
        private final Set<String> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();

        BoundedValues(Set<String> known, int max) {
            this.known = known;
            this.max = max;
        }

        String bound(@Nullable String value) {
            if (value == null || value.isEmpty()) {
                return NONE;
            }
            if (known.contains(value) || seen.contains(value)) {
                return value;
            }
            synchronized (seen) {
                if (seen.size() < max) {
                    seen.add(value);
                    return value;
                }
            }
            return OTHER;
        }
    }

    /**
     * The counter, through {@code counter(String, Iterable<Tag>)}: Micrometer 1.16 added an overload
     * taking {@link Tags}, which a jar built against it would call, and which Spring Boot 3.5's
     * Micrometer 1.15 lacks.
     */
    private Counter counter(String name, Tags tags) {
        return registry.counter(name, (Iterable<Tag>) tags);
    }
}
