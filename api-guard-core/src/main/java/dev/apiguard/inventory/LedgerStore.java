package dev.apiguard.inventory;

import dev.apiguard.CallerKey;
import dev.apiguard.inventory.internal.BoundedLedgerStore;
import dev.apiguard.inventory.internal.Ledger;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Where the inventory keeps its {@link CallerRecord}s (SPI). The default, {@link #inMemory(int)},
 * holds a bounded number of callers in this process and evicts the least recently seen.
 *
 * <p>Contract: thread-safe; {@link #record} runs on the request thread after the response, so it
 * is fast (a shared store buffers the delta and sends it off the request path) and never throws
 * because a backend is away; {@link #update} applies each change atomically per caller; the store is
 * bounded, since callers grow with the clients an API meets, and so is each record
 * ({@value #MAX_SCOPES_PER_CALLER} scopes per map, {@value #MAX_CREDENTIALS_PER_CALLER}
 * credentials per caller). Callers are keyed by {@link CallerKey}: issuer and id. A store whose
 * backend does not answer reads what this node saw instead and says so ({@link #isDegraded()}).
 */
public interface LedgerStore {

    /** The default capacity: 10,000 callers. */
    int DEFAULT_MAX_CALLERS = 10_000;

    /** Scopes kept per caller in each of granted and used; the least recently stamped go first. */
    int MAX_SCOPES_PER_CALLER = Ledger.MAX_SCOPES_PER_CALLER;

    /** Credentials kept per caller; the least recently seen go first. */
    int MAX_CREDENTIALS_PER_CALLER = Ledger.MAX_CREDENTIALS_PER_CALLER;

    /**
     * Replaces the caller's record by {@code change} applied to it ({@code null} when the store
     * holds none), atomically, and marks the caller as the most recently seen. May evict the least
     * recently seen caller. Returns the new record.
     */
    CallerRecord update(CallerKey caller, UnaryOperator<CallerRecord> change);

    /**
     * Adds what one or more requests told about a caller: {@code delta} is merged into the stored
     * record ({@link CallerRecord#merge}: counts add, first seen is the earlier, last seen the later,
     * sets are united within the bounds above) and the caller is marked as the most recently seen.
     * The inventory step records one delta per request through this method, so a shared store can
     * batch deltas and send them off the request path. The default applies the merge through
     * {@link #update}.
     */
    default void record(CallerRecord delta) {
        java.util.Objects.requireNonNull(delta, "delta cannot be null");
        update(delta.key(), previous -> previous == null ? delta : previous.merge(delta));
    }

    /**
     * Whether reads answer from a fallback instead of the whole ledger now: a shared store whose
     * backend did not answer reads this node's own observations, and the inventory report carries
     * {@link InventoryReport.Notice#FLEET_VIEW_UNAVAILABLE}. The default: {@code false}.
     */
    default boolean isDegraded() {
        return false;
    }

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
