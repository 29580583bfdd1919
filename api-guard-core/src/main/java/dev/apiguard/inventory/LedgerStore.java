package dev.apiguard.inventory;

import dev.apiguard.CallerKey;
import dev.apiguard.inventory.internal.BoundedLedgerStore;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Where the inventory keeps its {@link CallerRecord}s (SPI). The default, {@link #inMemory(int)},
 * holds a bounded number of callers in this process and evicts the least recently seen.
 *
 * <p>Contract: thread-safe; {@link #update} runs on the request thread after the response, so it
 * is fast and applies each change atomically per caller; the store is bounded, since callers grow
 * with the clients an API meets. Callers are keyed by {@link CallerKey}: issuer and id.
 */
public interface LedgerStore {

    /** The default capacity: 10,000 callers. */
    int DEFAULT_MAX_CALLERS = 10_000;

    /**
     * Replaces the caller's record by {@code change} applied to it ({@code null} when the store
     * holds none), atomically, and marks the caller as the most recently seen. May evict the least
     * recently seen caller. Returns the new record.
     */
    CallerRecord update(CallerKey caller, UnaryOperator<CallerRecord> change);

    /** The caller's record, without marking it as seen. */
    Optional<CallerRecord> get(CallerKey caller);

    /** A copy of every record, least recently seen first. */
    List<CallerRecord> snapshot();

    /** How many callers the store holds. */
    int size();

    /** An in-process store of at most {@code maxCallers} callers (1 to 10,000,000), least recently seen evicted first. */
    static LedgerStore inMemory(int maxCallers) {
        return new BoundedLedgerStore(maxCallers);
    }
}
