package dev.apiguard.benchmarks;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.apiguard.servlet.ApiGuardFilter;
import dev.apiguard.test.fixtures.IssuedCertificate;
import dev.apiguard.test.fixtures.LocalIssuer;
import dev.apiguard.test.fixtures.TestCertificates;
import dev.apiguard.test.fixtures.TokenBuilder;
import jakarta.servlet.Filter;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationProvider;
import org.springframework.security.oauth2.server.resource.web.authentication.BearerTokenAuthenticationFilter;

/**
 * One request through a servlet filter, in memory (no container, no network), one thread.
 *
 * <ul>
 *   <li>{@code apiGuard*}: {@link ApiGuardFilter} over {@link FullChain} (anonymous limiter, token,
 *       certificate binding, scope, anomaly, rate limit, inventory). The token is bound with
 *       {@code cnf.x5t#S256} to the client certificate the request carries.
 *       {@code apiGuardCachedToken} sends the same token every time: verified once, then found in
 *       the verified-token cache. {@code apiGuardUncached*} run the same chain with the cache
 *       switched off ({@code TokenPolicy.cacheMaximumSize(0)}), so the same token is verified in
 *       full (signature included) on every request.
 *       {@code apiGuardCachedTokenRevocationList} is {@code apiGuardCachedToken} with a
 *       {@code LocalRevocations} of 3,000 entries (1,000 clients, tokens and certificates, none the
 *       request's) checked on every request: the difference is the revocation check's cost (target
 *       at most 100 ns); {@code revocationCheck} is that check alone on the request's caller.</li>
 *   <li>{@code apiGuardCachedOpaqueToken}: the same chain whose token step accepts JWT and opaque
 *       tokens side by side ({@code AccessTokenStep.builder().jwt(...).introspection(...)}), sent
 *       an opaque token bound to the same certificate: introspected once at an RFC 7662 endpoint on
 *       loopback (a JDK {@code HttpServer}), then found in the introspector's cache (warm); next to
 *       {@code apiGuardCachedToken}, the cost of the opaque path once cached. The trial fails if the
 *       endpoint was asked more than once.</li>
 *   <li>{@code nimbus*Verify}: Nimbus' own {@link DefaultJWTProcessor} (typ, key, signature,
 *       iss/aud/exp) on the same tokens: the floor for any uncached verification.</li>
 *   <li>{@code springSecurityBearerFilterRs256}: Spring Security's
 *       {@link BearerTokenAuthenticationFilter} with a {@link JwtAuthenticationProvider} over
 *       {@code NimbusJwtDecoder.withPublicKey(...)}, on the same RS256 token and key.</li>
 * </ul>
 * Every request is checked to reach the application with 200; the trial fails otherwise.
 *
 * <pre>java -jar api-guard-benchmarks/target/benchmarks.jar GuardChainBenchmark -f 1 -wi 3 -i 5 -w 1s -r 1s</pre>
 */
