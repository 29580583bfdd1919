package dev.apiguard.anomaly.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.apiguard.CallerKey;
import dev.apiguard.QuarantineStore;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@link QuarantineStore} in this JVM's memory, bounded to a number of callers (Caffeine size
 * bound); an ended quarantine is dropped when next looked up. For one app node; a cluster shares
 * a Redis store instead. Thread-safe.
 */
public final class BoundedQuarantineStore implements QuarantineStore {

    private final Cache<CallerKey, Instant> until;

    /** A store holding at most {@code maxCallers} quarantines. */
    public BoundedQuarantineStore(long maxCallers) {
        this.until = Caffeine.newBuilder()
                .maximumSize(maxCallers)
                .executor(Runnable::run)
                .build();
    }

    @Override
    public void quarantine(CallerKey caller, Instant end) {
        until.put(
                Objects.requireNonNull(caller, "caller cannot be null"),
                Objects.requireNonNull(end, "until cannot be null"));
    }

    @Override
    public Optional<Instant> quarantinedUntil(CallerKey caller, Instant now) {
        Instant end = until.getIfPresent(caller);
        if (end == null) {
            return Optional.empty();
        }
        if (!end.isAfter(now)) {
            until.asMap().remove(caller, end);
            return Optional.empty();
        }
        return Optional.of(end);
    }

    @Override
    public void release(CallerKey caller) {
        until.invalidate(caller);
    }
}
