package dev.apiguard.benchmarks;

import dev.apiguard.ApiGuard;
import dev.apiguard.GuardStep;
import dev.apiguard.LocalQuarantineStore;
import dev.apiguard.QuarantineStore;
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
import dev.apiguard.ratelimit.BucketStore;
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
import java.time.Clock;
import java.time.Duration;

/**
 * The guard every benchmark measures: each step of the demo's chain that applies to a
 * certificate-bound bearer token, in the demo's order (anonymous limiter, token, certificate
 * binding, route scopes, anomaly scoring in ENFORCE mode, per-caller rate limit, inventory), with
 * plans so roomy that nobody is ever refused and the anomaly volume bound raised so that a
 * benchmark's own request rate is not an anomaly. Caps are explicit so that {@link MemoryFootprint}
 * measures against known bounds.
 */
final class FullChain {

    /** The route every benchmark request takes. */
    static final String PATH = "/customers";

    static final String SCOPE = "customers:read";

    private FullChain() {}

    /** Caps on the per-caller state; each map is bounded by its cap. */
    record Caps(long tokens, long buckets, long profiles, int ledger) {
        static final Caps DEFAULTS = new Caps(
                TokenPolicy.DEFAULT_CACHE_MAXIMUM_SIZE,
                LocalBucketStore.DEFAULT_MAXIMUM_SIZE,
                AnomalyPolicy.Capacity.DEFAULTS.maxCallers(),
                dev.apiguard.inventory.LedgerStore.DEFAULT_MAX_CALLERS);
    }

    /** A partner's request to the chain's route with a token of {@code issuer} (not bound). */
    static TestRequest partnerRequest(LocalIssuer issuer) {
        return TestRequest.get(PATH)
                .bearer(issuer.token().subject("partner-1").scope(SCOPE).sign());
    }

    static ApiGuard guard(LocalIssuer issuer, boolean cacheTokens) {
        return guard(
                issuer,
                cacheTokens
                        ? Caps.DEFAULTS
                        : new Caps(0, Caps.DEFAULTS.buckets(), Caps.DEFAULTS.profiles(), Caps.DEFAULTS.ledger()),
                Clock.systemUTC());
    }

    static ApiGuard guard(LocalIssuer issuer, Caps caps, Clock clock) {
        return guard(tokenStep(issuer, caps, clock), caps, clock);
    }

    /** The cached-token chain whose token step also checks the revocation list. */
    static ApiGuard guard(LocalIssuer issuer, dev.apiguard.Revocations revocations) {
        return guard(
                AccessTokenStep.of(
                        TokenPolicy.builder()
                                .issuer(issuer.issuer(), KeySource.fixed(issuer.publicJwks()))
                                .audience(issuer.defaultAudience())
                                .cacheMaximumSize(Caps.DEFAULTS.tokens())
                                .build(),
                        revocations),
                Caps.DEFAULTS,
                Clock.systemUTC());
    }

    static AccessTokenStep tokenStep(LocalIssuer issuer, Caps caps, Clock clock) {
        return AccessTokenStep.of(TokenPolicy.builder()
                .issuer(issuer.issuer(), KeySource.fixed(issuer.publicJwks()))
                .audience(issuer.defaultAudience())
                .cacheMaximumSize(caps.tokens())
                .build());
    }

    /** The chain with another authentication step in the token step's place. */
    static ApiGuard guard(GuardStep authentication, Caps caps, Clock clock) {
        return guard(
                authentication,
                caps,
                clock,
                LocalBucketStore.withMaximumSize(caps.buckets()),
                LocalQuarantineStore.defaults());
    }

    /** The chain over the given shared stores (a fleet's: Redis). */
    static ApiGuard guard(
            GuardStep authentication, Caps caps, Clock clock, BucketStore buckets, QuarantineStore quarantine) {
        return guard(authentication, caps, clock, buckets, quarantine, null);
    }

    /** The chain over the given shared stores, the anomaly scorer pooling evidence when {@code evidence} is given. */
    static ApiGuard guard(
            GuardStep authentication,
            Caps caps,
            Clock clock,
            BucketStore buckets,
            QuarantineStore quarantine,
            dev.apiguard.anomaly.EvidenceStore evidence) {
        RateLimitPolicy limits = RateLimitPolicy.builder()
                .plan(RateLimitPlan.simple("roomy", 1_000_000_000L, Duration.ofHours(1)))
                .anonymousPlan(RateLimitPlan.simple("anonymous-roomy", 1_000_000_000L, Duration.ofHours(1)))
                .build();
        RateLimitStep callerLimits =
                RateLimitStep.builder(limits).store(buckets).build();
        AnomalyScoringStep.Builder scoring = AnomalyScoringStep.builder(AnomalyPolicy.builder()
                        .mode(AnomalyMode.ENFORCE)
                        .volume(10, Integer.MAX_VALUE)
                        .maxCallers(caps.profiles())
                        .build())
                .quarantineStore(quarantine)
                .throttleControl(callerLimits.adjustments());
        if (evidence != null) {
            scoring.evidenceStore(evidence);
        }
        AnomalyScoringStep anomaly = scoring.build();
        InventoryPolicy inventory =
                InventoryPolicy.builder().sensitiveRoute("GET", PATH).build();
        return ApiGuard.builder()
                .clock(clock)
                .listener(SecurityEventListener.NONE)
                .step(AnonymousRateLimitStep.of(limits, buckets))
                .step(authentication)
                .step(CertificateBindingStep.of(ClientCertificates.tlsOnly()))
                .step(anomaly)
                .step(callerLimits)
                .step(RouteAuthorizationStep.of(RouteRules.builder()
                        .route("GET", PATH)
                        .requireScopes(SCOPE)
                        .build()))
                .step(InventoryStep.of(inventory, LedgerStore.inMemory(caps.ledger())))
                .build();
    }
}
