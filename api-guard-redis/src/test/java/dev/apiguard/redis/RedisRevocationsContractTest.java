package dev.apiguard.redis;

import dev.apiguard.Revocations;
import dev.apiguard.event.SecurityEventListener;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(RedisServerExtension.class)
class RedisRevocationsContractTest extends RevocationsContract {

    private final List<RedisGuardState> states = new ArrayList<>();
    private String uri;

    @BeforeEach
    void server(RedisServer server) {
        uri = server.uri();
    }

    @AfterEach
    void close() {
        states.forEach(RedisGuardState::close);
    }

    @Override
    protected Revocations create(int maximumSize) {
        RedisGuardState state = RedisGuardState.builder(uri)
                .keyPrefix("c" + UUID.randomUUID().toString().substring(0, 8) + ":")
                .listener(SecurityEventListener.NONE)
                .revocationsMaximumSize(maximumSize)
                .build();
        states.add(state);
        return state.revocations(RETENTION);
    }
}
