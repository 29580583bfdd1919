package dev.apiguard.spring.boot.autoconfigure;

import dev.apiguard.anomaly.AnomalyMode;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code apiguard.*} properties: what {@link ApiGuardAutoConfiguration} builds the guard from.
 * Every property here reaches the guard; anything else is configured in code with an
 * {@link ApiGuardCustomizer} or a bean of the policy's type.
 */
@ConfigurationProperties("apiguard")
public class ApiGuardProperties {

    /** Whether the guard is built and its filter registered. */
    private boolean enabled = true;

    /** Verified access tokens (JWT): the issuers trusted, the audience, the lifetime. */
    private final Tokens tokens = new Tokens();

    /**
     * What each route needs: method, path template and scopes (or permit-all). A request that
     * matches no route is refused.
     */
    private List<Route> routes = new ArrayList<>();

    /** Per-caller rate limit: one default plan and the cost of expensive routes. */
    private final RateLimit rateLimit = new RateLimit();

    /** Behavioural anomaly scoring. */
    private final Anomaly anomaly = new Anomaly();

    /** The inventory of callers and credentials the guard has seen. */
    private final Inventory inventory = new Inventory();

    /** Legacy API keys (X-API-Key), read from a file at start-up. */
    private final ApiKeys apiKeys = new ApiKeys();

    /** State shared by the nodes of a fleet in Redis (needs api-guard-redis on the classpath). */
    private final Redis redis = new Redis();

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public Tokens getTokens() {
        return tokens;
    }

    public List<Route> getRoutes() {
        return routes;
    }

    public void setRoutes(List<Route> routes) {
        this.routes = routes;
    }

    public RateLimit getRateLimit() {
        return rateLimit;
    }

    public Anomaly getAnomaly() {
        return anomaly;
    }

    public Inventory getInventory() {
        return inventory;
    }

    public ApiKeys getApiKeys() {
        return apiKeys;
    }

    public Redis getRedis() {
        return redis;
    }

    /** {@code apiguard.redis.*}. */
    public static class Redis {

        /**
         * One Redis (redis://, rediss://) or a master found through Sentinel (redis-sentinel://);
         * default: spring.data.redis.url when it is set.
         */
        private String uri;

        /** The seed nodes of a Redis Cluster, instead of uri. */
        private List<String> cluster = new ArrayList<>();

        /** open: limits and quarantine from each node's own state while Redis is away; closed: 503. */
        private FailurePolicy failurePolicy = FailurePolicy.OPEN;

        /** Bucket leases: a busy caller's tokens taken several requests at a time (off by default). */
        private BucketLeases bucketLeases = new BucketLeases();

        /**
         * Bucket batches: a caller's requests that find two of its bucket's scripts from this node
         * on their way to Redis go together in the next one, exactly (off by default).
         */
        private boolean bucketBatches;

        /**
         * How long a node gathers a busy caller's anomaly evidence before it sends the next script
         * (0 to 1 s); a quiet caller's is sent at once.
         */
        // RedisGuardState.DEFAULT_EVIDENCE_LINGER, spelled out for the configuration metadata
        // (RedisStateTest checks that the two agree)
        private Duration evidenceLinger = Duration.ofMillis(5);

        public BucketLeases getBucketLeases() {
            return bucketLeases;
        }

        public void setBucketLeases(BucketLeases bucketLeases) {
            this.bucketLeases = bucketLeases;
        }

        public boolean isBucketBatches() {
            return bucketBatches;
        }

        public void setBucketBatches(boolean bucketBatches) {
            this.bucketBatches = bucketBatches;
        }

        public Duration getEvidenceLinger() {
            return evidenceLinger;
        }

        public void setEvidenceLinger(Duration evidenceLinger) {
            this.evidenceLinger = evidenceLinger;
        }

        public String getUri() {
            return uri;
        }

        public void setUri(String uri) {
            this.uri = uri;
        }

        public List<String> getCluster() {
            return cluster;
        }

        public void setCluster(List<String> cluster) {
            this.cluster = cluster;
        }

        public FailurePolicy getFailurePolicy() {
            return failurePolicy;
        }

