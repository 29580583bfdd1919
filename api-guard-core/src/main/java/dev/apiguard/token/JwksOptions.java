package dev.apiguard.token;

import dev.apiguard.event.SecurityEventListener;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;

/**
 * How a remote JWKS endpoint is fetched and cached by {@link KeySource#jwksUrl(java.net.URI, JwksOptions)}.
 *
 * <p>Immutable and thread-safe. Build with {@link #builder()}; {@link #defaults()} holds every
 * default. The caching and rate limiting are Nimbus' {@code JWKSourceBuilder}; the fetch is the
 * JDK {@code HttpClient}; these options are their knobs, checked here so that a bad combination
 * fails at build time with a message that names the setting.
 *
 * <p>Failure policy: a fetch, from connecting to the last byte of the body, never takes longer
 * than its connect timeout plus its read timeout (an endpoint that trickles its answer is cut off
 * then); request threads that wait for another thread's fetch give up after the same time. When the
 * endpoint is down, keys fetched before keep serving for the outage tolerance (default: ten cache
 * lifetimes). A token with an unknown {@code kid} makes the key set refresh, but the endpoint is
 * asked at most twice per {@link Builder#minRefreshInterval minimum refresh interval} (Nimbus'
 * rate limit leaves one fetch for the routine refresh and one for a rotated key).
 *
 * <p>Events: each fetch that succeeds raises {@code keys.refreshed} and each that fails raises
 * {@code keys.fetch_failed} on {@link Builder#listener the listener} (none by default; give it the
 * guard's listener so that metrics count JWKS refreshes and failures). Fetches happen outside any
 * request's decision, so these events carry no caller, method or path.
 */
public final class JwksOptions {

    /** Default connect timeout: 2 s. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
    /** Default read timeout: 2 s. */
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(2);
    /** Default size limit of a JWKS document: 256 KiB. */
    public static final int DEFAULT_SIZE_LIMIT = 256 * 1024;
    /** Default time a fetched key set is used before it is fetched again: 5 minutes. */
    public static final Duration DEFAULT_CACHE_TIME_TO_LIVE = Duration.ofMinutes(5);
    /** Default time before the cache expires at which a background refresh starts: 30 s. */
    public static final Duration DEFAULT_REFRESH_AHEAD = Duration.ofSeconds(30);
    /** Default minimum interval between refreshes caused by unknown {@code kid}s: 30 s. */
    public static final Duration DEFAULT_MIN_REFRESH_INTERVAL = Duration.ofSeconds(30);

    private static final JwksOptions DEFAULTS = builder().build();

    private final Duration connectTimeout;
    private final Duration readTimeout;
    private final int sizeLimit;
    private final Duration cacheTimeToLive;
    private final Duration refreshAhead;
    private final Duration minRefreshInterval;
    private final Duration outageTolerance;
    private final SecurityEventListener listener;
    private final Clock clock;
    private final @Nullable SSLContext sslContext;

    private JwksOptions(Builder b) {
        this.sslContext = b.sslContext;
        this.listener = b.listener;
        this.clock = b.clock;
        this.connectTimeout = b.connectTimeout;
        this.readTimeout = b.readTimeout;
        this.sizeLimit = b.sizeLimit;
        this.cacheTimeToLive = b.cacheTimeToLive;
        this.refreshAhead = b.refreshAhead;
        this.minRefreshInterval = b.minRefreshInterval;
        this.outageTolerance = b.outageTolerance == null ? b.cacheTimeToLive.multipliedBy(10) : b.outageTolerance;
    }

    /** The options with every default. */
    public static JwksOptions defaults() {
        return DEFAULTS;
    }

    /** A builder holding the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** The connect timeout. */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** The read timeout. */
    public Duration readTimeout() {
        return readTimeout;
    }

    /** The largest JWKS document accepted, in bytes. */
    public int sizeLimit() {
        return sizeLimit;
    }

    /** How long a fetched key set is used before it is fetched again. */
    public Duration cacheTimeToLive() {
        return cacheTimeToLive;
    }

    /** How long before the cache expires a refresh starts in the background; zero when off. */
    public Duration refreshAhead() {
        return refreshAhead;
    }

    /** The minimum interval between refreshes (Nimbus allows two fetches per interval). */
    public Duration minRefreshInterval() {
        return minRefreshInterval;
    }

    /** How long keys keep serving while the endpoint is down; zero when off. */
    public Duration outageTolerance() {
        return outageTolerance;
    }

    /** Where fetch events go; {@link SecurityEventListener#NONE} by default. */
    public SecurityEventListener listener() {
        return listener;
    }

    /** The clock that stamps fetch events; the system UTC clock by default. */
    public Clock clock() {
        return clock;
    }

    /**
     * The TLS context of https fetches (metadata and key sets), or null for the JVM's default (its
     * trust store, no client certificate).
     */
    public @Nullable SSLContext sslContext() {
        return sslContext;
    }

    /** How long a request thread waits for another thread's fetch: connect plus read timeout. */
    public Duration refreshTimeout() {
        return connectTimeout.plus(readTimeout);
    }

    @Override
    public String toString() {
        return "JwksOptions[connectTimeout=" + connectTimeout + ", readTimeout=" + readTimeout
                + ", sizeLimit=" + sizeLimit + ", cacheTimeToLive=" + cacheTimeToLive
                + ", refreshAhead=" + refreshAhead + ", minRefreshInterval=" + minRefreshInterval
                + ", outageTolerance=" + outageTolerance + "]";
    }

