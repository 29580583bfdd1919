package dev.apiguard.spring.boot.autoconfigure;

import dev.apiguard.ApiGuard;
import dev.apiguard.GuardObserver;
import dev.apiguard.anomaly.AnomalyMode;
import dev.apiguard.anomaly.AnomalyPolicy;
import dev.apiguard.anomaly.AnomalyScoringStep;
import dev.apiguard.apikey.ApiKeyFile;
import dev.apiguard.apikey.ApiKeyStep;
import dev.apiguard.apikey.ApiKeyStore;
import dev.apiguard.binding.CertificateBindingStep;
import dev.apiguard.binding.ClientCertificates;
import dev.apiguard.binding.DpopPolicy;
import dev.apiguard.binding.DpopStep;
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.event.Slf4jSecurityEventListener;
import dev.apiguard.inventory.GuardInventory;
import dev.apiguard.inventory.InventoryPolicy;
import dev.apiguard.inventory.InventoryStep;
import dev.apiguard.ratelimit.KeyedLimit;
import dev.apiguard.ratelimit.RateLimitKey;
import dev.apiguard.ratelimit.RateLimitKeys;
import dev.apiguard.ratelimit.RateLimitPlan;
import dev.apiguard.ratelimit.RateLimitPolicy;
import dev.apiguard.ratelimit.RateLimitStep;
import dev.apiguard.scope.RouteAuthorizationStep;
import dev.apiguard.scope.RouteRules;
import dev.apiguard.servlet.ApiGuardFilter;
import dev.apiguard.token.AccessTokenStep;
import dev.apiguard.token.KeySource;
import dev.apiguard.token.TokenPolicy;
import jakarta.servlet.DispatcherType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.function.Supplier;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * Builds an {@link ApiGuard} from the {@code apiguard.*} properties ({@link ApiGuardProperties})
 * and registers its {@link ApiGuardFilter} for every dispatcher type at {@link #FILTER_ORDER}.
 *
 * <p>Every bean backs off when the application defines one of its type: {@link TokenPolicy},
 * {@link RouteRules}, {@link RateLimitPolicy}, {@link AnomalyPolicy}, {@link ApiGuard} and the
 * filter's registration (bean name {@value #FILTER_BEAN_NAME}). {@link ApiGuardCustomizer} beans
 * change the built guard in code. Every {@link SecurityEventListener} bean receives the guard's
 * events (the SLF4J listener when there is none), and a {@link GuardObserver} bean watches each
 * decision ({@link ApiGuardObservabilityAutoConfiguration} adds both for Micrometer). With Spring
 * Security on the classpath the verified caller is Spring Security's {@code Authentication}
 * (authorities {@code SCOPE_x}). {@code apiguard.enabled=false} switches it all off.
 */
@AutoConfiguration
@ConditionalOnClass(ApiGuard.class)
@ConditionalOnProperty(prefix = "apiguard", name = "enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(ApiGuardProperties.class)
@Import(RedisStateConfiguration.class)
public class ApiGuardAutoConfiguration {

    /**
     * The order of the guard's filter: before Spring Security's filter chain ({@code -100} in
     * Spring Boot 3.5 and 4.0, {@code spring.security.filter.order}), so that a refused request
     * never reaches Security and Security sees the verified caller; after Boot's character-encoding
     * and form-content filters. The caller's Security context is filled at {@code FILTER_ORDER + 1}.
     */
    public static final int FILTER_ORDER = -110;

    /** The name of the guard filter's {@link FilterRegistrationBean}. */
    public static final String FILTER_BEAN_NAME = "apiGuardFilterRegistration";

    /** The metrics listener's class, named, not referenced: api-guard-micrometer is optional. */
    private static final String METRICS_LISTENER = "dev.apiguard.micrometer.MicrometerSecurityEventListener";

    /** How long after the start API keys keep working when {@code apiguard.api-keys.sunset} is not set. */
    public static final Duration DEFAULT_API_KEY_SUNSET = Duration.ofDays(90);

    /**
     * The verified access tokens: issuers, audiences, lifetime; only when
     * {@code apiguard.tokens.audience} is set (one value, comma-separated values or a YAML list).
     */
    @Bean
    @ConditionalOnMissingBean
    @Conditional(AudienceConfigured.class)
    public TokenPolicy apiGuardTokenPolicy(ApiGuardProperties properties) {
        ApiGuardProperties.Tokens tokens = properties.getTokens();
        TokenPolicy.Builder builder = TokenPolicy.builder();
        configure("apiguard.tokens.audience", () -> {
            if (tokens.getAudience().isEmpty()) {
                throw new IllegalArgumentException("at least one audience is needed");
            }
            tokens.getAudience().forEach(builder::audience);
            return builder;
        });
        configure("apiguard.tokens.max-lifetime", () -> builder.maxLifetime(tokens.getMaxLifetime()));
        configure("apiguard.tokens.clock-skew", () -> builder.clockSkew(tokens.getClockSkew()));
        List<ApiGuardProperties.Issuer> issuers = tokens.getIssuers();
        if (issuers.isEmpty()) {
            throw new ApiGuardConfigurationException(
                    "apiguard.tokens.issuers",
                    "at least one issuer is needed (uri; jwks-uri or jwks-file, else its metadata gives its keys)");
        }
        for (int i = 0; i < issuers.size(); i++) {
            ApiGuardProperties.Issuer issuer = issuers.get(i);
            String property = "apiguard.tokens.issuers[" + i + "]";
            KeySource keys = configure(property, () -> keys(issuer));
            configure(property + ".uri", () -> builder.issuer(issuer.getUri(), keys));
        }
        return configure("apiguard.tokens", builder::build);
    }

    private static KeySource keys(ApiGuardProperties.Issuer issuer) {
        if (issuer.getJwksUri() != null && issuer.getJwksFile() != null) {
            throw new IllegalArgumentException(
                    "give at most one of jwks-uri and jwks-file (neither: the issuer's metadata names its keys)");
        }
        if (issuer.getJwksUri() != null) {
            return KeySource.jwksUrl(issuer.getJwksUri());
        }
        if (issuer.getJwksFile() != null) {
            return KeySource.jwksFile(issuer.getJwksFile());
        }
        if (issuer.getUri() == null) {
            throw new IllegalArgumentException("uri is needed");
        }
        // RFC 8414 metadata, else OpenID Connect discovery: fetched on the first token, never at start-up
        return KeySource.discovered(URI.create(issuer.getUri()));
    }

    /** {@code apiguard.tokens.audience} given as one value (or comma-separated) or as a YAML list. */
    static final class AudienceConfigured extends AnyNestedCondition {

        AudienceConfigured() {
            super(ConfigurationPhase.REGISTER_BEAN);
        }

        @ConditionalOnProperty(prefix = "apiguard.tokens", name = "audience")
        static final class Single {}

        @ConditionalOnProperty(prefix = "apiguard.tokens", name = "audience[0]")
        static final class Listed {}
    }

    /**
     * What each route needs, from {@code apiguard.routes}, when any is given. A request that
     * matches no route is refused.
     */
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = "apiguard.routes[0]", name = "path")
    public RouteRules apiGuardRouteRules(ApiGuardProperties properties) {
        RouteRules.Builder builder = RouteRules.builder();
        List<ApiGuardProperties.Route> routes = properties.getRoutes();
        for (int i = 0; i < routes.size(); i++) {
            ApiGuardProperties.Route route = routes.get(i);
            String property = "apiguard.routes[" + i + "]";
            if (route.isPermitAll() == !route.getScopes().isEmpty()) {
                throw new ApiGuardConfigurationException(
                        property + ".scopes", "a route needs scopes or permit-all: true (not both)");
            }
            if (route.isPermitAll() && route.isSenderConstrained()) {
                throw new ApiGuardConfigurationException(
                        property + ".sender-constrained", "a permit-all route has no token to constrain");
            }
            RouteRules.RouteBuilder rule =
                    configure(property + ".path", () -> builder.route(route.getMethod(), route.getPath()));
            if (route.isSenderConstrained()) {
                rule.senderConstrained();
            }
            if (route.isPermitAll()) {
                rule.permitAll();
            } else {
                configure(
                        property + ".scopes",
                        () -> rule.requireScopes(route.getScopes().toArray(String[]::new)));
            }
        }
        return configure("apiguard.routes", builder::build);
    }

    /** The per-caller rate limit, when {@code apiguard.rate-limit.enabled=true}. */
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = "apiguard.rate-limit", name = "enabled", havingValue = "true")
    public RateLimitPolicy apiGuardRateLimitPolicy(ApiGuardProperties properties, ObjectProvider<RateLimitKey> key) {
        ApiGuardProperties.RateLimit limits = properties.getRateLimit();
        RateLimitPolicy.Builder builder = RateLimitPolicy.builder();
        RateLimitPlan plan = configure(
                "apiguard.rate-limit.requests",
                () -> RateLimitPlan.simple("default", limits.getRequests(), limits.getPeriod()));
        builder.plan(plan).defaultPlan("default");
        List<ApiGuardProperties.RouteCost> costs = limits.getRouteCosts();
        for (int i = 0; i < costs.size(); i++) {
            ApiGuardProperties.RouteCost cost = costs.get(i);
            configure(
                    "apiguard.rate-limit.route-costs[" + i + "]",
                    () -> builder.routeCost(cost.getMethod(), cost.getPath(), cost.getCost()));
        }
        routeLimits(builder, "route-caps", "route-cap-", RateLimitKeys.route(), limits.getRouteCaps());
        routeLimits(
                builder,
                "caller-route-limits",
                "caller-route-",
                RateLimitKeys.callerAndRoute(),
                limits.getCallerRouteLimits());
        RateLimitKey byValue = key.getIfUnique();
        if (byValue != null) {
            ApiGuardProperties.Key k = limits.getKey();
            KeyedLimit.Builder limit = KeyedLimit.builder(
                    "key", byValue, plan("apiguard.rate-limit.key", "key", k.getRequests(), k.getPeriod()));
            configure(
                    "apiguard.rate-limit.key.max-keys-per-caller",
                    () -> limit.maxKeysPerCaller(k.getMaxKeysPerCaller()));
            builder.limit(limit.build());
        }
        return configure("apiguard.rate-limit", builder::build);
    }

    /** Adds {@code apiguard.rate-limit.NAME[i]}, each a limit of the key on its route (or on every route). */
    private static void routeLimits(
            RateLimitPolicy.Builder builder,
            String property,
            String prefix,
            RateLimitKey key,
            List<ApiGuardProperties.RouteLimit> limits) {
        for (int i = 0; i < limits.size(); i++) {
            ApiGuardProperties.RouteLimit l = limits.get(i);
            String name = prefix + i;
            String at = "apiguard.rate-limit." + property + "[" + i + "]";
            KeyedLimit.Builder limit = KeyedLimit.builder(name, key, plan(at, name, l.getRequests(), l.getPeriod()));
            if (l.getPath() != null) {
                if (l.getMethod() == null) {
                    throw new ApiGuardConfigurationException(at + ".method", "is needed with a path");
                }
                configure(at + ".path", () -> limit.route(l.getMethod(), l.getPath()));
            } else if (l.getMethod() != null) {
                throw new ApiGuardConfigurationException(at + ".path", "is needed with a method");
            }
            builder.limit(limit.build());
        }
    }

    /** The plan of {@code property.requests} per {@code property.period}, a refusal naming the one at fault. */
    private static RateLimitPlan plan(String property, String name, long requests, Duration period) {
        if (requests < 1 || requests > 1_000_000_000L) {
            throw new ApiGuardConfigurationException(
                    property + ".requests", "must be from 1 to 1000000000: " + requests);
        }
        return configure(property + ".period", () -> RateLimitPlan.simple(name, requests, period));
    }

    /**
     * The key of the {@code apiguard.rate-limit.key} limit: a header's value or a claim's, when one
     * of {@code apiguard.rate-limit.key.header} and {@code .claim} is set. An application's own
     * {@link RateLimitKey} bean replaces it (and is the key of that limit).
     */
    @Bean
    @ConditionalOnMissingBean
    @Conditional(KeyConfigured.class)
    public RateLimitKey apiGuardRateLimitKey(ApiGuardProperties properties) {
        ApiGuardProperties.Key key = properties.getRateLimit().getKey();
        if (key.getHeader() != null && key.getClaim() != null) {
            throw new ApiGuardConfigurationException(
                    "apiguard.rate-limit.key", "names a header and a claim: set one of them");
        }
        return key.getHeader() != null
                ? configure("apiguard.rate-limit.key.header", () -> RateLimitKeys.header(key.getHeader()))
                : configure("apiguard.rate-limit.key.claim", () -> RateLimitKeys.claim(key.getClaim()));
    }

    /** Matches when {@code apiguard.rate-limit.key.header} or {@code .claim} is set. */
    static final class KeyConfigured extends AnyNestedCondition {

        KeyConfigured() {
            super(ConfigurationPhase.REGISTER_BEAN);
        }

        @ConditionalOnProperty(prefix = "apiguard.rate-limit.key", name = "header")
        static final class Header {}

        @ConditionalOnProperty(prefix = "apiguard.rate-limit.key", name = "claim")
        static final class Claim {}
    }

    /** Anomaly scoring, from {@code apiguard.anomaly.*}; its step is left out in mode {@code off}. */
    @Bean
    @ConditionalOnMissingBean
    public AnomalyPolicy apiGuardAnomalyPolicy(ApiGuardProperties properties) {
        ApiGuardProperties.Anomaly anomaly = properties.getAnomaly();
        AnomalyPolicy.Builder builder = AnomalyPolicy.builder().mode(anomaly.getMode());
        configure(
                "apiguard.anomaly.observe-threshold",
                () -> builder.thresholds(
                        anomaly.getObserveThreshold(),
                        anomaly.getThrottleThreshold(),
                        anomaly.getQuarantineThreshold()));
        return configure("apiguard.anomaly", builder::build);
    }

    /**
     * The guard: tokens (with mTLS and DPoP binding), API keys, anomaly scoring, rate limit, route
     * rules and inventory, each when configured, in the phase order; then every
     * {@link ApiGuardCustomizer} in order.
     */
    @Bean
    @ConditionalOnMissingBean
    public ApiGuard apiGuard(
            ApiGuardProperties properties,
            ObjectProvider<TokenPolicy> tokens,
            ObjectProvider<RouteRules> routes,
            ObjectProvider<RateLimitPolicy> rateLimits,
            ObjectProvider<AnomalyPolicy> anomalies,
            ObjectProvider<SecurityEventListener> listeners,
            ObjectProvider<GuardObserver> observer,
            ObjectProvider<Clock> clock,
            ObjectProvider<ApiGuardCustomizer> customizers,
            ObjectProvider<SharedStores> sharedStores) {
        SharedStores shared = sharedStores.getIfUnique();
        ApiGuard.Builder builder = ApiGuard.builder();
        clock.ifUnique(builder::clock);
        builder.listener(listener(listeners.orderedStream().toList()));
        observer.ifUnique(builder::observer);
        TokenPolicy tokenPolicy = tokens.getIfUnique();
        if (tokenPolicy != null) {
            builder.step(AccessTokenStep.of(tokenPolicy));
        }
        ApiGuardProperties.ApiKeys keys = properties.getApiKeys();
        if (keys.getFile() != null) {
            Instant start = clock.getIfUnique(Clock::systemUTC).instant();
            ApiKeyStep.Builder apiKeys = ApiKeyStep.builder(apiKeys(keys, start));
            configure(
                    "apiguard.api-keys.deprecation",
                    () -> apiKeys.deprecation(keys.getDeprecation() != null ? keys.getDeprecation() : start));
            configure(
                    "apiguard.api-keys.sunset",
                    () -> apiKeys.sunset(
                            keys.getSunset() != null ? keys.getSunset() : start.plus(DEFAULT_API_KEY_SUNSET)));
            if (keys.getMigrationLink() != null) {
                configure("apiguard.api-keys.migration-link", () -> apiKeys.migrationLink(keys.getMigrationLink()));
            }
            builder.step(configure("apiguard.api-keys", apiKeys::build));
        }
        if (tokenPolicy != null) {
            builder.step(CertificateBindingStep.of(ClientCertificates.tlsOnly()));
            builder.step(
                    shared == null
                            ? DpopStep.of(DpopPolicy.defaults())
                            : DpopStep.of(DpopPolicy.defaults(), shared.replays()));
        }
        RateLimitPolicy rateLimit = rateLimits.getIfUnique();
        RateLimitStep rateLimitStep = null;
        if (rateLimit != null) {
            RateLimitStep.Builder limits = RateLimitStep.builder(rateLimit);
            if (shared != null) {
                limits.store(shared.buckets());
            }
            rateLimitStep = limits.build();
        }
        AnomalyPolicy anomaly = anomalies.getIfUnique();
        if (anomaly != null && anomaly.mode() != AnomalyMode.OFF) {
            AnomalyScoringStep.Builder scoring = AnomalyScoringStep.builder(anomaly);
            if (rateLimitStep != null) {
                scoring.throttleControl(rateLimitStep.adjustments());
            }
            if (shared != null) {
                scoring.quarantineStore(shared.quarantine()).evidenceStore(shared.evidence());
            }
            builder.step(scoring.build());
        }
        if (rateLimitStep != null) {
            builder.step(rateLimitStep);
        }
        RouteRules rules = routes.getIfUnique();
        if (rules == null) {
            // without route rules a verified token would open every path
            throw new ApiGuardConfigurationException(
                    "apiguard.routes",
                    "at least one route (method, path, scopes or permit-all) is needed, or a RouteRules bean");
        }
        builder.step(RouteAuthorizationStep.of(rules));
        if (properties.getInventory().isEnabled()) {
            InventoryPolicy inventory = InventoryPolicy.builder()
                    .maxTokenLifetime(
                            tokenPolicy != null ? tokenPolicy.maxLifetime() : TokenPolicy.DEFAULT_MAX_LIFETIME)
                    .build();
            builder.step(shared == null ? InventoryStep.of(inventory) : InventoryStep.of(inventory, shared.ledger()));
        }
        customizers.orderedStream().forEach(c -> c.customize(builder));
        return configure("apiguard", builder::build);
    }

    /**
     * Where the guard's events go: every {@link SecurityEventListener} bean of the application, or
     * the SLF4J listener when it has none; and the metrics listener the starter adds beside them
     * (it counts, it does not replace the log).
     */
    static SecurityEventListener listener(List<SecurityEventListener> beans) {
        // by class name (the class is final): api-guard-micrometer is optional
        List<SecurityEventListener> own = beans.stream()
                .filter(l -> !METRICS_LISTENER.equals(l.getClass().getName()))
                .toList();
        List<SecurityEventListener> all =
                new ArrayList<>(own.isEmpty() ? List.of(new Slf4jSecurityEventListener()) : own);
        beans.stream()
                .filter(l -> METRICS_LISTENER.equals(l.getClass().getName()))
                .forEach(all::add);
        return all.size() == 1
                ? all.get(0)
                : SecurityEventListener.composite(all.toArray(SecurityEventListener[]::new));
    }

    private static ApiKeyStore apiKeys(ApiGuardProperties.ApiKeys keys, Instant start) {
        ApiKeyStore store = ApiKeyStore.inMemory();
        try {
            ApiKeyFile.load(keys.getFile(), store, start);
        } catch (IOException | UncheckedIOException e) {
            throw new ApiGuardConfigurationException("apiguard.api-keys.file", "cannot be read: " + keys.getFile(), e);
        } catch (IllegalArgumentException e) {
            throw new ApiGuardConfigurationException("apiguard.api-keys.file", e.getMessage(), e);
        }
        return store;
    }

    /** The inventory of callers and credentials, when {@code apiguard.inventory.enabled=true}. */
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = "apiguard.inventory", name = "enabled", havingValue = "true")
    public GuardInventory apiGuardInventory(ApiGuard guard) {
        return guard.steps().stream()
                .filter(InventoryStep.class::isInstance)
                .map(InventoryStep.class::cast)
                .findFirst()
                .orElseThrow(() -> new ApiGuardConfigurationException(
                        "apiguard.inventory.enabled", "the ApiGuard bean has no inventory step"))
                .inventory();
    }

    /** Runs {@code action}; a builder's refusal becomes an {@link ApiGuardConfigurationException} naming {@code property}. */
    static <T> T configure(String property, Supplier<T> action) {
        try {
            return action.get();
        } catch (IllegalArgumentException | IllegalStateException | NullPointerException e) {
            throw new ApiGuardConfigurationException(property, String.valueOf(e.getMessage()), e);
        }
    }

    /** The filter, in a servlet web application. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    @ConditionalOnClass(ApiGuardFilter.class)
    static class FilterConfiguration {

        /**
         * The guard's filter on every path, at {@link #FILTER_ORDER}, for every dispatcher type: the
         * filter guards each request once, and a forward or error dispatch of a request it never
         * saw is guarded too.
         */
        @Bean(FILTER_BEAN_NAME)
        @ConditionalOnMissingBean(name = FILTER_BEAN_NAME)
        FilterRegistrationBean<ApiGuardFilter> apiGuardFilterRegistration(ApiGuard guard) {
            FilterRegistrationBean<ApiGuardFilter> registration =
                    new FilterRegistrationBean<>(new ApiGuardFilter(guard));
            registration.setName("apiGuardFilter");
            registration.addUrlPatterns("/*");
            registration.setDispatcherTypes(EnumSet.allOf(DispatcherType.class));
            registration.setOrder(FILTER_ORDER);
            return registration;
        }
    }

    /** On Jetty: the connectors' header cache case-sensitive, so the guard reads each header as sent. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    @ConditionalOnClass(
            name = {"org.eclipse.jetty.server.Server", "org.springframework.boot.web.server.WebServerFactoryCustomizer"
            })
    static class JettyConfiguration {

        @Bean
        @ConditionalOnMissingBean
        JettyHeaderCacheCustomizer apiGuardJettyHeaderCacheCustomizer() {
            return new JettyHeaderCacheCustomizer();
        }
    }
}
