package dev.apiguard.ratelimit;

import dev.apiguard.internal.Check;
import java.util.Locale;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A rate limit beyond the caller's plan, counted in buckets named by a {@link RateLimitKey}: a
 * service-wide cap on a route ({@link RateLimitKeys#route()}), a caller's budget per route
 * ({@link RateLimitKeys#callerAndRoute()}), a tenant's budget ({@link RateLimitKeys#claim}), or any
 * key the host resolves. Added to a policy with {@link RateLimitPolicy.Builder#limit(KeyedLimit)};
 * {@link RateLimitStep} applies every limit whose key resolves for the request, after the caller's
 * plan, as its Javadoc says.
 *
 * <pre>{@code
 * KeyedLimit.builder("search-cap", RateLimitKeys.route(), RateLimitPlan.simple("search-cap", 1000, Duration.ofSeconds(1)))
 *         .route("GET", "/search")
 *         .build();
 * }</pre>
 *
 * <p>Defaults: every route; at most {@value #DEFAULT_MAX_KEYS_PER_CALLER} distinct parts per caller
 * per refill time of the plan for a key that is not {@linkplain RateLimitKey#boundedPerCaller()
 * bounded per caller}. Immutable and thread-safe.
 */
public final class KeyedLimit {

    /** How many distinct key parts one caller may count under per refill time, by default. */
    public static final int DEFAULT_MAX_KEYS_PER_CALLER = 16;

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,31}");

    private final String name;
    private final RateLimitKey key;
    private final RateLimitPlan plan;
    private final @Nullable String method;
    private final @Nullable String routeTemplate;
    private final int maxKeysPerCaller;

    private KeyedLimit(Builder b) {
        this.name = b.name;
        this.key = b.key;
        this.plan = b.plan;
        this.method = b.method;
        this.routeTemplate = b.routeTemplate;
        this.maxKeysPerCaller = b.maxKeysPerCaller;
    }

    /**
     * A builder of a limit.
     *
     * @param name lower-case letters, digits, {@code _} and {@code -}, at most 32 characters: names the
     *     limit's buckets and its events; unique in a policy
     * @param key what the limit's buckets are told apart by
     * @param plan the quota of each bucket
     * @throws IllegalArgumentException when the name is not of that form
     */
    public static Builder builder(String name, RateLimitKey key, RateLimitPlan plan) {
        return new Builder(name, key, plan);
    }

    /** A limit on every route: {@code builder(name, key, plan).build()}. */
    public static KeyedLimit of(String name, RateLimitKey key, RateLimitPlan plan) {
        return builder(name, key, plan).build();
    }

    /** The limit's name. */
    public String name() {
        return name;
    }

    /** What the limit's buckets are told apart by. */
    public RateLimitKey key() {
        return key;
    }

    /** The quota of each of the limit's buckets. */
    public RateLimitPlan plan() {
        return plan;
    }

    /** The one route the limit applies to, as {@code METHOD template}, or {@code null} for every route. */
    public @Nullable String route() {
        return routeTemplate == null ? null : method + " " + routeTemplate;
    }

    /** How many distinct key parts one caller may count under per refill time (unbounded keys only). */
    public int maxKeysPerCaller() {
        return maxKeysPerCaller;
    }

    /** Whether the limit applies to a request of this method to this route template. */
    boolean appliesTo(String requestMethod, @Nullable String template) {
        return routeTemplate == null || (routeTemplate.equals(template) && requestMethod.equals(method));
    }

    @Override
    public String toString() {
        return "KeyedLimit[" + name + ", " + key + ", " + plan + (routeTemplate == null ? "" : ", " + route()) + "]";
    }

    /** Builds a {@link KeyedLimit}. Not thread-safe. */
    public static final class Builder {
        private final String name;
        private final RateLimitKey key;
        private final RateLimitPlan plan;
        private @Nullable String method;
        private @Nullable String routeTemplate;
        private int maxKeysPerCaller = DEFAULT_MAX_KEYS_PER_CALLER;

        private Builder(String name, RateLimitKey key, RateLimitPlan plan) {
            Check.notNull("limit name", name);
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("limit name must match " + NAME + ": " + name);
            }
            this.name = name;
            this.key = Check.notNull("limit " + name + ": key", key);
            this.plan = Check.notNull("limit " + name + ": plan", plan);
        }

        /**
         * Applies the limit to one route only, as the route rules name it. Default: every route.
         *
         * @param method the HTTP method
         * @param template the route template, starting with {@code /} ({@code /customers/{id}})
         */
        public Builder route(String method, String template) {
            Check.notNull("limit " + name + ": method", method);
            Check.notNull("limit " + name + ": route template", template);
            if (!template.startsWith("/")) {
                throw new IllegalArgumentException("limit " + name + ": route template must start with /: " + template);
            }
            this.method = method.toUpperCase(Locale.ROOT);
            this.routeTemplate = template;
            return this;
        }

        /**
         * How many distinct key parts (header values, claim values) one caller may count under
         * within the plan's refill time, on this node; the requests of a caller past that share one
         * overflow bucket of the caller's, so that spraying values neither escapes the limit nor
         * fills the store. Applies to keys not {@linkplain RateLimitKey#boundedPerCaller() bounded
         * per caller}. Default: {@value #DEFAULT_MAX_KEYS_PER_CALLER}.
         *
         * @throws IllegalArgumentException when not between 1 and 1,024
         */
        public Builder maxKeysPerCaller(int max) {
            if (max < 1 || max > 1024) {
                throw new IllegalArgumentException(
                        "limit " + name + ": maxKeysPerCaller must be between 1 and 1024: " + max);
            }
            this.maxKeysPerCaller = max;
            return this;
        }

        /** Builds the limit. */
        public KeyedLimit build() {
            return new KeyedLimit(this);
        }
    }
}
