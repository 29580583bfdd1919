package dev.apiguard.redis;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.apiguard.QuarantineStore;
import dev.apiguard.ReplayCache;
import dev.apiguard.apikey.ApiKeyStore;
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.event.Slf4jSecurityEventListener;
import dev.apiguard.internal.Check;
import dev.apiguard.internal.RevocationEntries;
import dev.apiguard.inventory.LedgerStore;
import dev.apiguard.ratelimit.BucketStore;
import dev.apiguard.redis.internal.Availability;
import dev.apiguard.redis.internal.Connection;
import dev.apiguard.redis.internal.NearCache;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.SslVerifyMode;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The guard's shared state in Redis: rate-limit buckets ({@link #bucketStore()}), replay
 * caches ({@link #replayCache()}), the quarantine list ({@link #quarantineStore()}), legacy API
 * keys ({@link #apiKeyStore()}), anomaly evidence ({@link #evidenceStore()}) and the inventory's
 * ledger ({@link #ledgerStore()}), over one Lettuce client and one multiplexed connection, and the
 * revocation list ({@link #revocations(Duration)}), which every node holds whole in memory. Several
 * app nodes configured with the same Redis share limits, quarantines, seen identifiers and API key
 * revocations.
 *
 * <p>Three topologies, one builder: a standalone Redis ({@link #builder(String)} with
 * {@code redis://} or {@code rediss://}), a master found through Sentinel ({@code redis-sentinel://}),
 * or a Redis Cluster ({@link #cluster(String...)}). Every key of one caller carries the caller's
 * hash tag, so each script a request runs stays within one cluster slot, and callers spread over
 * the shards.
 *
 * <p>Every key starts with {@link Builder#keyPrefix} (default {@value #DEFAULT_KEY_PREFIX}) and
 * expires by itself. Every command has a timeout (default 1 s); while a connection is down,
 * commands are refused at once instead of queued, and after a failure the stores skip that Redis
 * (on a cluster: that node) for a short back-off (default 250 ms) but for one probing request, so
 * that a dead server cannot hold request threads. What the guard does meanwhile is the
 * {@link RedisFailurePolicy}; it returns to normal as soon as a command succeeds again, with a
 * {@code store.recovered} event. The API key store is the exception: it always fails closed
 * ({@link RedisApiKeyStore}).
 *
 * <p>Thread-safe. Close it when the application stops: it closes the connection and the client.
 */
public final class RedisGuardState implements AutoCloseable {

    /** The default prefix of every key. */
    public static final String DEFAULT_KEY_PREFIX = "apiguard:";
    /** The default name of this client's connections ({@code CLIENT SETNAME}). */
    public static final String DEFAULT_CLIENT_NAME = "api-guard";
    /** How often a cluster client reads the topology again, by default. */
    public static final Duration DEFAULT_TOPOLOGY_REFRESH = Duration.ofSeconds(30);
    /** The default command timeout. */
    public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(1);
    /** The default connect timeout. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(1);
    /** How long the stores skip Redis after a failure, by default, before one request probes it. */
    public static final Duration DEFAULT_BACKOFF = Duration.ofMillis(250);
    /** How long a node keeps its copy of a caller's quarantine, by default, if no message drops it. */
    public static final Duration DEFAULT_NEAR_CACHE_TTL = Duration.ofSeconds(1);

    /** How long a bucket lease may be used unless {@link Builder#bucketLeases} says otherwise. */
    public static final Duration DEFAULT_LEASE_VALIDITY = Duration.ofMillis(100);
    /** How much anomaly evidence a node queues for Redis at most, by default, before it drops and counts. */
    public static final int DEFAULT_EVIDENCE_QUEUE = 100_000;
    /** How long a node gathers a busy caller's evidence, by default, before it sends the next script. */
    public static final Duration DEFAULT_EVIDENCE_LINGER = Duration.ofMillis(5);
    /** How often a node sends the ledger deltas it buffered, by default. */
    public static final Duration DEFAULT_LEDGER_FLUSH_INTERVAL = Duration.ofSeconds(1);
    /** How many callers' ledger deltas a node buffers at most, by default, before it drops and counts. */
    public static final int DEFAULT_LEDGER_BUFFER = 10_000;
    /** How many callers the shared ledger holds, by default: as many as the local store. */
    public static final int DEFAULT_LEDGER_MAX_CALLERS = LedgerStore.DEFAULT_MAX_CALLERS;
    /** How long the shared ledger keeps a caller not seen again, by default. */
    public static final Duration DEFAULT_LEDGER_TIME_TO_LIVE = Duration.ofDays(90);
    /** How many callers' quarantines a node keeps copies of, by default. */
    public static final long DEFAULT_NEAR_CACHE_MAXIMUM_SIZE = 100_000;
    /** How often a node reads the shared revocation list again, by default, in case a message was lost. */
    public static final Duration DEFAULT_REVOCATION_REFRESH = Duration.ofSeconds(1);
    /** How many revocations in force the shared list holds at most, by default. */
    public static final int DEFAULT_REVOCATIONS_MAXIMUM_SIZE = 10_000;

    private final ClientResources resources;
    private final AbstractRedisClient client;
    private final Connection connection;
    private final Availability availability;
    private final RedisBucketStore bucketStore;
    private final RedisReplayCache replayCache;
    private final RedisQuarantineStore quarantineStore;
    private final String keyPrefix;
    private final RedisApiKeyStore apiKeyStore;
    private final @Nullable NearCache nearCache; // null when the near cache is off
    private final RedisEvidenceStore evidenceStore;
    private final RedisLedgerStore ledgerStore;
    private final Duration revocationRefresh;
    private final int revocationsMaximumSize;
    private final Clock clock;
    private final RedisFailurePolicy failurePolicy;
    private @Nullable RedisRevocations revocations; // made on first use, guarded by this

    private RedisGuardState(Builder b) {
        this.revocationRefresh = b.revocationRefresh;
        this.revocationsMaximumSize = b.revocationsMaximumSize;
        this.clock = b.clock;
        this.failurePolicy = b.failurePolicy;
        // reconnect quickly once Redis is back: at most a second between attempts
        this.resources = DefaultClientResources.builder()
                .reconnectDelay(
                        Delay.exponential(Duration.ofMillis(10), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
                .build();
        this.client = b.cluster ? clusterClient(resources, b) : standaloneClient(resources, b);
        Connection connected = null;
        try {
            connected = client instanceof RedisClusterClient cluster
                    ? Connection.cluster(cluster.connect(ByteArrayCodec.INSTANCE))
                    : Connection.standalone(((RedisClient) client).connect(ByteArrayCodec.INSTANCE));
        } catch (RuntimeException e) {
            shutdown();
            throw new IllegalStateException("redis: cannot connect to " + b.where(), e);
        }
        this.connection = connected;
        NearCache copies = null;
        if (!b.nearCacheTtl.isZero()) {
            Supplier<StatefulRedisPubSubConnection<byte[], byte[]>> subscriptions =
                    client instanceof RedisClusterClient cluster
                            ? () -> cluster.connectPubSub(ByteArrayCodec.INSTANCE)
                            : () -> ((RedisClient) client).connectPubSub(ByteArrayCodec.INSTANCE);
            try {
                copies = NearCache.subscribe(
                        client,
                        subscriptions,
                        b.keyPrefix + "invalidate",
                        b.nearCacheTtl,
                        b.nearCacheMaximumSize,
                        b.ticker);
            } catch (RuntimeException e) {
                connection.close();
                shutdown();
                throw new IllegalStateException("redis: cannot subscribe to invalidations at " + b.where(), e);
            }
        }
        this.nearCache = copies;
        this.availability = new Availability(
                b.listener,
                b.clock,
                b.failurePolicy.name().toLowerCase(java.util.Locale.ROOT),
                b.backoff.toNanos(),
                connection::shardOf,
                connection::shards);
        this.bucketStore = new RedisBucketStore(
                connection,
                b.keyPrefix + "rl:",
                b.keyPrefix + "rl-cas:",
                b.commandTimeout,
                b.failurePolicy,
                b.closedRetryAfter,
                availability,
                b.leaseRequests > 1 ? new BucketLeases(b.leaseRequests, b.leaseValidity) : null,
                b.bucketBatches);
        this.replayCache = new RedisReplayCache(connection, b.keyPrefix + "replay:", availability);
        this.quarantineStore = new RedisQuarantineStore(
                connection, b.keyPrefix + "q:", b.keyPrefix + "qd:", b.failurePolicy, availability, nearCache, b.clock);
        this.evidenceStore = new RedisEvidenceStore(
                connection, b.keyPrefix + "ev:", availability, b.evidenceQueue, b.evidenceLinger, b.evidenceTicker);
        this.ledgerStore = new RedisLedgerStore(
                connection,
                b.keyPrefix + "led:",
                availability,
                b.commandTimeout,
                b.ledgerFlushInterval,
                b.ledgerBuffer,
                b.ledgerMaxCallers,
                b.ledgerTimeToLive);
        this.keyPrefix = b.keyPrefix;
        this.apiKeyStore = new RedisApiKeyStore(connection, keyPrefix, ApiKeyStore.DEFAULT_MAX_LIFETIME, availability);
    }

    /**
     * A builder for one Redis: {@code redis://host:6379}, {@code rediss://host:6380/0} (TLS), or a
     * master found through Sentinel, {@code redis-sentinel://s1:26379,s2:26379,s3:26379#mymaster}
     * ({@code rediss-sentinel://} with TLS). Credentials may be in the uri
     * ({@code redis://user:password@host}) or given to {@link Builder#credentials}.
     *
     * @throws IllegalArgumentException when the uri is malformed (the message never quotes it)
     */
    public static Builder builder(String uri) {
        return new Builder(List.of(Objects.requireNonNull(uri, "redis uri cannot be null")), false);
    }

    /**
     * A builder for a Redis Cluster, reached through any of its nodes ({@code redis://} or
     * {@code rediss://} uris of one or more nodes; the client learns the others). Every key of one
     * caller shares a hash tag, so each script runs in one slot and callers spread over the shards.
     *
     * @throws IllegalArgumentException when no seed is given or one is malformed
     */
    public static Builder cluster(List<String> seedUris) {
        return new Builder(seedUris, true);
    }

    /** {@link #cluster(List)} with the seeds as arguments. */
    public static Builder cluster(String... seedUris) {
        return cluster(List.of(seedUris));
    }

    /** The rate-limit buckets ({@code RateLimitPolicy.Builder.store(...)}). */
    public BucketStore bucketStore() {
        return bucketStore;
    }

    /** The replay cache for single-use identifiers (DPoP and client-assertion {@code jti}). */
    public ReplayCache replayCache() {
        return replayCache;
    }

    /**
     * The anomaly evidence the nodes pool ({@code AnomalyScoringStep.Builder.evidenceStore(...)}),
     * so that each scores a caller on what every node saw.
     */
    public RedisEvidenceStore evidenceStore() {
        return evidenceStore;
    }

    /**
     * The inventory's ledger, shared by the fleet ({@code InventoryStep.of(policy, ...)}): every
     * node's inventory reports what every node saw. Requests only buffer; a daemon thread sends
     * the buffer every {@link Builder#ledgerFlushInterval(Duration)}.
     */
    public RedisLedgerStore ledgerStore() {
        return ledgerStore;
    }

    /** The quarantine list. */
    public QuarantineStore quarantineStore() {
        return quarantineStore;
    }

    /**
     * The legacy API key store ({@code ApiKeyStep.builder(...)}), whose keys may live at most
     * {@link ApiKeyStore#DEFAULT_MAX_LIFETIME}: a revocation on one node is refused by every node
     * at once. Fails closed whatever the {@link RedisFailurePolicy}.
     */
    public RedisApiKeyStore apiKeyStore() {
        return apiKeyStore;
    }

    /**
     * The legacy API key store over the same keys, whose {@link RedisApiKeyStore#register} accepts
     * keys living at most {@code maxLifetime} (1 day to 5 years).
     */
    public RedisApiKeyStore apiKeyStore(Duration maxLifetime) {
        return new RedisApiKeyStore(connection, keyPrefix, maxLifetime, availability);
    }

    /**
     * The revocation list shared by the fleet ({@code AccessTokenStep.of(verifier, revocations)}),
     * whose entries last {@code retention} (1 s to 2 days): the token policy's
     * {@code maxLifetime().plus(clockSkew())}. Each node holds the whole list in memory, so the
     * check costs no round trip; a revocation on any node applies on every node within about
     * {@link Builder#revocationRefresh(Duration)} (by message within milliseconds). Made on the first
     * call, over a publish-subscribe connection of its own, and closed with this state.
     *
     * @throws IllegalStateException when called again with another retention, or when the
     *     subscription cannot be made
     */
    public synchronized RedisRevocations revocations(Duration retention) {
        Duration checked = RevocationEntries.retention(retention);
        RedisRevocations made = revocations;
        if (made != null) {
            if (!made.retention().equals(checked)) {
                throw new IllegalStateException(
                        "revocations already made with retention " + made.retention() + ": " + checked);
            }
            return made;
        }
        StatefulRedisPubSubConnection<byte[], byte[]> subscription;
        try {
            subscription = client instanceof RedisClusterClient cluster
                    ? cluster.connectPubSub(ByteArrayCodec.INSTANCE)
                    : ((RedisClient) client).connectPubSub(ByteArrayCodec.INSTANCE);
        } catch (RuntimeException e) {
            throw new IllegalStateException("redis: cannot subscribe to revocations", e);
        }
        try {
            made = new RedisRevocations(
                    connection,
                    availability,
                    keyPrefix,
                    checked,
                    revocationsMaximumSize,
                    revocationRefresh,
                    clock,
                    subscription);
        } catch (RuntimeException e) {
            throw new IllegalStateException("redis: cannot subscribe to revocations", e);
        }
        revocations = made;
        return made;
    }

    /** Whether this node trusts its copies of quarantines now (the invalidation channel is subscribed). */
    boolean nearCacheLive() {
        return nearCache != null && nearCache.isLive();
    }

    /** Whether the last command failed and the failure policy applies now. */
    public boolean isUnavailable() {
        return availability.isDown();
    }

    /**
     * What the stores do while Redis is unavailable ({@link Builder#failurePolicy}), for a health
     * check that reports it beside {@link #isUnavailable()}.
     */
    public RedisFailurePolicy failurePolicy() {
        return failurePolicy;
    }

    /** Flushes the ledger's buffer once, then closes the connection and the client. */
    @Override
    public void close() {
        synchronized (this) {
            if (revocations != null) {
                revocations.close();
            }
        }
        ledgerStore.close();
        evidenceStore.close();
        if (nearCache != null) {
            nearCache.close();
        }
        connection.close();
        shutdown();
    }

    private void shutdown() {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }

    private static RedisClient standaloneClient(ClientResources resources, Builder b) {
        RedisClient standalone = RedisClient.create(resources, b.uris().get(0));
        ClientOptions.Builder options = ClientOptions.builder();
        common(options, b);
        standalone.setOptions(options.build());
        return standalone;
    }

    private static RedisClusterClient clusterClient(ClientResources resources, Builder b) {
        RedisClusterClient cluster = RedisClusterClient.create(resources, b.uris());
        ClusterClientOptions.Builder options = ClusterClientOptions.builder();
        common(options, b);
        cluster.setOptions(options.topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                        .enablePeriodicRefresh(b.topologyRefresh)
                        // a MOVED, an ASK, a node lost or a slot uncovered refreshes the topology at
                        // once (at most once a second), so that a failover or a resharding is
                        // followed within about the node timeout, not the period
                        .enableAllAdaptiveRefreshTriggers()
                        .adaptiveRefreshTriggersTimeout(min(b.topologyRefresh, Duration.ofSeconds(1)))
                        .refreshTriggersReconnectAttempts(1)
                        .dynamicRefreshSources(true)
                        .closeStaleConnections(true)
                        .build())
                .build());
        return cluster;
    }

    /** What every topology's client does: reconnect, refuse while disconnected, time out, TLS. */
    private static void common(ClientOptions.Builder options, Builder b) {
        options.autoReconnect(true)
                // while the connection is down, refuse commands at once instead of queueing them
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(
                        SocketOptions.builder().connectTimeout(b.connectTimeout).build())
                .timeoutOptions(TimeoutOptions.enabled(b.commandTimeout))
                .sslOptions(b.sslOptions());
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** Builds a {@link RedisGuardState}. Not thread-safe. */
    public static final class Builder {
        private final List<String> texts; // parsed anew for each client: a RedisURI is mutable
        private final List<RedisURI> seeds;
        private final boolean cluster;
        private String clientName = DEFAULT_CLIENT_NAME;
        private @Nullable String username;
        private char @Nullable [] password;
        private @Nullable Path trustedCertificates;
        private @Nullable Path clientCertificate;
        private @Nullable Path clientKey;
        private boolean verifyHostName = true;
        private Duration topologyRefresh = DEFAULT_TOPOLOGY_REFRESH;
        private Duration commandTimeout = DEFAULT_COMMAND_TIMEOUT;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration backoff = DEFAULT_BACKOFF;
        private Duration closedRetryAfter = Duration.ofSeconds(1);
        private RedisFailurePolicy failurePolicy = RedisFailurePolicy.OPEN;
        private SecurityEventListener listener = new Slf4jSecurityEventListener();
        private Clock clock = Clock.systemUTC();
        private String keyPrefix = DEFAULT_KEY_PREFIX;
        private Duration nearCacheTtl = DEFAULT_NEAR_CACHE_TTL;
        private long nearCacheMaximumSize = DEFAULT_NEAR_CACHE_MAXIMUM_SIZE;
        private int leaseRequests = 1;
        private boolean bucketBatches;
        private Duration leaseValidity = DEFAULT_LEASE_VALIDITY;
        private Ticker ticker = Ticker.systemTicker();
        private Ticker evidenceTicker = Ticker.systemTicker();
        private Duration revocationRefresh = DEFAULT_REVOCATION_REFRESH;
        private int revocationsMaximumSize = DEFAULT_REVOCATIONS_MAXIMUM_SIZE;
        private int evidenceQueue = DEFAULT_EVIDENCE_QUEUE;
        private Duration evidenceLinger = DEFAULT_EVIDENCE_LINGER;
        private Duration ledgerFlushInterval = DEFAULT_LEDGER_FLUSH_INTERVAL;
        private int ledgerBuffer = DEFAULT_LEDGER_BUFFER;
        private int ledgerMaxCallers = DEFAULT_LEDGER_MAX_CALLERS;
        private Duration ledgerTimeToLive = DEFAULT_LEDGER_TIME_TO_LIVE;

        private Builder(List<String> texts, boolean cluster) {
            Objects.requireNonNull(texts, "redis uris cannot be null");
            if (texts.isEmpty()) {
                throw new IllegalArgumentException("a redis cluster needs at least one seed uri");
            }
            List<RedisURI> parsed = new ArrayList<>();
            for (String text : texts) {
                RedisURI uri = parse(text);
                if (cluster && !uri.getSentinels().isEmpty()) {
                    throw new IllegalArgumentException(
                            "a redis cluster seed cannot be a redis-sentinel:// uri: " + redacted(uri));
                }
                parsed.add(uri);
            }
            boolean tls = parsed.get(0).isSsl();
            for (RedisURI uri : parsed) {
                if (uri.isSsl() != tls) {
                    throw new IllegalArgumentException("redis cluster seeds must all use TLS (rediss://) or none");
                }
            }
            this.texts = List.copyOf(texts);
            this.seeds = List.copyOf(parsed);
            this.cluster = cluster;
        }

        /** Parses one uri; the message of a refusal never contains the uri's password. */
        private static RedisURI parse(String text) {
            Objects.requireNonNull(text, "redis uri cannot be null");
            if (!text.startsWith("redis://")
                    && !text.startsWith("rediss://")
                    && !text.startsWith("redis-sentinel://")
                    && !text.startsWith("rediss-sentinel://")) {
                throw new IllegalArgumentException(
                        "redis uri must start with redis://, rediss://, redis-sentinel:// or rediss-sentinel://");
            }
            RedisURI uri;
            try {
                uri = RedisURI.create(text);
            } catch (RuntimeException e) {
                // no cause: Lettuce's message may quote the uri, password included
                throw new IllegalArgumentException(
                        "redis uri is malformed (" + e.getClass().getSimpleName() + ")");
            }
            List<RedisURI> hosts = uri.getSentinels().isEmpty() ? List.of(uri) : uri.getSentinels();
            for (RedisURI host : hosts) {
                if (!isHost(host.getHost()) || host.getPort() < 1 || host.getPort() > 65535) {
                    throw new IllegalArgumentException("redis uri is malformed (a host and a port from 1 to 65535)");
                }
            }
            return uri;
        }

        /** A host name, an IPv4 address or a bracketed IPv6 address (Lettuce keeps "host:junk" as a host). */
        private static boolean isHost(@Nullable String host) {
            return host != null
                    && (host.matches("[A-Za-z0-9._-]{1,253}")
                            || (host.matches("\\[[0-9A-Fa-f:.%]{2,64}]")
                                    && host.indexOf(':') != host.lastIndexOf(':')));
        }

        /** Where a uri points, without credentials: for messages. */
        private static String redacted(RedisURI uri) {
            if (!uri.getSentinels().isEmpty()) {
                StringBuilder s = new StringBuilder("sentinels ");
                for (RedisURI sentinel : uri.getSentinels()) {
                    s.append(sentinel.getHost())
                            .append(':')
                            .append(sentinel.getPort())
                            .append(',');
                }
                s.setLength(s.length() - 1);
                return s.append(" (master ")
                        .append(uri.getSentinelMasterId())
                        .append(')')
                        .toString();
            }
            return uri.getHost() + ':' + uri.getPort();
        }

        /** Where this builder connects, without credentials: for messages. */
        String where() {
            StringBuilder s = new StringBuilder(cluster ? "the cluster at " : "");
            for (RedisURI uri : seeds) {
                s.append(redacted(uri)).append(',');
            }
            s.setLength(s.length() - 1);
            return s.toString();
        }

        /** The uris to connect to, with this builder's timeouts, name and credentials applied. */
        List<RedisURI> uris() {
            List<RedisURI> out = new ArrayList<>();
            for (String text : texts) {
                RedisURI uri = RedisURI.create(text);
                // the connection handshake (HELLO, SELECT) gets the longer of the two timeouts;
                // every command after it gets the command timeout (TimeoutOptions)
                uri.setTimeout(commandTimeout.compareTo(connectTimeout) >= 0 ? commandTimeout : connectTimeout);
                uri.setClientName(clientName);
                if (username != null && password != null) {
                    uri.setUsername(username);
                    uri.setPassword(password.clone());
                }
                if (uri.isSsl()) {
                    uri.setVerifyPeer(verifyHostName ? SslVerifyMode.FULL : SslVerifyMode.CA);
                }
                out.add(uri);
            }
            return out;
        }

        /** The TLS settings: the trusted certificates and this client's certificate, if set. */
        SslOptions sslOptions() {
            SslOptions.Builder ssl = SslOptions.builder().jdkSslProvider();
            if (trustedCertificates != null) {
                ssl.trustManager(trustedCertificates.toFile());
            }
            if (clientCertificate != null && clientKey != null) {
                ssl.keyManager(clientCertificate.toFile(), clientKey.toFile(), null);
            }
            return ssl.build();
        }

        /** How long one command may take. Default: 1 s. */
        public Builder commandTimeout(Duration timeout) {
            this.commandTimeout = positive("commandTimeout", timeout);
            return this;
        }

        /**
         * How long connecting may take; the handshake (HELLO) too when this is longer than the
         * command timeout. Default: 1 s.
         */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive("connectTimeout", timeout);
            return this;
        }

        /** How long the stores skip Redis after a failure before one request probes it. Default: 250 ms. */
        public Builder backoff(Duration duration) {
            this.backoff = positive("backoff", duration);
            return this;
        }

        /** What the guard does while Redis is unreachable. Default: {@link RedisFailurePolicy#OPEN}. */
        public Builder failurePolicy(RedisFailurePolicy policy) {
            this.failurePolicy = Objects.requireNonNull(policy, "failurePolicy cannot be null");
            return this;
        }

        /** The {@code Retry-After} of a 503 under {@link RedisFailurePolicy#CLOSED}. Default: 1 s. */
        public Builder closedRetryAfter(Duration retryAfter) {
            this.closedRetryAfter = positive("closedRetryAfter", retryAfter);
            return this;
        }

        /** Where the {@code store.unavailable} and {@code store.recovered} events go. Default: SLF4J. */
        public Builder listener(SecurityEventListener eventListener) {
            this.listener = Objects.requireNonNull(eventListener, "listener cannot be null");
            return this;
        }

        /**
         * The clock that stamps this state's own events ({@code store.unavailable},
         * {@code store.recovered}), by which each node drops lapsed entries from its copy of the
         * revocation list, and that dates a quarantine's release (so that a quarantine another
         * node writes again after Redis was gone does not overwrite a later release); decisions
         * take the guard's time from each call. Default:
         * {@link Clock#systemUTC()}.
         */
        public Builder clock(Clock newClock) {
            this.clock = Objects.requireNonNull(newClock, "clock cannot be null");
            return this;
        }

        /** The prefix of every key. Default: {@value #DEFAULT_KEY_PREFIX}. */
        public Builder keyPrefix(String prefix) {
            Objects.requireNonNull(prefix, "keyPrefix cannot be null");
            if (prefix.isEmpty()) {
                throw new IllegalArgumentException("keyPrefix cannot be empty");
            }
            this.keyPrefix = prefix;
            return this;
        }

        /**
         * How long a node keeps its copy of a caller's quarantine when no invalidation message
         * drops it first; {@link Duration#ZERO} turns the copies off (every request then reads the
         * quarantine from Redis: two round trips per request with the bucket instead of one). A
         * quarantine set on one node reaches the others by message within milliseconds; this
         * bounds how stale a copy can be if a message is lost. A copy older than half this is read
         * again in the background by the first request that finds it (answered from the copy), so
         * a caller in use never waits for the read. At most 1 minute. Default: 1 s.
         */
        public Builder nearCache(Duration ttl) {
            this.nearCacheTtl = Check.between("nearCache", ttl, Duration.ZERO, Duration.ofMinutes(1));
            return this;
        }

        /** How many callers' quarantines a node keeps copies of. Default: 100,000. */
        public Builder nearCacheMaximumSize(long entries) {
            this.nearCacheMaximumSize = Check.atLeast("nearCacheMaximumSize", entries, 1);
            return this;
        }

        /**
         * Lets a node take up to {@code requests} requests' tokens from a busy caller's shared
         * bucket in one round trip and hand them out itself within {@code validity} (by the
         * guard's clock), so that a caller at a high rate costs one round trip per lease rather
         * than per request. Off by default ({@code requests} 1): every request is counted in Redis.
         *
         * <p>What it changes: the fleet still never admits more than a bucket allows (tokens are
         * taken before they are used); a lease of more than one request is granted only while
         * every limit of the bucket stays above half its capacity, never for more than a sixteenth
         * of a limit's capacity (a limit of fewer than 32 requests is counted request by request),
         * and its size grows from 1 only for a caller that uses its leases up within half their
         * validity; tokens a node leased and did not use within {@code validity} are lost to that
         * caller, so a caller spread over {@code n} nodes can be refused up to
         * {@code n × (min(requests, capacity / 16) - 1)} requests before the bucket is empty. A
         * DPoP request (its replay check joins the bucket's script) and an estimate always ask
         * Redis. While Redis is unreachable a node goes on handing out the tokens it holds, then
         * answers per the failure policy.
         *
         * @param requests the most requests' tokens one lease holds, 1 (off) to 1,000
         * @param validity how long a lease may be used, 1 ms to 10 s
         */
        public Builder bucketLeases(int requests, Duration validity) {
            this.leaseRequests = Check.between("bucketLeases requests", requests, 1, 1_000);
            this.leaseValidity =
                    Check.between("bucketLeases validity", validity, Duration.ofMillis(1), Duration.ofSeconds(10));
            return this;
        }

        /**
         * Lets a caller's requests that take from its bucket while two of this node's scripts of
         * that bucket are on their way to Redis wait for the first to answer and then go together
         * in one script, which takes each request's tokens in turn: limits stay exact, and a busy
         * caller's concurrent requests on a node cost at most two scripts per round trip instead
         * of one each (in Redis and in this node's I/O), however fast it sends them. A request
         * that finds fewer scripts of its bucket in the air and nobody waiting goes at once, as
         * without batches, so a caller whose requests seldom come within one round trip of each
         * other never waits. The price is latency where they come faster: a request that waits
         * does so for the rest of the first script's round trip and then its batch's, up to two
         * round trips instead of one, and a client that sends its next request only after the
         * previous answer gets about a quarter less through over a slow link. Bucket leases, when
         * on, take the place of batches. Off by default: every request sends its own script.
         */
        public Builder bucketBatches(boolean on) {
            this.bucketBatches = on;
            return this;
        }

        /**
         * How much anomaly evidence this node queues for Redis at most (1 to 10,000,000); beyond,
         * evidence is dropped and counted, never waited for. Default: 100,000.
         */
        public Builder evidenceQueue(int pieces) {
            this.evidenceQueue = Check.between("evidenceQueue", pieces, 1, 10_000_000);
            return this;
        }

        /**
         * How long this node gathers a busy caller's anomaly evidence before it sends the next
         * script (0 to 1 s): a caller with no script sent within this time is sent at once, a
         * caller at machine speed costs one script per linger per node instead of about one per
         * request. What waited goes with the caller's first request after the linger, or within
         * 50 ms (or the linger, if longer) when none comes; {@link #close()} sends what waits. 0
         * sends each batch as soon as the previous one answered. Default: 5 ms.
         */
        public Builder evidenceLinger(Duration linger) {
            this.evidenceLinger = Check.between("evidenceLinger", linger, Duration.ZERO, Duration.ofSeconds(1));
            return this;
        }

        /**
         * How often this node sends the ledger deltas it buffered (10 ms to 1 hour): another node's
         * inventory shows this node's observations within about this long. Default: 1 s.
         */
        public Builder ledgerFlushInterval(Duration interval) {
            this.ledgerFlushInterval =
                    Check.between("ledgerFlushInterval", interval, Duration.ofMillis(10), Duration.ofHours(1));
            return this;
        }

        /**
         * How many callers' ledger deltas this node buffers between two flushes at most (1 to
         * 10,000,000); a delta of another caller beyond is dropped and counted, never waited for.
         * Default: 10,000.
         */
        public Builder ledgerBuffer(int callers) {
            this.ledgerBuffer = Check.between("ledgerBuffer", callers, 1, 10_000_000);
            return this;
        }

        /**
         * How many callers the shared ledger holds (1 to 10,000,000), the least recently seen
         * dropped first; also the size of each node's own view, read while Redis is away. Default:
         * 10,000, as {@code LedgerStore.inMemory}.
         */
        public Builder ledgerMaxCallers(int callers) {
            this.ledgerMaxCallers = Check.between("ledgerMaxCallers", callers, 1, 10_000_000);
            return this;
        }

        /**
         * How long the shared ledger keeps a caller no node saw again (1 hour to 10 years); every
         * ledger key expires this long after its last write. Keep it longer than the inventory's
         * stale period and least-privilege window (30 days by default). Default: 90 days.
         */
        public Builder ledgerTimeToLive(Duration ttl) {
            this.ledgerTimeToLive = Check.between("ledgerTimeToLive", ttl, Duration.ofHours(1), Duration.ofDays(3650));
            return this;
        }

        /**
         * The name this client gives itself on every connection ({@code CLIENT SETNAME}), as
         * {@code CLIENT LIST} shows it: letters, digits and {@code -_.:} only, at most 64. Default:
         * {@value #DEFAULT_CLIENT_NAME}.
         */
        public Builder clientName(String name) {
            Objects.requireNonNull(name, "clientName cannot be null");
            if (!name.matches("[A-Za-z0-9._:-]{1,64}")) {
                throw new IllegalArgumentException(
                        "clientName must be 1 to 64 letters, digits or . _ : - (Redis refuses spaces)");
            }
            this.clientName = name;
            return this;
        }

        /**
         * The ACL user and password ({@code AUTH username password}), instead of credentials in the
         * uri; {@code default} is the user of a server with only {@code requirepass}. On Sentinel,
         * these are the master's credentials. The array is copied; clear yours after this call.
         */
        public Builder credentials(String user, char[] secret) {
            Objects.requireNonNull(user, "username cannot be null");
            Objects.requireNonNull(secret, "password cannot be null");
            if (user.isEmpty() || secret.length == 0) {
                throw new IllegalArgumentException("username and password cannot be empty");
            }
            this.username = user;
            this.password = secret.clone();
            return this;
        }

        /**
         * The certificates (PEM, one or more) that a TLS server's ({@code rediss://}) certificate
         * must chain to, instead of the JDK's trust store: a private CA, or a managed service's.
         */
        public Builder trustedCertificates(Path pemFile) {
            this.trustedCertificates = readable("trustedCertificates", pemFile);
            return this;
        }

        /**
         * This client's certificate chain and its unencrypted PKCS#8 private key (PEM), for a
         * server that authenticates clients by certificate ({@code tls-auth-clients yes}).
         */
        public Builder clientCertificate(Path certificateChainPem, Path privateKeyPem) {
            this.clientCertificate = readable("clientCertificate", certificateChainPem);
            this.clientKey = readable("clientCertificate key", privateKeyPem);
            return this;
        }

        /**
         * Whether a TLS server's certificate must name the host connected to (on top of chaining
         * to a trusted certificate). Turn it off only where the certificate cannot: a cluster whose
         * nodes announce IP addresses that its certificate does not list. Default: true.
         */
        public Builder verifyHostName(boolean verify) {
            this.verifyHostName = verify;
            return this;
        }

        /**
         * How often a cluster client reads the topology again (100 ms to 1 hour); a {@code MOVED},
         * a lost node or an uncovered slot reads it at once too. Only for
         * {@link RedisGuardState#cluster}. Default: 30 s.
         */
        public Builder topologyRefresh(Duration period) {
            if (!cluster) {
                throw new IllegalStateException("topologyRefresh applies to a cluster (RedisGuardState.cluster)");
            }
            this.topologyRefresh =
                    Check.between("topologyRefresh", period, Duration.ofMillis(100), Duration.ofHours(1));
            return this;
        }

        /**
         * How often each node reads the shared revocation list again (100 ms to 1 minute), in
         * case a message was lost: the longest a revocation made elsewhere takes to apply here
         * while Redis answers. Default: 1 s.
         */
        public Builder revocationRefresh(Duration period) {
            this.revocationRefresh =
                    Check.between("revocationRefresh", period, Duration.ofMillis(100), Duration.ofMinutes(1));
            return this;
        }

        /**
         * How many revocations in force the shared list holds at most (1 to 1,000,000); beyond,
         * a revocation throws {@link IllegalStateException} rather than evict one in force.
         * Default: 10,000.
         */
        public Builder revocationsMaximumSize(int entries) {
            this.revocationsMaximumSize = Check.between("revocationsMaximumSize", entries, 1, 1_000_000);
            return this;
        }

        /** The ticker that ages the near cache's copies (tests advance it by hand). */
        Builder ticker(Ticker newTicker) {
            this.ticker = Check.notNull("ticker", newTicker);
            return this;
        }

        /** The ticker that times the evidence linger (tests advance it by hand). */
        Builder evidenceTicker(Ticker newTicker) {
            this.evidenceTicker = Check.notNull("evidenceTicker", newTicker);
            return this;
        }

        /**
         * Connects and builds the state.
         *
         * @throws IllegalStateException naming {@code redis} when the server cannot be reached now
         */
        public RedisGuardState build() {
            boolean tls = seeds.get(0).isSsl();
            if (!tls && (trustedCertificates != null || clientCertificate != null || !verifyHostName)) {
                throw new IllegalStateException(
                        "trustedCertificates, clientCertificate and verifyHostName need a TLS uri (rediss://)");
            }
            return new RedisGuardState(this);
        }

        private static Path readable(String name, Path file) {
            Objects.requireNonNull(file, name + " cannot be null");
            if (!Files.isReadable(file) || Files.isDirectory(file)) {
                throw new IllegalArgumentException(name + " is not a readable file: " + file);
            }
            return file;
        }

        private static Duration positive(String name, Duration d) {
            Objects.requireNonNull(d, name + " cannot be null");
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive: " + d);
            }
            return d;
        }
    }
}
