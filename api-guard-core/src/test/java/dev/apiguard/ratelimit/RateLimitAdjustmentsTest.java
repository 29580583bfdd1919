package dev.apiguard.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apiguard.CallerKey;
import dev.apiguard.fakes.FakeClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RateLimitAdjustmentsTest {

    final FakeClock clock = new FakeClock(Instant.parse("2026-01-01T00:00:00Z"));
    final RateLimitAdjustments adjustments = RateLimitAdjustments.create(clock, 100);

    @Test
    void sizeIsAtLeastOneCaller() {
        assertThatThrownBy(() -> RateLimitAdjustments.create(clock, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maximumSize");
        RateLimitAdjustments one = RateLimitAdjustments.create(clock, 1);
        one.adjust(key("a"), 0.5);
        assertThat(one.factor(key("a"))).isEqualTo(0.5);
        assertThat(one.size()).isEqualTo(1);
        assertThat(RateLimitAdjustments.create().factor(key("a"))).isEqualTo(1.0);
    }

    @Test
    void factorIsAboveZeroAndAtMostOneAndTheDurationPositive() {
        for (double bad : new double[] {0, -0.5, 1.0001, Double.NaN}) {
            assertThatThrownBy(() -> adjustments.adjust(key("a"), bad, Duration.ofMinutes(1)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("factor");
        }
        for (Duration bad : new Duration[] {Duration.ZERO, Duration.ofSeconds(-1)}) {
            assertThatThrownBy(() -> adjustments.adjust(key("a"), 0.5, bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("duration");
        }
        assertThat(adjustments.size()).isZero();
        adjustments.adjust(key("a"), 0.25, Duration.ofNanos(1));
        assertThat(adjustments.factor(key("a"))).isEqualTo(0.25);
    }

    @Test
    void anAdjustmentLastsItsDurationAndAFactorOfOneEndsIt() {
        adjustments.adjust(key("a"), 0.5, Duration.ofMinutes(2));
        adjustments.adjust(key("b"), 0.5);
        assertThat(adjustments.size()).isEqualTo(2);
        clock.advance(Duration.ofMinutes(2).minusNanos(1));
        assertThat(adjustments.factor(key("a"))).isEqualTo(0.5);
        clock.advance(Duration.ofNanos(1));
        assertThat(adjustments.factor(key("a"))).isEqualTo(1.0);
        assertThat(adjustments.factor(key("b"))).isEqualTo(0.5); // the default lasts 15 minutes
        adjustments.adjust(key("b"), 1.0, Duration.ofMinutes(1));
        assertThat(adjustments.factor(key("b"))).isEqualTo(1.0);
        assertThat(adjustments.size()).isZero();
    }

    @Test
    void throttleUntilAnInstantEndsTheAdjustmentWhenThatInstantIsNowOrPast() {
        Instant now = clock.instant();
        adjustments.throttle(key("a"), 0.5, now.plusSeconds(30));
        assertThat(adjustments.factor(key("a"))).isEqualTo(0.5);
        clock.advance(Duration.ofSeconds(29));
        assertThat(adjustments.factor(key("a"))).isEqualTo(0.5);
        adjustments.throttle(key("a"), 0.5, clock.instant());
        assertThat(adjustments.factor(key("a"))).isEqualTo(1.0);
        assertThat(adjustments.size()).isZero();
        adjustments.throttle(key("a"), 0.5, clock.instant().plusSeconds(5));
        adjustments.throttle(key("a"), 0.5, clock.instant().minusSeconds(1));
        assertThat(adjustments.factor(key("a"))).isEqualTo(1.0);
        adjustments.throttle(key("a"), 0.5, clock.instant().plusSeconds(5));
        adjustments.clear(key("a"));
        assertThat(adjustments.factor(key("a"))).isEqualTo(1.0);
    }

    /** The key of a token caller of this test's issuer. */
    static CallerKey key(String id) {
        return CallerKey.token("https://issuer", id);
    }
}
