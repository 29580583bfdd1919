package dev.apiguard.test;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.ReplayCache;
import dev.apiguard.ReplayCache.Outcome;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link ReplayCache} that every implementation passes: subclass it, as every
 * Bucket4j backend subclasses one shared test, and return a fresh, empty cache bounded to
 * {@link #CAPACITY} keys from {@link #newCache(int)}.
 *
 * <pre>{@code
 * class RedisReplayCacheTest extends ReplayCacheContract {
 *     protected ReplayCache newCache(int maxEntries) { return RedisReplayCache.create(redis, maxEntries); }
 * }
 * }</pre>
 *
 * Time is passed in, never read from the wall clock; nothing sleeps. Needs JUnit 5 and AssertJ on
 * the test class path (the kit declares them optional).
 */
public abstract class ReplayCacheContract {

    /** The bound the contract asks {@link #newCache(int)} for. */
    protected static final int CAPACITY = 64;
    /** The instant the contract starts at. */
    protected static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");

    /** A fresh, empty cache of at most {@code maxEntries} keys, isolated from other tests. */
    protected abstract ReplayCache newCache(int maxEntries);

    private ReplayCache cache() {
        return newCache(CAPACITY);
    }

    @Test
    void newKeyIsFirstUseAndTheSameKeyAgainIsAReplay() {
        ReplayCache cache = cache();
        assertThat(cache.firstUse("t:a", T0.plusSeconds(60), T0)).isEqualTo(Outcome.FIRST_USE);
        assertThat(cache.firstUse("t:a", T0.plusSeconds(60), T0.plusSeconds(1))).isEqualTo(Outcome.REPLAYED);
        assertThat(cache.firstUse("t:b", T0.plusSeconds(60), T0.plusSeconds(1))).isEqualTo(Outcome.FIRST_USE);
    }

    @Test
    void keyStaysUntilItsNotAfterInclusive() {
        ReplayCache cache = cache();
        cache.firstUse("t:a", T0.plusSeconds(60), T0);
        assertThat(cache.firstUse("t:a", T0.plusSeconds(60), T0.plusSeconds(60)))
                .isEqualTo(Outcome.REPLAYED);
    }

    @Test
    void keyMayBeUsedAgainOnceItsNotAfterHasPassed() {
        ReplayCache cache = cache();
        cache.firstUse("t:a", T0.plusSeconds(60), T0);
        Instant later = T0.plusSeconds(61);
        assertThat(cache.firstUse("t:a", later.plusSeconds(60), later)).isIn(Outcome.FIRST_USE, Outcome.REPLAYED);
    }

    @Test
    void fullCacheRefusesNewKeysAndStillKnowsEveryLiveKey() {
        ReplayCache cache = cache();
        assertThat(cache.firstUse("t:original", T0.plusSeconds(120), T0)).isEqualTo(Outcome.FIRST_USE);
        // an attacker floods the cache with other keys to push the original out
        List<Outcome> flood = new ArrayList<>();
        for (int i = 0; i < CAPACITY * 3; i++) {
            flood.add(cache.firstUse("t:flood-" + i, T0.plusSeconds(120), T0.plusSeconds(1)));
        }
        assertThat(flood).contains(Outcome.FULL);
        assertThat(flood.stream().filter(o -> o == Outcome.FIRST_USE).count()).isLessThanOrEqualTo(CAPACITY - 1);
        Outcome replay = cache.firstUse("t:original", T0.plusSeconds(120), T0.plusSeconds(2));
        assertThat(replay).isIn(Outcome.REPLAYED, Outcome.FULL).isNotEqualTo(Outcome.FIRST_USE);
        assertThat(cache.firstUse("t:flood-0", T0.plusSeconds(120), T0.plusSeconds(2)))
                .isNotEqualTo(Outcome.FIRST_USE);
    }

    @Test
    void expiredKeysMakeRoomAgain() {
        ReplayCache cache = cache();
        for (int i = 0; i < CAPACITY * 2; i++) {
            cache.firstUse("t:old-" + i, T0.plusSeconds(10), T0);
        }
        assertThat(cache.firstUse("t:late", T0.plusSeconds(10), T0)).isEqualTo(Outcome.FULL);
        Instant later = T0.plusSeconds(11);
        assertThat(cache.firstUse("t:new", later.plusSeconds(10), later)).isEqualTo(Outcome.FIRST_USE);
    }

    @Test
    void concurrentUsesOfOneKeyHaveExactlyOneFirstUse() throws Exception {
        ReplayCache cache = newCache(CAPACITY * 100);
        int threads = 16;
        int rounds = 50;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (int round = 0; round < rounds; round++) {
                String key = "t:race-" + round;
                CountDownLatch start = new CountDownLatch(1);
                AtomicInteger firsts = new AtomicInteger();
                List<Future<Outcome>> futures = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    futures.add(pool.submit(() -> {
                        start.await();
                        Outcome o = cache.firstUse(key, T0.plusSeconds(60), T0);
                        if (o == Outcome.FIRST_USE) {
                            firsts.incrementAndGet();
                        }
                        return o;
                    }));
                }
                start.countDown();
                for (Future<Outcome> f : futures) {
                    assertThat(f.get(10, TimeUnit.SECONDS)).isIn(Outcome.FIRST_USE, Outcome.REPLAYED);
                }
                assertThat(firsts.get()).as("first uses of " + key).isEqualTo(1);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void concurrentDistinctKeysNeverExceedTheBound() throws Exception {
        ReplayCache cache = cache();
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        AtomicInteger firsts = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < CAPACITY; i++) {
                        if (cache.firstUse("t:" + thread + "-" + i, T0.plus(Duration.ofMinutes(1)), T0)
                                == Outcome.FIRST_USE) {
                            firsts.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(10, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(firsts.get()).isEqualTo(CAPACITY);
    }

    // ---- quotas: a caller's share of the cache, so that no caller fills what every other needs

    /** A quota of {@code max} entries over two slots of 120 s for the owner. */
    private static ReplayCache.Quota quota(String owner, int max) {
        return new ReplayCache.Quota(owner, max, Duration.ofSeconds(120));
    }

    @Test
    void anOwnerOverItsQuotaIsRefusedAndNothingIsRecordedWhileOthersGoOn() {
        ReplayCache cache = cache();
        Instant notAfter = T0.plusSeconds(120);
        for (int i = 0; i < 5; i++) {
            assertThat(cache.firstUse("t:greedy-" + i, quota("{greedy}", 5), notAfter, T0))
                    .isEqualTo(Outcome.FIRST_USE);
        }
        assertThat(cache.firstUse("t:greedy-5", quota("{greedy}", 5), notAfter, T0))
                .isEqualTo(Outcome.OVER_QUOTA);
        // nothing was recorded: the same key is not known afterwards, to anyone
        assertThat(cache.firstUse("t:greedy-5", notAfter, T0)).isEqualTo(Outcome.FIRST_USE);
        assertThat(cache.firstUse("t:honest-0", quota("{honest}", 5), notAfter, T0))
                .isEqualTo(Outcome.FIRST_USE);
    }

    @Test
    void aReplayIsAReplayEvenOverTheQuotaAndCostsNoShareOfIt() {
        ReplayCache cache = cache();
        Instant notAfter = T0.plusSeconds(120);
        assertThat(cache.firstUse("t:a", quota("{owner}", 2), notAfter, T0)).isEqualTo(Outcome.FIRST_USE);
        for (int i = 0; i < 10; i++) {
            assertThat(cache.firstUse("t:a", quota("{owner}", 2), notAfter, T0)).isEqualTo(Outcome.REPLAYED);
        }
        assertThat(cache.firstUse("t:b", quota("{owner}", 2), notAfter, T0)).isEqualTo(Outcome.FIRST_USE);
        assertThat(cache.firstUse("t:a", quota("{owner}", 2), notAfter, T0)).isEqualTo(Outcome.REPLAYED);
        assertThat(cache.firstUse("t:c", quota("{owner}", 2), notAfter, T0)).isEqualTo(Outcome.OVER_QUOTA);
    }

    @Test
    void theQuotaCountsTheCurrentSlotAndTheOneBeforeAndIsFreeTwoSlotsLater() {
        ReplayCache cache = newCache(CAPACITY * 10);
        ReplayCache.Quota q = quota("{owner}", 4);
        Instant slotStart = Instant.ofEpochMilli((q.slot(T0) + 1) * 120_000);
        assertThat(cache.firstUse("t:1", q, slotStart.plusSeconds(120), slotStart))
                .isEqualTo(Outcome.FIRST_USE);
        assertThat(cache.firstUse("t:2", q, slotStart.plusSeconds(121), slotStart.plusSeconds(1)))
                .isEqualTo(Outcome.FIRST_USE);
        // the next slot still counts the two before it: two more, then no more
        Instant next = slotStart.plusSeconds(120);
        assertThat(cache.firstUse("t:3", q, next.plusSeconds(120), next)).isEqualTo(Outcome.FIRST_USE);
        assertThat(cache.firstUse("t:4", q, next.plusSeconds(120), next)).isEqualTo(Outcome.FIRST_USE);
        assertThat(cache.firstUse("t:5", q, next.plusSeconds(120), next)).isEqualTo(Outcome.OVER_QUOTA);
        // one slot later the first slot's two are no longer counted
        Instant third = next.plusSeconds(120);
        assertThat(cache.firstUse("t:5", q, third.plusSeconds(120), third)).isEqualTo(Outcome.FIRST_USE);
        assertThat(cache.firstUse("t:6", q, third.plusSeconds(120), third)).isEqualTo(Outcome.FIRST_USE);
        assertThat(cache.firstUse("t:7", q, third.plusSeconds(120), third)).isEqualTo(Outcome.OVER_QUOTA);
    }

    @Test
    void oneOwnerFloodingTheCacheLeavesRoomForOthers() {
        ReplayCache cache = cache();
        Instant notAfter = T0.plusSeconds(120);
        int accepted = 0;
        for (int i = 0; i < CAPACITY * 3; i++) {
            if (cache.firstUse("t:flood-" + i, quota("{flooder}", CAPACITY / 4), notAfter, T0) == Outcome.FIRST_USE) {
                accepted++;
            }
        }
        assertThat(accepted).isEqualTo(CAPACITY / 4);
        for (int owner = 0; owner < 3; owner++) {
            assertThat(cache.firstUse(
                            "t:partner-" + owner, quota("{partner-" + owner + "}", CAPACITY / 4), notAfter, T0))
                    .as("partner %d", owner)
                    .isEqualTo(Outcome.FIRST_USE);
        }
    }

    @Test
    void concurrentRecordsOfOneOwnerNeverExceedItsQuota() throws Exception {
        ReplayCache cache = newCache(CAPACITY * 100);
        int threads = 16;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        AtomicInteger firsts = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < 20; i++) {
                        Outcome o =
                                cache.firstUse("t:" + thread + "-" + i, quota("{racer}", 50), T0.plusSeconds(60), T0);
                        assertThat(o).isIn(Outcome.FIRST_USE, Outcome.OVER_QUOTA);
                        if (o == Outcome.FIRST_USE) {
                            firsts.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(10, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(firsts.get()).isEqualTo(50);
    }
}
