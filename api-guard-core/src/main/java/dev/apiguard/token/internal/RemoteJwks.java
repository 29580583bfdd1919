package dev.apiguard.token.internal;

import com.nimbusds.jose.jwk.source.CachingJWKSetSource;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.jwk.source.OutageTolerantJWKSetSource;
import com.nimbusds.jose.jwk.source.RateLimitedJWKSetSource;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.events.Event;
import com.nimbusds.jose.util.events.EventListener;
import com.nimbusds.jose.util.health.HealthReport;
import com.nimbusds.jose.util.health.HealthStatus;
import dev.apiguard.event.SecurityEvent;
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.event.SecurityEventType;
import dev.apiguard.token.JwksOptions;
import dev.apiguard.token.KeySourceStatus;
import java.net.URL;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds a Nimbus remote key source from {@link JwksOptions}, with SLF4J logging of its health and
 * a {@code keys.refreshed} or {@code keys.fetch_failed} event per fetch on the options' listener.
 */
public final class RemoteJwks {

    private static final Logger LOG = LoggerFactory.getLogger("dev.apiguard.token.jwks");
    private static final AtomicInteger THREADS = new AtomicInteger();

    private RemoteJwks() {}

    /** The key source; fetches lazily, on first use. */
    public static JWKSource<SecurityContext> build(URL url, JwksOptions o) {
        return build(url, o, new AtomicReference<>(KeySourceStatus.NOT_FETCHED));
    }

    /** The key source; fetches lazily, on first use, and records each fetch's outcome in {@code status}. */
    public static JWKSource<SecurityContext> build(URL url, JwksOptions o, AtomicReference<KeySourceStatus> status) {
        // one deadline for the whole fetch, not a timeout per read: see JwksRetriever
        JwksRetriever retriever = new JwksRetriever(o.connectTimeout(), o.readTimeout(), o.sizeLimit(), o.sslContext());
        String where = url.toString();
        Events events = new Events(o, where, status);
        JWKSourceBuilder<SecurityContext> b = JWKSourceBuilder.create(url, retriever)
                .retrying(false)
                .cache(o.cacheTimeToLive().toMillis(), o.refreshTimeout().toMillis(), events)
                .rateLimited(o.minRefreshInterval().toMillis(), event -> {
                    if (event instanceof RateLimitedJWKSetSource.RateLimitedEvent) {
                        LOG.debug("JWKS {}: refresh refused by the rate limit", where);
                    }
                })
                .healthReporting(new HealthLogger(where, events));
        if (o.refreshAhead().isZero()) {
            b.refreshAheadCache(false);
        } else {
            b.refreshAheadCache(o.refreshAhead().toMillis(), events, refreshExecutor(), true, null, false);
        }
        if (o.outageTolerance().isZero()) {
            b.outageTolerant(false);
        } else {
            b.outageTolerant(o.outageTolerance().toMillis(), event -> {
                if (event instanceof OutageTolerantJWKSetSource.OutageEvent<?> outage) {
                    LOG.warn(
                            "JWKS {} is unavailable; serving keys fetched before, for {} ms more",
                            where,
                            outage.getRemainingTime());
                    events.failed(outage.getException(), true);
                }
            });
        }
        return b.build();
    }

