package dev.apiguard.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.CallerKey;
import dev.apiguard.CredentialKind;
import dev.apiguard.inventory.CallerRecord;
import dev.apiguard.inventory.GuardInventory;
import dev.apiguard.inventory.InventoryPolicy;
import dev.apiguard.inventory.InventoryReport;
import dev.apiguard.inventory.InventoryStep;
import dev.apiguard.inventory.LedgerStore;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * A ledger store that answers from its fallback (a shared ledger whose backend is away) gives a
 * report with the notice: {@code "notice":"fleet_view_unavailable"} in the JSON, a
 * {@code <p id="notice">} above the page's table; none otherwise.
 */
class InventoryNoticeTest {

    static final Instant NOW = Instant.parse("2026-12-05T08:00:00Z");

    /** A fake shared store: an in-memory one that says whether it is degraded. */
    static final class SwitchableStore implements LedgerStore {
        final LedgerStore inner = LedgerStore.inMemory(10);
        volatile boolean degraded;

        @Override
        public CallerRecord update(CallerKey caller, UnaryOperator<CallerRecord> change) {
            return inner.update(caller, change);
        }

        @Override
        public Optional<CallerRecord> get(CallerKey caller) {
            return inner.get(caller);
        }

        @Override
        public List<CallerRecord> snapshot() {
            return inner.snapshot();
        }

        @Override
        public int size() {
            return inner.size();
        }

        @Override
        public boolean isDegraded() {
            return degraded;
        }
    }

    @Test
    void aDegradedStoreGivesTheNoticeInJsonAndHtml() {
        SwitchableStore store = new SwitchableStore();
        store.record(new CallerRecord(
                CallerKey.token("https://issuer.test", "partner-a"),
                NOW,
                NOW,
                1,
                Set.of(CredentialKind.BEARER_JWT),
                Map.of("customers:read", NOW),
                Map.of(),
                Map.of()));
        GuardInventory inventory =
                InventoryStep.of(InventoryPolicy.defaults(), store).inventory();

        InventoryReport fine = inventory.report(NOW);
        assertThat(fine.notice()).isNull();
        assertThat(fine.toJson()).contains(",\"notice\":null,");
        assertThat(InventoryPage.render(fine)).doesNotContain("id=\"notice\"");

        store.degraded = true;
        InventoryReport degraded = inventory.report(NOW);
        assertThat(degraded.notice()).isEqualTo(InventoryReport.Notice.FLEET_VIEW_UNAVAILABLE);
        assertThat(degraded.toJson())
                .contains(",\"staleAfterSeconds\":2592000,\"notice\":\"fleet_view_unavailable\",\"summary\":");
        assertThat(InventoryPage.render(degraded))
                .contains("<p id=\"notice\" class=\"fleet_view_unavailable\">"
                        + "The shared ledger could not be read: this report shows what this node saw only.</p>")
                .contains("<td class=\"id\">partner-a</td>");
    }
}
