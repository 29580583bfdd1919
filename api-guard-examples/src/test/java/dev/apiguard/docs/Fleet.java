package dev.apiguard.docs;

// tag::fleet[]
import dev.apiguard.ApiGuard;
import dev.apiguard.anomaly.AnomalyPolicy;
import dev.apiguard.anomaly.AnomalyScoringStep;
import dev.apiguard.apikey.ApiKeyStep;
import dev.apiguard.binding.DpopPolicy;
import dev.apiguard.binding.DpopStep;
import dev.apiguard.inventory.GuardInventory;
import dev.apiguard.inventory.InventoryPolicy;
import dev.apiguard.inventory.InventoryStep;
import dev.apiguard.ratelimit.AnonymousRateLimitStep;
import dev.apiguard.ratelimit.RateLimitPolicy;
import dev.apiguard.ratelimit.RateLimitStep;
import dev.apiguard.redis.RedisFailurePolicy;
import dev.apiguard.redis.RedisGuardState;
import dev.apiguard.scope.RouteAuthorizationStep;
import dev.apiguard.scope.RouteRules;
import dev.apiguard.token.AccessTokenStep;
import dev.apiguard.token.TokenPolicy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/** One app node of several: what one node learns, every node applies. */
public final class Fleet implements AutoCloseable {

    private final RedisGuardState redis;
    private final ApiGuard guard;
    private final InventoryStep inventory;

    public Fleet(String redisUri, Clock clock, TokenPolicy tokens, RouteRules routes, Instant keysSunset) {
        redis = RedisGuardState.builder(redisUri) // like redis://redis.internal:6379
                .commandTimeout(Duration.ofSeconds(1)) // the default
                .failurePolicy(RedisFailurePolicy.OPEN) // the default; CLOSED answers 503 while Redis is away
                .ledgerFlushInterval(
                        Duration.ofSeconds(1)) // the default: the inventory's deltas, sent off the request path
                .build();
        RateLimitPolicy limits = RateLimitPolicy.defaults();
        RateLimitStep rateLimit =
                RateLimitStep.builder(limits).store(redis.bucketStore()).build();
        // seen by any node, in every node's inventory: counts and least privilege over the fleet
        inventory = InventoryStep.of(InventoryPolicy.defaults(), redis.ledgerStore());
        guard = ApiGuard.builder()
                .clock(clock) // Clock.systemUTC() in production; buckets refill to the app's time
                .step(AnonymousRateLimitStep.of(limits, redis.bucketStore()))
                .step(AccessTokenStep.of(tokens))
                .step(ApiKeyStep.builder(redis.apiKeyStore()) // keys and revocations, always failing closed
                        .deprecation(clock.instant())
                        .sunset(keysSunset)
                        .build())
                .step(DpopStep.of(DpopPolicy.defaults(), redis.replayCache())) // replayed at another node: refused
                .step(AnomalyScoringStep.builder(AnomalyPolicy.defaults())
                        .quarantineStore(redis.quarantineStore()) // quarantined on one node, refused on all
                        .evidenceStore(redis.evidenceStore()) // scored on what every node saw
                        .throttleControl(rateLimit.adjustments())
                        .build())
                .step(rateLimit)
                .step(RouteAuthorizationStep.of(routes))
                .step(inventory)
                .build();
    }

    public ApiGuard guard() {
        return guard;
    }

    /** For the admin endpoint: {@code new InventoryServlet(fleet.inventory())}. */
    public GuardInventory inventory() {
        return inventory.inventory();
    }

    /** Sends this node's ledger deltas now (the flush thread does every second). */
    public void flushLedger() {
        redis.ledgerStore().flush();
    }

    @Override
    public void close() {
        redis.close(); // on shutdown: the ledger's last deltas, the connection and the client
    }
}
// end::fleet[]
