/**
 * The inventory: a bounded ledger of callers and credentials kept by
 * {@link dev.apiguard.inventory.InventoryStep}, read through
 * {@link dev.apiguard.inventory.GuardInventory} as an {@link dev.apiguard.inventory.InventoryReport}
 * (least-privilege diff, stale and weak credentials) with a versioned JSON schema. Stores plug in
 * through {@link dev.apiguard.inventory.LedgerStore}, anomaly scores through
 * {@link dev.apiguard.inventory.RiskView}.
 */
@NullMarked
package dev.apiguard.inventory;

import org.jspecify.annotations.NullMarked;
