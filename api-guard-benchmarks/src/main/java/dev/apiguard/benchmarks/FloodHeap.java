package dev.apiguard.benchmarks;

import dev.apiguard.ApiGuard;
import dev.apiguard.Decision;
import dev.apiguard.GuardExchange;
import dev.apiguard.GuardStep;
import dev.apiguard.LocalQuarantineStore;
import dev.apiguard.LocalReplayCache;
import dev.apiguard.anomaly.AnomalyMode;
import dev.apiguard.anomaly.AnomalyPolicy;
import dev.apiguard.anomaly.AnomalyScoringStep;
import dev.apiguard.binding.CertificateBindingStep;
import dev.apiguard.binding.ClientCertificates;
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.inventory.InventoryPolicy;
import dev.apiguard.inventory.InventoryStep;
import dev.apiguard.inventory.LedgerStore;
import dev.apiguard.ratelimit.AnonymousRateLimitStep;
import dev.apiguard.ratelimit.LocalBucketStore;
import dev.apiguard.ratelimit.RateLimitPlan;
import dev.apiguard.ratelimit.RateLimitPolicy;
import dev.apiguard.ratelimit.RateLimitStep;
import dev.apiguard.scope.RouteAuthorizationStep;
import dev.apiguard.scope.RouteRules;
import dev.apiguard.test.TestRequest;
import dev.apiguard.test.fixtures.LocalIssuer;
import dev.apiguard.token.AccessTokenStep;
import dev.apiguard.token.KeySource;
import dev.apiguard.token.TokenPolicy;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

/**
 * Retained heap under floods (docs/security-cases.md E3), each through a fresh guard of {@link FullChain}'s
 * shape at the default caps, measured as {@code MemoryMXBean} heap used after repeated
 * {@code System.gc()} (lowest of five rounds) minus the same before the flood:
 * <ol>
 *   <li>one million distinct callers, each sending one allowed request (authenticated from a
 *       header, as in {@link MemoryFootprint}: a million signed tokens would take an hour);</li>
 *   <li>one million distinct junk tokens (garbage, well-formed with unknown {@code kid}s,
 *       {@code alg: none}) from one million distinct peer addresses, through the real token step;</li>
 *   <li>twelve thousand distinct valid tokens (ES256), past the verified-token cache's cap;</li>
 *   <li>one million distinct {@code jti}s into the default local replay cache.</li>
 * </ol>
 * Each line gives the retained heap, the entries each bounded map holds afterwards and its cap.
 *
 * <pre>java -Xmx1g -cp api-guard-benchmarks/target/benchmarks.jar dev.apiguard.benchmarks.FloodHeap [n]</pre>
 */
public final class FloodHeap {

    private FloodHeap() {}

    /** The chain, with a handle on every bounded map. */
    private static final class Chain {
        final LocalBucketStore buckets;
        final AnomalyScoringStep anomaly;
        final InventoryStep inventory;
        final ApiGuard guard;

        Chain(GuardStep authentication, Clock clock) {
            buckets = LocalBucketStore.defaults();
            RateLimitPolicy limits = RateLimitPolicy.builder()
                    .plan(RateLimitPlan.simple("roomy", 1_000_000_000L, Duration.ofHours(1)))
                    .anonymousPlan(RateLimitPlan.simple("anonymous-roomy", 1_000_000_000L, Duration.ofHours(1)))
                    .build();
            RateLimitStep callerLimits =
                    RateLimitStep.builder(limits).store(buckets).build();
            anomaly = AnomalyScoringStep.builder(AnomalyPolicy.builder()
                            .mode(AnomalyMode.ENFORCE)
                            .volume(10, Integer.MAX_VALUE)
                            .build())
                    .quarantineStore(LocalQuarantineStore.defaults())
                    .throttleControl(callerLimits.adjustments())
                    .build();
            inventory = InventoryStep.of(InventoryPolicy.builder()
                    .sensitiveRoute("GET", FullChain.PATH)
                    .build());
            guard = ApiGuard.builder()
                    .clock(clock)
                    .listener(SecurityEventListener.NONE)
                    .step(AnonymousRateLimitStep.of(limits, buckets))
                    .step(authentication)
                    .step(CertificateBindingStep.of(ClientCertificates.tlsOnly()))
                    .step(anomaly)
                    .step(callerLimits)
                    .step(RouteAuthorizationStep.of(RouteRules.builder()
                            .route("GET", FullChain.PATH)
                            .requireScopes(FullChain.SCOPE)
                            .build()))
                    .step(inventory)
                    .build();
        }

        String sizes() {
            return String.format(
                    "buckets %,d/%,d, profiles %,d/%,d, ledger %,d/%,d",
                    buckets.size(),
                    LocalBucketStore.DEFAULT_MAXIMUM_SIZE,
                    anomaly.trackedCallers(),
                    AnomalyPolicy.Capacity.DEFAULTS.maxCallers(),
                    inventory.inventory().size(),
                    LedgerStore.DEFAULT_MAX_CALLERS);
        }
    }

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        Clock clock = Clock.systemUTC();
        System.out.printf(
                "max heap %,d MiB; caps: token cache %,d, buckets (callers and peers) %,d, anomaly profiles %,d,"
                        + " ledger %,d, known credentials %,d, replay cache %,d%n%n",
                Runtime.getRuntime().maxMemory() >> 20,
                TokenPolicy.DEFAULT_CACHE_MAXIMUM_SIZE,
                LocalBucketStore.DEFAULT_MAXIMUM_SIZE,
                AnomalyPolicy.Capacity.DEFAULTS.maxCallers(),
                LedgerStore.DEFAULT_MAX_CALLERS,
                AnonymousRateLimitStep.KNOWN_CREDENTIALS_MAXIMUM_SIZE,
                LocalReplayCache.DEFAULT_MAXIMUM_SIZE);

