package dev.apiguard.examples;

import dev.apiguard.ApiGuard;
import dev.apiguard.LocalQuarantineStore;
import dev.apiguard.LocalReplayCache;
import dev.apiguard.LocalRevocations;
import dev.apiguard.QuarantineStore;
import dev.apiguard.ReplayCache;
import dev.apiguard.Revocations;
import dev.apiguard.TrustedProxies;
import dev.apiguard.anomaly.AnomalyPolicy;
import dev.apiguard.anomaly.AnomalyScoringStep;
import dev.apiguard.apikey.ApiKeyFile;
import dev.apiguard.apikey.ApiKeyStep;
import dev.apiguard.apikey.ApiKeyStore;
import dev.apiguard.binding.CertificateBindingStep;
import dev.apiguard.binding.ClientCertificates;
import dev.apiguard.binding.DpopPolicy;
import dev.apiguard.binding.DpopStep;
import dev.apiguard.event.Slf4jSecurityEventListener;
import dev.apiguard.inventory.GuardInventory;
import dev.apiguard.inventory.InventoryPolicy;
import dev.apiguard.inventory.InventoryStep;
import dev.apiguard.inventory.LedgerStore;
import dev.apiguard.inventory.RiskView;
import dev.apiguard.ratelimit.AnonymousRateLimitStep;
import dev.apiguard.ratelimit.BucketStore;
import dev.apiguard.ratelimit.LocalBucketStore;
import dev.apiguard.ratelimit.RateLimitPlan;
import dev.apiguard.ratelimit.RateLimitPolicy;
import dev.apiguard.ratelimit.RateLimitStep;
import dev.apiguard.redis.RedisFailurePolicy;
import dev.apiguard.redis.RedisGuardState;
import dev.apiguard.scope.RouteAuthorizationStep;
import dev.apiguard.scope.RouteRules;
import dev.apiguard.servlet.ApiGuardFilter;
import dev.apiguard.servlet.InventoryServlet;
import dev.apiguard.servlet.RevocationServlet;
import dev.apiguard.token.AccessTokenStep;
import dev.apiguard.token.IntrospectionPolicy;
import dev.apiguard.token.JwksOptions;
import dev.apiguard.token.KeySource;
import dev.apiguard.token.TokenPolicy;
import jakarta.servlet.DispatcherType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.EnumSet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * The demo API over HTTPS on embedded Jetty 12, guarded by api-guard as configured from
 * {@link DemoOptions}. The same class serves {@code serve} and the scenario.
 */
public final class DemoServer implements AutoCloseable {

    /** The scope {@code GET /admin/inventory} and {@code POST /admin/revocations} need. */
    public static final String ADMIN_SCOPE = "guard:admin";
    /** Where the {@code Link} of key-authenticated responses points. */
    public static final URI API_KEY_MIGRATION = URI.create("https://api-guard.dev/docs/migrating-from-api-keys");

    /** The demo's route rules: what each route needs (docs/demo.md). */
    public static RouteRules routes() {
        return RouteRules.builder()
                .route("GET", "/health")
                .permitAll()
                .route("GET", "/customers/{serviceTag}")
                .requireScopes("customers:read")
                .route("GET", "/customers")
                .requireScopes("customers:read")
                .route("POST", "/payments")
                .senderConstrained()
                .requireScopes("payments:write")
                .route("GET", "/admin/inventory")
                .requireScopes(ADMIN_SCOPE)
                .route("POST", "/admin/revocations")
                .requireScopes(ADMIN_SCOPE)
                .build();
    }

    /** The token clock skew of the demo's policy. */
    static final Duration CLOCK_SKEW = Duration.ofSeconds(60);

    private final Server server;
    private final ServerConnector connector;
    private final ApiGuard guard;

    private final RedisGuardState redis;

    private DemoServer(Server server, ServerConnector connector, ApiGuard guard, RedisGuardState redis) {
        this.redis = redis;
        this.server = server;
        this.connector = connector;
        this.guard = guard;
    }

    /** Builds the guard the options describe, with all state in this JVM. */
    public static ApiGuard guard(DemoOptions options) {
        return guard(
                options,
                Clock.systemUTC(),
                LocalBucketStore.defaults(),
                LocalQuarantineStore.defaults(),
                LocalReplayCache.defaults(),
                null,
                LedgerStore.inMemory(LedgerStore.DEFAULT_MAX_CALLERS),
                LocalRevocations.of(revocationRetention(options)));
    }

