package dev.apiguard.redis;

import dev.apiguard.QuarantineStore;
import dev.apiguard.ReplayCache;
import dev.apiguard.apikey.ApiKeyStore;
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.inventory.LedgerStore;
import dev.apiguard.ratelimit.BucketStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.TestInstance;

/**
 * Every store contract against one Redis topology: a concrete class names the topology
 * ({@link #builder()}), and the stores of a {@link RedisGuardState} built on it must pass the
 * very suites the standalone and local stores pass. One state serves the class; the ledger
 * contract takes a fresh state per test, under a key prefix of its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class TopologyContracts {

    private RedisGuardState state;
    private RedisGuardState batched;

    /** A builder for the topology under test; called once for the shared state and once per ledger store. */
    protected abstract RedisGuardState.Builder builder() throws Exception;

    /** The state the contracts run on, connected on first use. */
    protected final synchronized RedisGuardState state() {
        if (state == null) {
            try {
                state = builder().listener(SecurityEventListener.NONE).build();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return state;
    }

    /** A state with bucket batches on, on the same topology, connected on first use. */
    protected final synchronized RedisGuardState batched() {
        if (batched == null) {
            try {
                batched = builder()
                        .listener(SecurityEventListener.NONE)
                        .bucketBatches(true)
                        .build();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return batched;
    }

    @AfterAll
    void closeState() {
        for (RedisGuardState s : new RedisGuardState[] {state, batched}) {
            if (s != null) {
                s.close();
            }
        }
    }

    @Nested
    class Buckets extends BucketStoreContract {
        @Override
        protected BucketStore store() {
            return state().bucketStore();
        }
    }

    /** The same with bucket batches: sixteen threads released at once on one bucket make batches. */
    @Nested
    class BatchedBuckets extends BucketStoreContract {
        @Override
        protected BucketStore store() {
            return batched().bucketStore();
        }
    }

    @Nested
    class Quarantines extends QuarantineStoreContract {
        @Override
        protected QuarantineStore store() {
            return state().quarantineStore();
        }
    }

    @Nested
    class Replays extends ReplayCacheContract {
        @Override
        protected ReplayCache cache() {
            return state().replayCache();
        }
    }

    @Nested
    class ApiKeys extends ApiKeyStoreContract {
        @Override
        protected ApiKeyStore store() {
            return state().apiKeyStore();
        }
    }

    @Nested
    class Ledgers extends LedgerStoreContract {

        private final List<RedisGuardState> states = new ArrayList<>();

        @Override
        protected LedgerStore newStore(int maxCallers) {
            try {
                RedisGuardState s = builder()
                        .listener(SecurityEventListener.NONE)
                        .keyPrefix("contract-" + UUID.randomUUID() + ":")
                        .ledgerFlushInterval(Duration.ofHours(1)) // flushed by the test only
                        .ledgerMaxCallers(maxCallers)
                        .build();
                states.add(s);
                return s.ledgerStore();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
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
}
