package dev.apiguard.redis;

import dev.apiguard.ratelimit.BucketStore;
import dev.apiguard.ratelimit.LocalBucketStore;

class LocalBucketStoreContractTest extends BucketStoreContract {

    private final LocalBucketStore store = LocalBucketStore.defaults();

    @Override
    protected BucketStore store() {
        return store;
    }
}
