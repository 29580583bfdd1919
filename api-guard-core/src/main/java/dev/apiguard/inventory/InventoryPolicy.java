package dev.apiguard.inventory;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The inventory's configuration: how much it keeps and what its reports call weak or stale.
 * Immutable and thread-safe; built by {@link #builder()}, every default stated on its setter.
 *
 * <p>A route is <em>sensitive</em> when it is listed with {@link Builder#sensitiveRoute} (method and
 * template, as declared in the route rules) or when its rule names a scope listed with
 * {@link Builder#sensitiveScopes}. An unbound bearer credential (a plain bearer token, or an API
 * key) used on a sensitive route is a weak credential.
 */
public final class InventoryPolicy {

    /** Default window of the least-privilege diff: 30 days. */
    public static final Duration DEFAULT_LEAST_PRIVILEGE_WINDOW = Duration.ofDays(30);
    /** Default age after which an unused credential is stale: 30 days. */
    public static final Duration DEFAULT_STALE_AFTER = Duration.ofDays(30);
    /** Default longest token lifetime ({@code exp − iat}) that is not flagged: 1 hour. */
    public static final Duration DEFAULT_MAX_TOKEN_LIFETIME = Duration.ofHours(1);
    /** Default warning period before a certificate expires: 30 days. */
    public static final Duration DEFAULT_CERTIFICATE_EXPIRY_WARNING = Duration.ofDays(30);

    private final Duration leastPrivilegeWindow;
    private final Duration staleAfter;
    private final Duration maxTokenLifetime;
    private final Duration certificateExpiryWarning;
    private final Set<String> sensitiveRoutes;
    private final Set<String> sensitiveScopes;
    private final RiskView riskView;

    private InventoryPolicy(Builder b) {
        this.leastPrivilegeWindow = b.leastPrivilegeWindow;
        this.staleAfter = b.staleAfter;
        this.maxTokenLifetime = b.maxTokenLifetime;
        this.certificateExpiryWarning = b.certificateExpiryWarning;
        this.sensitiveRoutes = Collections.unmodifiableSet(new TreeSet<>(b.sensitiveRoutes));
        this.sensitiveScopes = Collections.unmodifiableSet(new TreeSet<>(b.sensitiveScopes));
        this.riskView = b.riskView;
    }

    /** A builder with every default. */
    public static Builder builder() {
        return new Builder();
    }

    /** The defaults: 30-day windows, 1 h token policy, nothing sensitive. */
    public static InventoryPolicy defaults() {
        return builder().build();
    }

    /** Over how long a scope must go unexercised to count as granted but not used. */
    public Duration leastPrivilegeWindow() {
        return leastPrivilegeWindow;
    }

    /** After how long without use a credential is stale. */
    public Duration staleAfter() {
        return staleAfter;
    }

    /** The longest token lifetime that is not a weak credential. */
    public Duration maxTokenLifetime() {
        return maxTokenLifetime;
    }

    /** How long before its expiry a certificate is flagged. */
    public Duration certificateExpiryWarning() {
        return certificateExpiryWarning;
    }

    /** The sensitive routes, each {@code METHOD template}, sorted. */
    public Set<String> sensitiveRoutes() {
        return sensitiveRoutes;
    }

    /** The scopes that make a route sensitive, sorted. */
    public Set<String> sensitiveScopes() {
        return sensitiveScopes;
    }

    /** Where reports read each caller's anomaly score. */
    public RiskView riskView() {
        return riskView;
    }

    @Override
    public String toString() {
        return "InventoryPolicy[leastPrivilegeWindow=" + leastPrivilegeWindow
                + ", staleAfter=" + staleAfter + ", maxTokenLifetime=" + maxTokenLifetime
                + ", certificateExpiryWarning=" + certificateExpiryWarning + ", sensitiveRoutes="
                + sensitiveRoutes + ", sensitiveScopes=" + sensitiveScopes + "]";
    }

    /** Builds an {@link InventoryPolicy}. Not thread-safe. */
    public static final class Builder {
        private Duration leastPrivilegeWindow = DEFAULT_LEAST_PRIVILEGE_WINDOW;
        private Duration staleAfter = DEFAULT_STALE_AFTER;
        private Duration maxTokenLifetime = DEFAULT_MAX_TOKEN_LIFETIME;
        private Duration certificateExpiryWarning = DEFAULT_CERTIFICATE_EXPIRY_WARNING;
        private final Set<String> sensitiveRoutes = new LinkedHashSet<>();
        private final Set<String> sensitiveScopes = new LinkedHashSet<>();
        private RiskView riskView = RiskView.NONE;

        private Builder() {}

        /** Window of the least-privilege diff (1 day to 400 days). Default: 30 days. */
        public Builder leastPrivilegeWindow(Duration window) {
            this.leastPrivilegeWindow =
                    between("leastPrivilegeWindow", window, Duration.ofDays(1), Duration.ofDays(400));
            return this;
        }

        /** Age without use after which a credential is stale (1 day to 400 days). Default: 30 days. */
        public Builder staleAfter(Duration age) {
            this.staleAfter = between("staleAfter", age, Duration.ofDays(1), Duration.ofDays(400));
            return this;
        }

        /** Longest token lifetime not flagged (1 s to 1 day); use the token policy's. Default: 1 hour. */
        public Builder maxTokenLifetime(Duration lifetime) {
            this.maxTokenLifetime = between("maxTokenLifetime", lifetime, Duration.ofSeconds(1), Duration.ofDays(1));
            return this;
        }

        /** Warning period before a certificate expires (0 to 400 days). Default: 30 days. */
        public Builder certificateExpiryWarning(Duration warning) {
            this.certificateExpiryWarning =
                    between("certificateExpiryWarning", warning, Duration.ZERO, Duration.ofDays(400));
            return this;
        }

        /** Marks a route as sensitive, by its method and template as declared in the route rules. */
        public Builder sensitiveRoute(String method, String template) {
            Objects.requireNonNull(method, "method cannot be null");
            Objects.requireNonNull(template, "template cannot be null");
            if (!method.equals(method.toUpperCase(Locale.ROOT)) || method.isBlank() || !template.startsWith("/")) {
                throw new IllegalArgumentException(
                        "sensitiveRoute needs an upper-case method and a template starting with /");
            }
            sensitiveRoutes.add(method + " " + template);
            return this;
        }

        /** Scopes whose routes are sensitive. Default: none. */
        public Builder sensitiveScopes(String... scopes) {
            for (String s : scopes) {
                if (s == null || s.isBlank()) {
                    throw new IllegalArgumentException("sensitiveScopes cannot contain an empty scope");
                }
                sensitiveScopes.add(s);
            }
            return this;
        }

        /** Where reports read anomaly scores. Default: {@link RiskView#NONE}. */
        public Builder riskView(RiskView view) {
            this.riskView = Objects.requireNonNull(view, "riskView cannot be null");
            return this;
        }

        /** Builds the policy. */
        public InventoryPolicy build() {
            return new InventoryPolicy(this);
        }

        private static Duration between(String name, Duration d, Duration min, Duration max) {
            Objects.requireNonNull(d, name + " cannot be null");
            if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
                throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ": " + d);
            }
            return d;
        }
    }
}
