package dev.apiguard.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.fakes.FakeClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class LocalBucketStoreTest {

    private final FakeClock clock = new FakeClock(java.time.Instant.parse("2026-01-01T00:00:00Z"));
    private final RateLimitPlan plan = RateLimitPlan.simple("p", 5, Duration.ofSeconds(10));

    @Test
    void aMillionDistinctCallersStayWithinTheCap() {
        LocalBucketStore store = LocalBucketStore.create(clock, 1_000);
        for (int i = 0; i < 1_000_000; i++) {
            store.tryConsume("caller:" + i, plan.configuration(), 1000);
        }
        assertThat(store.size()).isLessThanOrEqualTo(1_000);
    }

    @Test
    void aBucketIsDroppedOnceItWouldBeFullAgain() {
        LocalBucketStore store = LocalBucketStore.create(clock, 1_000);
        store.tryConsume("caller:a", plan.configuration(), 5000);
        assertThat(store.size()).isEqualTo(1);
        clock.advance(Duration.ofSeconds(11));
        assertThat(store.size()).isZero();
    }

    @Test
    void anEstimateOfAnUnknownKeyAllocatesNothing() {
        LocalBucketStore store = LocalBucketStore.create(clock, 1_000);
        assertThat(store.estimate("peer:192.0.2.1", plan.configuration(), 1000).status())
                .isEqualTo(BucketStore.Status.CONSUMED);
        assertThat(store.size()).isZero();
    }
}