    /**
     * How long a revocation lasts: the longest token lifetime accepted and the clock skew, so that
     * it outlives every token it cuts off.
     */
    static Duration revocationRetention(DemoOptions options) {
        return options.maxTokenLifetime.plus(CLOCK_SKEW);
    }

    /** A JWKS URL (fetch events logged like every other security event) or a JWKS file. */
    private static KeySource keySource(String jwks, Clock clock) {
        return jwks.startsWith("https://") || jwks.startsWith("http://")
                ? KeySource.jwksUrl(
                        URI.create(jwks),
                        JwksOptions.builder()
                                .listener(new Slf4jSecurityEventListener())
                                .clock(clock)
                                .build())
                : KeySource.jwksFile(Path.of(jwks));
    }

    /**
     * Builds the guard the options describe, in the order of trust (the phases of
     * {@link dev.apiguard.GuardPhase}): the anonymous per-peer limiter first (before any token is
     * parsed), then the token or the legacy API key (keys from {@code --api-key-file}, deprecated
     * since start-up, sunset at {@code --api-key-sunset}), its binding (certificate or DPoP), the
     * quarantine of the anomaly scorer and each caller's bucket, the route rules, and the inventory
     * last (observing only). The scorer learns from every answer and drives the rate limiter
     * (throttle) and the quarantine: one control loop; the inventory shows its scores.
     */
    static ApiGuard guard(
            DemoOptions options,
            Clock clock,
            BucketStore buckets,
            QuarantineStore quarantine,
            ReplayCache replays,
            dev.apiguard.anomaly.EvidenceStore evidence,
            LedgerStore ledger,
            Revocations revocations) {
        TokenPolicy.Builder tokens = TokenPolicy.builder()
                .audiences(options.audiences.toArray(new String[0]))
                .clockSkew(CLOCK_SKEW)
                .maxLifetime(options.maxTokenLifetime);
        // with one --jwks per --issuer, each issuer is verified with its own key set only
        // (RFC 9068 §4 step 3): a key of one issuer never signs for another; a single --jwks
        // serves every issuer (one authorization server known under several issuer names)
        java.util.Map<String, KeySource> sources = new java.util.HashMap<>();
        for (int i = 0; i < options.issuers.size(); i++) {
            String jwks = options.jwks.size() == 1 ? options.jwks.get(0) : options.jwks.get(i);
            tokens.issuer(options.issuers.get(i), sources.computeIfAbsent(jwks, j -> keySource(j, clock)));
        }
        // each --issuer-uri's keys come from the jwks_uri of its metadata, fetched on its first token;
        // metadata that cannot be had refuses that issuer's tokens (401) and is logged, never stops start-up
        for (String issuerUri : options.issuerUris) {
            tokens.discoveredIssuer(
                    issuerUri,
                    JwksOptions.builder()
                            .listener(new Slf4jSecurityEventListener())
                            .clock(clock)
                            .build());
        }
        RateLimitPolicy limits = RateLimitPolicy.builder()
                .plan(RateLimitPlan.simple("default", options.rateLimit.quota(), options.rateLimit.period()))
                .anonymousPlan(RateLimitPlan.simple(
                        "anonymous", options.anonymousRateLimit.quota(), options.anonymousRateLimit.period()))
                .anonymousExemptPaths("/health")
                .build();
        RateLimitStep callerLimits =
                RateLimitStep.builder(limits).store(buckets).build();
        AnomalyScoringStep.Builder scoring = AnomalyScoringStep.builder(
                        AnomalyPolicy.builder().mode(options.anomaly).build())
                .quarantineStore(quarantine)
                .throttleControl(callerLimits.adjustments());
        if (evidence != null) {
            // with --redis: every node scores a caller on what all of them saw
            scoring.evidenceStore(evidence);
        }
        AnomalyScoringStep anomaly = scoring.build();
        Instant start = clock.instant();
        ApiKeyStore apiKeys = ApiKeyStore.inMemory();
        if (options.apiKeyFile != null) {
            try {
                ApiKeyFile.load(options.apiKeyFile, apiKeys, start);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read --api-key-file " + options.apiKeyFile, e);
            }
        }
        Instant sunset = options.apiKeySunset != null ? options.apiKeySunset : start.plus(Duration.ofDays(90));
        InventoryPolicy inventory = InventoryPolicy.builder()
                .maxTokenLifetime(options.maxTokenLifetime)
                .sensitiveScopes("payments:write")
                .sensitiveRoute("GET", "/customers/{serviceTag}")
                .sensitiveRoute("GET", "/customers")
                .riskView((caller, at) -> anomaly.scoreOf(caller, at)
                        .map(score -> new RiskView.Risk(
                                score.score(),
                                score.action() == null || score.action() == dev.apiguard.anomaly.AnomalyAction.NONE
                                        ? null
                                        : score.action().name().toLowerCase(java.util.Locale.ROOT))))
                .build();
        return ApiGuard.builder()
                .clock(clock)
                .step(AnonymousRateLimitStep.of(limits, buckets))
                // every request, cached tokens included, is checked against the revocation list
                .step(tokenStep(options, tokens.build(), revocations))
                .step(ApiKeyStep.builder(apiKeys)
                        .deprecation(start)
                        .sunset(sunset)
                        .migrationLink(API_KEY_MIGRATION)
                        .build())
                .step(CertificateBindingStep.of(clientCertificates(options)))
                // DPoP is always on, without server nonces; a proof's iat may be 60 s off; its htu
                // names a --dpop-origin when any is given, else the request's own origin
                .step(DpopStep.of(
                        DpopPolicy.builder()
                                .iatWindow(Duration.ofSeconds(60))
                                .origins(options.dpopOrigins.toArray(String[]::new))
                                .build(),
                        replays))
                // the proven caller's quarantine and budget, before the route is authorized: every
                // request counts, a 404 or a 403 too (the route was matched before any step ran)
                .step(anomaly)
                .step(callerLimits)
                .step(RouteAuthorizationStep.of(routes()))
                // with --redis: the ledger of the whole fleet, so any node's inventory shows every node's callers
                .step(InventoryStep.of(inventory, ledger, revocations))
                .build();
    }