        // each flood in its own method, so that the guard of one is garbage before the next starts
        callers(n, clock);
        LocalIssuer issuer = LocalIssuer.ec("https://issuer.example");
        junkTokens(n, issuer, clock);
        validTokens(issuer, clock);
        jtis(n);
    }

    private static void callers(int n, Clock clock) {
        {
            long before = MemoryFootprint.heapUsed();
            Chain chain = new Chain(new MemoryFootprint.HeaderCaller(), clock);
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                expect(
                        chain.guard,
                        TestRequest.get(FullChain.PATH)
                                .header("X-Caller", "caller-" + i)
                                .header("Authorization", "Bearer opaque-credential-of-caller-" + i),
                        200);
            }
            report(String.format("%,d distinct callers", n), before, t0, chain.sizes());
            java.lang.ref.Reference.reachabilityFence(chain);
        }
    }

    private static void junkTokens(int n, LocalIssuer issuer, Clock clock) {
        {
            long before = MemoryFootprint.heapUsed();
            AccessTokenStep tokens = tokenStep(issuer, clock);
            Chain chain = new Chain(tokens, clock);
            Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
            String zeros = b64.encodeToString(new byte[64]);
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                String junk = switch (i % 3) {
                    case 0 -> "junk-" + i + "-" + Long.toHexString(i * 0x9E3779B97F4A7C15L);
                    case 1 ->
                        b64.encodeToString(("{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":\"k" + i + "\"}")
                                        .getBytes(StandardCharsets.UTF_8))
                                + ".eyJzdWIiOiJ4In0." + zeros;
                    default ->
                        b64.encodeToString(("{\"alg\":\"none\",\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8))
                                + ".e30.";
                };
                String peer = (10 + (i >>> 24)) + "." + (i >>> 16 & 0xff) + "." + (i >>> 8 & 0xff) + "." + (i & 0xff);
                expect(chain.guard, TestRequest.get(FullChain.PATH).bearer(junk).remoteAddress(peer), 401);
            }
            report(String.format("%,d junk tokens from %,d peers", n, n), before, t0, chain.sizes());
            java.lang.ref.Reference.reachabilityFence(chain);
        }
    }

    private static void validTokens(LocalIssuer issuer, Clock clock) {
        {
            int count = (int) TokenPolicy.DEFAULT_CACHE_MAXIMUM_SIZE * 6 / 5;
            String[] minted = new String[count];
            for (int i = 0; i < count; i++) {
                minted[i] = issuer.token()
                        .clientId("client-" + (i % 100))
                        .subject("client-" + (i % 100))
                        .scope(FullChain.SCOPE)
                        .lifetime(Duration.ofMinutes(50))
                        .sign();
            }
            long before = MemoryFootprint.heapUsed();
            Chain chain = new Chain(tokenStep(issuer, clock), clock);
            long t0 = System.nanoTime();
            for (int i = 0; i < count; i++) {
                expect(chain.guard, TestRequest.get(FullChain.PATH).bearer(minted[i]), 200);
            }
            report(
                    String.format("%,d distinct valid tokens", count),
                    before,
                    t0,
                    "token cache at most " + TokenPolicy.DEFAULT_CACHE_MAXIMUM_SIZE + "; " + chain.sizes());
            java.lang.ref.Reference.reachabilityFence(chain);
            java.lang.ref.Reference.reachabilityFence(minted);
        }
    }

    private static void jtis(int n) {
        {
            long before = MemoryFootprint.heapUsed();
            LocalReplayCache cache = LocalReplayCache.defaults();
            Instant now = Instant.now();
            Instant notAfter = now.plus(Duration.ofMinutes(5));
            long t0 = System.nanoTime();
            int full = 0;
            for (int i = 0; i < n; i++) {
                if (cache.firstUse("dpop:jti-" + i + "-" + Long.toHexString(i * 0x9E3779B97F4A7C15L), notAfter, now)
                        == dev.apiguard.ReplayCache.Outcome.FULL) {
                    full++;
                }
            }
            report(
                    String.format("%,d distinct jtis", n),
                    before,
                    t0,
                    String.format(
                            "replay cache %,d/%,d, %,d answered FULL",
                            cache.size(), LocalReplayCache.DEFAULT_MAXIMUM_SIZE, full));
            java.lang.ref.Reference.reachabilityFence(cache);
        }
    }

    private static AccessTokenStep tokenStep(LocalIssuer issuer, Clock clock) {
        return AccessTokenStep.of(TokenPolicy.builder()
                .issuer(issuer.issuer(), KeySource.fixed(issuer.publicJwks()))
                .audience(issuer.defaultAudience())
                .build());
    }

    private static void report(String what, long before, long t0, String sizes) {
        double seconds = (System.nanoTime() - t0) / 1e9;
        long after = MemoryFootprint.heapUsed();
        System.out.printf(
                "%-40s retained %,7.1f MiB  (%,.1f s)  %s%n", what, (after - before) / 1048576.0, seconds, sizes);
    }

    private static void expect(ApiGuard guard, TestRequest request, int status) {
        GuardExchange ex = guard.exchange(request);
        Decision d = guard.evaluate(ex);
        int got = d instanceof Decision.Deny deny ? deny.status() : 200;
        if (got != status) {
            throw new IllegalStateException("expected " + status + ", got " + d);
        }
        guard.completed(ex, got);
    }
}
