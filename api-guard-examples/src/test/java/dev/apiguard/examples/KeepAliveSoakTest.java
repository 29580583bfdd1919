package dev.apiguard.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.redis.RedisServer;
import dev.apiguard.redis.RedisServerCondition;
import dev.apiguard.test.fixtures.IssuedCertificate;
import dev.apiguard.test.fixtures.LocalIssuer;
import dev.apiguard.test.fixtures.TestCertificates;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyManagementException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 13: over pooled keep-alive HTTPS connections, every answer is its own request's. Several
 * threads share one JDK {@code HttpClient} (HTTP/1.1, partner-a's client certificate) and interleave,
 * for two callers, the valid token and the same token with the case of one signature letter
 * flipped, each request for another customer. A valid token must get 200 with the record of the
 * customer it asked for, a case variant 401 {@code invalid_token}; the counts are exact.
 *
 * <p>Jetty's per-connection header cache matches header lines case-insensitively by default, so a
 * variant that followed its valid token on a connection was answered as the valid token (200) and
 * a valid token that followed its variant was refused; {@link DemoServer} sets
 * {@code HttpConfiguration.setHeaderCacheCaseSensitive(true)}. Tomcat has no such cache. The client
 * counts the TLS engines it creates (one per connection): the test fails unless connections were
 * really reused, so it cannot pass without keep-alive.
 *
 * <p>Issue 17: the same with opaque tokens checked at an RFC 7662 introspection endpoint (answers
 * cached for a second), the variants junk opaque tokens that the endpoint calls inactive.
 */
class KeepAliveSoakTest {

    static final String ISSUER = "https://issuer.soak.test";
    static final String AUDIENCE = "https://api.soak.test";
    static final int THREADS = 6;
    static final int PER_THREAD = 450;
    static final String INVALID_TOKEN = "Bearer error=\"invalid_token\"";

    static Stream<Arguments> containers() {
        return Stream.of(
                Arguments.of("Jetty", DemoContainer.jetty(), false),
                Arguments.of("Tomcat", new TomcatDemoContainer(), false),
                Arguments.of("Jetty, opaque tokens", DemoContainer.jetty(), true));
    }

    /** What a request carries; each thread sends them in {@link #CYCLE}'s order, from its own starting point. */
    enum Kind {
        VALID_A(true),
        VARIANT_A(false),
        VALID_B(true),
        VARIANT_B(false);

        final boolean valid;

        Kind(boolean valid) {
            this.valid = valid;
        }
    }

    /** Each variant right after its valid token and each valid token right after its variant. */
    static final List<Kind> CYCLE =
            List.of(Kind.VALID_A, Kind.VARIANT_A, Kind.VALID_A, Kind.VARIANT_B, Kind.VALID_B, Kind.VARIANT_B);

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void everyAnswerOverPooledKeepAliveConnectionsIsItsOwnRequests(
            String name, DemoContainer container, boolean opaque, @TempDir Path dir) throws Exception {
        // with opaque tokens, checked at the issuer's introspection endpoint (its answers cached for
        // a second, so that the soak also meets fresh calls), the variants are junk opaque tokens
        try (IntrospectionEndpoint introspection = IntrospectionEndpoint.start(ISSUER, "soak", "soak-secret")) {
            soak(name, container, opaque ? introspection : null, dir, 1, List.of());
        }
    }

    /**
     * Two demo nodes on one {@code redis-server} (buckets, quarantine, replay caches, anomaly
     * evidence and the ledger shared), each thread's requests alternating between them, the node
     * of each kind of request moving every cycle: a valid token and its variant reach both nodes,
     * one right after the other, and every answer must still be its own request's.
     */
    @Test
    @ExtendWith(RedisServerCondition.class)
    void aFleetOfTwoOnOneRedisAnswersEveryRequestItsOwnWhicheverNodeItReaches(@TempDir Path dir) throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            soak("Jetty, two nodes on one Redis", DemoContainer.jetty(), null, dir, 2, List.of("--redis", redis.uri()));
        }
    }

    private static void soak(
            String name,
            DemoContainer container,
            IntrospectionEndpoint opaque,
            Path dir,
            int nodes,
            List<String> nodeFlags)
            throws Exception {
        TestCertificates pki = TestCertificates.create();
        IssuedCertificate partner = pki.client("partner-a");
        LocalIssuer issuer = LocalIssuer.rsa(ISSUER).audience(AUDIENCE);
        pki.writeServerKeyStore(dir.resolve("server.p12"), "pw".toCharArray());
        pki.writeCaPem(dir.resolve("ca.pem"));
        issuer.writeJwks(dir.resolve("jwks.json"));
        Map<Kind, String> tokens = new java.util.EnumMap<>(Kind.class);
        java.time.Instant exp = java.time.Instant.now().plus(Duration.ofMinutes(30));
        tokens.put(
                Kind.VALID_A,
                opaque != null
                        ? opaque.issue("partner-a", "customers:read", AUDIENCE, exp)
                        : issuer.token()
                                .clientId("partner-a")
                                .scope("customers:read")
                                .sign());
        tokens.put(Kind.VARIANT_A, flipCaseOfOneSignatureLetter(tokens.get(Kind.VALID_A)));
        tokens.put(
                Kind.VALID_B,
                opaque != null
                        ? opaque.issue("partner-b", "customers:read", AUDIENCE, exp)
                        : issuer.token()
                                .clientId("partner-b")
                                .scope("customers:read")
                                .sign());
        tokens.put(Kind.VARIANT_B, flipCaseOfOneSignatureLetter(tokens.get(Kind.VALID_B)));
        List<CustomerDirectory.Customer> customers = CustomerDirectory.demo().all();
        assertThat(customers).hasSizeGreaterThanOrEqualTo(THREADS * PER_THREAD);

        AtomicInteger connections = new AtomicInteger();
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .sslContext(new CountingSslContext(pki.sslContext(partner), connections))
                .connectTimeout(Duration.ofSeconds(10))
                .build();
        ExecutorService threads = Executors.newFixedThreadPool(THREADS);
        List<Outcome> outcomes = new ArrayList<>();
        List<String> flags = new ArrayList<>(List.of(
                "--port",
                "0",
                "--tls-keystore",
                dir.resolve("server.p12").toString(),
                "--tls-password",
                "pw",
                "--client-ca",
                dir.resolve("ca.pem").toString(),
                "--issuer",
                ISSUER,
                "--jwks",
                dir.resolve("jwks.json").toString(),
                "--audience",
                AUDIENCE));
        if (opaque != null) {
            flags.addAll(List.of(
                    "--introspection-url",
                    opaque.url().toString(),
                    "--introspection-client",
                    "soak:soak-secret",
                    "--introspection-cache",
                    "1s"));
        }
        flags.addAll(nodeFlags);
        List<DemoContainer.Running> servers = new ArrayList<>();
        try {
            for (int n = 0; n < nodes; n++) {
                servers.add(container.start(DemoOptions.parse(SuiteFlags.unlimited(flags.toArray(new String[0])))));
            }
            CountDownLatch go = new CountDownLatch(1);
            List<Future<List<Outcome>>> work = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                work.add(threads.submit(() -> {
                    go.await();
                    List<Outcome> mine = new ArrayList<>();
                    for (int i = 0; i < PER_THREAD; i++) {
                        int position = thread + i;
                        Kind kind = CYCLE.get(position % CYCLE.size());
                        // the next node for each request, shifted by one every cycle: each kind
                        // of request reaches every node
                        DemoContainer.Running server = servers.get((position + position / CYCLE.size()) % nodes);
                        String tag = customers.get(thread * PER_THREAD + i).serviceTag();
                        mine.add(send(client, server, kind, tokens.get(kind), tag));
                    }
                    return mine;
                }));
            }
            go.countDown();
            for (Future<List<Outcome>> f : work) {
                outcomes.addAll(f.get(120, TimeUnit.SECONDS));
            }
        } finally {
            threads.shutdownNow();
            for (DemoContainer.Running server : servers) {
                server.close();
            }
        }

        Map<String, Integer> counts = new TreeMap<>();
        List<Outcome> wrong = new ArrayList<>();
        for (Outcome o : outcomes) {
            String verdict = o.verdict();
            counts.merge(verdict, 1, Integer::sum);
            if (!verdict.startsWith("ok")) {
                wrong.add(o);
            }
        }
        int requests = THREADS * PER_THREAD;
        long valid = outcomes.stream().filter(o -> o.kind.valid).count();
        String summary =
                String.format("%s: %d requests over %d TLS connections: %s", name, requests, connections.get(), counts);
        System.out.println("KeepAliveSoakTest " + summary);
        assertThat(outcomes).hasSize(requests);
        assertThat(wrong.size())
                .as(
                        "wrong answers; %s; the first: %s",
                        summary, wrong.stream().limit(5).toList())
                .isZero();
        assertThat(counts)
                .as(summary)
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "ok: valid token, 200 with its own record", (int) valid,
                        "ok: case variant, 401 invalid_token", (int) (requests - valid)));
        // keep-alive really happened: without it every request would open its own connection
        // (Tomcat closes a connection after 100 requests by default, Jetty keeps it)
        assertThat(connections.get()).as(summary).isBetween(1, requests / 10);
    }

    private static Outcome send(HttpClient client, DemoContainer.Running server, Kind kind, String token, String tag) {
        HttpRequest request = HttpRequest.newBuilder(server.baseUri().resolve("/customers/" + tag))
                .header("Authorization", "Bearer " + token)
                .timeout(Duration.ofSeconds(20))
                .GET()
                .build();
        try {
            HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
            return new Outcome(kind, tag, r.statusCode(), r.headers().allValues("WWW-Authenticate"), r.body());
        } catch (Exception e) {
            return new Outcome(kind, tag, 0, List.of(), e.toString());
        }
    }

    /** One request and its answer (status 0 when it failed). */
    record Outcome(Kind kind, String tag, int status, List<String> challenges, String body) {

        String verdict() {
            boolean ownRecord = body.contains("\"serviceTag\":\"" + tag + "\"");
            if (kind.valid) {
                if (status == 200 && ownRecord) {
                    return "ok: valid token, 200 with its own record";
                }
                if (status == 200) {
                    return "WRONG: valid token, 200 with another record";
                }
                return status == 401 ? "WRONG: valid token refused (401)" : "WRONG: valid token, status " + status;
            }
            if (status == 401 && challenges.equals(List.of(INVALID_TOKEN))) {
                return "ok: case variant, 401 invalid_token";
            }
            return status == 200 ? "WRONG: case variant accepted (200)" : "WRONG: case variant, status " + status;
        }

        @Override
        public String toString() {
            return kind + " " + tag + " -> " + status + " " + challenges + " "
                    + (body.length() > 120 ? body.substring(0, 120) + "..." : body);
        }
    }

    /** The token with the case of the first letter of its signature (after 8 characters) flipped. */
    static String flipCaseOfOneSignatureLetter(String token) {
        int signature = token.lastIndexOf('.') + 1;
        for (int i = signature + 8; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
                char flipped = Character.isUpperCase(c) ? Character.toLowerCase(c) : Character.toUpperCase(c);
                String variant = token.substring(0, i) + flipped + token.substring(i + 1);
                assertThat(variant).isNotEqualTo(token).isEqualToIgnoringCase(token);
                return variant;
            }
        }
        throw new IllegalStateException("no letter in the signature of " + token);
    }

    /**
     * An {@link SSLContext} that counts the engines it creates: the JDK HttpClient creates one per
     * TLS connection, so the count is the number of handshakes the client made.
     */
    static final class CountingSslContext extends SSLContext {
        CountingSslContext(SSLContext delegate, AtomicInteger engines) {
            super(new Spi(delegate, engines), delegate.getProvider(), delegate.getProtocol());
        }

        private static final class Spi extends SSLContextSpi {
            private final SSLContext delegate;
            private final AtomicInteger engines;

            Spi(SSLContext delegate, AtomicInteger engines) {
                this.delegate = delegate;
                this.engines = engines;
            }

            @Override
            protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom random)
                    throws KeyManagementException {
                delegate.init(km, tm, random);
            }

            @Override
            protected SSLSocketFactory engineGetSocketFactory() {
                return delegate.getSocketFactory();
            }

            @Override
            protected SSLServerSocketFactory engineGetServerSocketFactory() {
                return delegate.getServerSocketFactory();
            }

            @Override
            protected SSLEngine engineCreateSSLEngine() {
                engines.incrementAndGet();
                return delegate.createSSLEngine();
            }

            @Override
            protected SSLEngine engineCreateSSLEngine(String host, int port) {
                engines.incrementAndGet();
                return delegate.createSSLEngine(host, port);
            }

            @Override
            protected SSLSessionContext engineGetServerSessionContext() {
                return delegate.getServerSessionContext();
            }

            @Override
            protected SSLSessionContext engineGetClientSessionContext() {
                return delegate.getClientSessionContext();
            }

            @Override
            protected SSLParameters engineGetDefaultSSLParameters() {
                return delegate.getDefaultSSLParameters();
            }

            @Override
            protected SSLParameters engineGetSupportedSSLParameters() {
                return delegate.getSupportedSSLParameters();
            }
        }
    }
}