        public void setFailurePolicy(FailurePolicy failurePolicy) {
            this.failurePolicy = failurePolicy;
        }
    }

    /** {@code apiguard.redis.bucket-leases.*}. */
    public static class BucketLeases {

        /**
         * The most requests' tokens a node takes from a caller's shared bucket in one round trip
         * (1 to 1,000); 1, the default, counts every request in Redis.
         */
        private int requests = 1;

        /** How long a node may hand out the tokens it leased (1 ms to 10 s). */
        // RedisGuardState.DEFAULT_LEASE_VALIDITY, spelled out for the configuration metadata
        // (RedisStateTest checks that the two agree)
        private Duration validity = Duration.ofMillis(100);

        public int getRequests() {
            return requests;
        }

        public void setRequests(int requests) {
            this.requests = requests;
        }

        public Duration getValidity() {
            return validity;
        }

        public void setValidity(Duration validity) {
            this.validity = validity;
        }
    }

    /** What the guard does while Redis cannot be reached. */
    public enum FailurePolicy {
        /** Serve: limits and quarantine from each node's own state (a replay check still refuses). */
        OPEN,
        /** Refuse requests that need Redis (503). */
        CLOSED
    }

    /** {@code apiguard.tokens.*}. */
    public static class Tokens {

        /** The trusted issuers, each with its own keys; a token of one is never verified with another's keys. */
        private List<Issuer> issuers = new ArrayList<>();

        /**
         * The audiences this API is known by: a token's aud must contain at least one. One value,
         * several separated by commas, or a YAML list.
         */
        private List<String> audience = new ArrayList<>();

        /** The longest lifetime (exp - iat) a token may have. */
        private Duration maxLifetime = Duration.ofHours(1);

        /** How far the clocks of issuer and API may disagree. */
        private Duration clockSkew = Duration.ofSeconds(60);

        public List<Issuer> getIssuers() {
            return issuers;
        }

        public void setIssuers(List<Issuer> issuers) {
            this.issuers = issuers;
        }

        public List<String> getAudience() {
            return audience;
        }

        public void setAudience(List<String> audience) {
            this.audience = audience;
        }

        public Duration getMaxLifetime() {
            return maxLifetime;
        }

        public void setMaxLifetime(Duration maxLifetime) {
            this.maxLifetime = maxLifetime;
        }

        public Duration getClockSkew() {
            return clockSkew;
        }

        public void setClockSkew(Duration clockSkew) {
            this.clockSkew = clockSkew;
        }
    }

    /**
     * One trusted issuer: its {@code iss} and where its public keys are: a JWKS URL or file, or,
     * with neither, the {@code jwks_uri} of the issuer's metadata (RFC 8414, then OpenID Connect
     * discovery; the metadata's issuer must equal {@code uri} exactly).
     */
    public static class Issuer {

        /**
         * The issuer identifier, exactly as in the tokens' iss claim; alone, its keys are found
         * through its metadata (https, http only on loopback).
         */
        private String uri;

        /** The issuer's JWKS endpoint (fetched and cached). */
        private URI jwksUri;

        /** A JWKS file with the issuer's public keys (read at start-up), instead of jwks-uri. */
        private Path jwksFile;

        public String getUri() {
            return uri;
        }

        public void setUri(String uri) {
            this.uri = uri;
        }

        public URI getJwksUri() {
            return jwksUri;
        }

        public void setJwksUri(URI jwksUri) {
            this.jwksUri = jwksUri;
        }

        public Path getJwksFile() {
            return jwksFile;
        }

        public void setJwksFile(Path jwksFile) {
            this.jwksFile = jwksFile;
        }
    }

    /** One route: {@code method} and {@code path} template, and what it needs. */
    public static class Route {

        /** The HTTP method, e.g. GET. */
        private String method;

        /** The path template, e.g. /customers/{id}. */
        private String path;

        /** The scopes a caller needs, all of them. */
        private List<String> scopes = new ArrayList<>();

        /** Whether anyone may call the route, without a credential. */
        private boolean permitAll;