@State(Scope.Thread)
@BenchmarkMode({Mode.AverageTime, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(1)
public class GuardChainBenchmark {

    private LocalIssuer rsa;
    private LocalIssuer ec;
    private String rsaToken;
    private String ecToken;

    private Filter cached;
    private Filter cachedOpaque;
    private com.sun.net.httpserver.HttpServer introspection;
    private final java.util.concurrent.atomic.AtomicInteger introspectionCalls =
            new java.util.concurrent.atomic.AtomicInteger();
    private InMemoryServlet opaqueExchange;
    private Filter cachedWithRevocations;
    private dev.apiguard.LocalRevocations revocations;
    private dev.apiguard.Caller revocationCaller;
    private java.time.Instant revocationNow;
    private Filter uncachedRs256;
    private Filter uncachedEs256;
    private Filter spring;
    private DefaultJWTProcessor<SecurityContext> nimbusRs256;
    private DefaultJWTProcessor<SecurityContext> nimbusEs256;

    private InMemoryServlet rsaExchange;
    private InMemoryServlet ecExchange;
    private InMemoryServlet springExchange;
    private long notOk;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        TestCertificates pki = TestCertificates.create();
        IssuedCertificate client = pki.client("partner-service");
        rsa = LocalIssuer.rsa("https://issuer.example");
        ec = LocalIssuer.ec("https://issuer.example");
        // the whole run fits in the lifetime; the guard's default maximum lifetime is one hour
        rsaToken = rsa.token()
                .scope(FullChain.SCOPE)
                .lifetime(Duration.ofMinutes(50))
                .boundToCertificate(client.certificate())
                .sign();
        ecToken = ec.token()
                .scope(FullChain.SCOPE)
                .lifetime(Duration.ofMinutes(50))
                .boundToCertificate(client.certificate())
                .sign();

        cached = new ApiGuardFilter(FullChain.guard(rsa, true));
        java.time.Instant now = java.time.Instant.now();
        revocations = dev.apiguard.LocalRevocations.of(Duration.ofHours(2));
        for (int i = 0; i < 1_000; i++) {
            revocations.revokeClient(dev.apiguard.CallerKey.token(rsa.issuer(), "revoked-client-" + i), now);
            revocations.revokeToken(rsa.issuer(), "revoked-jti-" + i, now);
            revocations.revokeCertificate("revoked-thumbprint-" + i, now);
        }
        cachedWithRevocations = new ApiGuardFilter(FullChain.guard(rsa, revocations));
        revocationNow = now;
        revocationCaller = dev.apiguard.Caller.builder(
                        TokenBuilder.DEFAULT_CLIENT_ID, dev.apiguard.CredentialKind.BEARER_JWT)
                .issuer(rsa.issuer())
                .issuedAt(now.minusSeconds(10))
                .tokenId("a-live-jti")
                .confirmation(new dev.apiguard.Caller.Confirmation("a-live-thumbprint", null))
                .build();
        uncachedRs256 = new ApiGuardFilter(FullChain.guard(rsa, false));
        uncachedEs256 = new ApiGuardFilter(FullChain.guard(ec, false));
        // configured as a Spring user checks an RFC 9068 token: Spring's at+jwt profile (typ, iss,
        // aud, client_id, times)
        NimbusJwtDecoder decoder =
                NimbusJwtDecoder.withPublicKey((RSAPublicKey) rsa.publicKey()).build();
        decoder.setJwtValidator(JwtValidators.createAtJwtValidator()
                .issuer(rsa.issuer())
                .audience(rsa.defaultAudience())
                .clientId(TokenBuilder.DEFAULT_CLIENT_ID)
                .build());
        spring = new BearerTokenAuthenticationFilter(new ProviderManager(new JwtAuthenticationProvider(decoder)));
        nimbusRs256 = nimbus(rsa, JWSAlgorithm.RS256);
        nimbusEs256 = nimbus(ec, JWSAlgorithm.ES256);

        X509Certificate[] chain = client.chainArray();
        rsaExchange = new InMemoryServlet("GET", FullChain.PATH, chain);
        rsaExchange.request.header("Authorization", "Bearer " + rsaToken);
        ecExchange = new InMemoryServlet("GET", FullChain.PATH, chain);
        ecExchange.request.header("Authorization", "Bearer " + ecToken);
        String opaqueToken = "opaque-benchmark-token-0123456789abcdef";
        introspection = introspectionEndpoint(opaqueToken, client, rsa.issuer());
        cachedOpaque = new ApiGuardFilter(FullChain.guard(
                dev.apiguard.token.AccessTokenStep.builder()
                        .jwt(dev.apiguard.token.TokenPolicy.builder()
                                .issuer(rsa.issuer(), dev.apiguard.token.KeySource.fixed(rsa.publicJwks()))
                                .audience(rsa.defaultAudience())
                                .build())
                        .introspection(dev.apiguard.token.IntrospectionPolicy.builder(
                                        rsa.issuer(),
                                        java.net.URI.create("http://127.0.0.1:"
                                                + introspection.getAddress().getPort() + "/introspect"))
                                .clientSecretBasic("benchmark", "benchmark-secret")
                                .cacheFor(Duration.ofHours(1))
                                .build())
                        .build(),
                FullChain.Caps.DEFAULTS,
                java.time.Clock.systemUTC()));
        opaqueExchange = new InMemoryServlet("GET", FullChain.PATH, chain);
        opaqueExchange.request.header("Authorization", "Bearer " + opaqueToken);
        springExchange = new InMemoryServlet("GET", FullChain.PATH, chain);
        springExchange.request.header("Authorization", "Bearer " + rsaToken);

        // each path must reach the application before it is worth measuring
        for (Runnable r : new Runnable[] {
            this::apiGuardCachedToken,
            this::apiGuardCachedTokenRevocationList,
            this::apiGuardCachedOpaqueToken,
            this::apiGuardUncachedRs256,
            this::apiGuardUncachedEs256,
            this::springSecurityBearerFilterRs256
        }) {
            r.run();
            if (notOk != 0) {
                throw new IllegalStateException("a benchmark request was refused: "
                        + rsaExchange.response.getStatus() + " " + ecExchange.response.getStatus() + " "
                        + springExchange.response.getStatus() + " " + opaqueExchange.response.getStatus() + " "
                        + springExchange.response.getHeader("WWW-Authenticate")
                        + " " + rsaExchange.response.getHeader("WWW-Authenticate"));
            }
        }
        nimbusRs256Verify();
        nimbusEs256Verify();
    }

    private static DefaultJWTProcessor<SecurityContext> nimbus(LocalIssuer issuer, JWSAlgorithm alg) {
        DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
        p.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(new JOSEObjectType("at+jwt")));
        p.setJWSKeySelector(new JWSVerificationKeySelector<>(alg, new ImmutableJWKSet<>(issuer.publicJwks())));
        p.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(
                issuer.defaultAudience(),
                new JWTClaimsSet.Builder().issuer(issuer.issuer()).build(),
                Set.of("exp", "iat", "sub")));
        return p;
    }

    /** An RFC 7662 endpoint on loopback: the token active, bound to the client's certificate, for 50 minutes. */
    private com.sun.net.httpserver.HttpServer introspectionEndpoint(
            String token, IssuedCertificate client, String issuer) throws java.io.IOException {
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        String active = "{\"active\":true,\"client_id\":\"" + TokenBuilder.DEFAULT_CLIENT_ID + "\",\"scope\":\""
                + FullChain.SCOPE + "\",\"iss\":\"" + issuer + "\",\"exp\":"
                + java.time.Instant.now().plus(Duration.ofMinutes(50)).getEpochSecond()
                + ",\"cnf\":{\"x5t#S256\":\"" + client.thumbprint() + "\"}}";
        server.createContext("/introspect", exchange -> {
            introspectionCalls.incrementAndGet();
            String form = new String(exchange.getRequestBody().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            byte[] body = (form.startsWith("token=" + token + "&") ? active : "{\"active\":false}")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (java.io.OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        return server;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        introspection.stop(0);
        if (introspectionCalls.get() > 1) {
            throw new IllegalStateException("the introspection endpoint was asked " + introspectionCalls.get()
                    + " times: the cache was not warm");
        }
        if (notOk != 0) {
            throw new IllegalStateException(notOk + " benchmark requests did not reach the application with 200");
        }
    }

    private int run(Filter filter, InMemoryServlet exchange) {
        exchange.recycle();
        try {
            filter.doFilter(exchange.request, exchange.response, InMemoryServlet.OK);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        int status = exchange.response.getStatus();
        if (status != 200) {
            notOk++;
        }
        return status;
    }

    @Benchmark
    public int apiGuardCachedToken() {
        return run(cached, rsaExchange);
    }

    @Benchmark
    public int apiGuardCachedOpaqueToken() {
        return run(cachedOpaque, opaqueExchange);
    }

    @Benchmark
    public int apiGuardCachedTokenRevocationList() {
        return run(cachedWithRevocations, rsaExchange);
    }

    @Benchmark
    public Object revocationCheck() {
        return revocations.revoked(revocationCaller, revocationNow);
    }

    @Benchmark
    public int apiGuardUncachedRs256() {
        return run(uncachedRs256, rsaExchange);
    }

    @Benchmark
    public int apiGuardUncachedEs256() {
        return run(uncachedEs256, ecExchange);
    }

    @Benchmark
    public Object nimbusRs256Verify() throws Exception {
        return nimbusRs256.process(rsaToken, null);
    }

    @Benchmark
    public Object nimbusEs256Verify() throws Exception {
        return nimbusEs256.process(ecToken, null);
    }

    @Benchmark
    public int springSecurityBearerFilterRs256() {
        try {
            return run(spring, springExchange);
        } finally {
            // what SecurityContextHolderFilter does at the end of every request in a Spring chain
            SecurityContextHolder.clearContext();
        }
    }
}
