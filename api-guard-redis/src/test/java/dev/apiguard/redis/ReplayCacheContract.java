package dev.apiguard.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.ReplayCache;
import dev.apiguard.ReplayCache.Outcome;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * What every {@link ReplayCache} does on a real clock, run against the Redis and the local cache
 * alike. The test kit's {@code dev.apiguard.test.ReplayCacheContract} adds what only a cache that
 * takes its time from the {@code now} argument can show (expiry and the size bound under a fake
 * clock); Redis expires keys by its own clock, so it runs this one.
 */
abstract class ReplayCacheContract {

    protected abstract ReplayCache cache();

    private String jti;

    @org.junit.jupiter.api.BeforeEach
    void freshKey() {
        // a fresh key per test: one instance may serve every test of a class
        jti = "dpop:" + UUID.randomUUID();
    }

    private final Instant now = Instant.now();

    @Test
    void anIdentifierIsFirstUsedOnceThenReplayed() {
        assertThat(cache().firstUse(jti, now.plus(Duration.ofMinutes(2)), now)).isEqualTo(Outcome.FIRST_USE);
        assertThat(cache().firstUse(jti, now.plus(Duration.ofMinutes(2)), now)).isEqualTo(Outcome.REPLAYED);
        assertThat(cache().firstUse(jti + "-other", now.plus(Duration.ofMinutes(2)), now))
                .isEqualTo(Outcome.FIRST_USE);
    }

    @Test
    void ofSixteenThreadsReleasedAtOnceOnOneIdentifierExactlyOneWins() throws Exception {
        int threads = 16;
        AtomicInteger first = new AtomicInteger();
        AtomicInteger replayed = new AtomicInteger();
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            Future<?>[] f = new Future<?>[threads];
            for (int t = 0; t < threads; t++) {
                f[t] = pool.submit(() -> {
                    start.await(30, TimeUnit.SECONDS);
                    Outcome o = cache().firstUse(jti, now.plus(Duration.ofMinutes(2)), now);
                    (o == Outcome.FIRST_USE ? first : replayed).incrementAndGet();
                    return null;
                });
            }
            for (Future<?> x : f) {
                x.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(first.get()).isEqualTo(1);
        assertThat(replayed.get()).isEqualTo(threads - 1);
    }

    @Test
    void anOwnerOverItsQuotaIsRefusedWhileAnotherOwnerGoesOn() {
        String owner = "{" + UUID.randomUUID() + "}";
        ReplayCache.Quota quota = new ReplayCache.Quota(owner, 3, Duration.ofMinutes(2));
        Instant notAfter = now.plus(Duration.ofMinutes(2));
        for (int i = 0; i < 3; i++) {
            assertThat(cache().firstUse(jti + "-" + i, quota, notAfter, now)).isEqualTo(Outcome.FIRST_USE);
        }
        assertThat(cache().firstUse(jti + "-0", quota, notAfter, now))
                .as("a replay, over quota or not")
                .isEqualTo(Outcome.REPLAYED);
        assertThat(cache().firstUse(jti + "-3", quota, notAfter, now)).isEqualTo(Outcome.OVER_QUOTA);
        ReplayCache.Quota other = new ReplayCache.Quota("{" + UUID.randomUUID() + "}", 3, Duration.ofMinutes(2));
        assertThat(cache().firstUse(jti + "-3", other, notAfter, now)).isEqualTo(Outcome.FIRST_USE);
    }

    @Test
    void ofSixteenThreadsOfOneOwnerNoMoreThanItsQuotaRecord() throws Exception {
        String owner = "{" + UUID.randomUUID() + "}";
        ReplayCache.Quota quota = new ReplayCache.Quota(owner, 25, Duration.ofMinutes(2));
        int threads = 16;
        AtomicInteger first = new AtomicInteger();
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new java.util.ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < 4; i++) {
                        Outcome o = cache().firstUse(
                                        jti + "-" + thread + "-" + i, quota, now.plus(Duration.ofMinutes(1)), now);
                        assertThat(o).isIn(Outcome.FIRST_USE, Outcome.OVER_QUOTA);
                        if (o == Outcome.FIRST_USE) {
                            first.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(10, java.util.concurrent.TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(first.get()).isEqualTo(25);
    }
}