        /** Whether the token must be sender-constrained (mTLS certificate or DPoP). */
        private boolean senderConstrained;

        public String getMethod() {
            return method;
        }

        public void setMethod(String method) {
            this.method = method;
        }

        public String getPath() {
            return path;
        }

        public void setPath(String path) {
            this.path = path;
        }

        public List<String> getScopes() {
            return scopes;
        }

        public void setScopes(List<String> scopes) {
            this.scopes = scopes;
        }

        public boolean isPermitAll() {
            return permitAll;
        }

        public void setPermitAll(boolean permitAll) {
            this.permitAll = permitAll;
        }

        public boolean isSenderConstrained() {
            return senderConstrained;
        }

        public void setSenderConstrained(boolean senderConstrained) {
            this.senderConstrained = senderConstrained;
        }
    }

    /** {@code apiguard.rate-limit.*}. */
    public static class RateLimit {

        /** Whether callers are rate limited. */
        private boolean enabled;

        /** The requests a caller may make per period (the default plan). */
        private long requests = 50;

        /** The period the requests are counted over. */
        private Duration period = Duration.ofSeconds(1);

        /** Routes that cost more than one request. */
        private List<RouteCost> routeCosts = new ArrayList<>();

        /**
         * Service-wide caps: one bucket per route shared by every caller of it (Kong's
         * service-level limit), on top of each caller's plan. Without a path, every route gets a
         * bucket of its own at that cap.
         */
        private List<RouteLimit> routeCaps = new ArrayList<>();

        /**
         * Limits per caller and route: each caller gets a bucket of its own on the route, on top
         * of its plan. Without a path, every route gets one per caller.
         */
        private List<RouteLimit> callerRouteLimits = new ArrayList<>();

        /**
         * A limit keyed by a request header or a verified token claim (a tenant), shared by the
         * callers that send the same value, on top of each caller's plan. A RateLimitKey bean of
         * the application replaces the header or claim.
         */
        private final Key key = new Key();

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public long getRequests() {
            return requests;
        }

        public void setRequests(long requests) {
            this.requests = requests;
        }

        public Duration getPeriod() {
            return period;
        }

        public void setPeriod(Duration period) {
            this.period = period;
        }

        public List<RouteCost> getRouteCosts() {
            return routeCosts;
        }

        public void setRouteCosts(List<RouteCost> routeCosts) {
            this.routeCosts = routeCosts;
        }

        public List<RouteLimit> getRouteCaps() {
            return routeCaps;
        }

        public void setRouteCaps(List<RouteLimit> routeCaps) {
            this.routeCaps = routeCaps;
        }

        public List<RouteLimit> getCallerRouteLimits() {
            return callerRouteLimits;
        }

        public void setCallerRouteLimits(List<RouteLimit> callerRouteLimits) {
            this.callerRouteLimits = callerRouteLimits;
        }

        public Key getKey() {
            return key;
        }
    }

    /** A limit on one route, or on every route when no path is given. */
    public static class RouteLimit {

        /** The HTTP method; needed with a path. */
        private String method;

        /** The route's path template, as in apiguard.routes; none for every route. */
        private String path;

        /** The requests the bucket admits per period. */
        private long requests;

        /** The period the requests are counted over, in whole seconds. */
        private Duration period = Duration.ofSeconds(1);

        public String getMethod() {
            return method;
        }

        public void setMethod(String method) {
            this.method = method;
        }

        public String getPath() {
            return path;
        }

        public void setPath(String path) {
            this.path = path;
        }

        public long getRequests() {
            return requests;
        }

        public void setRequests(long requests) {
            this.requests = requests;
        }

        public Duration getPeriod() {
            return period;
        }

        public void setPeriod(Duration period) {
            this.period = period;
        }
    }

    /** {@code apiguard.rate-limit.key.*}: a limit per header value or claim value. */
    public static class Key {

        /** The request header whose value names the bucket (the client chooses it: prefer a claim). */
        private String header;

        /** The verified token claim whose string value names the bucket, for example tenant. */
        private String claim;

        /** The requests each value's bucket admits per period. */
        private long requests = 50;

