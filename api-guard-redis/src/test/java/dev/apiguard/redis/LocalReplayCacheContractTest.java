package dev.apiguard.redis;

import dev.apiguard.LocalReplayCache;
import dev.apiguard.ReplayCache;

/** The same replay-cache contract as the Redis cache, against the local one. */
class LocalReplayCacheContractTest extends ReplayCacheContract {

    private final ReplayCache cache = LocalReplayCache.defaults();

    @Override
    protected ReplayCache cache() {
        return cache;
    }
}
