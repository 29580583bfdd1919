package dev.apiguard.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apiguard.CallerKey;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RateLimitAdjustmentsTest {

    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    final RateLimitAdjustments adjustments = RateLimitAdjustments.withMaximumSize(100);

    @Test
    void sizeIsAtLeastOneCaller() {
        assertThatThrownBy(() -> RateLimitAdjustments.withMaximumSize(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maximumSize");
        RateLimitAdjustments one = RateLimitAdjustments.withMaximumSize(1);
        one.throttle(key("a"), 0.5, T0.plusSeconds(60), T0);
        one.throttle(key("b"), 0.5, T0.plusSeconds(60), T0);
        assertThat(one.size()).isEqualTo(1);
        assertThat(RateLimitAdjustments.defaults().factor(key("a"), T0)).isEqualTo(1.0);
    }

    @Test
    void theFactorIsAboveZeroAndAtMostOne() {
        for (double bad : new double[] {0, -0.5, 1.0001, Double.NaN}) {
            assertThatThrownBy(() -> adjustments.throttle(key("a"), bad, T0.plusSeconds(60), T0))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("factor");
        }
        assertThat(adjustments.size()).isZero();
        adjustments.throttle(key("a"), 0.25, T0.plusNanos(1), T0);
        assertThat(adjustments.factor(key("a"), T0)).isEqualTo(0.25);
    }

    @Test
    void anAdjustmentLastsUntilItsEndByTheNowOfEachCall() {
        adjustments.throttle(key("a"), 0.5, T0.plusSeconds(30), T0);
        assertThat(adjustments.factor(key("a"), T0.plusSeconds(29))).isEqualTo(0.5);
        assertThat(adjustments.factor(key("a"), T0.plusSeconds(30))).isEqualTo(1.0);
        assertThat(adjustments.size())
                .as("an ended adjustment is dropped when read")
                .isZero();
    }

    @Test
    void anEndNotAfterNowOrAFactorOfOneOrClearEndsTheAdjustment() {
        Instant now = T0.plusSeconds(100);
        adjustments.throttle(key("a"), 0.5, now.plusSeconds(5), now);
        adjustments.throttle(key("a"), 0.5, now, now);
        assertThat(adjustments.factor(key("a"), now)).isEqualTo(1.0);
        adjustments.throttle(key("a"), 0.5, now.plusSeconds(5), now);
        adjustments.throttle(key("a"), 0.5, now.minusSeconds(1), now);
        assertThat(adjustments.factor(key("a"), now)).isEqualTo(1.0);
        adjustments.throttle(key("a"), 0.5, now.plusSeconds(5), now);
        adjustments.throttle(key("a"), 1.0, now.plusSeconds(5), now);
        assertThat(adjustments.factor(key("a"), now)).isEqualTo(1.0);
        adjustments.throttle(key("a"), 0.5, now.plusSeconds(5), now);
        adjustments.clear(key("a"));
        assertThat(adjustments.factor(key("a"), now)).isEqualTo(1.0);
        assertThat(adjustments.size()).isZero();
    }

    @Test
    void aLaterThrottleReplacesAnEarlierOne() {
        adjustments.throttle(key("a"), 0.5, T0.plusSeconds(600), T0);
        adjustments.throttle(key("a"), 0.2, T0.plusSeconds(60), T0);
        assertThat(adjustments.factor(key("a"), T0.plusSeconds(59))).isEqualTo(0.2);
        assertThat(adjustments.factor(key("a"), T0.plusSeconds(61))).isEqualTo(1.0);
        assertThat(adjustments.factor(key("b"), T0)).isEqualTo(1.0);
    }

    /** The key of a token caller of this test's issuer. */
    static CallerKey key(String id) {
        return CallerKey.token("https://issuer", id);
    }
}
