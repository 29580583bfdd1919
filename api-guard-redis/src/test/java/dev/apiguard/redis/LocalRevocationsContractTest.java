package dev.apiguard.redis;

import dev.apiguard.LocalRevocations;
import dev.apiguard.Revocations;

class LocalRevocationsContractTest extends RevocationsContract {

    @Override
    protected Revocations create(int maximumSize) {
        return LocalRevocations.of(RETENTION).withMaximumSize(maximumSize);
    }
}
