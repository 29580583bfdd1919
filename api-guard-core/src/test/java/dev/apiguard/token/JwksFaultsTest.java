package dev.apiguard.token;

import static dev.apiguard.token.TestIssuer.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.apiguard.token.TokenVerification.Reason;
import dev.apiguard.token.TokenVerification.Rejected;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A JWKS endpoint that fails in every way we could think of, served by a real local HTTP server:
 * down, slow, trickling, garbage, huge. Keys fetched before keep serving; no request thread waits
 * past the fetch's timeouts; a flood of unknown {@code kid}s does not become a flood of fetches.
 *
 * <p>Nimbus' key cache reads {@code System.currentTimeMillis()} and cannot be given a clock, so
 * "the cache expired" is a 2 ms time to live and a spin until the wall clock has moved on (a lower
 * bound, never a race). Elapsed times are asserted only against bounds many times the configured
 * timeouts, where the fault would otherwise hold the request for 30 s.
 */
class JwksFaultsTest {

    private static final TestIssuer ISSUER = TestIssuer.named("https://issuer.example");
    private static final Duration TIMEOUT = Duration.ofMillis(200);
    /** What the fault would cost without the timeouts: the server holds a request this long. */
    private static final long HOLD_SECONDS = 30;
    /** Generous: connect + read timeout is 400 ms; a busy two-core machine may add seconds, never 30. */
    private static final Duration NEVER_LONGER = Duration.ofSeconds(8);

    /** The ways the endpoint fails, once it has served good keys. */
    enum Fault {
        DOWN,
        SLOW,
        TRICKLE,
        NOT_JSON,
        JSON_NOT_A_KEY_SET,
        KEYS_NOT_AN_ARRAY,
        HTTP_500,
        HUGE,
        EMPTY_BODY
    }

    private final AtomicInteger fetches = new AtomicInteger();
    private final CountDownLatch release = new CountDownLatch(1);
    private volatile Fault fault;
    private ExecutorService executor;
    private HttpServer server;
    private URI url;

    @BeforeEach
    void startServer() throws IOException {
        executor = Executors.newCachedThreadPool();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/jwks", this::answer);
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

    private void answer(HttpExchange exchange) throws IOException {
        fetches.incrementAndGet();
        Fault f = fault;
        String good = ISSUER.publicKeys().toString();
        try (OutputStream out = exchange.getResponseBody()) {
            if (f == null) {
                send(exchange, 200, good);
                return;
            }
            switch (f) {
                case SLOW -> {
                    // answers, correctly, long after the read timeout
                    hold();
                    send(exchange, 200, good);
                }
                case TRICKLE -> {
                    // a valid key set, one byte at a time, each well within the read timeout
                    exchange.getResponseHeaders().add("Content-Type", "application/json");
                    exchange.sendResponseHeaders(200, 0);
                    for (byte b : good.getBytes(StandardCharsets.UTF_8)) {
                        out.write(b);
                        out.flush();
                        if (release.await(TIMEOUT.toMillis() / 4, TimeUnit.MILLISECONDS)) {
                            return;
                        }
                    }
                }
                case NOT_JSON -> send(exchange, 200, "<html><body>502 Bad Gateway</body></html>");
                case JSON_NOT_A_KEY_SET -> send(exchange, 200, "[{\"kty\":\"RSA\"}, 1, null]");
                case KEYS_NOT_AN_ARRAY -> send(exchange, 200, "{\"keys\":{\"kty\":\"EC\",\"crv\":\"P-256\"}}");
                case HTTP_500 -> send(exchange, 500, good);
                case HUGE ->
                    send(
                            exchange,
                            200,
                            good.replaceFirst(
                                    "^\\{",
                                    "{\"padding\":\"" + "x".repeat(JwksOptions.DEFAULT_SIZE_LIMIT + 1024) + "\","));
                case EMPTY_BODY -> send(exchange, 200, "");
                case DOWN -> throw new IllegalStateException("the server is stopped for DOWN");
                default -> throw new IllegalStateException(f.name());
            }
        } catch (IOException | InterruptedException clientGaveUp) {
            // the client closed the connection first: what a timeout looks like from here
        }
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            exchange.getResponseBody().write(bytes);
        }
    }

