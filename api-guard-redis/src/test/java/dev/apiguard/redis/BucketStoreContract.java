package dev.apiguard.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.ratelimit.BucketStore;
import dev.apiguard.ratelimit.BucketStore.Status;
import dev.apiguard.ratelimit.RateLimitPlan;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** What every {@link BucketStore} does: local and Redis alike. Quotas are in tokens (1000 per unit). */
abstract class BucketStoreContract {

    /** The guard's now in every call: a store refills by the time it is handed, never by a clock of its own. */
    static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

    /** The store under test; a fresh key per test keeps tests apart. */
    protected abstract BucketStore store();

    private String key;

    @org.junit.jupiter.api.BeforeEach
    void freshKey() {
        // a fresh key per test: one instance may serve every test of a class
        key = "caller:contract-" + UUID.randomUUID();
    }

    private final RateLimitPlan plan = RateLimitPlan.simple("p", 5, Duration.ofMinutes(10));

    @Test
    void aNewBucketIsFullAndRefusesPastItsCapacity() {
        RateLimitPlan daily = RateLimitPlan.simple("p", 5, Duration.ofDays(1));
        for (int i = 0; i < 5; i++) {
            BucketStore.Outcome o = store().tryConsume(key, daily.configuration(), 1000, NOW);
            assertThat(o.status()).isEqualTo(Status.CONSUMED);
            assertThat(o.remainingTokens()).isEqualTo((4 - i) * 1000L);
        }
        BucketStore.Outcome refused = store().tryConsume(key, daily.configuration(), 1000, NOW);
        assertThat(refused.status()).isEqualTo(Status.REJECTED);
        // one unit of 5 a day: 4.8 hours (to a microsecond: Redis's script counts in floating point)
        assertThat(refused.nanosToWaitForRefill())
                .isBetween(
                        Duration.ofMinutes(288).minusNanos(1_000).toNanos(),
                        Duration.ofMinutes(288).plusNanos(1_000).toNanos());
    }

    @Test
    void aBucketRefillsToTheNowItIsHandedAndNeverBackwards() {
        RateLimitPlan plan = RateLimitPlan.simple("p", 5, Duration.ofMinutes(10)); // a unit per 2 minutes
        assertThat(store().tryConsume(key, plan.configuration(), 5000, NOW).status())
                .isEqualTo(Status.CONSUMED);
        // a node whose clock is behind the last take refills nothing
        assertThat(store().tryConsume(key, plan.configuration(), 1000, NOW.minusSeconds(600))
                        .status())
                .isEqualTo(Status.REJECTED);
        BucketStore.Outcome halfWay = store().estimate(key, plan.configuration(), 1000, NOW.plusSeconds(60));
        assertThat(halfWay.status()).isEqualTo(Status.REJECTED);
        assertThat(halfWay.remainingTokens()).isEqualTo(500);
        assertThat(store().tryConsume(key, plan.configuration(), 1000, NOW.plusSeconds(120))
                        .status())
                .isEqualTo(Status.CONSUMED);
    }

    @Test
    void anEstimateTakesNothing() {
        for (int i = 0; i < 10; i++) {
            assertThat(store().estimate(key, plan.configuration(), 5000, NOW).status())
                    .isEqualTo(Status.CONSUMED);
        }
        assertThat(store().tryConsume(key, plan.configuration(), 5000, NOW).status())
                .isEqualTo(Status.CONSUMED);
        assertThat(store().estimate(key, plan.configuration(), 1000, NOW).status())
                .isEqualTo(Status.REJECTED);
    }

    @Test
    void keysAreIndependent() {
        assertThat(store().tryConsume(key, plan.configuration(), 5000, NOW).status())
                .isEqualTo(Status.CONSUMED);
        assertThat(store().tryConsume(key + "-other", plan.configuration(), 5000, NOW)
                        .status())
                .isEqualTo(Status.CONSUMED);
        assertThat(store().tryConsume(key, plan.configuration(), 1, NOW).status())
                .isEqualTo(Status.REJECTED);
    }

    @Test
    void everyLimitOfAPlanApplies() {
        RateLimitPlan two = RateLimitPlan.of(
                "two",
                RateLimitPlan.Limit.of("burst", 5, Duration.ofSeconds(1)),
                RateLimitPlan.Limit.of("hourly", 3, Duration.ofHours(1)));
        int admitted = 0;
        while (store().tryConsume(key, two.configuration(), 1000, NOW).status() == Status.CONSUMED && admitted < 10) {
            admitted++;
        }
        assertThat(admitted).isEqualTo(3);
    }

    @Test
    void sixteenThreadsReleasedAtOnceTakeExactlyTheCapacity() throws Exception {
        int threads = 16;
        RateLimitPlan fifty = RateLimitPlan.simple("fifty", 50, Duration.ofHours(1));
        AtomicInteger admitted = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            Future<?>[] f = new Future<?>[threads];
            for (int t = 0; t < threads; t++) {
                f[t] = pool.submit(() -> {
                    start.await(30, TimeUnit.SECONDS);
                    for (int i = 0; i < 10; i++) {
                        Status s = store().tryConsume(key, fifty.configuration(), 1000, NOW)
                                .status();
                        (s == Status.CONSUMED ? admitted : refused).incrementAndGet();
                    }
                    return null;
                });
            }
            for (Future<?> x : f) {
                x.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        // no lost update: exactly the capacity (a refill of one unit takes 72 s), every other attempt refused
        assertThat(admitted.get()).isEqualTo(50);
        assertThat(refused.get()).isEqualTo(threads * 10 - 50);
    }
}
