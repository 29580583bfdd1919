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
    private final LinkedHashMap<String, CallerRecord> records = new LinkedHashMap<>();

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
            CallerRecord previous = records.remove(callerId);
            CallerRecord next = Objects.requireNonNull(change.apply(previous), "change returned null");
            records.put(callerId, next);
            if (records.size() > maxCallers) {
                Iterator<String> eldest = records.keySet().iterator();
                eldest.next();
                eldest.remove();
            }
            return next;
        }
    }

    @Override
    public Optional<CallerRecord> get(String callerId) {
        synchronized (records) {
            return Optional.ofNullable(records.get(callerId));
        }
    }

    @Override
    public List<CallerRecord> snapshot() {
        synchronized (records) {
            return List.copyOf(new ArrayList<>(records.values()));
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
