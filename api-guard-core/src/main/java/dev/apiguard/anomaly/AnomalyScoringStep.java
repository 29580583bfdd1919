package dev.apiguard.anomaly;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.apiguard.Caller;
import dev.apiguard.CallerKey;
import dev.apiguard.Decision;
import dev.apiguard.GuardContext;
import dev.apiguard.GuardExchange;
import dev.apiguard.GuardPhase;
import dev.apiguard.GuardRequest;
import dev.apiguard.GuardStep;
import dev.apiguard.LocalQuarantineStore;
import dev.apiguard.QuarantineStore;
import dev.apiguard.ThrottleControl;
import dev.apiguard.anomaly.internal.CallerProfile;
import dev.apiguard.anomaly.internal.PageNumbers;
import dev.apiguard.event.SecurityEventType;
import dev.apiguard.internal.RequestTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Anomaly scoring per verified caller, and its control loop into rate limits and quarantine.
 * Named {@code anomaly}, in the {@link dev.apiguard.GuardPhase#PROTECT} phase: after the steps that
 * authenticate and bind the caller (so that it sees the proven caller and the route matched in
 * {@link GuardStep#prepare}), before route authorization (so that a quarantined caller is refused
 * whatever route it asks for), and before rate limiting.
 *
 * <ul>
 *   <li>{@link #evaluate}: in {@link AnomalyMode#ENFORCE}, a caller the {@link QuarantineStore}
 *       holds is refused with 429 {@code AnomalyDenials.quarantined} and {@code Retry-After} until the
 *       quarantine ends (event {@code anomaly.quarantine_refused}). Nothing else is refused here.</li>
 *   <li>{@link #completed}: for a verified caller only (a request that failed authentication is
 *       attributed to nobody, whatever its token claims), not allow-listed, not on an opted-out
 *       route, not refused by the quarantine itself nor by a rate limit that callers share
 *       ({@link GuardExchange#isRefusedBySharedLimit()}: a busy service-wide cap is not the
 *       caller's misbehaviour), folds the outcome into the caller's
 *       profile (see {@link Signal}), recomputes the score and moves the caller's
 *       {@link AnomalyAction}: up as soon as a threshold is reached, down only below 80 % of it.
 *       Every change of action is an event ({@code anomaly.observed}, {@code anomaly.throttled},
 *       {@code anomaly.quarantined}, {@code anomaly.cleared}) with details {@code score},
 *       {@code reasons}, {@code previous}, {@code mode}. In enforce mode, throttle calls the
 *       {@link ThrottleControl} and quarantine writes the {@link QuarantineStore} (TTL doubled per
 *       repeat up to the policy's maximum); in observe mode only the events happen. After a
 *       quarantine the caller is on {@linkplain AnomalyPolicy#probation() probation}: quarantined
 *       again at the throttle threshold once its score has risen since its release (detail
 *       {@code probation=true}).</li>
 * </ul>
 * Time is the exchange's {@link GuardExchange#now()}; {@link #scoreOf(CallerKey)} reads the
 * guard's clock ({@link GuardStep#attach}). A profile idle for {@link AnomalyPolicy#idleExpiry()}
 * by that time is forgotten. Profiles live in a Caffeine cache bounded by {@link AnomalyPolicy#maxCallers()}
 * and expired after {@link AnomalyPolicy#idleExpiry()} idle; one profile holds under 2 KiB.
 *
 * <p>Thread-safe: each profile is updated under its own lock; store and throttle calls are made
 * outside it.
 */
public final class AnomalyScoringStep implements GuardStep, AnomalyScores {

    // values() copies the array on every call
    private static final Signal[] SIGNALS = Signal.values();

    /** The step's name. */
    public static final String NAME = "anomaly";

    private static final double HYSTERESIS = 0.8;

    private final AnomalyPolicy policy;
    private final QuarantineStore quarantine;
    private final ThrottleControl throttle;
    private final EvidenceStore.@Nullable Link fleet;
    private volatile Clock clock = Clock.systemUTC();
    private final RequestTime requestTime = new RequestTime();
    private final Cache<CallerKey, CallerProfile> profiles;

    private AnomalyScoringStep(Builder b) {
        this.policy = b.policy;
        this.quarantine =
                b.quarantine != null ? b.quarantine : LocalQuarantineStore.withMaximumSize(policy.maxCallers());
        this.throttle = b.throttle;
        this.fleet = b.evidence == null ? null : b.evidence.link(policy);
        this.profiles = Caffeine.newBuilder()
                .ticker(requestTime)
                .maximumSize(policy.maxCallers())
                // idle by the requests' time; each use still checks idleness against its own now
                .expireAfterAccess(policy.idleExpiry())
                .executor(Runnable::run)
                .build();
    }

    /** A step with this policy, a local quarantine store and no throttle control. */
    public static AnomalyScoringStep of(AnomalyPolicy policy) {
        return builder(policy).build();
    }

    /** A builder for a step with this policy. */
    public static Builder builder(AnomalyPolicy policy) {
        return new Builder(policy);
    }

    /** {@code anomaly}. */
    @Override
    public String name() {
        return NAME;
    }

    /** {@link GuardPhase#PROTECT}. */
    @Override
    public GuardPhase phase() {
        return GuardPhase.PROTECT;
    }

    /** The policy. */
    public AnomalyPolicy policy() {
        return policy;
    }

    /** The quarantine store this step reads and writes. */
    public QuarantineStore quarantineStore() {
        return quarantine;
    }

    /** How many callers are tracked as of the latest request's now (after pending evictions). */
    public long trackedCallers() {
        profiles.cleanUp();
        return profiles.estimatedSize();
    }

    @Override
    public Decision evaluate(GuardExchange exchange) {
        if (policy.mode() != AnomalyMode.ENFORCE) {
            return Decision.ALLOW;
        }
        Optional<Caller> caller = exchange.caller();
        if (caller.isEmpty() || policy.allowList().contains(caller.get().key())) {
            return Decision.ALLOW;
        }
        Optional<Instant> until = quarantine.quarantinedUntil(caller.get().key(), exchange.now());
        if (until.isEmpty()) {
            return Decision.ALLOW;
        }
        exchange.emit(SecurityEventType.QUARANTINE_REFUSED, "until", until.get().toString());
        return AnomalyDenials.quarantined(Duration.between(exchange.now(), until.get()));
    }

    @Override
    public void completed(GuardExchange exchange, int status) {
        if (policy.mode() == AnomalyMode.OFF) {
            return;
        }
        Optional<Caller> caller = exchange.caller();
        if (caller.isEmpty()) {
            return; // docs/security-cases.md E1: unauthenticated failures are nobody's
        }
        CallerKey key = caller.get().key();
        String route = exchange.routeTemplate();
        if (policy.allowList().contains(key)
                || (route != null && policy.optOutRoutes().contains(route))
                || exchange.isDeniedBy(this)
                || exchange.isRefusedBySharedLimit()) {
            // refused by the quarantine itself: a quarantined caller's retries are not new evidence;
            // refused by a limit other callers exhausted too: not the caller's doing
            return;
        }
        long now = exchange.now().toEpochMilli();
        requestTime.advanceTo(exchange.now());
        CallerProfile.Observation observation = observe(exchange, route, status);
        CallerProfile profile = profiles.getIfPresent(key);
        if (profile == null) {
            // the known caller's look-up above makes no lambda capturing now on every request
            profile = profiles.get(key, k -> new CallerProfile(now));
        }
        if (isIdle(profile, now)) {
            // idle for idleExpiry by the guard's clock: forgotten, as if it had never been seen
            CallerProfile fresh = new CallerProfile(now);
            profile = profiles.asMap().replace(key, profile, fresh) ? fresh : profiles.get(key, k -> fresh);
        }
        Change change;
        Evidence evidence;
        synchronized (profile) {
            evidence = profile.record(now, observation, policy);
            change = transition(profile, now, key);
        }
        if (fleet != null) {
            CallerProfile recorded = profile;
            // the decision may come after the request ended: keep its event data, not the request
            GuardExchange.Detached request = exchange.detach();
            fleet.offer(key, evidence, view -> onFleetView(request, key, recorded));
        }
        if (change != null) {
            act(exchange.now(), exchange.eventsEnabled(), exchange::emit, key, change);
        }
    }

    /**
     * The fleet's profile of the caller arrived, with this request's evidence in it (on the thread
     * that completed the store's answer, which must not block): the decision is taken now, as the
     * caller's next request at this node would take it. On {@code n} nodes round robin that
     * request comes {@code n} requests later, and a signal that crosses its threshold in large
     * steps (a page of 100 records) would be decided that many steps late. A change is carried out later, on a thread that may block
     * (a quarantine written to a shared store); its events carry this request.
     */
    private @Nullable Runnable onFleetView(GuardExchange.Detached request, CallerKey key, CallerProfile profile) {
        Change change;
        synchronized (profile) {
            change = transition(profile, request.now().toEpochMilli(), key);
        }
        if (change == null) {
            return null;
        }
        Change decided = change;
        return () -> act(request.now(), request.eventsEnabled(), request::emit, key, decided);
    }

    private CallerProfile.Observation observe(GuardExchange exchange, @Nullable String route, int status) {
        String id = null;
        Map<String, String> variables = exchange.pathVariables();
        if (route != null && !variables.isEmpty()) {
            id = variables.size() == 1
                    ? variables.values().iterator().next()
                    : String.join("/", new java.util.TreeMap<>(variables).values());
        }
        GuardRequest request = exchange.request();
        int page = -1;
        int size = 0;
        boolean sizeGiven = false;
        String pageValue = request.queryParameter("page");
        if (pageValue != null) {
            // read as the application reads it (+5, 005, 0x5, other scripts' digits); in doubt, a page
            page = PageNumbers.page(pageValue);
            String sizeValue = request.queryParameter("size");
            if (sizeValue != null) {
                size = PageNumbers.size(sizeValue);
                sizeGiven = size > 0;
            }
        }
        return new CallerProfile.Observation(request.method(), route, id, status, page, size, sizeGiven);
    }

    /** A change of action decided under the profile's lock, carried out after it. */
    private record Change(
            AnomalyAction previous,
            AnomalyAction next,
            AnomalyScore score,
            boolean renewThrottle,
            @Nullable Instant until,
            boolean probation) {}

    private @Nullable Change transition(CallerProfile profile, long now, CallerKey key) {
        AnomalyAction current = profile.action();
        boolean released = current == AnomalyAction.QUARANTINE && profile.quarantinedUntil() <= now;
        if (released) {
            // the quarantine ended: judge the caller afresh, as throttled at most
            current = AnomalyAction.THROTTLE;
            profile.action(current);
        }
        // the points alone: the score with its reasons is made only for a change (rare)
        double[] points = points(profile, now, key);
        double total = total(points);
        if (released) {
            // a zero probation ends where it starts
            profile.probation(now + policy.probation().toMillis(), total);
        }
        AnomalyAction next = current;
        AnomalyAction target = policy.actionFor(total);
        // on probation, the behaviour going on is enough: the throttle threshold, and a score that rose
        boolean probation =
                target == AnomalyAction.THROTTLE && profile.probationUntil() > now && total > profile.releaseScore();
        if (probation) {
            target = AnomalyAction.QUARANTINE;
        }
        if (target.compareTo(current) > 0) {
            next = target;
        } else {
            AnomalyAction lowered = policy.actionFor(total / HYSTERESIS);
            if (lowered.compareTo(current) < 0) {
                next = lowered;
            }
        }
        Instant until = null;
        if (next == AnomalyAction.QUARANTINE && current != AnomalyAction.QUARANTINE) {
            Duration ttl = policy.quarantineTtl().multipliedBy(1L << Math.min(profile.quarantines(), 20));
            if (ttl.compareTo(policy.maxQuarantineTtl()) > 0) {
                ttl = policy.maxQuarantineTtl();
            }
            until = Instant.ofEpochMilli(now).plus(ttl);
            // in observe mode too, so that the event is not repeated before the quarantine would end
            profile.quarantined(until.toEpochMilli());
        }
        boolean renew = false;
        if (next == AnomalyAction.THROTTLE && (current != AnomalyAction.THROTTLE || profile.throttledUntil() <= now)) {
            until = Instant.ofEpochMilli(now).plus(policy.throttleDuration());
            profile.throttledUntil(until.toEpochMilli());
            renew = current == AnomalyAction.THROTTLE;
        }
        if (next == current && !renew) {
            return null;
        }
        profile.action(next);
        return new Change(current, next, score(points, total, key, next, now), renew, until, probation);
    }

    private static AnomalyScore withAction(AnomalyScore s, AnomalyAction action) {
        return new AnomalyScore(s.caller(), s.score(), s.reasons(), action, s.at());
    }

    /** The end of a quarantine or throttle that a change starts: {@link #transition} always sets it. */
    private static Instant end(Change change) {
        return Objects.requireNonNull(change.until(), "a quarantine or throttle has an end");
    }

    /** Carries a change out at the request's time {@code now}, its events published through {@code emit}. */
    private void act(
            Instant now,
            boolean eventsEnabled,
            java.util.function.BiConsumer<dev.apiguard.event.EventType, Map<String, String>> emit,
            CallerKey key,
            Change change) {
        boolean enforce = policy.mode() == AnomalyMode.ENFORCE;
        if (enforce) {
            if (change.next() == AnomalyAction.QUARANTINE) {
                quarantine.quarantine(key, end(change), now);
            } else if (change.next() == AnomalyAction.THROTTLE) {
                throttle.throttle(key, policy.throttleFactor(), end(change), now);
            } else if (change.previous().compareTo(AnomalyAction.THROTTLE) >= 0) {
                throttle.clear(key);
            }
        }
        if (change.renewThrottle() || !eventsEnabled) {
            return;
        }
        SecurityEventType type = switch (change.next()) {
            case NONE -> SecurityEventType.ANOMALY_CLEARED;
            case OBSERVE -> SecurityEventType.ANOMALY_OBSERVED;
            case THROTTLE -> SecurityEventType.ANOMALY_THROTTLED;
            case QUARANTINE -> SecurityEventType.ANOMALY_QUARANTINED;
        };
        Map<String, String> details = new LinkedHashMap<>();
        details.put("score", AnomalyScore.format(change.score().score()));
        details.put("reasons", change.score().reasonsText());
        details.put("previous", change.previous().name().toLowerCase(java.util.Locale.ROOT));
        details.put("mode", policy.mode().name().toLowerCase(java.util.Locale.ROOT));
        if (change.until() != null) {
            details.put("until", change.until().toString());
        }
        if (change.probation()) {
            details.put("probation", "true");
        }
        emit.accept(type, details);
    }

    /**
     * The score from this node's profile and, with an {@link EvidenceStore}, the fleet's: each
     * signal at the larger of the two (the fleet's includes this node's evidence once it arrived;
     * this node's covers what it has not sent yet).
     */
    private AnomalyScore score(CallerProfile profile, long now, CallerKey caller) {
        double[] points = points(profile, now, caller);
        return score(points, total(points), caller, profile.action(), now);
    }

    /** Each signal's points: this node's profile's, or the fleet's where that is larger. */
    private double[] points(CallerProfile profile, long now, CallerKey caller) {
        double[] points = profile.contributions(now, policy);
        if (fleet != null) {
            Optional<FleetProfile> shared = fleet.view(caller);
            if (shared.isPresent()) {
                double[] all = CallerProfile.contributions(shared.get(), now, policy);
                for (int i = 0; i < points.length; i++) {
                    points[i] = Math.max(points[i], all[i]);
                }
            }
        }
        return points;
    }

    /** The score: the sum of the signals' points, added in the signals' order as the reasons list them. */
    private static double total(double[] points) {
        double total = 0;
        for (double p : points) {
            if (p > 0) {
                total += p;
            }
        }
        return total;
    }

    private static AnomalyScore score(double[] points, double total, CallerKey caller, AnomalyAction action, long now) {
        Map<Signal, Double> reasons = new EnumMap<>(Signal.class);
        for (Signal s : SIGNALS) {
            double p = points[s.ordinal()];
            if (p > 0) {
                reasons.put(s, p);
            }
        }
        return new AnomalyScore(caller, total, reasons, action, Instant.ofEpochMilli(now));
    }

    /** The caller's score now, by the guard's clock; see {@link #scoreOf(CallerKey, Instant)}. */
    public Optional<AnomalyScore> scoreOf(CallerKey caller) {
        return scoreOf(caller, clock.instant());
    }

    @Override
    public Optional<AnomalyScore> scoreOf(CallerKey caller, Instant at) {
        Objects.requireNonNull(caller, "caller cannot be null");
        Objects.requireNonNull(at, "at cannot be null");
        CallerProfile profile = profiles.getIfPresent(caller);
        long now = at.toEpochMilli();
        if (profile == null || isIdle(profile, now)) {
            return Optional.empty();
        }
        synchronized (profile) {
            AnomalyScore s = score(profile, now, caller);
            AnomalyAction action = s.action();
            if (action == AnomalyAction.QUARANTINE && profile.quarantinedUntil() <= now) {
                action = AnomalyAction.THROTTLE;
            }
            return Optional.of(withAction(s, action));
        }
    }

    /** Keeps the guard's clock for {@link #scoreOf(CallerKey)}. */
    @Override
    public void attach(GuardContext context) {
        this.clock = context.clock();
    }

    private boolean isIdle(CallerProfile profile, long now) {
        return now - profile.lastUpdate() > policy.idleExpiry().toMillis();
    }

    @Override
    public String toString() {
        return "AnomalyScoringStep[" + policy + "]";
    }

    /** Builds an {@link AnomalyScoringStep}. Not thread-safe. */
    public static final class Builder {
        private final AnomalyPolicy policy;
        private @Nullable QuarantineStore quarantine;
        private ThrottleControl throttle = ThrottleControl.NONE;
        private @Nullable EvidenceStore evidence;

        private Builder(AnomalyPolicy policy) {
            this.policy = Objects.requireNonNull(policy, "policy cannot be null");
        }

        /**
         * Where quarantines are kept. Default: a store in this JVM's memory, bounded by the
         * policy's {@code maxCallers}; share a Redis store across app nodes.
         */
        public Builder quarantineStore(QuarantineStore store) {
            this.quarantine = Objects.requireNonNull(store, "quarantineStore cannot be null");
            return this;
        }

        /**
         * Where the app nodes of a fleet pool their evidence, so that each scores a caller on what
         * every node saw (a Redis store: {@code RedisGuardState.evidenceStore()}). Default: none,
         * each node scores what it sees.
         */
        public Builder evidenceStore(EvidenceStore store) {
            this.evidence = Objects.requireNonNull(store, "evidenceStore cannot be null");
            return this;
        }

        /** Where throttles go (the rate limiter). Default {@link ThrottleControl#NONE}. */
        public Builder throttleControl(ThrottleControl control) {
            this.throttle = Objects.requireNonNull(control, "throttleControl cannot be null");
            return this;
        }

        /** Builds the step. */
        public AnomalyScoringStep build() {
            return new AnomalyScoringStep(this);
        }
    }
}
