package dev.apiguard.docs;

// tag::chain[]
import dev.apiguard.ApiGuard;
import dev.apiguard.anomaly.AnomalyPolicy;
import dev.apiguard.anomaly.AnomalyScoringStep;
import dev.apiguard.apikey.ApiKeyStep;
import dev.apiguard.apikey.ApiKeyStore;
import dev.apiguard.binding.CertificateBindingStep;
import dev.apiguard.binding.ClientCertificates;
import dev.apiguard.binding.DpopPolicy;
import dev.apiguard.binding.DpopStep;
import dev.apiguard.inventory.InventoryPolicy;
import dev.apiguard.inventory.InventoryStep;
import dev.apiguard.ratelimit.AnonymousRateLimitStep;
import dev.apiguard.ratelimit.BucketStore;
import dev.apiguard.ratelimit.LocalBucketStore;
import dev.apiguard.ratelimit.RateLimitPolicy;
import dev.apiguard.ratelimit.RateLimitStep;
import dev.apiguard.scope.RouteAuthorizationStep;
import dev.apiguard.scope.RouteRules;
import dev.apiguard.token.AccessTokenStep;
import dev.apiguard.token.TokenPolicy;
import java.time.Instant;

public final class FullChain {

    /** Every capability, in the order of trust (the demo server's chain). */
    public static ApiGuard guard(
            TokenPolicy tokens, RouteRules routes, ApiKeyStore apiKeys, Instant keysDeprecated, Instant keysSunset) {
        RateLimitPolicy limits = RateLimitPolicy.defaults(); // 50/s per caller; 20/s per address before authentication
        BucketStore buckets = LocalBucketStore.defaults(); // one node; docs/fleet.md shares them through Redis
        RateLimitStep rateLimit = RateLimitStep.builder(limits).store(buckets).build();
        AnomalyScoringStep anomaly = AnomalyScoringStep.builder(AnomalyPolicy.defaults())
                .throttleControl(rateLimit.adjustments()) // the scorer lowers a suspicious caller's rate
                .build();
        return ApiGuard.builder()
                // admit: per client address, before any credential is parsed
                .step(AnonymousRateLimitStep.of(limits, buckets))
                // authenticate: an access token (Bearer or DPoP scheme), else a legacy API key
                .step(AccessTokenStep.of(tokens))
                .step(ApiKeyStep.builder(apiKeys)
                        .deprecation(keysDeprecated)
                        .sunset(keysSunset)
                        .build())
                // bind: cnf.x5t#S256 is the client certificate's, cnf.jkt the DPoP proof's key
                .step(CertificateBindingStep.of(ClientCertificates.tlsOnly()))
                .step(DpopStep.of(DpopPolicy.defaults()))
                // protect: a quarantined caller stays out; every caller has its own bucket
                .step(anomaly)
                .step(rateLimit)
                // authorize: may this caller call this route (deny by default)
                .step(RouteAuthorizationStep.of(routes))
                // observe: the ledger of who calls with what
                .step(InventoryStep.of(InventoryPolicy.defaults()))
                .build();
    }
}
// end::chain[]
