package dev.apiguard.inventory.internal;

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
    private final LinkedHashMap<String, LedgerEntry> records = new LinkedHashMap<>();

    public BoundedLedgerStore(int maxCallers) {
        if (maxCallers < 1 || maxCallers > 10_000_000) {
            throw new IllegalArgumentException("maxCallers must be between 1 and 10,000,000: " + maxCallers);
        }
        this.maxCallers = maxCallers;
    }

    @Override
    public CallerRecord update(String callerId, UnaryOperator<CallerRecord> change) {
        Objects.requireNonNull(callerId, "callerId cannot be null");
        synchronized (records) {
            LedgerEntry previous = records.remove(callerId);
            CallerRecord next = Objects.requireNonNull(change.apply(previous == null ? null : previous.toRecord()),
                    "change returned null");
            put(callerId, LedgerEntry.of(next));
            return next;
        }
    }

    /**
     * As {@code update(callerId, previous -> Ledger.observe(callerId, previous, o))}, in place: the
     * caller's entry is changed, not copied, and no record is made.
     */
    public void observe(String callerId, Observation o) {
        Objects.requireNonNull(callerId, "callerId cannot be null");
        synchronized (records) {
            LedgerEntry e = records.remove(callerId);
            if (e == null) {
                e = LedgerEntry.first(callerId, o);
            } else {
                e.observe(o);
            }
            put(callerId, e);
        }
    }

    private void put(String callerId, LedgerEntry e) {
        // re-inserted: the most recently seen is last, the first is the one evicted
        records.put(callerId, e);
        if (records.size() > maxCallers) {
            Iterator<String> eldest = records.keySet().iterator();
            eldest.next();
            eldest.remove();
        }
    }

    @Override
    public Optional<CallerRecord> get(String callerId) {
        synchronized (records) {
            LedgerEntry e = records.get(callerId);
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
