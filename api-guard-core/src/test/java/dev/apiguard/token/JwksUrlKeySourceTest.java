package dev.apiguard.token;

import static dev.apiguard.token.TestIssuer.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.sun.net.httpserver.HttpServer;
import dev.apiguard.event.SecurityEvent;
import dev.apiguard.event.SecurityEventType;
import dev.apiguard.token.TokenVerification.Reason;
import dev.apiguard.token.TokenVerification.Rejected;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link KeySource#jwksUrl} against a real local HTTP server. */
class JwksUrlKeySourceTest {

    private static final TestIssuer ISSUER = TestIssuer.named("https://issuer.example");

    private final AtomicInteger fetches = new AtomicInteger();
    private final AtomicReference<String> body =
            new AtomicReference<>(ISSUER.publicKeys().toString());
    private final CountDownLatch release = new CountDownLatch(1);
    private volatile boolean stall;
    private ExecutorService executor;
    private HttpServer server;
    private URI url;

    @BeforeEach
    void startServer() throws IOException {
        executor = Executors.newCachedThreadPool();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/jwks", exchange -> {
            fetches.incrementAndGet();
            if (stall) {
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            byte[] bytes = body.get().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            } catch (IOException e) {
                // the client gave up first
            }
        });
        server.setExecutor(executor);
        server.start();
        url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/jwks");
    }

    @AfterEach
    void stopServer() {
        release.countDown();
        server.stop(0);
        executor.shutdownNow();
    }

    private AccessTokenVerifier verifier(JwksOptions options) {
        return AccessTokenVerifier.of(TokenPolicy.builder()
                .issuer(ISSUER.issuer, KeySource.jwksUrl(url, options))
                .audience(TestIssuer.AUDIENCE)
                .build());
    }

    @Test
    void keysAreFetchedOnFirstUseAndThenServedFromTheCache() {
        AccessTokenVerifier verifier = verifier(JwksOptions.defaults());
        assertThat(fetches.get()).isZero();

        assertThat(verifier.verify(ISSUER.token().sign(), NOW).isVerified()).isTrue();
        assertThat(verifiesAnEcToken(verifier)).isTrue();
        assertThat(verifier.verify(
                                ISSUER.token()
                                        .signedWith(ISSUER.ed, JWSAlgorithm.EdDSA)
                                        .sign(),
                                NOW)
                        .isVerified())
                .isTrue();

        assertThat(fetches.get()).isEqualTo(1);
    }

    @Test
    void rotatedKeyIsPickedUpButAFloodOfUnknownKidsCausesAtMostOneExtraFetch() throws Exception {
        AccessTokenVerifier verifier = verifier(JwksOptions.defaults());
        assertThat(verifier.verify(ISSUER.token().sign(), NOW).isVerified()).isTrue();
        ECKey rotated = new ECKeyGenerator(Curve.P_256).keyID("rotated").generate();
        List<com.nimbusds.jose.jwk.JWK> keys =
                new ArrayList<>(ISSUER.publicKeys().getKeys());
        keys.add(rotated.toPublicJWK());
        body.set(new JWKSet(keys).toString());

        // the first unknown kid refreshes the set: a legitimately rotated key is found
        assertThat(verifier.verify(
                                ISSUER.token()
                                        .signedWith(rotated, JWSAlgorithm.ES256)
                                        .sign(),
                                NOW)
                        .isVerified())
                .isTrue();
        assertThat(fetches.get()).isEqualTo(2);

        ECKey attacker = new ECKeyGenerator(Curve.P_256).generate();
        for (int i = 0; i < 200; i++) {
            ECKey random = new ECKey.Builder(attacker)
                    .keyID(UUID.randomUUID().toString())
                    .build();
            assertThat(verifier.verify(
                            ISSUER.token()
                                    .signedWith(random, JWSAlgorithm.ES256)
                                    .sign(),
                            NOW))
                    .isEqualTo(new Rejected(Reason.UNKNOWN_KEY));
        }

        // Nimbus' rate limit allows two fetches per 30 s interval: both are spent
        assertThat(fetches.get()).isEqualTo(2);
        assertThat(verifier.verify(ISSUER.token().sign(), NOW).isVerified()).isTrue();
    }

    @Test
    void floodOfUnknownKidsFromTheStartFetchesAtMostTwice() throws Exception {
        AccessTokenVerifier verifier = verifier(JwksOptions.defaults());
        ECKey attacker = new ECKeyGenerator(Curve.P_256).generate();

        for (int i = 0; i < 200; i++) {
            ECKey random = new ECKey.Builder(attacker)
                    .keyID(UUID.randomUUID().toString())
                    .build();
            verifier.verify(
                    ISSUER.token().signedWith(random, JWSAlgorithm.ES256).sign(), NOW);
        }

        assertThat(fetches.get()).isBetween(1, 2);
    }

    @Test
    void cachedKeysKeepServingWhenTheEndpointIsDown() {
        AccessTokenVerifier verifier = verifier(
                shortLivedCache().outageTolerance(Duration.ofMinutes(10)).build());
        assertThat(verifier.verify(ISSUER.token().sign(), NOW).isVerified()).isTrue();

        server.stop(0);
        awaitNimbusCacheExpiry();

        assertThat(verifiesAnEcToken(verifier)).isTrue();
        assertThat(fetches.get()).isEqualTo(1);
    }

    @Test
    void withoutOutageToleranceTokensAreRefusedOnceTheCacheExpiredAndTheEndpointIsDown() {
        AccessTokenVerifier verifier =
                verifier(shortLivedCache().outageTolerance(Duration.ZERO).build());
        assertThat(verifier.verify(ISSUER.token().sign(), NOW).isVerified()).isTrue();

        server.stop(0);
        awaitNimbusCacheExpiry();

        assertThat(verifier.verify(
                        ISSUER.token().signedWith(ISSUER.ec, JWSAlgorithm.ES256).sign(), NOW))
                .isEqualTo(new Rejected(Reason.KEYS_UNAVAILABLE));
    }

    @Test
    void oversizedKeySetIsRefused() {
        String padded =
                ISSUER.publicKeys().toString().replaceFirst("^\\{", "{\"padding\":\"" + "x".repeat(300 * 1024) + "\",");
        body.set(padded);
        AccessTokenVerifier verifier = verifier(JwksOptions.defaults());

        assertThat(verifier.verify(ISSUER.token().sign(), NOW)).isEqualTo(new Rejected(Reason.KEYS_UNAVAILABLE));
        assertThat(fetches.get()).isEqualTo(1);
    }

    @Test
    void keySetUnderTheSizeLimitIsAcceptedWhateverItsPadding() {
        String padded =
                ISSUER.publicKeys().toString().replaceFirst("^\\{", "{\"padding\":\"" + "x".repeat(100 * 1024) + "\",");
        body.set(padded);

        assertThat(verifier(JwksOptions.defaults())
                        .verify(ISSUER.token().sign(), NOW)
                        .isVerified())
                .isTrue();
    }

    @Test
    void stalledEndpointCostsARequestNoMoreThanItsTimeouts() {
        stall = true;
        AccessTokenVerifier verifier = verifier(JwksOptions.builder()
                .connectTimeout(Duration.ofMillis(500))
                .readTimeout(Duration.ofMillis(300))
                .build());

        long started = System.nanoTime();
        TokenVerification result = verifier.verify(ISSUER.token().sign(), NOW);
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(result).isEqualTo(new Rejected(Reason.KEYS_UNAVAILABLE));
        // generous bound: the server would hold the request for 10 s
        assertThat(took).isLessThan(Duration.ofSeconds(5));
    }

    private final List<SecurityEvent> events = new CopyOnWriteArrayList<>();

    private List<String> eventSummary() {
        return events.stream()
                .map(e -> e.type().eventName()
                        + (e.details().containsKey("cached")
                                ? " cached=" + e.details().get("cached")
                                : ""))
                .toList();
    }

    @Test
    void eachSuccessfulFetchIsAKeysRefreshedEventNamingTheUrl() {
        java.time.Instant at = java.time.Instant.parse("2030-01-01T00:00:00Z");
        AccessTokenVerifier verifier = verifier(JwksOptions.builder()
                .listener(events::add)
                .clock(java.time.Clock.fixed(at, java.time.ZoneOffset.UTC))
                .build());
        verifier.verify(ISSUER.token().sign(), NOW);
        verifier.verify(ISSUER.token().signedWith(ISSUER.ec, JWSAlgorithm.ES256).sign(), NOW);

        assertThat(eventSummary()).containsExactly("keys.refreshed");
        SecurityEvent refreshed = events.get(0);
        assertThat(refreshed.details()).containsEntry("jwks", url.toString());
        assertThat(refreshed.callerId()).isNull();
        assertThat(refreshed.timestamp()).isEqualTo(at);
    }

    @Test
    void aFailedFetchWhileCachedKeysServeIsAFetchFailedEventAndNoRefresh() {
        AccessTokenVerifier verifier = verifier(shortLivedCache()
                .outageTolerance(Duration.ofMinutes(10))
                .listener(events::add)
                .build());
        assertThat(verifier.verify(ISSUER.token().sign(), NOW).isVerified()).isTrue();

        server.stop(0);
        awaitNimbusCacheExpiry();

        assertThat(verifiesAnEcToken(verifier)).isTrue();
        assertThat(eventSummary()).containsExactly("keys.refreshed", "keys.fetch_failed cached=true");
        assertThat(events.get(1).details().get("fault")).isEqualTo("java.net.ConnectException");
    }

    @Test
    void aFailedFetchThatLeavesNoKeysIsAFetchFailedEventWithoutCache() {
        String padded =
                ISSUER.publicKeys().toString().replaceFirst("^\\{", "{\"padding\":\"" + "x".repeat(300 * 1024) + "\",");
        body.set(padded);
        AccessTokenVerifier verifier =
                verifier(JwksOptions.builder().listener(events::add).build());

        assertThat(verifier.verify(ISSUER.token().sign(), NOW)).isEqualTo(new Rejected(Reason.KEYS_UNAVAILABLE));
        assertThat(eventSummary()).containsExactly("keys.fetch_failed cached=false");
        assertThat(events.get(0).type()).isEqualTo(SecurityEventType.KEY_SOURCE_FAILED);
    }

    @Test
    void aListenerThatThrowsNeverFailsAFetch() {
        AccessTokenVerifier verifier = verifier(JwksOptions.builder()
                .listener(event -> {
                    throw new IllegalStateException("listener down");
                })
                .build());

        assertThat(verifier.verify(ISSUER.token().sign(), NOW).isVerified()).isTrue();
        assertThat(fetches.get()).isEqualTo(1);
    }

    @Test
    void theStatusRecordsEachFetchAndEachFailureWithTheFaultsTypeOnly() {
        Instant at = Instant.parse("2026-03-01T10:00:00Z");
        KeySource source = KeySource.jwksUrl(
                url,
                shortLivedCache()
                        .outageTolerance(Duration.ofMinutes(10))
                        .clock(Clock.fixed(at, ZoneOffset.UTC))
                        .build());
        assertThat(source.status()).hasValue(KeySourceStatus.NOT_FETCHED);
        assertThat(KeySourceStatus.NOT_FETCHED.hasKeys()).isFalse();
        AccessTokenVerifier verifier = AccessTokenVerifier.of(TokenPolicy.builder()
                .issuer(ISSUER.issuer, source)
                .audience(TestIssuer.AUDIENCE)
                .build());

        assertThat(verifier.verify(ISSUER.token().sign(), NOW).isVerified()).isTrue();
        KeySourceStatus fetched = source.status().orElseThrow();
        assertThat(fetched).isEqualTo(new KeySourceStatus(at, null, null, 0, false));
        assertThat(fetched.hasKeys()).isTrue();
        assertThat(fetched.refreshAge(at.plusSeconds(5))).hasValue(Duration.ofSeconds(5));

        server.stop(0);
        awaitNimbusCacheExpiry();
        assertThat(verifiesAnEcToken(verifier)).isTrue();
        KeySourceStatus failing = source.status().orElseThrow();
        assertThat(failing).isEqualTo(new KeySourceStatus(at, at, "java.net.ConnectException", 1, true));
        assertThat(failing.hasKeys()).isTrue(); // the outage cache serves
    }

    @Test
    void aFailedFirstFetchLeavesTheSourceWithoutKeys() {
        body.set("not a key set");
        KeySource source = KeySource.jwksUrl(url, JwksOptions.defaults());
        AccessTokenVerifier verifier = AccessTokenVerifier.of(TokenPolicy.builder()
                .issuer(ISSUER.issuer, source)
                .audience(TestIssuer.AUDIENCE)
                .build());

        assertThat(verifier.verify(ISSUER.token().sign(), NOW)).isEqualTo(new Rejected(Reason.KEYS_UNAVAILABLE));
        KeySourceStatus status = source.status().orElseThrow();
        assertThat(status.hasKeys()).isFalse();
        assertThat(status.lastRefresh()).isNull();
        assertThat(status.lastFailure()).isNotNull();
        assertThat(status.lastFault()).isEqualTo("java.text.ParseException");
        assertThat(status.failuresSinceRefresh()).isEqualTo(1);
        assertThat(status.refreshAge(NOW)).isEmpty();
    }

    @Test
    void keysGivenOnceHaveNoStatus() {
        assertThat(KeySource.fixed(ISSUER.publicKeys()).status()).isEmpty();
    }

    /** Verifies a token signed with the issuer's EC key, one not asked for before. */
    private static boolean verifiesAnEcToken(AccessTokenVerifier verifier) {
        return verifier.verify(
                        ISSUER.token().signedWith(ISSUER.ec, JWSAlgorithm.ES256).sign(), NOW)
                .isVerified();
    }

    private static JwksOptions.Builder shortLivedCache() {
        return JwksOptions.builder()
                .cacheTimeToLive(Duration.ofMillis(2))
                .refreshAhead(Duration.ZERO)
                .minRefreshInterval(Duration.ofMillis(1));
    }

    /**
     * Nimbus' key-set cache reads {@code System.currentTimeMillis()} and cannot be given a clock;
     * with a 2 ms time to live, a few milliseconds of wall time expire it. This waits for the
     * wall clock to move on (a lower bound only, so it cannot make the test flaky).
     */
    private static void awaitNimbusCacheExpiry() {
        long until = System.currentTimeMillis() + 5;
        while (System.currentTimeMillis() <= until) {
            Thread.onSpinWait();
        }
    }
}