    private void hold() throws InterruptedException {
        release.await(HOLD_SECONDS, TimeUnit.SECONDS);
    }

    private AccessTokenVerifier verifier(JwksOptions options) {
        return AccessTokenVerifier.of(TokenPolicy.builder()
                .issuer(ISSUER.issuer, KeySource.jwksUrl(url, options))
                .audience(TestIssuer.AUDIENCE)
                .cacheMaximumSize(0) // every token goes to the key source
                .build());
    }

    /** Timeouts of 200 ms, a key set that expires at once, keys kept through a 10-minute outage. */
    private static JwksOptions.Builder faultOptions() {
        return JwksOptions.builder()
                .connectTimeout(TIMEOUT)
                .readTimeout(TIMEOUT)
                .cacheTimeToLive(Duration.ofMillis(2))
                .refreshAhead(Duration.ZERO)
                .minRefreshInterval(Duration.ofMillis(1))
                .outageTolerance(Duration.ofMinutes(10));
    }

    private static TokenVerification timed(AccessTokenVerifier verifier, String token) {
        long started = System.nanoTime();
        TokenVerification result = verifier.verify(token, NOW);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(NEVER_LONGER);
        return result;
    }

    @ParameterizedTest
    @EnumSource(Fault.class)
    void keysFetchedBeforeKeepServingWhateverTheFaultAndNoRequestWaitsPastTheTimeouts(Fault f) {
        AccessTokenVerifier verifier = verifier(faultOptions().build());
        assertThat(verifier.verify(ISSUER.token().sign(), NOW).isVerified()).isTrue();
        assertThat(fetches.get()).isEqualTo(1);

        fault = f;
        if (f == Fault.DOWN) {
            server.stop(0);
        }
        awaitNimbusCacheExpiry();

        for (int i = 0; i < 3; i++) {
            assertThat(timed(verifier, ISSUER.token().sign()).isVerified())
                    .as("RS256, request %d", i)
                    .isTrue();
            assertThat(timed(
                                    verifier,
                                    ISSUER.token()
                                            .signedWith(ISSUER.ec, JWSAlgorithm.ES256)
                                            .sign())
                            .isVerified())
                    .as("ES256, request %d", i)
                    .isTrue();
            awaitNimbusCacheExpiry();
        }
        // the fault was met (a stopped server counts nothing)
        assertThat(awaitFetches(f == Fault.DOWN ? 1 : 2)).isGreaterThan(f == Fault.DOWN ? 0 : 1);
    }

    @ParameterizedTest
    @EnumSource(
            value = Fault.class,
            names = {"SLOW", "TRICKLE", "NOT_JSON", "HUGE", "HTTP_500"})
    void withoutKeysFetchedBeforeTheFaultTokensAreRefusedAsKeysUnavailableWithinTheTimeouts(Fault f) {
        fault = f;
        AccessTokenVerifier verifier = verifier(faultOptions().build());

        assertThat(timed(verifier, ISSUER.token().sign())).isEqualTo(new Rejected(Reason.KEYS_UNAVAILABLE));
        // SLOW: the client may give up before the server's handler thread has counted the request
        assertThat(awaitFetches(1)).isEqualTo(1);
    }

    @Test
    void anEndpointThatRefusesConnectionsFromTheStartRefusesTokensAtOnce() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        AccessTokenVerifier verifier = AccessTokenVerifier.of(TokenPolicy.builder()
                .issuer(
                        ISSUER.issuer,
                        KeySource.jwksUrl(
                                URI.create("http://127.0.0.1:" + closedPort + "/jwks"),
                                faultOptions().build()))
                .audience(TestIssuer.AUDIENCE)
                .build());

