package dev.apiguard.test;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.ApiGuard;
import dev.apiguard.Caller;
import dev.apiguard.CredentialKind;
import dev.apiguard.Decision;
import dev.apiguard.GuardExchange;
import dev.apiguard.GuardStep;
import dev.apiguard.LocalQuarantineStore;
import dev.apiguard.LocalReplayCache;
import dev.apiguard.ReplayCache;
import dev.apiguard.anomaly.AnomalyMode;
import dev.apiguard.anomaly.AnomalyPolicy;
import dev.apiguard.anomaly.AnomalyScoringStep;
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.inventory.InventoryPolicy;
import dev.apiguard.inventory.InventoryStep;
import dev.apiguard.inventory.LedgerStore;
import dev.apiguard.ratelimit.AnonymousRateLimitStep;
import dev.apiguard.ratelimit.LocalBucketStore;
import dev.apiguard.ratelimit.RateLimitPlan;
import dev.apiguard.ratelimit.RateLimitPolicy;
import dev.apiguard.ratelimit.RateLimitStep;
import dev.apiguard.test.fixtures.LocalIssuer;
import dev.apiguard.test.fixtures.MutableClock;
import dev.apiguard.token.AccessTokenStep;
import dev.apiguard.token.KeySource;
import dev.apiguard.token.TokenPolicy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/**
 * docs/security-cases.md E3, scaled down: 100,000 distinct callers, junk tokens from 100,000 distinct
 * peers, and 100,000 distinct {@code jti}s leave every map keyed by client input at its cap (here
 * 1,000). The same floods at a million with the default caps, in heap bytes, are
 * {@code dev.apiguard.benchmarks.FloodHeap}; this test counts entries, never bytes.
 */
class FloodBoundsTest {

    private static final int CAP = 1_000;
    private static final int FLOOD = 100_000;
    private static final Instant NOW = Instant.parse("2030-03-01T12:00:00Z");

    private final MutableClock clock = MutableClock.at(NOW);
    private final LocalBucketStore buckets = LocalBucketStore.withMaximumSize(CAP);
    private final RateLimitPolicy limits = RateLimitPolicy.builder()
            .plan(RateLimitPlan.simple("roomy", 1_000_000, Duration.ofHours(1)))
            .anonymousPlan(RateLimitPlan.simple("anonymous", 1_000_000, Duration.ofHours(1)))
            .build();
    private final RateLimitStep rateLimit =
            RateLimitStep.builder(limits).store(buckets).build();
    private final AnomalyScoringStep anomaly = AnomalyScoringStep.builder(AnomalyPolicy.builder()
                    .mode(AnomalyMode.ENFORCE)
                    .maxCallers(CAP)
                    .build())
            .quarantineStore(LocalQuarantineStore.defaults())
            .throttleControl(rateLimit.adjustments())
            .build();
    private final InventoryStep inventory = InventoryStep.of(InventoryPolicy.defaults(), LedgerStore.inMemory(CAP));

    /** Authenticates the caller named in {@code X-Caller}, as a token step would (minting 100,000 tokens is slow). */
    private static final GuardStep HEADER_CALLER = new GuardStep() {
        @Override
        public String name() {
            return "header-caller";
        }

        @Override
        public Decision evaluate(GuardExchange exchange) {
            String id = exchange.request().header("X-Caller");
            exchange.authenticate(Caller.builder(id, CredentialKind.BEARER_JWT)
                    .subject(id)
                    .issuer("https://issuer.example")
                    .issuedAt(NOW)
                    .expiresAt(NOW.plus(Duration.ofMinutes(30)))
                    .build());
            return Decision.ALLOW;
        }
    };

    private ApiGuard guard(GuardStep authentication) {
        return ApiGuard.builder()
                .clock(clock)
                .listener(SecurityEventListener.NONE)
                .step(AnonymousRateLimitStep.of(limits, buckets))
                .step(authentication)
                .step(anomaly)
                .step(rateLimit)
                .step(inventory)
                .build();
    }

    private static int send(ApiGuard guard, TestRequest request) {
        GuardExchange exchange = guard.exchange(request);
        Decision d = guard.evaluate(exchange);
        int status = d instanceof Decision.Deny deny ? deny.status() : 200;
        guard.completed(exchange, status);
        return status;
    }

    @Test
    void aHundredThousandDistinctCallersLeaveBucketsProfilesAndLedgerAtTheirCaps() {
        ApiGuard guard = guard(HEADER_CALLER);
        for (int i = 0; i < FLOOD; i++) {
            assertThat(send(
                            guard,
                            TestRequest.get("/customers")
                                    .header("X-Caller", "caller-" + i)
                                    .header("Authorization", "Bearer credential-of-caller-" + i)))
                    .isEqualTo(200);
        }

        assertThat(buckets.size()).isBetween(1L, (long) CAP);
        assertThat(anomaly.trackedCallers()).isBetween(1L, (long) CAP);
        assertThat(inventory.inventory().size()).isBetween(1, CAP);
    }

    @Test
    void aHundredThousandJunkTokensFromAsManyPeersAreRefusedAndLeaveOnlyPeerBucketsAtTheirCap() {
        LocalIssuer issuer = LocalIssuer.ec("https://issuer.example").clock(clock);
        ApiGuard guard = guard(AccessTokenStep.of(TokenPolicy.builder()
                .issuer(issuer.issuer(), KeySource.fixed(issuer.publicJwks()))
                .audience(issuer.defaultAudience())
                .build()));
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        for (int i = 0; i < FLOOD; i++) {
            String junk = switch (i % 3) {
                case 0 -> "junk-" + i;
                // well-formed, naming a kid nobody published
                case 1 ->
                    b64.encodeToString(("{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":\"k" + i + "\"}")
                                    .getBytes(StandardCharsets.UTF_8))
                            + ".eyJzdWIiOiJ4In0." + b64.encodeToString(new byte[64]);
                default ->
                    b64.encodeToString(("{\"alg\":\"none\",\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8))
                            + ".e30.";
            };
            String peer = "10." + (i >>> 16 & 0xff) + "." + (i >>> 8 & 0xff) + "." + (i & 0xff);
            assertThat(send(guard, TestRequest.get("/customers").bearer(junk).remoteAddress(peer)))
                    .isEqualTo(401);
        }

        // one bucket per peer, evicted at the cap; nobody was authenticated, so nothing else holds anything
        assertThat(buckets.size()).isBetween(1L, (long) CAP);
        assertThat(anomaly.trackedCallers()).isZero();
        assertThat(inventory.inventory().size()).isZero();
    }

    @Test
    void aHundredThousandDistinctJtisLeaveTheReplayCacheAtItsCapAndAreThenRefusedAsFull() {
        LocalReplayCache cache = LocalReplayCache.withMaximumSize(CAP);
        int first = 0;
        int full = 0;
        for (int i = 0; i < FLOOD; i++) {
            ReplayCache.Outcome o = cache.firstUse("jti-" + i, NOW.plusSeconds(60), NOW);
            if (o == ReplayCache.Outcome.FIRST_USE) {
                first++;
            } else if (o == ReplayCache.Outcome.FULL) {
                full++;
            }
        }

        assertThat(cache.size()).isEqualTo(CAP);
        assertThat(first).isEqualTo(CAP);
        assertThat(full).isEqualTo(FLOOD - CAP);
        // replays of what it holds are still refused as replays, never let through as "full"
        assertThat(cache.firstUse("jti-0", NOW.plusSeconds(60), NOW)).isEqualTo(ReplayCache.Outcome.REPLAYED);
    }
}
