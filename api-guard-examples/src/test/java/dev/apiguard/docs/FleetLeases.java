package dev.apiguard.docs;

// tag::leases[]
import dev.apiguard.redis.RedisGuardState;
import java.time.Duration;

/** A fleet whose busy callers cost one round trip per lease of up to 16 requests, not per request. */
public final class FleetLeases {

    public static RedisGuardState leased(String uri) {
        return RedisGuardState.builder(uri)
                .bucketLeases(16, Duration.ofMillis(100)) // off by default: every request counted in Redis
                .build();
    }

    private FleetLeases() {}
}
// end::leases[]