        for (int i = 0; i < 5; i++) {
            assertThat(timed(verifier, ISSUER.token().sign())).isEqualTo(new Rejected(Reason.KEYS_UNAVAILABLE));
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = Fault.class,
            names = {"SLOW", "TRICKLE"})
    void manyRequestThreadsMeetingASlowRefreshAllGetAnAnswerWithinTheTimeouts(Fault f) throws Exception {
        AccessTokenVerifier verifier = verifier(faultOptions().build());
        assertThat(verifier.verify(ISSUER.token().sign(), NOW).isVerified()).isTrue();
        fault = f;
        awaitNimbusCacheExpiry();

        int threads = 8;
        String token = ISSUER.token().sign();
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<TokenVerification>> answers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                answers.add(pool.submit(() -> {
                    start.await(30, TimeUnit.SECONDS);
                    return timed(verifier, token);
                }));
            }
            for (Future<TokenVerification> answer : answers) {
                // each thread either got the keys fetched before or, had it waited for another
                // thread's fetch past the refresh timeout, a refusal: never a hang
                assertThat(answer.get(HOLD_SECONDS, TimeUnit.SECONDS))
                        .satisfiesAnyOf(
                                v -> assertThat(v.isVerified()).isTrue(),
                                v -> assertThat(v).isEqualTo(new Rejected(Reason.KEYS_UNAVAILABLE)));
            }
        } finally {
            pool.shutdownNow();
        }
        // once the fetch has given up, the keys fetched before serve again
        assertThat(timed(verifier, ISSUER.token().sign()).isVerified()).isTrue();
    }

    @Test
    void aKeySetOfTheWrongKeyTypesIsPublishedButNeverUsedForTokensOfAnotherType() throws Exception {
        // the endpoint now publishes, under the known kids, a symmetric key and an EC key in place of RSA
        byte[] secret = new byte[32];
        OctetSequenceKey oct = new OctetSequenceKey.Builder(secret)
                .keyID(ISSUER.rsa.getKeyID())
                .build();
        ECKey ecUnderRsaKid =
                new ECKeyGenerator(Curve.P_256).keyID(ISSUER.ec.getKeyID()).generate();
        String wrong = new JWKSet(List.of(oct, ecUnderRsaKid.toPublicJWK())).toString(false);
        AccessTokenVerifier verifier = verifier(faultOptions().build());
        assertThat(verifier.verify(ISSUER.token().sign(), NOW).isVerified()).isTrue();

        fault = null;
        server.removeContext("/jwks");
        server.createContext("/jwks", exchange -> {
            fetches.incrementAndGet();
            send(exchange, 200, wrong);
            exchange.close();
        });
        awaitNimbusCacheExpiry();

        // HS256 with the published secret, under the kid that now names it: refused
        TestIssuer.Mint hs = ISSUER.token().header("alg", "HS256");
        String hsToken = TestIssuer.signHs256(
                com.nimbusds.jose.util.JSONObjectUtils.toJSONString(hs.header),
                com.nimbusds.jose.util.JSONObjectUtils.toJSONString(hs.claims),
                secret);
        assertThat(timed(verifier, hsToken).isVerified()).isFalse();
        // RS256 whose kid now names a symmetric key: no key of its type
        assertThat(timed(verifier, ISSUER.token().sign()).isVerified()).isFalse();
        // ES256 signed by the old EC key, whose kid now names another EC key: bad signature
        assertThat(timed(
                                verifier,
                                ISSUER.token()
                                        .signedWith(ISSUER.ec, JWSAlgorithm.ES256)
                                        .sign())
                        .isVerified())
                .isFalse();
        // ES256 signed by the newly published EC key: the set was taken as published
        assertThat(timed(
                                verifier,
                                ISSUER.token()
                                        .signedWith(ecUnderRsaKid, JWSAlgorithm.ES256)
                                        .sign())
                        .isVerified())
                .isTrue();
    }

    @Test
    void aFloodOfUnknownKidsFromSeveralThreadsCostsOneFetchBesideTheFirst() throws Exception {
        // an interval far longer than the test: every fetch it allows is counted
        AccessTokenVerifier verifier = verifier(JwksOptions.builder()
                .connectTimeout(TIMEOUT)
                .readTimeout(TIMEOUT)
                .cacheTimeToLive(Duration.ofDays(1))
                .minRefreshInterval(Duration.ofHours(1))
                .build());
        assertThat(verifier.verify(ISSUER.token().sign(), NOW).isVerified()).isTrue();
        assertThat(fetches.get()).isEqualTo(1);

        ECKey attacker = new ECKeyGenerator(Curve.P_256).generate();
        int threads = 8;
        int perThread = 125; // 1,000 tokens in all
        List<List<String>> floods = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            List<String> tokens = new ArrayList<>();
            for (int i = 0; i < perThread; i++) {
                ECKey random = new ECKey.Builder(attacker)
                        .keyID(UUID.randomUUID().toString())
                        .build();
                tokens.add(ISSUER.token().signedWith(random, JWSAlgorithm.ES256).sign());
            }
            floods.add(tokens);
        }
        AtomicInteger refused = new AtomicInteger();
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (List<String> tokens : floods) {
                done.add(pool.submit(() -> {
                    start.await(30, TimeUnit.SECONDS);
                    for (String token : tokens) {
                        if (!verifier.verify(token, NOW).isVerified()) {
                            refused.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(refused.get()).isEqualTo(threads * perThread);
        // the first fetch and one refresh for the first unknown kid; the other 999 kids cost nothing
        assertThat(fetches.get()).isEqualTo(2);
        assertThat(verifier.verify(
                                ISSUER.token()
                                        .signedWith(ISSUER.ed, JWSAlgorithm.EdDSA)
                                        .sign(),
                                NOW)
                        .isVerified())
                .isTrue();
        assertThat(fetches.get()).isEqualTo(2);
    }

    @Test
    void aSustainedFloodOfUnknownKidsCostsAtMostTwoFetchesPerInterval() throws Exception {
        Duration interval = Duration.ofMillis(250);
        // Nimbus' windows start at the first fetch after the last window ended, so they are counted from
        // before the first fetch (the key set's), not from the start of the flood
        long started = System.nanoTime();
        AccessTokenVerifier verifier = verifier(JwksOptions.builder()
                .connectTimeout(TIMEOUT)
                .readTimeout(TIMEOUT)
                .cacheTimeToLive(Duration.ofDays(1))
                .minRefreshInterval(interval)
                .build());
        assertThat(verifier.verify(ISSUER.token().sign(), NOW).isVerified()).isTrue();
        ECKey attacker = new ECKeyGenerator(Curve.P_256).generate();
        List<String> flood = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            flood.add(ISSUER.token()
                    .signedWith(
                            new ECKey.Builder(attacker)
                                    .keyID(UUID.randomUUID().toString())
                                    .build(),
                            JWSAlgorithm.ES256)
                    .sign());
        }

        for (String token : flood) {
            assertThat(verifier.verify(token, NOW).isVerified()).isFalse();
        }
        // windows of at least one interval each (plus a millisecond: Nimbus reads the wall clock in ms)
        long intervals = (System.nanoTime() - started + 1_000_000) / interval.toNanos() + 1;

        // Nimbus' rate limit: two fetches per window (one for the routine refresh, one for a rotated
        // key), whatever the number of unknown kids; counted, not timed. Before this bound was counted
        // from the flood's start and failed when the first window, opened by the key set's fetch, was
        // still open when the flood began (4 fetches, 1 interval of flood)
        assertThat(fetches.get() - 1).isPositive();
        assertThat(fetches.get()).isLessThanOrEqualTo((int) (2 * intervals));
    }

    /**
     * The fetches the server has counted, once it has counted at least {@code atLeast} or after 10 s.
     * A fetch the client gave up on (a timeout) returns before the server's handler, on another
     * thread, has necessarily run: on a loaded machine it counts the request later.
     */
    private int awaitFetches(int atLeast) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (fetches.get() < atLeast && System.nanoTime() < deadline) {
            LockSupport.parkNanos(1_000_000); // not spinning: the server's threads need the CPU
        }
        return fetches.get();
    }

    /** Waits for the wall clock to pass a 2 ms key-set time to live (a lower bound only). */
    private static void awaitNimbusCacheExpiry() {
        long until = System.currentTimeMillis() + 5;
        while (System.currentTimeMillis() <= until) {
            Thread.onSpinWait();
        }
    }
}
