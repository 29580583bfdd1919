package dev.apiguard.redis;

import dev.apiguard.LocalQuarantineStore;
import dev.apiguard.QuarantineStore;

class LocalQuarantineStoreContractTest extends QuarantineStoreContract {

    private final LocalQuarantineStore store = LocalQuarantineStore.defaults();

    @Override
    protected QuarantineStore store() {
        return store;
    }
}