    /**
     * JWT access tokens, and with {@code --introspection-url} opaque ones side by side: checked at
     * the endpoint as tokens of the first issuer, with HTTP Basic client authentication, active
     * answers cached until the earlier of {@code exp} and {@code --introspection-cache}.
     */
    private static AccessTokenStep tokenStep(DemoOptions options, TokenPolicy tokens, Revocations revocations) {
        if (options.introspectionUrl == null) {
            return AccessTokenStep.of(tokens, revocations);
        }
        String issuer = options.issuers.isEmpty() ? options.issuerUris.get(0) : options.issuers.get(0);
        return AccessTokenStep.builder()
                .jwt(tokens)
                .introspection(IntrospectionPolicy.builder(issuer, options.introspectionUrl)
                        .clientSecretBasic(options.introspectionClientId, options.introspectionSecret)
                        .audiences(options.audiences.toArray(new String[0]))
                        .cacheFor(options.introspectionCache)
                        .build())
                .revocations(revocations)
                .build();
    }

    /** The inventory of a guard built by {@link #guard}. */
    public static GuardInventory inventory(ApiGuard guard) {
        return guard.steps().stream()
                .filter(InventoryStep.class::isInstance)
                .map(InventoryStep.class::cast)
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("the guard has no inventory step"))
                .inventory();
    }

    /**
     * The TLS certificate, and a forwarded one from {@code --trusted-proxy} peers in
     * {@code --client-cert-header}, chaining to the {@code --client-ca} certificates.
     */
    static ClientCertificates clientCertificates(DemoOptions options) {
        if (options.clientCertHeader == null) {
            return ClientCertificates.tlsOnly();
        }
        try {
            return ClientCertificates.builder()
                    .trustedProxies(TrustedProxies.of(options.trustedProxies))
                    .forwardedHeader(options.clientCertHeader)
                    .forwardedTrustAnchors(trustStore(options.clientCa))
                    .build();
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("--client-ca cannot be read: " + options.clientCa, e);
        }
    }

    /** Starts the server; it accepts connections when this returns. */
    public static DemoServer start(DemoOptions options) throws Exception {
        RedisGuardState.Builder shared = options.redis != null
                ? RedisGuardState.builder(options.redis)
                : options.redisCluster.isEmpty() ? null : RedisGuardState.cluster(options.redisCluster);
        RedisGuardState redis = shared == null
                ? null
                : shared.failurePolicy(options.redisFailClosed ? RedisFailurePolicy.CLOSED : RedisFailurePolicy.OPEN)
                        .build();
        // with --redis: a revocation on any node applies on every node within a second
        Revocations revocations = redis == null
                ? LocalRevocations.of(revocationRetention(options))
                : redis.revocations(revocationRetention(options));
        ApiGuard guard = redis == null
                ? guard(
                        options,
                        Clock.systemUTC(),
                        LocalBucketStore.defaults(),
                        LocalQuarantineStore.defaults(),
                        LocalReplayCache.defaults(),
                        null,
                        LedgerStore.inMemory(LedgerStore.DEFAULT_MAX_CALLERS),
                        revocations)
                : guard(
                        options,
                        Clock.systemUTC(),
                        redis.bucketStore(),
                        redis.quarantineStore(),
                        redis.replayCache(),
                        redis.evidenceStore(),
                        redis.ledgerStore(),
                        revocations);

        Server server = new Server();
        SslContextFactory.Server tls = new SslContextFactory.Server();
        tls.setKeyStorePath(options.tlsKeystore.toAbsolutePath().toString());
        tls.setKeyStorePassword(options.tlsPassword);
        tls.setKeyStoreType("PKCS12");
        if (options.clientCa != null) {
            tls.setTrustStore(trustStore(options.clientCa));
            // TLS asks for a client certificate but does not require one: routes decide
            tls.setWantClientAuth(true);
        }
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        // the guard must read the token as sent: the default header cache would hand an Authorization
        // line differing only in letter case from the connection's previous one that previous value
        http.setHeaderCacheCaseSensitive(true);
        SecureRequestCustomizer secure = new SecureRequestCustomizer();
        secure.setSniHostCheck(false);
        http.addCustomizer(secure);
        ServerConnector connector =
                new ServerConnector(server, new SslConnectionFactory(tls, "http/1.1"), new HttpConnectionFactory(http));
        connector.setHost("127.0.0.1");
        connector.setPort(options.port);
        server.addConnector(connector);

        CustomerDirectory directory = CustomerDirectory.demo();
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.addFilter(new FilterHolder(new ApiGuardFilter(guard)), "/*", EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(new ServletHolder(new DemoServlets.Health()), "/health");
        DemoServlets.Customers customers = new DemoServlets.Customers(directory);
        context.addServlet(new ServletHolder(customers), "/customers");
        context.addServlet(new ServletHolder(customers), "/customers/*");
        context.addServlet(new ServletHolder(new DemoServlets.Payments()), "/payments");
        context.addServlet(new ServletHolder(new InventoryServlet(inventory(guard))), "/admin/inventory");
        context.addServlet(
                new ServletHolder(new RevocationServlet(revocations, ADMIN_SCOPE, Clock.systemUTC())),
                "/admin/revocations");
        context.setErrorHandler(new DemoServlets.ProblemErrorHandler());
        server.setHandler(context);
        server.setErrorHandler(new DemoServlets.ServerProblemErrorHandler());
        server.start();
        return new DemoServer(server, connector, guard, redis);
    }

    static KeyStore trustStore(Path pem) throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        Collection<? extends Certificate> certs;
        try (InputStream in = Files.newInputStream(pem)) {
            certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
        }
        if (certs.isEmpty()) {
            throw new GeneralSecurityException("--client-ca holds no certificate: " + pem);
        }
        int i = 0;
        for (Certificate c : certs) {
            ks.setCertificateEntry("client-ca-" + i++, c);
        }
        return ks;
    }

    /** The port the server listens on. */
    public int port() {
        return connector.getLocalPort();
    }

    /** The base URI, {@code https://127.0.0.1:PORT}. */
    public URI baseUri() {
        return URI.create("https://127.0.0.1:" + port());
    }

    /** The guard protecting the server. */
    public ApiGuard guard() {
        return guard;
    }

    /** Blocks until the server stops. */
    public void join() throws InterruptedException {
        server.join();
    }

    @Override
    public void close() throws Exception {
        server.stop();
        if (redis != null) {
            redis.close();
        }
    }
}
