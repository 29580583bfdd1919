package dev.apiguard.ratelimit;

import dev.apiguard.Caller;
import dev.apiguard.Decision;
import dev.apiguard.DeferredReplayCheck;
import dev.apiguard.Denials;
import dev.apiguard.GuardExchange;
import dev.apiguard.GuardPhase;
import dev.apiguard.GuardStep;
import dev.apiguard.event.SecurityEventType;
import dev.apiguard.internal.Check;
import dev.apiguard.ratelimit.internal.KeyDigest;
import dev.apiguard.ratelimit.internal.KeySpread;
import dev.apiguard.ratelimit.internal.RateLimitFields;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The guard step that limits each verified caller by its token bucket, named {@value #NAME}.
 *
 * <p>In the {@link GuardPhase#PROTECT} phase: after authentication and binding, so that it keys on
 * the proven {@link Caller} of the exchange, never on a claim of a token that failed verification
 * nor on the owner of a credential whose sender could not prove it; and before route authorization,
 * so that every request of the caller counts, a 404, 405 or 403 as well. It reads route costs from
 * the route matched in {@link dev.apiguard.GuardStep#prepare}. Per request:
 * <ul>
 *   <li>no caller (a public route): allowed, uncounted (see {@link AnonymousRateLimitStep});</li>
 *   <li>the bucket key is the {@linkplain dev.apiguard.CallerKey#hashTag() hash tag} of the
 *       caller's key (its namespace, issuer and id: a client of one issuer never
 *       shares a bucket with a namesake at another, nor an API key with a token); a route with its
 *       own plan uses a bucket of its own, {@code route-plan:NAME:} and that key;</li>
 *   <li>the request takes its route's cost, divided by the caller's
 *       {@linkplain RateLimitAdjustments adjustment factor}, from the bucket; it never waits
 *       (try-consume only);</li>
 *   <li>an empty bucket: 429 ({@link Denials#rateLimited}) with {@code Retry-After} in whole
 *       seconds rounded up from Bucket4j's probe, the {@code RateLimit-Policy} and
 *       {@code RateLimit} fields, and a {@code ratelimit.limited} event;</li>
 *   <li>a shared store that is unreachable: allowed uncounted (fail open) or 503 with
 *       {@code Retry-After} (fail closed), as the store is configured.</li>
 * </ul>
 * Then the policy's {@linkplain RateLimitPolicy#limits() keyed limits} (a service-wide cap on a
 * route, a budget per caller and route, per tenant): each whose route matches and whose
 * {@link RateLimitKey} resolves for the request takes the request's cost (divided by the caller's
 * factor for a caller's own limit, not for a shared one) from the bucket of its key. A request is
 * allowed only when every bucket had room. They are taken one after the other, never waiting: the
 * caller's plan, then the caller's own keyed limits, then the shared ones, each in the order
 * added, and the first refusal ends the request. What earlier buckets took stays taken (every
 * refused request of a caller counts against the caller's own budget, as above), and a shared
 * bucket never counts a request that one of the caller's own refused: a caller over its own limit
 * does not drain a cap others rely on. With a Redis store each applied limit is one more round
 * trip (a Redis Cluster keeps each bucket in a slot of its own, so one script cannot take from
 * several). A refusal by a keyed limit is the same 429, with a {@code ratelimit.limited} event
 * naming the caller, {@code bucket=caller} or {@code bucket=shared}, the {@code limit} and its
 * {@code plan}; a refusal by a shared bucket is {@linkplain GuardExchange#markRefusedBySharedLimit()
 * marked} so that anomaly scoring does not hold it against the caller. Keyed buckets are named
 * {@code limit:NAME:} and the part's SHA-256 digest in braces, never a string a client sent.
 *
 * <p>The fields follow draft-ietf-httpapi-ratelimit-headers-10 (structured-field lists):
 * {@code RateLimit-Policy: "burst";q=50;w=1, "hourly";q=10000;w=3600} names every limit of the
 * plan (quotas scaled by the caller's factor), and {@code RateLimit: "burst";r=0;t=1} gives the
 * units left (the smallest over the limits) and the seconds until they are there again, under
 * the first limit's name: of the bucket that refused, or on an allowed answer of the most
 * restrictive bucket the request took from (the fewest whole units left). They go on allowed answers too when
 * {@link RateLimitPolicy#emitHeadersOnAllowed()}.
 *
 * <p>Thread-safe; one instance serves every request.
 */
public final class RateLimitStep implements GuardStep {

    /** The step's name. */
    public static final String NAME = "ratelimit";

    private final RateLimitPolicy policy;
    private final BucketStore store;
    private final RateLimitAdjustments adjustments;
    // the policy's keyed limits, those of the caller's own first, then those callers share
    private final Keyed[] keyed;

    /** How many callers a keyed limit whose parts the client chooses tracks the parts of, at most. */
    static final long KEY_SPREAD_MAXIMUM_CALLERS = 10_000;

    /** A keyed limit, with the tracker of its parts per caller when the client chooses them. */
    private record Keyed(KeyedLimit limit, @Nullable KeySpread spread, String prefix) {}

    private RateLimitStep(Builder b) {
        this.policy = b.policy;
        this.store = b.store != null ? b.store : LocalBucketStore.defaults();
        this.adjustments = b.adjustments != null ? b.adjustments : RateLimitAdjustments.defaults();
        List<Keyed> ordered = new ArrayList<>();
        for (boolean shared : new boolean[] {false, true}) {
            for (KeyedLimit l : policy.limits()) {
                if (l.key().shared() == shared) {
                    KeySpread spread = l.key().boundedPerCaller()
                            ? null
                            : new KeySpread(l.maxKeysPerCaller(), l.plan().refillTime(), KEY_SPREAD_MAXIMUM_CALLERS);
                    ordered.add(new Keyed(l, spread, "limit:" + l.name() + ':'));
                }
            }
        }
        this.keyed = ordered.toArray(new Keyed[0]);
    }

    /** A step limiting callers as the policy says, with buckets in this JVM. */
    public static RateLimitStep of(RateLimitPolicy policy) {
        return builder(policy).build();
    }

    /** A builder of a step limiting callers as the policy says. */
    public static Builder builder(RateLimitPolicy policy) {
        return new Builder(policy);
    }

    /** The policy. */
    public RateLimitPolicy policy() {
        return policy;
    }

    /** Where the callers' buckets live. */
    public BucketStore store() {
        return store;
    }

    /** The per-caller factors: hand them to the anomaly scorer as its {@code ThrottleControl}. */
    public RateLimitAdjustments adjustments() {
        return adjustments;
    }

    @Override
    public String name() {
        return NAME;
    }

    /** {@link GuardPhase#PROTECT}. */
    @Override
    public GuardPhase phase() {
        return GuardPhase.PROTECT;
    }

    @Override
    public Decision evaluate(GuardExchange exchange) {
        Optional<Caller> found = exchange.caller();
        if (found.isEmpty()) {
            return Decision.ALLOW;
        }
        Charge charge = charge(exchange, found.get());
        BucketStore.Outcome outcome;
        Optional<DeferredReplayCheck> replayCheck = exchange.takeReplayCheck();
        if (replayCheck.isPresent()) {
            // an earlier step's single-use identifier (a DPoP proof's jti) joins the bucket's call:
            // one round trip for both with Redis, and a replay takes no token
            DeferredReplayCheck check = replayCheck.get();
            BucketStore.Joined joined = store.tryConsume(
                    charge.key(),
                    charge.plan().configuration(),
                    charge.tokens(),
                    exchange.now(),
                    check.cache(),
                    check.claim());
            Decision checked = check.resolve(joined.replay());
            if (!checked.isAllowed()) {
                return checked; // uncharged here: completed() counts it if the caller still stands
            }
            outcome = java.util.Objects.requireNonNull(joined.bucket(), "a first use comes with the bucket's outcome");
        } else {
            outcome = store.tryConsume(charge.key(), charge.plan().configuration(), charge.tokens(), exchange.now());
        }
        exchange.tag(Charge.class, charge);
        switch (outcome.status()) {
            case CONSUMED -> {
                if (keyed.length > 0) {
                    return keyedLimits(exchange, found.get(), charge, outcome);
                }
                if (policy.emitHeadersOnAllowed()) {
                    fields(charge.plan(), charge.factor(), outcome).forEach(exchange::addResponseHeader);
                }
                return Decision.ALLOW;
            }
            case REJECTED -> {
                if (exchange.eventsEnabled()) {
                    exchange.emit(
                            SecurityEventType.RATE_LIMITED,
                            Map.of("bucket", "caller", "plan", charge.plan().name()));
                }
                return Denials.rateLimited(
                        RateLimitFields.ceilSeconds(outcome.nanosToWaitForRefill()),
                        fields(charge.plan(), charge.factor(), outcome));
            }
            case UNAVAILABLE -> {
                return Denials.unavailable(RateLimitFields.ceilSeconds(outcome.nanosToWaitForRefill()));
            }
            default -> {
                // BYPASSED: the store fails open and said so in its own event; the keyed limits
                // still apply where their buckets can be reached
                return keyed.length > 0 ? keyedLimits(exchange, found.get(), charge, null) : Decision.ALLOW;
            }
        }
    }

    /**
     * The keyed limits, once the caller's plan took the request: each whose key resolves takes the
     * request's cost from its bucket, the caller's own limits first, the shared ones last, stopping
     * at the first refusal (what earlier buckets took stays taken, as a refused request of the caller
     * counts; a shared bucket never counts a request that a bucket of the caller's refused).
     *
     * @param planOutcome the plan bucket's outcome, {@code null} when its store failed open
     */
    private Decision keyedLimits(
            GuardExchange exchange, Caller caller, Charge charge, BucketStore.@Nullable Outcome planOutcome) {
        String method = exchange.request().method();
        String route = exchange.routeTemplate();
        long cost = policy.cost(method, route);
        // the most restrictive bucket so far, for the RateLimit fields of an allowed answer
        RateLimitPlan tightestPlan = charge.plan();
        double tightestFactor = charge.factor();
        BucketStore.Outcome tightest = planOutcome;
        for (Keyed k : keyed) {
            KeyedLimit limit = k.limit();
            if (!limit.appliesTo(method, route)) {
                continue;
            }
            String part = limit.key().resolve(exchange, caller);
            if (part == null) {
                continue;
            }
            boolean shared = limit.key().shared();
            // a throttled caller pays more from its own buckets, never from those it shares
            double factor = shared ? 1.0 : charge.factor();
            RateLimitPlan plan = limit.plan();
            BucketStore.Outcome o = store.tryConsume(
                    bucketKey(k, caller, part, exchange),
                    plan.configuration(),
                    plan.tokensFor(cost, factor),
                    exchange.now());
            switch (o.status()) {
                case CONSUMED -> {
                    if (tightest == null || units(o, factor) < units(tightest, tightestFactor)) {
                        tightest = o;
                        tightestPlan = plan;
                        tightestFactor = factor;
                    }
                }
                case REJECTED -> {
                    if (shared) {
                        exchange.markRefusedBySharedLimit();
                    }
                    if (exchange.eventsEnabled()) {
                        exchange.emit(
                                SecurityEventType.RATE_LIMITED,
                                Map.of(
                                        "bucket",
                                        shared ? "shared" : "caller",
                                        "limit",
                                        limit.name(),
                                        "plan",
                                        plan.name()));
                    }
                    return Denials.rateLimited(
                            RateLimitFields.ceilSeconds(o.nanosToWaitForRefill()), fields(plan, factor, o));
                }
                case UNAVAILABLE -> {
                    return Denials.unavailable(RateLimitFields.ceilSeconds(o.nanosToWaitForRefill()));
                }
                default -> {
                    // BYPASSED: this bucket's store fails open
                }
            }
        }
        if (tightest != null && policy.emitHeadersOnAllowed()) {
            fields(tightestPlan, tightestFactor, tightest).forEach(exchange::addResponseHeader);
        }
        return Decision.ALLOW;
    }

    /** Whole units left in a bucket, as the {@code RateLimit} field reports them. */
    private static long units(BucketStore.Outcome o, double factor) {
        return (long) Math.floor(o.remainingTokens() * factor / RateLimitPlan.TOKENS_PER_UNIT);
    }

    /**
     * The bucket key of a keyed limit's part: {@code limit:NAME:} and the caller's hash tag for
     * {@link RateLimitKeys#caller()}, else the part's digest in braces (a hash tag of its own: no
     * client string in a store's key, one Redis Cluster slot per bucket). A caller past its
     * {@linkplain KeyedLimit#maxKeysPerCaller() distinct parts} counts under one overflow bucket of
     * its own.
     */
    private static String bucketKey(Keyed k, Caller caller, String part, GuardExchange exchange) {
        if (k.limit().key() == RateLimitKeys.caller()) {
            return k.prefix() + part;
        }
        KeyDigest digest = KeyDigest.of(part);
        KeySpread spread = k.spread();
        if (spread != null && !spread.admits(caller.key().hashTag(), digest.bits(), exchange.now())) {
            return k.prefix() + caller.key().hashTag() + ":overflow";
        }
        return k.prefix() + '{' + digest.text() + '}';
    }

    /**
     * Counts a proven caller's request that an earlier step refused (a quarantine, a DPoP proof
     * quota, a host's step) before this one could: every request of a caller counts against its
     * budget, whatever its answer. A request this step counted, or one without caller (the per-
     * address limiter counts those), is not counted again.
     */
    @Override
    public void completed(GuardExchange exchange, int status) {
        Optional<Caller> found = exchange.caller();
        if (found.isEmpty() || exchange.tag(Charge.class) != null || exchange.deniedBy() == null) {
            return;
        }
        Charge charge = charge(exchange, found.get());
        store.tryConsume(charge.key(), charge.plan().configuration(), charge.tokens(), exchange.now());
    }

    /** What a request of this caller costs, and from which bucket. */
    private record Charge(String key, RateLimitPlan plan, double factor, long tokens) {}

    private Charge charge(GuardExchange exchange, Caller caller) {
        String method = exchange.request().method();
        String route = exchange.routeTemplate();
        RateLimitPlan plan = policy.routePlan(method, route);
        String key = bucketKey(caller);
        if (plan != null) {
            key = "route-plan:" + plan.name() + ':' + key;
        } else {
            plan = policy.planFor(caller);
        }
        double factor = adjustments.factor(caller.key(), exchange.now());
        return new Charge(key, plan, factor, plan.tokensFor(policy.cost(method, route), factor));
    }

    /**
     * The bucket key of a verified caller: the {@linkplain dev.apiguard.CallerKey#hashTag() hash tag}
     * of its {@link Caller#key()} (namespace, issuer and id in a digest, in braces), so that a client
     * of one issuer never spends the budget of a namesake at another, and a Redis Cluster keeps the
     * caller's keys in one slot. It starts with a brace, so it is never taken for a {@code peer:},
     * {@code route-plan:} or {@code limit:} key, and it is the very string the caller's key keeps: no copy per caller.
     */
    static String bucketKey(Caller caller) {
        return caller.key().hashTag();
    }

    /** The two response fields for an outcome of a bucket of the plan, as the caller's factor scales it. */
    static Map<String, String> fields(RateLimitPlan plan, double factor, BucketStore.Outcome outcome) {
        List<RateLimitFields.Policy> policies = new ArrayList<>(plan.limits().size());
        for (RateLimitPlan.Limit l : plan.limits()) {
            // a request never costs more than a whole bucket (RateLimitPlan.tokensFor), so even a
            // caller throttled below one request per window gets one: advertise at least that
            policies.add(new RateLimitFields.Policy(
                    l.name(),
                    Math.max(1, (long) Math.floor(l.quota() * factor)),
                    l.window().getSeconds()));
        }
        long remaining = (long) Math.floor(outcome.remainingTokens() * factor / RateLimitPlan.TOKENS_PER_UNIT);
        long reset = outcome.status() == BucketStore.Status.REJECTED
                ? Math.max(1, RateLimitFields.ceilSeconds(outcome.nanosToWaitForRefill()))
                : RateLimitFields.ceilSeconds(outcome.nanosToWaitForReset());
        return RateLimitFields.both(policies, plan.limits().get(0).name(), remaining, reset);
    }

    @Override
    public String toString() {
        return "RateLimitStep[default=" + policy.defaultPlan() + "]";
    }

    /** Builds a {@link RateLimitStep}. Not thread-safe. */
    public static final class Builder {
        private final RateLimitPolicy policy;
        private @Nullable BucketStore store;
        private @Nullable RateLimitAdjustments adjustments;

        private Builder(RateLimitPolicy policy) {
            this.policy = Check.notNull("policy", policy);
        }

        /**
         * Where buckets live. Default: a {@link LocalBucketStore} of
         * {@value LocalBucketStore#DEFAULT_MAXIMUM_SIZE} buckets in this JVM; share a Redis store across
         * app nodes (and with the {@link AnonymousRateLimitStep} if you like: their keys never meet).
         */
        public Builder store(BucketStore bucketStore) {
            this.store = Check.notNull("store", bucketStore);
            return this;
        }

        /** The per-caller factors. Default: fresh {@link RateLimitAdjustments#defaults()}. */
        public Builder adjustments(RateLimitAdjustments rateLimitAdjustments) {
            this.adjustments = Check.notNull("adjustments", rateLimitAdjustments);
            return this;
        }

        /** Builds the step. */
        public RateLimitStep build() {
            return new RateLimitStep(this);
        }
    }
}
