package dev.apiguard.ratelimit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Retry-After and reset values are whole seconds rounded up: never 0 while something is left to wait. */
class RateLimitFieldsTest {

    @Test
    void ceilSecondsRoundsUpAndLeavesNothingToWaitAtZero() {
        assertThat(RateLimitFields.ceilSeconds(0)).isZero();
        assertThat(RateLimitFields.ceilSeconds(-1)).isZero();
        assertThat(RateLimitFields.ceilSeconds(Long.MIN_VALUE)).isZero();
        assertThat(RateLimitFields.ceilSeconds(1)).isEqualTo(1);
        assertThat(RateLimitFields.ceilSeconds(1_000_000_000L)).isEqualTo(1);
        assertThat(RateLimitFields.ceilSeconds(1_000_000_001L)).isEqualTo(2);
    }
}