    /** Builds {@link JwksOptions}. Not thread-safe. */
    public static final class Builder {
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration readTimeout = DEFAULT_READ_TIMEOUT;
        private int sizeLimit = DEFAULT_SIZE_LIMIT;
        private Duration cacheTimeToLive = DEFAULT_CACHE_TIME_TO_LIVE;
        private Duration refreshAhead = DEFAULT_REFRESH_AHEAD;
        private Duration minRefreshInterval = DEFAULT_MIN_REFRESH_INTERVAL;
        private @Nullable Duration outageTolerance; // null: ten times the cache time to live
        private SecurityEventListener listener = SecurityEventListener.NONE;
        private Clock clock = Clock.systemUTC();
        private @Nullable SSLContext sslContext;

        private Builder() {}

        /**
         * The TLS context for https fetches of metadata and key sets: one that trusts a private CA
         * (the issuer's certificate does not chain to the JVM's trust store), or that presents a
         * client certificate to an issuer that asks for one. Host names are still verified.
         * Default: the JVM's default context.
         */
        public Builder sslContext(SSLContext context) {
            this.sslContext = Objects.requireNonNull(context, "sslContext cannot be null");
            return this;
        }

        /**
         * Where {@code keys.refreshed} and {@code keys.fetch_failed} events go, typically the
         * guard's own listener. Default {@link SecurityEventListener#NONE}. A listener that throws
         * is logged and ignored; it never fails a fetch.
         */
        public Builder listener(SecurityEventListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener cannot be null");
            return this;
        }

        /** The clock that stamps fetch events. Default: the system UTC clock. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock cannot be null");
            return this;
        }

        /** The TCP connect timeout. Default 2 s; between 1 ms and 1 minute. */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = millis("connectTimeout", timeout, Duration.ofMinutes(1));
            return this;
        }

        /**
         * The read timeout. Default 2 s; between 1 ms and 1 minute. A whole fetch (connect,
         * headers, body) is cut off after connect timeout plus read timeout.
         */
        public Builder readTimeout(Duration timeout) {
            this.readTimeout = millis("readTimeout", timeout, Duration.ofMinutes(1));
            return this;
        }

        /** The largest JWKS document accepted, in bytes. Default 256 KiB; between 1 KiB and 16 MiB. */
        public Builder sizeLimit(int bytes) {
            if (bytes < 1024 || bytes > 16 * 1024 * 1024) {
                throw new IllegalArgumentException("sizeLimit must be between 1 KiB and 16 MiB: " + bytes);
            }
            this.sizeLimit = bytes;
            return this;
        }

        /** How long a fetched key set is used before it is fetched again. Default 5 minutes; at most 1 day. */
        public Builder cacheTimeToLive(Duration ttl) {
            this.cacheTimeToLive = millis("cacheTimeToLive", ttl, Duration.ofDays(1));
            return this;
        }

        /**
         * How long before the cache expires a refresh starts in the background, so that requests
         * do not wait for it. Default 30 s; {@link Duration#ZERO} switches it off.
         */
        public Builder refreshAhead(Duration ahead) {
            Objects.requireNonNull(ahead, "refreshAhead cannot be null");
            this.refreshAhead = ahead.isZero() ? Duration.ZERO : millis("refreshAhead", ahead, Duration.ofDays(1));
            return this;
        }

        /**
         * The minimum interval between refreshes, which bounds the fetches a flood of unknown
         * {@code kid}s can cause. Default 30 s; between 1 ms and 1 hour.
         */
        public Builder minRefreshInterval(Duration interval) {
            this.minRefreshInterval = millis("minRefreshInterval", interval, Duration.ofHours(1));
            return this;
        }

        /**
         * How long keys fetched before keep serving while the endpoint is down. Default: ten
         * times the cache time to live; {@link Duration#ZERO} switches it off (then a failed
         * fetch after the cache expired leaves no keys, and every token is refused).
         */
        public Builder outageTolerance(Duration tolerance) {
            Objects.requireNonNull(tolerance, "outageTolerance cannot be null");
            this.outageTolerance =
                    tolerance.isZero() ? Duration.ZERO : millis("outageTolerance", tolerance, Duration.ofDays(30));
            return this;
        }

        /**
         * Builds the options; fails when the refresh-ahead time plus the refresh timeout
         * (connect + read), or the minimum refresh interval, is not shorter than the cache time to
         * live, or when a non-zero outage tolerance is not longer than it.
         */
        public JwksOptions build() {
            if (!refreshAhead.isZero()
                    && refreshAhead.plus(connectTimeout).plus(readTimeout).compareTo(cacheTimeToLive) >= 0) {
                throw new IllegalStateException("refreshAhead: refreshAhead + connectTimeout + readTimeout ("
                        + refreshAhead.plus(connectTimeout).plus(readTimeout)
                        + ") must be shorter than cacheTimeToLive (" + cacheTimeToLive
                        + "); lower it or set Duration.ZERO");
            }
            if (minRefreshInterval.compareTo(cacheTimeToLive) >= 0) {
                throw new IllegalStateException("minRefreshInterval (" + minRefreshInterval
                        + ") must be shorter than cacheTimeToLive (" + cacheTimeToLive + ")");
            }
            if (outageTolerance != null
                    && !outageTolerance.isZero()
                    && outageTolerance.compareTo(cacheTimeToLive) <= 0) {
                throw new IllegalStateException("outageTolerance (" + outageTolerance
                        + ") must be longer than cacheTimeToLive (" + cacheTimeToLive + "), or Duration.ZERO");
            }
            return new JwksOptions(this);
        }

        private static Duration millis(String setting, Duration d, Duration max) {
            Objects.requireNonNull(d, setting + " cannot be null");
            if (d.toMillis() < 1 || d.compareTo(max) > 0) {
                throw new IllegalArgumentException(setting + " must be between 1 ms and " + max + ": " + d);
            }
            return d;
        }
    }
}
