package dev.apiguard.inventory;

import dev.apiguard.CallerKey;
import dev.apiguard.inventory.internal.Reports;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The read side of the inventory: what the ledger holds, and reports over it — the least-privilege
 * diff, stale credentials and weak credentials ({@link InventoryReport}). Obtained from
 * {@link InventoryStep#inventory()}.
 *
 * <pre>{@code
 * InventoryStep inventory = InventoryStep.of(InventoryPolicy.builder()
 *     .sensitiveScopes("payments:write").build());
 * ApiGuard guard = ApiGuard.builder()....step(inventory).build();
 * String json = inventory.inventory().report().toJson();
 * }</pre>
 *
 * <p>Thread-safe. A report is a consistent copy per caller, made from the store's snapshot.
 */
public final class GuardInventory {

    private final InventoryPolicy policy;

    GuardInventory(InventoryPolicy policy) {
        this.policy = policy;
    }

    /** The policy the ledger is kept and reported by. */
    public InventoryPolicy policy() {
        return policy;
    }

    /** Every caller the ledger holds, ordered by id, then by issuer. */
    public List<CallerRecord> callers() {
        return policy.store().snapshot().stream().sorted(Reports.BY_ID_THEN_KEY).toList();
    }

    /** The caller's record, or empty. */
    public Optional<CallerRecord> caller(CallerKey caller) {
        return policy.store().get(Objects.requireNonNull(caller, "caller cannot be null"));
    }

    /** How many callers the ledger holds. */
    public int size() {
        return policy.store().size();
    }

    /** The report as of the policy clock's instant. */
    public InventoryReport report() {
        return report(policy.clock().instant());
    }

    /** The report as of {@code now}. */
    public InventoryReport report(Instant now) {
        return Reports.report(policy, callers(), Objects.requireNonNull(now, "now cannot be null"));
    }
}
