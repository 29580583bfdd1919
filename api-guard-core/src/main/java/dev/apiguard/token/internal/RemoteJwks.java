package dev.apiguard.token.internal;

import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.jwk.source.OutageTolerantJWKSetSource;
import com.nimbusds.jose.jwk.source.RateLimitedJWKSetSource;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.health.HealthReport;
import com.nimbusds.jose.util.health.HealthStatus;
import dev.apiguard.token.JwksOptions;
import java.net.URL;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds a Nimbus remote key source from {@link JwksOptions}, with SLF4J logging of its health. */
public final class RemoteJwks {

    private static final Logger LOG = LoggerFactory.getLogger("dev.apiguard.token.jwks");
    private static final AtomicInteger THREADS = new AtomicInteger();

    private RemoteJwks() {
    }

    /** The key source; fetches lazily, on first use. */
    public static JWKSource<SecurityContext> build(URL url, JwksOptions o) {
        // one deadline for the whole fetch, not a timeout per read: see JwksRetriever
        JwksRetriever retriever = new JwksRetriever(o.connectTimeout(), o.readTimeout(), o.sizeLimit());
        String where = url.toString();
        JWKSourceBuilder<SecurityContext> b = JWKSourceBuilder.create(url, retriever)
                .retrying(false)
                .cache(o.cacheTimeToLive().toMillis(), o.refreshTimeout().toMillis())
                .rateLimited(o.minRefreshInterval().toMillis(), event -> {
                    if (event instanceof RateLimitedJWKSetSource.RateLimitedEvent) {
                        LOG.debug("JWKS {}: refresh refused by the rate limit", where);
                    }
                })
                .healthReporting(new HealthLogger(where));
        if (o.refreshAhead().isZero()) {
            b.refreshAheadCache(false);
        } else {
            b.refreshAheadCache(o.refreshAhead().toMillis(), null, refreshExecutor(), true, null, false);
        }
        if (o.outageTolerance().isZero()) {
            b.outageTolerant(false);
        } else {
            b.outageTolerant(o.outageTolerance().toMillis(), event -> {
                if (event instanceof OutageTolerantJWKSetSource.OutageEvent<?> outage) {
                    LOG.warn("JWKS {} is unavailable; serving keys fetched before, for {} ms more",
                            where, outage.getRemainingTime());
                }
            });
        }
        return b.build();
    }

    /** One daemon thread that ends when idle, so that a key source never keeps the JVM alive. */
    private static ExecutorService refreshExecutor() {
        ThreadPoolExecutor executor = new ThreadPoolExecutor(1, 1, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "api-guard-jwks-refresh-" + THREADS.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        executor.allowCoreThreadTimeOut(true);
        return executor;
    }

    /** Logs each change of health once (not every failed request), with the fault's type only. */
    private static final class HealthLogger
            implements com.nimbusds.jose.util.health.HealthReportListener<
                    com.nimbusds.jose.jwk.source.JWKSetSourceWithHealthStatusReporting<SecurityContext>, SecurityContext> {
        private final String where;
        private final AtomicReference<HealthStatus> last = new AtomicReference<>();

        HealthLogger(String where) {
            this.where = where;
        }

        @Override
        public void notify(HealthReport<com.nimbusds.jose.jwk.source.JWKSetSourceWithHealthStatusReporting<SecurityContext>,
                SecurityContext> report) {
            HealthStatus now = report.getHealthStatus();
            HealthStatus before = last.getAndSet(now);
            if (now == before) {
                return;
            }
            if (now == HealthStatus.HEALTHY) {
                LOG.info("JWKS {} fetched", where);
            } else {
                Throwable e = report.getException();
                LOG.warn("JWKS {} could not be fetched: {}", where,
                        e == null ? "unknown fault" : e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        }
    }
}
