package dev.apiguard.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LocalBucketStoreTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private final RateLimitPlan plan = RateLimitPlan.simple("p", 5, Duration.ofSeconds(10));

    @Test
    void aMillionDistinctCallersStayWithinTheCap() {
        LocalBucketStore store = LocalBucketStore.withMaximumSize(1_000);
        for (int i = 0; i < 1_000_000; i++) {
            store.tryConsume("caller:" + i, plan.configuration(), 1000, T0);
        }
        assertThat(store.size()).isLessThanOrEqualTo(1_000);
        assertThatThrownBy(() -> LocalBucketStore.withMaximumSize(0)).hasMessageContaining("maximumSize");
    }

    @Test
    void aBucketIsDroppedOnceItWouldBeFullAgain() {
        LocalBucketStore store = LocalBucketStore.withMaximumSize(1_000);
        store.tryConsume("caller:a", plan.configuration(), 5000, T0);
        assertThat(store.size()).isEqualTo(1);
        // the store's time is the latest now it was handed: another key's look moves it
        store.estimate("caller:b", plan.configuration(), 1000, T0.plusSeconds(9));
        assertThat(store.size()).isEqualTo(1);
        store.estimate("caller:b", plan.configuration(), 1000, T0.plusSeconds(10));
        assertThat(store.size()).isZero();
    }

    @Test
    void aBucketRefillsToTheNowOfEachCallAndTimeNeverRunsBack() {
        LocalBucketStore store = LocalBucketStore.withMaximumSize(1_000);
        for (int i = 0; i < 5; i++) {
            assertThat(store.tryConsume("caller:a", plan.configuration(), 1000, T0)
                            .status())
                    .isEqualTo(BucketStore.Status.CONSUMED);
        }
        BucketStore.Outcome refused = store.tryConsume("caller:a", plan.configuration(), 1000, T0);
        assertThat(refused.status()).isEqualTo(BucketStore.Status.REJECTED);
        assertThat(refused.nanosToWaitForRefill())
                .isEqualTo(Duration.ofSeconds(2).toNanos());
        // an earlier now than the bucket's last use refills nothing
        assertThat(store.tryConsume("caller:a", plan.configuration(), 1000, T0.minusSeconds(60))
                        .status())
                .isEqualTo(BucketStore.Status.REJECTED);
        assertThat(store.tryConsume("caller:a", plan.configuration(), 1000, T0.plusSeconds(2))
                        .status())
                .isEqualTo(BucketStore.Status.CONSUMED);
    }

    @Test
    void anEstimateOfAnUnknownKeyAllocatesNothing() {
        LocalBucketStore store = LocalBucketStore.withMaximumSize(1_000);
        assertThat(store.estimate("peer:192.0.2.1", plan.configuration(), 1000, T0)
                        .status())
                .isEqualTo(BucketStore.Status.CONSUMED);
        assertThat(store.size()).isZero();
    }
}
