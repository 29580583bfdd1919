package dev.apiguard.inventory.internal;

import dev.apiguard.CallerKey;
import dev.apiguard.inventory.CallerRecord;
import dev.apiguard.inventory.LedgerStore;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The in-memory {@link LedgerStore}: an insertion-ordered map under one lock, where an update moves
 * the caller to the end, so the first entry is always the least recently seen and is the one
 * evicted. Exact LRU rather than Caffeine's W-TinyLFU: an inventory must admit a caller met once
 * (the rare and stale ones are what governance looks for), which TinyLFU's admission filter may
 * refuse. Each update is O(1) under the lock.
 */
public final class BoundedLedgerStore implements LedgerStore {

    private final int maxCallers;
    // mutable entries, changed in place by observe: a request copies nothing
    private final LinkedHashMap<CallerKey, LedgerEntry> records = new LinkedHashMap<>();

    public BoundedLedgerStore(int maxCallers) {
        if (maxCallers < 1 || maxCallers > 10_000_000) {
            throw new IllegalArgumentException("maxCallers must be between 1 and 10,000,000: " + maxCallers);
        }
        this.maxCallers = maxCallers;
    }

    @Override
    public CallerRecord update(CallerKey caller, UnaryOperator<CallerRecord> change) {
        Objects.requireNonNull(caller, "caller cannot be null");
        synchronized (records) {
            LedgerEntry previous = records.remove(caller);
            CallerRecord next = Objects.requireNonNull(
                    change.apply(previous == null ? null : previous.toRecord()), "change returned null");
            put(caller, LedgerEntry.of(next));
            return next;
        }
    }

    /**
     * As {@code update(caller, previous -> Ledger.observe(caller, previous, o))}, in place: the
     * caller's entry is changed, not copied, and no record is made.
     */
    public void observe(CallerKey caller, Observation o) {
        Objects.requireNonNull(caller, "caller cannot be null");
        synchronized (records) {
            LedgerEntry e = records.remove(caller);
            if (e == null) {
                e = o.misused() ? LedgerEntry.empty(caller, o.now()) : LedgerEntry.first(caller, o);
                if (o.misused()) {
                    e.observe(o);
                }
            } else {
                e.observe(o);
            }
            put(caller, e);
        }
    }

    private void put(CallerKey caller, LedgerEntry e) {
        // re-inserted: the most recently seen is last, the first is the one evicted
        records.put(caller, e);
        if (records.size() > maxCallers) {
            Iterator<CallerKey> eldest = records.keySet().iterator();
            eldest.next();
            eldest.remove();
        }
    }

    @Override
    public Optional<CallerRecord> get(CallerKey caller) {
        synchronized (records) {
            LedgerEntry e = records.get(caller);
            return e == null ? Optional.empty() : Optional.of(e.toRecord());
        }
    }

    @Override
    public List<CallerRecord> snapshot() {
        synchronized (records) {
            List<CallerRecord> all = new ArrayList<>(records.size());
            for (LedgerEntry e : records.values()) {
                all.add(e.toRecord());
            }
            return List.copyOf(all);
        }
    }

    @Override
    public int size() {
        synchronized (records) {
            return records.size();
        }
    }

    @Override
    public String toString() {
        return "BoundedLedgerStore[max=" + maxCallers + ", size=" + size() + "]";
    }
}