        /** The period the requests are counted over, in whole seconds. */
        private Duration period = Duration.ofSeconds(1);

        /**
         * How many distinct values one caller may count under per period on one node; its
         * requests with further values share one overflow bucket.
         */
        private int maxKeysPerCaller = 16;

        public String getHeader() {
            return header;
        }

        public void setHeader(String header) {
            this.header = header;
        }

        public String getClaim() {
            return claim;
        }

        public void setClaim(String claim) {
            this.claim = claim;
        }

        public long getRequests() {
            return requests;
        }

        public void setRequests(long requests) {
            this.requests = requests;
        }

        public Duration getPeriod() {
            return period;
        }

        public void setPeriod(Duration period) {
            this.period = period;
        }

        public int getMaxKeysPerCaller() {
            return maxKeysPerCaller;
        }

        public void setMaxKeysPerCaller(int maxKeysPerCaller) {
            this.maxKeysPerCaller = maxKeysPerCaller;
        }
    }

    /** The cost of one route, in requests of the plan. */
    public static class RouteCost {

        /** The HTTP method. */
        private String method;

        /** The route's path template, as in apiguard.routes. */
        private String path;

        /** How many requests one call counts for. */
        private long cost = 1;

        public String getMethod() {
            return method;
        }

        public void setMethod(String method) {
            this.method = method;
        }

        public String getPath() {
            return path;
        }

        public void setPath(String path) {
            this.path = path;
        }

        public long getCost() {
            return cost;
        }

        public void setCost(long cost) {
            this.cost = cost;
        }
    }

    /** {@code apiguard.anomaly.*}. */
    public static class Anomaly {

        /** off: no scoring; observe: scores and events only; enforce: throttle and quarantine. */
        private AnomalyMode mode = AnomalyMode.OFF;

        /** The score from which an event is raised. */
        private double observeThreshold = 5;

        /** The score from which the caller is throttled (enforce). */
        private double throttleThreshold = 10;

        /** The score from which the caller is quarantined (enforce). */
        private double quarantineThreshold = 20;

        public AnomalyMode getMode() {
            return mode;
        }

        public void setMode(AnomalyMode mode) {
            this.mode = mode;
        }

        public double getObserveThreshold() {
            return observeThreshold;
        }

        public void setObserveThreshold(double observeThreshold) {
            this.observeThreshold = observeThreshold;
        }

        public double getThrottleThreshold() {
            return throttleThreshold;
        }

        public void setThrottleThreshold(double throttleThreshold) {
            this.throttleThreshold = throttleThreshold;
        }

        public double getQuarantineThreshold() {
            return quarantineThreshold;
        }

        public void setQuarantineThreshold(double quarantineThreshold) {
            this.quarantineThreshold = quarantineThreshold;
        }
    }

    /** {@code apiguard.inventory.*}. */
    public static class Inventory {

        /** Whether the guard keeps the inventory of callers and credentials (a GuardInventory bean). */
        private boolean enabled;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }
    }

    /** {@code apiguard.api-keys.*}. */
    public static class ApiKeys {

        /** The API key file (one key record a line, as ApiKeyFile reads it); API keys are off without it. */
        private Path file;

        /** Since when API keys are deprecated (the Deprecation header); default: the start of the application. */
        private Instant deprecation;

        /** When API keys stop working (the Sunset header); default: 90 days after the start. */
        private Instant sunset;

        /** Where callers read how to move to tokens (a Link header), if anywhere. */
        private URI migrationLink;

        public Path getFile() {
            return file;
        }

        public void setFile(Path file) {
            this.file = file;
        }

        public Instant getDeprecation() {
            return deprecation;
        }

        public void setDeprecation(Instant deprecation) {
            this.deprecation = deprecation;
        }

        public Instant getSunset() {
            return sunset;
        }

        public void setSunset(Instant sunset) {
            this.sunset = sunset;
        }

        public URI getMigrationLink() {
            return migrationLink;
        }

        public void setMigrationLink(URI migrationLink) {
            this.migrationLink = migrationLink;
        }
    }
}