    /** One daemon thread that ends when idle, so that a key source never keeps the JVM alive. */
    private static ExecutorService refreshExecutor() {
        ThreadPoolExecutor executor =
                new ThreadPoolExecutor(1, 1, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "api-guard-jwks-refresh-" + THREADS.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        executor.allowCoreThreadTimeOut(true);
        return executor;
    }

    /**
     * Turns Nimbus' cache events into {@code keys.refreshed} events, and failed fetches into
     * {@code keys.fetch_failed}; never throws into Nimbus.
     */
    static final class Events implements EventListener<CachingJWKSetSource<SecurityContext>, SecurityContext> {
        private final SecurityEventListener listener;
        private final java.time.Clock clock;
        private final String where;
        private final AtomicReference<KeySourceStatus> status;

        Events(JwksOptions o, String where) {
            this(o, where, new AtomicReference<>(KeySourceStatus.NOT_FETCHED));
        }

        Events(JwksOptions o, String where, AtomicReference<KeySourceStatus> status) {
            this.listener = o.listener();
            this.clock = o.clock();
            this.where = where;
            this.status = status;
        }

        /**
         * Whether the fetch this thread runs failed and the outage cache answered instead: Nimbus
         * reports that refresh as completed too, but nothing new was fetched.
         */
        private final ThreadLocal<Boolean> servedFromOutageCache = new ThreadLocal<>();

        @Override
        public void notify(Event<CachingJWKSetSource<SecurityContext>, SecurityContext> event) {
            // the refresh ahead of expiry runs the same blocking load, which reports these two too
            if (event instanceof CachingJWKSetSource.RefreshInitiatedEvent<?>) {
                servedFromOutageCache.remove();
            } else if (event instanceof CachingJWKSetSource.RefreshCompletedEvent<?>) {
                boolean outage = Boolean.TRUE.equals(servedFromOutageCache.get());
                servedFromOutageCache.remove();
                if (!outage) {
                    Instant now = clock.instant();
                    status.updateAndGet(s -> s.refreshed(now));
                    emit(SecurityEventType.KEY_SOURCE_REFRESHED, Map.of("jwks", where));
                }
            }
        }

        void failed(Throwable fault, boolean cached) {
            if (cached) {
                servedFromOutageCache.set(Boolean.TRUE);
            }
            String faultType =
                    fault == null ? "unknown" : rootCause(fault).getClass().getName();
            Instant now = clock.instant();
            status.updateAndGet(s -> s.failed(now, faultType, cached));
            emit(
                    SecurityEventType.KEY_SOURCE_FAILED,
                    Map.of("jwks", where, "fault", faultType, "cached", Boolean.toString(cached)));
        }

        /**
         * What went wrong, under Nimbus' wrapping: the first I/O or parse fault in the chain of
         * causes (a {@code ConnectException}, a timeout, a document that is no key set), else the
         * innermost cause.
         */
        private static Throwable rootCause(Throwable fault) {
            Throwable t = fault;
            for (int depth = 0; depth < 16; depth++) {
                if (t instanceof java.io.IOException
                        || t instanceof java.text.ParseException
                        || t.getCause() == null
                        || t.getCause() == t) {
                    return t;
                }
                t = t.getCause();
            }
            return t;
        }

        private void emit(SecurityEventType type, Map<String, String> details) {
            if (listener == SecurityEventListener.NONE) {
                return;
            }
            try {
                listener.onEvent(new SecurityEvent(type, clock.instant(), null, null, null, null, details));
            } catch (RuntimeException e) {
                LOG.warn("security event listener failed on {}", type.eventName(), e);
            }
        }
    }

    /** Logs each change of health once (not every failed request), with the fault's type only. */
    private static final class HealthLogger
            implements com.nimbusds.jose.util.health.HealthReportListener<
                    com.nimbusds.jose.jwk.source.JWKSetSourceWithHealthStatusReporting<SecurityContext>,
                    SecurityContext> {
        private final String where;
        private final Events events;
        private final AtomicReference<HealthStatus> last = new AtomicReference<>();

        HealthLogger(String where, Events events) {
            this.where = where;
            this.events = events;
        }

        @Override
        public void notify(
                HealthReport<
                                com.nimbusds.jose.jwk.source.JWKSetSourceWithHealthStatusReporting<SecurityContext>,
                                SecurityContext>
                        report) {
            HealthStatus now = report.getHealthStatus();
            if (now != HealthStatus.HEALTHY) {
                // every failed fetch that left no keys to serve (the outage cache did not answer)
                events.failed(report.getException(), false);
            }
            HealthStatus before = last.getAndSet(now);
            if (now == before) {
                return;
            }
            if (now == HealthStatus.HEALTHY) {
                LOG.info("JWKS {} fetched", where);
            } else {
                Throwable e = report.getException();
                LOG.warn(
                        "JWKS {} could not be fetched: {}",
                        where,
                        e == null ? "unknown fault" : e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        }
    }
}
