package dev.apiguard.token.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.source.JWKSetBasedJWKSource;
import com.nimbusds.jose.jwk.source.JWKSetCacheRefreshEvaluator;
import com.nimbusds.jose.jwk.source.JWKSetSource;
import com.nimbusds.jose.jwk.source.RefreshAheadCachingJWKSetSource;
import com.nimbusds.jose.proc.SecurityContext;
import com.sun.net.httpserver.HttpServer;
import dev.apiguard.event.SecurityEvent;
import dev.apiguard.event.SecurityEventType;
import dev.apiguard.token.JwksOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The key source {@link RemoteJwks} builds, below the verifier, against a real HTTP server on
 * loopback. Nimbus' sources take the current time as an argument ({@code getJWKSet(evaluator,
 * currentTime, context)}); only {@code JWKSetBasedJWKSource.get} reads the wall clock. These tests
 * call the source chain directly with a time of their own, so that a key set minutes from expiry
 * needs no waiting.
 */
class RemoteJwksTest {

    private static final long T0 = 1_800_000_000_000L; // any instant: Nimbus only compares them
    private static final JWKSetCacheRefreshEvaluator NO_REFRESH = JWKSetCacheRefreshEvaluator.noRefresh();

    private final AtomicInteger fetches = new AtomicInteger();
    private final AtomicReference<String> body = new AtomicReference<>();
    private final AtomicInteger status = new AtomicInteger(200);
    private final List<Seen> events = new CopyOnWriteArrayList<>();
    private HttpServer server;
    private URL url;
    private JWKSetBasedJWKSource<SecurityContext> built;

    /** An event and the thread that raised it. */
    private record Seen(SecurityEvent event, String thread, boolean daemon) {
        String summary() {
            return event.type().eventName()
                    + (event.details().containsKey("cached")
                            ? " cached=" + event.details().get("cached")
                            : "");
        }
    }

    private static JWKSet keys(String kid) throws Exception {
        return new JWKSet(new ECKeyGenerator(Curve.P_256).keyID(kid).generate().toPublicJWK());
    }

