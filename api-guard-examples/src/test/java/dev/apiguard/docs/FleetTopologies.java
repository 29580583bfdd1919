package dev.apiguard.docs;

// tag::topologies[]
import dev.apiguard.redis.RedisGuardState;
import java.nio.file.Path;
import java.time.Duration;

/** The three Redis topologies behind one builder; every store behaves the same on each. */
public final class FleetTopologies {

    /** One Redis, or a managed one with TLS: {@code rediss://redis.internal:6380}. */
    public static RedisGuardState standalone(String uri, Path privateCa, char[] password) {
        return RedisGuardState.builder(uri)
                .trustedCertificates(privateCa) // PEM; without it, the JDK's trust store
                .credentials("api-guard", password) // an ACL user; "default" for requirepass
                .clientName("orders-api") // as CLIENT LIST shows it
                .build();
    }

    /**
     * A master and its replicas watched by Sentinel, e.g.
     * {@code redis-sentinel://s1:26379,s2:26379,s3:26379#mymaster}: a failover is followed.
     */
    public static RedisGuardState sentinel(String sentinelUri) {
        return RedisGuardState.builder(sentinelUri)
                .commandTimeout(Duration.ofMillis(500))
                .build();
    }

    /**
     * A Redis Cluster reached through any of its nodes, e.g. {@code redis://redis-0:6379}: each
     * caller's keys share one hash tag and the callers spread over the shards.
     */
    public static RedisGuardState cluster(String... seeds) {
        return RedisGuardState.cluster(seeds)
                .topologyRefresh(Duration.ofSeconds(30)) // the default; a MOVED refreshes at once
                .build();
    }
}
// end::topologies[]
