package dev.apiguard.redis;

import dev.apiguard.apikey.ApiKeyStore;

class LocalApiKeyStoreContractTest extends ApiKeyStoreContract {

    private final ApiKeyStore store = ApiKeyStore.inMemory();

    @Override
    protected ApiKeyStore store() {
        return store;
    }
}
