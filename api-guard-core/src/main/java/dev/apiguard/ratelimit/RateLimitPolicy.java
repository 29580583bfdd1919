package dev.apiguard.ratelimit;

import dev.apiguard.TrustedProxies;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The configuration of rate limiting: plans, how callers get them, what routes cost, the
 * per-peer limit before authentication. Shared by {@link RateLimitStep} and
 * {@link AnonymousRateLimitStep}; where buckets live is the steps' to say (a store is state, a
 * policy is configuration).
 *
 * <p>Defaults (each stated once, in {@link Builder}):
 * <ul>
 *   <li>plans: {@link #DEFAULT_PLAN} ({@code default}, 50 per second), the default plan unless
 *       {@link Builder#defaultPlan} names another;</li>
 *   <li>resolver: {@link PlanResolver#fromCaller()} (the plan the token named), else the default;</li>
 *   <li>every route costs 1 unit; no route overrides the caller's plan; no {@linkplain KeyedLimit
 *       keyed limit} beyond the plans;</li>
 *   <li>anonymous per-peer plan: {@link #DEFAULT_ANONYMOUS_PLAN} (20 per second), no exempt path,
 *       {@link TrustedProxies#NONE} (the TCP peer is the client), an IPv6 client counted per
 *       {@value #DEFAULT_ANONYMOUS_IPV6_PREFIX}-bit network;</li>
 *   <li>{@code RateLimit} fields only on 429 answers.</li>
 * </ul>
 * Immutable and thread-safe.
 */
public final class RateLimitPolicy {

    /** The plan callers get when nothing else is configured: 50 requests per second. */
    public static final RateLimitPlan DEFAULT_PLAN = RateLimitPlan.simple("default", 50, Duration.ofSeconds(1));
    /** The per-peer plan before authentication: 20 requests without a valid credential per second. */
    public static final RateLimitPlan DEFAULT_ANONYMOUS_PLAN =
            RateLimitPlan.simple("anonymous", 20, Duration.ofSeconds(1));
    /** The IPv6 network an anonymous client is counted by: a /64, what one subscriber is handed at least. */
    public static final int DEFAULT_ANONYMOUS_IPV6_PREFIX = 64;

    private final Map<String, RateLimitPlan> plans;
    private final RateLimitPlan defaultPlan;
    private final PlanResolver resolver;
    private final Map<String, Long> routeCosts;
    private final Map<String, RateLimitPlan> routePlans;
    private final RateLimitPlan anonymousPlan;
    private final Set<String> anonymousExemptPaths;
    private final TrustedProxies trustedProxies;
    private final int anonymousIpv6Prefix;
    private final boolean emitHeadersOnAllowed;
    private final List<KeyedLimit> limits;

    private RateLimitPolicy(Builder b, RateLimitPlan defaultPlan, Map<String, RateLimitPlan> routePlans) {
        this.plans = Map.copyOf(b.plans);
        this.defaultPlan = defaultPlan;
        this.resolver = b.resolver;
        this.routeCosts = Map.copyOf(b.routeCosts);
        this.routePlans = Map.copyOf(routePlans);
        this.anonymousPlan = b.anonymousPlan;
        this.anonymousExemptPaths = Set.copyOf(b.anonymousExemptPaths);
        this.trustedProxies = b.trustedProxies;
        this.anonymousIpv6Prefix = b.anonymousIpv6Prefix;
        this.emitHeadersOnAllowed = b.emitHeadersOnAllowed;
        this.limits = List.copyOf(b.limits.values());
    }

    /** A builder with the defaults listed above. */
    public static Builder builder() {
        return new Builder();
    }

    /** A policy with every default. */
    public static RateLimitPolicy defaults() {
        return builder().build();
    }

    /** The plans by name. */
    public Map<String, RateLimitPlan> plans() {
        return plans;
    }

    /** The plan of a caller the resolver assigns none (or an unknown one) to. */
    public RateLimitPlan defaultPlan() {
        return defaultPlan;
    }

    /** The per-peer plan before authentication. */
    public RateLimitPlan anonymousPlan() {
        return anonymousPlan;
    }

    /** The paths the per-peer limit never counts nor refuses (for example {@code /health}). */
    public Set<String> anonymousExemptPaths() {
        return anonymousExemptPaths;
    }

    /** The proxies whose {@code X-Forwarded-For} is believed. */
    public TrustedProxies trustedProxies() {
        return trustedProxies;
    }

    /** How many leading bits of an IPv6 client address name its anonymous bucket (128: each address its own). */
    public int anonymousIpv6Prefix() {
        return anonymousIpv6Prefix;
    }

    /** Whether allowed responses carry the {@code RateLimit-Policy} and {@code RateLimit} fields. */
    public boolean emitHeadersOnAllowed() {
        return emitHeadersOnAllowed;
    }

    /** The limits beyond the callers' plans ({@link Builder#limit(KeyedLimit)}), in the order added. */
    public List<KeyedLimit> limits() {
        return limits;
    }

    /** The cost of a request to the route in units (1 unless configured). */
    public long cost(String method, @Nullable String routeTemplate) {
        if (routeTemplate == null || routeCosts.isEmpty()) {
            return 1;
        }
        return routeCosts.getOrDefault(routeKey(method, routeTemplate), 1L);
    }

    /** The plan that replaces the caller's own on this route, or {@code null}. */
    public @Nullable RateLimitPlan routePlan(String method, @Nullable String routeTemplate) {
        if (routeTemplate == null || routePlans.isEmpty()) {
            return null;
        }
        return routePlans.get(routeKey(method, routeTemplate));
    }

    /** The caller's plan: the resolver's choice when the policy knows it, else the default plan. */
    public RateLimitPlan planFor(dev.apiguard.Caller caller) {
        String name = resolver.planFor(caller);
        if (name == null) {
            return defaultPlan;
        }
        RateLimitPlan plan = plans.get(name);
        return plan != null ? plan : defaultPlan;
    }

    private static String routeKey(String method, String template) {
        return method + ' ' + template;
    }

    /** Builds a {@link RateLimitPolicy}. Not thread-safe. */
    public static final class Builder {
        private final Map<String, RateLimitPlan> plans = new LinkedHashMap<>();
        private @Nullable String defaultPlanName;
        private PlanResolver resolver = PlanResolver.fromCaller();
        private final Map<String, Long> routeCosts = new LinkedHashMap<>();
        private final Map<String, String> routePlanNames = new LinkedHashMap<>();
        private RateLimitPlan anonymousPlan = DEFAULT_ANONYMOUS_PLAN;
        private final Set<String> anonymousExemptPaths = new LinkedHashSet<>();
        private TrustedProxies trustedProxies = TrustedProxies.NONE;
        private int anonymousIpv6Prefix = DEFAULT_ANONYMOUS_IPV6_PREFIX;
        private boolean emitHeadersOnAllowed;
        private final Map<String, KeyedLimit> limits = new LinkedHashMap<>();

        private Builder() {}

        /** Adds a named plan; fails when a plan of that name was added already. */
        public Builder plan(RateLimitPlan plan) {
            Objects.requireNonNull(plan, "plan cannot be null");
            if (plans.putIfAbsent(plan.name(), plan) != null) {
                throw new IllegalArgumentException("plan: a plan named " + plan.name() + " was added already");
            }
            return this;
        }

        /**
         * The plan of callers the resolver gives no known plan. Default: the only plan added, or
         * {@link #DEFAULT_PLAN} when none is added; {@link #build()} fails when several plans are
         * added and none is named here.
         */
        public Builder defaultPlan(String name) {
            this.defaultPlanName = Objects.requireNonNull(name, "defaultPlan cannot be null");
            return this;
        }

        /** How a caller's plan is chosen. Default: {@link PlanResolver#fromCaller()}. */
        public Builder planResolver(PlanResolver planResolver) {
            this.resolver = Objects.requireNonNull(planResolver, "planResolver cannot be null");
            return this;
        }

        /**
         * What a request to a route costs, in units (default 1): for example 10 for an export.
         *
         * @param method the HTTP method, as in the route rules
         * @param routeTemplate the route template as the route rules name it ({@code /customers/{serviceTag}})
         */
        public Builder routeCost(String method, String routeTemplate, long cost) {
            if (cost < 1) {
                throw new IllegalArgumentException("routeCost must be at least 1: " + cost);
            }
            routeCosts.put(routeKey(method(method), template(routeTemplate)), cost);
            return this;
        }

        /**
         * Counts requests to a route against the named plan, in a bucket of its own per caller,
         * instead of the caller's plan (for example a tight plan for {@code POST /payments}).
         */
        public Builder routePlan(String method, String routeTemplate, String planName) {
            Objects.requireNonNull(planName, "routePlan plan name cannot be null");
            routePlanNames.put(routeKey(method(method), template(routeTemplate)), planName);
            return this;
        }

        /**
         * Adds a limit beyond the callers' plans, counted in buckets its key names: a service-wide cap
         * on a route, a budget per caller and route, per tenant... A request of a verified caller
         * must find room in its plan's bucket and in every limit's bucket its key resolves to (see
         * {@link RateLimitStep}). Default: none.
         *
         * @throws IllegalArgumentException when a limit of that name was added already
         */
        public Builder limit(KeyedLimit limit) {
            Objects.requireNonNull(limit, "limit cannot be null");
            if (limits.putIfAbsent(limit.name(), limit) != null) {
                throw new IllegalArgumentException("limit: a limit named " + limit.name() + " was added already");
            }
            return this;
        }

        /** The per-peer plan for requests without a valid credential. Default: {@link #DEFAULT_ANONYMOUS_PLAN}. */
        public Builder anonymousPlan(RateLimitPlan plan) {
            this.anonymousPlan = Objects.requireNonNull(plan, "anonymousPlan cannot be null");
            return this;
        }

        /**
         * Paths (exact, as dispatched) the per-peer limit ignores, like {@code /health}, where the
         * route step matched a public route: with another method, a path that is not public there
         * is counted. Default: none.
         */
        public Builder anonymousExemptPaths(String... paths) {
            for (String p : paths) {
                Objects.requireNonNull(p, "anonymousExemptPath cannot be null");
                if (!p.startsWith("/")) {
                    throw new IllegalArgumentException("anonymousExemptPath must start with /: " + p);
                }
                anonymousExemptPaths.add(p);
            }
            return this;
        }

        /** Proxies whose {@code X-Forwarded-For} names the client. Default: {@link TrustedProxies#NONE}. */
        public Builder trustedProxies(TrustedProxies proxies) {
            this.trustedProxies = Objects.requireNonNull(proxies, "trustedProxies cannot be null");
            return this;
        }

        /**
         * How many leading bits of an IPv6 client address name its anonymous bucket: every address
         * of one network shares it. Default: {@value RateLimitPolicy#DEFAULT_ANONYMOUS_IPV6_PREFIX}
         * (a subscriber is handed a /64 or more, and could otherwise take a fresh bucket with each
         * request); 128 counts each address alone. IPv4 addresses always count alone.
         *
         * @throws IllegalArgumentException when {@code bits} is not between 32 and 128
         */
        public Builder anonymousIpv6Prefix(int bits) {
            if (bits < 32 || bits > 128) {
                throw new IllegalArgumentException("anonymousIpv6Prefix must be between 32 and 128 bits, was " + bits);
            }
            this.anonymousIpv6Prefix = bits;
            return this;
        }

        /** Whether allowed responses carry the {@code RateLimit} fields too. Default: {@code false} (only 429s). */
        public Builder emitHeadersOnAllowed(boolean emit) {
            this.emitHeadersOnAllowed = emit;
            return this;
        }

        /**
         * Builds the policy; fails, naming the setting, when the default plan or a route plan names
         * an unknown plan, or several plans are added without a default.
         */
        public RateLimitPolicy build() {
            RateLimitPlan defaultPlan;
            if (defaultPlanName != null) {
                defaultPlan = plans.get(defaultPlanName);
                if (defaultPlan == null) {
                    throw new IllegalStateException("defaultPlan: no plan named " + defaultPlanName);
                }
            } else if (plans.isEmpty()) {
                defaultPlan = DEFAULT_PLAN;
            } else if (plans.size() == 1) {
                defaultPlan = plans.values().iterator().next();
            } else {
                throw new IllegalStateException(
                        "defaultPlan: several plans " + plans.keySet() + " and no default named");
            }
            Map<String, RateLimitPlan> routePlans = new LinkedHashMap<>();
            routePlanNames.forEach((route, name) -> {
                RateLimitPlan p = plans.get(name);
                if (p == null) {
                    throw new IllegalStateException("routePlan " + route + ": no plan named " + name);
                }
                routePlans.put(route, p);
            });
            return new RateLimitPolicy(this, defaultPlan, routePlans);
        }

        private static String method(String method) {
            Objects.requireNonNull(method, "method cannot be null");
            return method.toUpperCase(Locale.ROOT);
        }

        private static String template(String template) {
            Objects.requireNonNull(template, "routeTemplate cannot be null");
            if (!template.startsWith("/")) {
                throw new IllegalArgumentException("routeTemplate must start with /: " + template);
            }
            return template;
        }
    }
}
