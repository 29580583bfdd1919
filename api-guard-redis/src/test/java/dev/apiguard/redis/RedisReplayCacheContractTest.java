package dev.apiguard.redis;

import dev.apiguard.ReplayCache;
import dev.apiguard.event.SecurityEventListener;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(RedisServerExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisReplayCacheContractTest extends ReplayCacheContract {

    private RedisGuardState state;

    @BeforeAll
    void connect(RedisServer server) {
        state = RedisGuardState.builder(server.uri())
                .listener(SecurityEventListener.NONE)
                .build();
    }

    @AfterAll
    void close() {
        if (state != null) {
            state.close();
        }
    }

    @Override
    protected ReplayCache cache() {
        return state.replayCache();
    }
}
