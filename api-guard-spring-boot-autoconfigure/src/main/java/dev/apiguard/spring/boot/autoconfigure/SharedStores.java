package dev.apiguard.spring.boot.autoconfigure;

import dev.apiguard.QuarantineStore;
import dev.apiguard.ReplayCache;
import dev.apiguard.anomaly.EvidenceStore;
import dev.apiguard.inventory.LedgerStore;
import dev.apiguard.ratelimit.BucketStore;

/**
 * The stores a fleet's nodes share (from api-guard-redis), in core's types only, so that the guard's
 * bean method never names a Redis class.
 */
record SharedStores(
        BucketStore buckets,
        QuarantineStore quarantine,
        EvidenceStore evidence,
        ReplayCache replays,
        LedgerStore ledger) {}
