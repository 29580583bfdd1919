package dev.apiguard.inventory;

import dev.apiguard.CallerKey;
import dev.apiguard.Revocations;
import dev.apiguard.inventory.internal.Reports;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

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
    private final LedgerStore store;
    private final @Nullable Revocations revocations;
    private volatile Clock clock = Clock.systemUTC();

    GuardInventory(InventoryPolicy policy, LedgerStore store, @Nullable Revocations revocations) {
        this.policy = policy;
        this.store = store;
        this.revocations = revocations;
    }

    void clock(Clock guardClock) {
        this.clock = guardClock;
    }

    /** The policy the ledger is kept and reported by. */
    public InventoryPolicy policy() {
        return policy;
    }

    /** Where the ledger is kept. */
    public LedgerStore store() {
        return store;
    }

    /** Every caller the ledger holds, ordered by id, then by issuer. */
    public List<CallerRecord> callers() {
        return store.snapshot().stream().sorted(Reports.BY_ID_THEN_KEY).toList();
    }

    /** The caller's record, or empty. */
    public Optional<CallerRecord> caller(CallerKey caller) {
        return store.get(Objects.requireNonNull(caller, "caller cannot be null"));
    }

    /** How many callers the ledger holds. */
    public int size() {
        return store.size();
    }

    /** The report as of now, by the clock of the guard the inventory step belongs to. */
    public InventoryReport report() {
        return report(clock.instant());
    }

    /**
     * The report as of {@code now}; with {@link InventoryReport.Notice#FLEET_VIEW_UNAVAILABLE} when
     * the store answered from its fallback ({@link LedgerStore#isDegraded()}).
     */
    public InventoryReport report(Instant now) {
        Objects.requireNonNull(now, "now cannot be null");
        InventoryReport report =
                Reports.report(policy, callers(), now, revocations == null ? List.of() : revocations.list(now));
        return store.isDegraded() ? report.withNotice(InventoryReport.Notice.FLEET_VIEW_UNAVAILABLE) : report;
    }
}
