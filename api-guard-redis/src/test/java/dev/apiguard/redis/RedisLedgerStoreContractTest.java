package dev.apiguard.redis;

import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.inventory.LedgerStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** The ledger contract on {@link RedisLedgerStore}: each store under a key prefix of its own. */
@ExtendWith(RedisServerExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisLedgerStoreContractTest extends LedgerStoreContract {

    private RedisServer server;
    private final List<RedisGuardState> states = new ArrayList<>();

    @BeforeAll
    void server(RedisServer redis) {
        server = redis;
    }

    @Override
    protected LedgerStore newStore(int maxCallers) {
        RedisGuardState state = RedisGuardState.builder(server.uri())
                .listener(SecurityEventListener.NONE)
                .keyPrefix("contract-" + UUID.randomUUID() + ":")
                // flushed by the test only
                .ledgerFlushInterval(Duration.ofHours(1))
                .ledgerMaxCallers(maxCallers)
                .build();
        states.add(state);
        return state.ledgerStore();
    }

    @Override
    protected void settle(LedgerStore store) {
        ((RedisLedgerStore) store).flush();
    }

    @Override
    protected void closeStores() {
        states.forEach(RedisGuardState::close);
        states.clear();
    }
}
