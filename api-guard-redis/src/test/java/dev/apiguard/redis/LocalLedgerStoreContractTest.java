package dev.apiguard.redis;

import dev.apiguard.inventory.LedgerStore;

class LocalLedgerStoreContractTest extends LedgerStoreContract {

    @Override
    protected LedgerStore newStore(int maxCallers) {
        return LedgerStore.inMemory(maxCallers);
    }
}