    @BeforeEach
    void start() throws Exception {
        body.set(keys("a").toString());
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/jwks", exchange -> {
            fetches.incrementAndGet();
            byte[] b = body.get().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status.get(), b.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(b);
            }
        });
        server.start();
        url = new URL("http://127.0.0.1:" + server.getAddress().getPort() + "/jwks");
    }

    @AfterEach
    void stop() throws IOException {
        if (built != null) {
            built.close();
        }
        server.stop(0);
    }

    @SuppressWarnings("unchecked")
    private JWKSetSource<SecurityContext> source(JwksOptions.Builder options) {
        built = (JWKSetBasedJWKSource<SecurityContext>) RemoteJwks.build(
                url,
                options.listener(e -> events.add(new Seen(
                                e,
                                Thread.currentThread().getName(),
                                Thread.currentThread().isDaemon())))
                        .build());
        return built.getJWKSetSource();
    }

    private static String kids(JWKSet set) {
        return String.join(",", set.getKeys().stream().map(k -> k.getKeyID()).toList());
    }

    private List<String> summary() {
        return events.stream().map(Seen::summary).toList();
    }

    @Test
    void refreshAheadOfExpiryFetchesOnADaemonThreadWhileTheCachedKeysServe() throws Exception {
        // key sets live 10 minutes; the last minute before expiry, a request starts a refresh
        JWKSetSource<SecurityContext> source = source(JwksOptions.builder()
                .cacheTimeToLive(Duration.ofMinutes(10))
                .refreshAhead(Duration.ofMinutes(1))
                .connectTimeout(Duration.ofSeconds(5))
                .readTimeout(Duration.ofSeconds(5)));
        assertThat(kids(source.getJWKSet(NO_REFRESH, T0, null))).isEqualTo("a");
        body.set(keys("b").toString());

        // well before the refresh-ahead window: the cache answers, nothing is fetched
        assertThat(kids(source.getJWKSet(NO_REFRESH, T0 + Duration.ofMinutes(8).toMillis(), null)))
                .isEqualTo("a");
        assertThat(fetches.get()).isEqualTo(1);

        // in the window: the request is answered from the cache at once, the fetch runs behind it
        long inWindow = T0 + Duration.ofMinutes(9).plusSeconds(30).toMillis();
        assertThat(kids(source.getJWKSet(NO_REFRESH, inWindow, null))).isEqualTo("a");
        assertThat(awaitKids(source, inWindow, "b")).isEqualTo("b");
        built.close(); // waits for the background task, so that every event it raises is in
        built = null;

        assertThat(fetches.get()).isEqualTo(2);
        // one keys.refreshed per fetch: Nimbus' scheduling events around the background fetch are none
        assertThat(summary()).containsExactly("keys.refreshed", "keys.refreshed");
        Seen background = events.get(1);
        assertThat(background.thread()).startsWith("api-guard-jwks-refresh-");
        assertThat(background.daemon())
                .as("a refresh thread must never keep the JVM alive")
                .isTrue();
    }

    @Test
    void anIdleKeySourceHoldsNoRefreshThread() {
        JWKSetSource<SecurityContext> source = source(JwksOptions.builder());

        // one refresh thread at most per key source, and it ends after a minute without work, so
        // that key sources built and dropped (a configuration reload) leave no threads behind
        assertThat(source)
                .isInstanceOfSatisfying(
                        RefreshAheadCachingJWKSetSource.class,
                        refreshAhead -> assertThat(refreshAhead.getExecutorService())
                                .isInstanceOfSatisfying(ThreadPoolExecutor.class, e -> {
                                    assertThat(e.getMaximumPoolSize()).isEqualTo(1);
                                    assertThat(e.allowsCoreThreadTimeOut()).isTrue();
                                    assertThat(e.getKeepAliveTime(TimeUnit.SECONDS))
                                            .isEqualTo(60);
                                }));
    }

    /** The key set the source serves at {@code time}, once it has the kid wanted or after 10 s. */
    private static String awaitKids(JWKSetSource<SecurityContext> source, long time, String wanted)
            throws KeySourceException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        String now = kids(source.getJWKSet(NO_REFRESH, time, null));
        while (!now.equals(wanted) && System.nanoTime() < deadline) {
            LockSupport.parkNanos(1_000_000); // the background fetch needs the CPU
            now = kids(source.getJWKSet(NO_REFRESH, time, null));
        }
        return now;
    }

    @Test
    void keysFetchedBeforeServeThroughAnOutageForTheToleranceThenTokensHaveNoKeys() throws Exception {
        JWKSetSource<SecurityContext> source = source(JwksOptions.builder()
                .cacheTimeToLive(Duration.ofMinutes(1))
                .refreshAhead(Duration.ZERO)
                .outageTolerance(Duration.ofMinutes(10)));
        assertThat(kids(source.getJWKSet(NO_REFRESH, T0, null))).isEqualTo("a");
        status.set(503);

        // the cache expired, the endpoint fails: the outage cache answers until 10 min after the fetch
        assertThat(kids(source.getJWKSet(NO_REFRESH, T0 + Duration.ofMinutes(2).toMillis(), null)))
                .isEqualTo("a");
        assertThat(kids(source.getJWKSet(NO_REFRESH, T0 + Duration.ofMinutes(9).toMillis(), null)))
                .isEqualTo("a");
        assertThatThrownBy(() ->
                        source.getJWKSet(NO_REFRESH, T0 + Duration.ofMinutes(11).toMillis(), null))
                .isInstanceOf(KeySourceException.class);

        assertThat(fetches.get()).isEqualTo(4);
        assertThat(summary())
                .containsExactly(
                        "keys.refreshed",
                        "keys.fetch_failed cached=true",
                        "keys.fetch_failed cached=true",
                        "keys.fetch_failed cached=false");
        assertThat(events.get(3).event().details()).containsEntry("fault", "java.io.IOException");
    }

    @Test
    void aDocumentThatIsNotJsonIsAFetchFailureNamingTheParseFault() {
        body.set("<html><body>502 Bad Gateway</body></html>");
        JWKSetSource<SecurityContext> source = source(JwksOptions.builder());

        assertThatThrownBy(() -> source.getJWKSet(NO_REFRESH, T0, null)).isInstanceOf(KeySourceException.class);
        assertThat(summary()).containsExactly("keys.fetch_failed cached=false");
        assertThat(events.get(0).event().details()).containsEntry("fault", ParseException.class.getName());
    }

    /**
     * The log lines about this endpoint that {@code run} writes. The test binding, slf4j-simple,
     * looks up {@code System.err} at each line; lines are picked by this test's own URL.
     */
    private List<String> logLines(ThrowingRunnable run) throws Exception {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            run.run();
        } finally {
            System.setErr(original);
        }
        return captured.toString(StandardCharsets.UTF_8)
                .lines()
                .filter(l -> l.contains(url.toString()))
                .toList();
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void eachChangeOfHealthIsLoggedOnceNotEachFailedFetch() throws Exception {
        JWKSetSource<SecurityContext> source = source(JwksOptions.builder()
                .cacheTimeToLive(Duration.ofMinutes(1))
                .refreshAhead(Duration.ZERO)
                .outageTolerance(Duration.ZERO));
        status.set(503);
        long minute = Duration.ofMinutes(1).toMillis();

        List<String> lines = logLines(() -> {
            // two failed fetches (a minute apart: the rate limit allows them), two good ones, one failed
            for (int i = 0; i < 2; i++) {
                long at = T0 + i * minute;
                assertThatThrownBy(() -> source.getJWKSet(NO_REFRESH, at, null)).isInstanceOf(KeySourceException.class);
            }
            status.set(200);
            assertThat(kids(source.getJWKSet(NO_REFRESH, T0 + 2 * minute, null)))
                    .isEqualTo("a");
            assertThat(kids(source.getJWKSet(NO_REFRESH, T0 + 4 * minute, null)))
                    .isEqualTo("a");
            status.set(500);
            assertThatThrownBy(() -> source.getJWKSet(NO_REFRESH, T0 + 6 * minute, null))
                    .isInstanceOf(KeySourceException.class);
        });

        assertThat(fetches.get()).isEqualTo(5);
        assertThat(summary())
                .containsExactly(
                        "keys.fetch_failed cached=false",
                        "keys.fetch_failed cached=false",
                        "keys.refreshed",
                        "keys.refreshed",
                        "keys.fetch_failed cached=false");
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0))
                .contains("WARN")
                .contains("could not be fetched")
                .contains("HTTP 503");
        assertThat(lines.get(1)).contains("INFO").endsWith(url + " fetched");
        assertThat(lines.get(2))
                .contains("WARN")
                .contains("could not be fetched")
                .contains("HTTP 500");
    }

    // --- Events: how a failure is named, whatever Nimbus hands over ---

    private RemoteJwks.Events direct() {
        return new RemoteJwks.Events(
                JwksOptions.builder()
                        .listener(e ->
                                events.add(new Seen(e, Thread.currentThread().getName(), false)))
                        .build(),
                "http://jwks");
    }

    private String faultNamed(Throwable fault) {
        events.clear();
        direct().failed(fault, false);
        assertThat(events).hasSize(1);
        assertThat(events.get(0).event().type()).isEqualTo(SecurityEventType.KEY_SOURCE_FAILED);
        return events.get(0).event().details().get("fault");
    }

    @Test
    void aFaultIsNamedByTheFirstIoOrParseFaultUnderTheWrapping() {
        ParseException parse = new ParseException("not JSON", 0);
        assertThat(faultNamed(new KeySourceException("wrapped", new IllegalStateException("again", parse))))
                .isEqualTo("java.text.ParseException");
        assertThat(faultNamed(new KeySourceException("wrapped", new java.net.ConnectException("refused"))))
                .isEqualTo("java.net.ConnectException");
        // the first of them counts, not the innermost
        assertThat(faultNamed(new RuntimeException(new IOException("outer", parse))))
                .isEqualTo("java.io.IOException");
        ParseException parseWithCause = new ParseException("bad JSON", 3);
        parseWithCause.initCause(new IllegalStateException("the JSON library's own fault"));
        assertThat(faultNamed(new KeySourceException("wrapped", parseWithCause)))
                .isEqualTo("java.text.ParseException");
        // neither in the chain: the innermost cause
        assertThat(faultNamed(new KeySourceException("wrapped", new IllegalStateException("inner"))))
                .isEqualTo("java.lang.IllegalStateException");
        assertThat(faultNamed(new IllegalStateException("alone"))).isEqualTo("java.lang.IllegalStateException");
    }

    @Test
    void aCycleOfCausesIsNamedWithoutLooping() {
        IllegalStateException a = new IllegalStateException("a");
        IllegalArgumentException b = new IllegalArgumentException("b", a);
        a.initCause(b);

        assertThat(faultNamed(a)).isIn(IllegalStateException.class.getName(), IllegalArgumentException.class.getName());
    }

    @Test
    void aFailureWithoutAnExceptionIsNamedUnknown() {
        assertThat(faultNamed(null)).isEqualTo("unknown");
    }
}
