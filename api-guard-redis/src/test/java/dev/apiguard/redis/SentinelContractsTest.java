package dev.apiguard.redis;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;

/** The store contracts on a master found through three Sentinels ({@code redis-sentinel://}). */
@ExtendWith(RedisSentinelsExtension.class)
class SentinelContractsTest extends TopologyContracts {

    private RedisSentinels sentinels;

    @BeforeAll
    void sentinels(RedisSentinels started) {
        sentinels = started;
    }

    @Override
    protected RedisGuardState.Builder builder() {
        return RedisGuardState.builder(sentinels.uri());
    }
}
