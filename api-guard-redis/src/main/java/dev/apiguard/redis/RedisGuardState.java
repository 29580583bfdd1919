package dev.apiguard.redis;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.apiguard.QuarantineStore;
import dev.apiguard.ReplayCache;
import dev.apiguard.apikey.ApiKeyStore;
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.event.Slf4jSecurityEventListener;
import dev.apiguard.internal.Check;
import dev.apiguard.inventory.LedgerStore;
import dev.apiguard.ratelimit.BucketStore;
import dev.apiguard.redis.internal.Availability;
import dev.apiguard.redis.internal.NearCache;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The guard's shared state in one Redis: rate-limit buckets ({@link #bucketStore()}), replay
 * caches ({@link #replayCache()}), the quarantine list ({@link #quarantineStore()}), legacy API
 * keys ({@link #apiKeyStore()}), anomaly evidence ({@link #evidenceStore()}) and the inventory's
 * ledger ({@link #ledgerStore()}), over one Lettuce {@link RedisClient} and one multiplexed
 * connection. Several app nodes configured with the same Redis share limits, quarantines, seen
 * identifiers and API key revocations.
 *
 * <p>Every key starts with {@link Builder#keyPrefix} (default {@value #DEFAULT_KEY_PREFIX}) and
 * expires by itself. Every command has a timeout (default 1 s); while the connection is down,
 * commands are refused at once instead of queued, and after a failure the stores skip Redis for
 * a short back-off (default 250 ms) but for one probing request, so that a dead server cannot hold
 * request threads. What the guard does meanwhile is the {@link RedisFailurePolicy}; it returns to
 * normal as soon as a command succeeds again, with a {@code store.recovered} event. The API key
 * store is the exception: it always fails closed ({@link RedisApiKeyStore}).
 *
 * <p>Thread-safe. Close it when the application stops: it closes the connection and the client.
 */
public final class RedisGuardState implements AutoCloseable {

    /** The default prefix of every key. */
    public static final String DEFAULT_KEY_PREFIX = "apiguard:";
    /** The default command timeout. */
    public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(1);
    /** The default connect timeout. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(1);
    /** How long the stores skip Redis after a failure, by default, before one request probes it. */
    public static final Duration DEFAULT_BACKOFF = Duration.ofMillis(250);
    /** How long a node keeps its copy of a caller's quarantine, by default, if no message drops it. */
    public static final Duration DEFAULT_NEAR_CACHE_TTL = Duration.ofSeconds(1);
    /** How much anomaly evidence a node queues for Redis at most, by default, before it drops and counts. */
    public static final int DEFAULT_EVIDENCE_QUEUE = 100_000;
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

    private final ClientResources resources;
    private final RedisClient client;
    private final StatefulRedisConnection<byte[], byte[]> connection;
    private final Availability availability;
    private final RedisBucketStore bucketStore;
    private final RedisReplayCache replayCache;
    private final RedisQuarantineStore quarantineStore;
    private final String keyPrefix;
    private final RedisApiKeyStore apiKeyStore;
    private final @Nullable NearCache nearCache; // null when the near cache is off
    private final RedisEvidenceStore evidenceStore;
    private final RedisLedgerStore ledgerStore;

    private RedisGuardState(Builder b) {
        RedisURI uri = RedisURI.create(b.uri);
        // the connection handshake (HELLO, SELECT) gets the longer of the two timeouts; every
        // command after it gets the command timeout (TimeoutOptions below)
        uri.setTimeout(b.commandTimeout.compareTo(b.connectTimeout) >= 0 ? b.commandTimeout : b.connectTimeout);
        // reconnect quickly once Redis is back: at most a second between attempts
        this.resources = DefaultClientResources.builder()
                .reconnectDelay(
                        Delay.exponential(Duration.ofMillis(10), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
                .build();
        this.client = RedisClient.create(resources, uri);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(
                        SocketOptions.builder().connectTimeout(b.connectTimeout).build())
                .timeoutOptions(TimeoutOptions.enabled(b.commandTimeout))
                .build());
        try {
            this.connection = client.connect(ByteArrayCodec.INSTANCE);
        } catch (RuntimeException e) {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            resources.shutdown(0, 1, TimeUnit.SECONDS);
            throw new IllegalStateException("redis: cannot connect to " + uri.getHost() + ':' + uri.getPort(), e);
        }
        NearCache copies = null;
        if (!b.nearCacheTtl.isZero()) {
            try {
                copies = NearCache.subscribe(
                        client, b.keyPrefix + "invalidate", b.nearCacheTtl, b.nearCacheMaximumSize, b.ticker);
            } catch (RuntimeException e) {
                connection.close();
                client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
                resources.shutdown(0, 1, TimeUnit.SECONDS);
                throw new IllegalStateException(
                        "redis: cannot subscribe to invalidations at " + uri.getHost() + ':' + uri.getPort(), e);
            }
        }
        this.nearCache = copies;
        this.availability = new Availability(
                b.listener, b.clock, b.failurePolicy.name().toLowerCase(java.util.Locale.ROOT), b.backoff.toNanos());
        this.bucketStore = new RedisBucketStore(
                connection,
                b.keyPrefix + "rl:",
                b.keyPrefix + "rl-cas:",
                b.commandTimeout,
                b.failurePolicy,
                b.closedRetryAfter,
                availability);
        this.replayCache = new RedisReplayCache(connection, b.keyPrefix + "replay:", availability);
        this.quarantineStore =
                new RedisQuarantineStore(connection, b.keyPrefix + "q:", b.failurePolicy, availability, nearCache);
        this.evidenceStore = new RedisEvidenceStore(connection, b.keyPrefix + "ev:", availability, b.evidenceQueue);
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

    /** A builder for the Redis at the URI, like {@code redis://127.0.0.1:6379} or {@code rediss://user:pw@host:6380/0}. */
    public static Builder builder(String uri) {
        return new Builder(uri);
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

    /** Whether this node trusts its copies of quarantines now (the invalidation channel is subscribed). */
    boolean nearCacheLive() {
        return nearCache != null && nearCache.isLive();
    }

    /** Whether the last command failed and the failure policy applies now. */
    public boolean isUnavailable() {
        return availability.isDown();
    }

    /** Flushes the ledger's buffer once, then closes the connection and the client. */
    @Override
    public void close() {
        ledgerStore.close();
        evidenceStore.close();
        if (nearCache != null) {
            nearCache.close();
        }
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }

    /** Builds a {@link RedisGuardState}. Not thread-safe. */
    public static final class Builder {
        private final String uri;
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
        private Ticker ticker = Ticker.systemTicker();
        private int evidenceQueue = DEFAULT_EVIDENCE_QUEUE;
        private Duration ledgerFlushInterval = DEFAULT_LEDGER_FLUSH_INTERVAL;
        private int ledgerBuffer = DEFAULT_LEDGER_BUFFER;
        private int ledgerMaxCallers = DEFAULT_LEDGER_MAX_CALLERS;
        private Duration ledgerTimeToLive = DEFAULT_LEDGER_TIME_TO_LIVE;

        private Builder(String uri) {
            Objects.requireNonNull(uri, "redis uri cannot be null");
            if (!uri.startsWith("redis://") && !uri.startsWith("rediss://")) {
                throw new IllegalArgumentException("redis uri must start with redis:// or rediss://");
            }
            this.uri = uri;
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
         * {@code store.recovered}); decisions take the guard's time from each call. Default:
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
         * bounds how stale a copy can be if a message is lost. At most 1 minute. Default: 1 s.
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
         * How much anomaly evidence this node queues for Redis at most (1 to 10,000,000); beyond,
         * evidence is dropped and counted, never waited for. Default: 100,000.
         */
        public Builder evidenceQueue(int pieces) {
            this.evidenceQueue = Check.between("evidenceQueue", pieces, 1, 10_000_000);
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

        /** The ticker that ages the near cache's copies (tests advance it by hand). */
        Builder ticker(Ticker newTicker) {
            this.ticker = Check.notNull("ticker", newTicker);
            return this;
        }

        /**
         * Connects and builds the state.
         *
         * @throws IllegalStateException naming {@code redis} when the server cannot be reached now
         */
        public RedisGuardState build() {
            return new RedisGuardState(this);
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
