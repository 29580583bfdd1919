package dev.apiguard.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apiguard.ratelimit.RateLimitPlan.Limit;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Plans and limits: the edges of every setting, and what one request costs in bucket tokens. */
class RateLimitPlanTest {

    @Test
    void quotaAndWindowEdgesAreAccepted() {
        assertThat(Limit.of("a", 1, Duration.ofSeconds(1)).quota()).isEqualTo(1);
        assertThat(Limit.of("a", 1_000_000_000L, Duration.ofDays(1)).quota()).isEqualTo(1_000_000_000L);
        assertThat(RateLimitPlan.simple("fast", 1_000_000, Duration.ofSeconds(1))
                        .limits()
                        .get(0)
                        .quota())
                .isEqualTo(1_000_000);
        assertThat(RateLimitPlan.simple("fast", 1_000_000_000L, Duration.ofSeconds(1000))
                        .limits()
                        .get(0)
                        .quota())
                .isEqualTo(1_000_000_000L);
    }

    @ParameterizedTest
    @CsvSource({
        "0, 1000",
        "1000000001, 1000",
        "-1, 1000",
        "1, 999",
        "1, 1500",
        "1, 0",
        "1, -1000",
        "1000001, 1000", // faster than Bucket4j refills
        "2000001, 2000",
        "1000000000, 999000"
    })
    void quotaOutsideItsRangeOrAWindowNotInWholeSecondsIsRefused(long quota, long windowMillis) {
        assertThatThrownBy(() -> Limit.of("burst", quota, Duration.ofMillis(windowMillis)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("limit burst");
    }

    @Test
    void namesAreLowerCaseAndUnique() {
        assertThatThrownBy(() -> Limit.of("Burst", 1, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RateLimitPlan.of("Gold", Limit.of("a", 1, Duration.ofSeconds(1))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("plan name");
        assertThatThrownBy(() -> RateLimitPlan.of("gold"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least one limit");
        assertThatThrownBy(() -> RateLimitPlan.of(
                        "gold", Limit.of("a", 1, Duration.ofSeconds(1)), Limit.of("a", 2, Duration.ofSeconds(2))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("two limits are named a");
    }

    @Test
    void refillTimeIsTheLongestWindow() {
        RateLimitPlan plan = RateLimitPlan.of(
                "gold",
                Limit.of("second", 10, Duration.ofSeconds(1)),
                Limit.of("hour", 1000, Duration.ofHours(1)),
                Limit.of("minute", 100, Duration.ofMinutes(1)));
        assertThat(plan.refillTime()).isEqualTo(Duration.ofHours(1));
        assertThat(plan.limits()).extracting(Limit::name).containsExactly("second", "hour", "minute");
    }

    /** Tokens are thousandths of a unit, divided by the factor, capped at the smallest capacity, at least 1. */
    @Test
    void tokensForARequest() {
        RateLimitPlan plan = RateLimitPlan.of(
                "gold", Limit.of("a", 10, Duration.ofSeconds(1)), Limit.of("b", 3, Duration.ofSeconds(1)));
        assertThat(plan.tokensFor(1, 1.0)).isEqualTo(1000);
        assertThat(plan.tokensFor(2, 1.0)).isEqualTo(2000);
        assertThat(plan.tokensFor(1, 0.5)).isEqualTo(2000);
        assertThat(plan.tokensFor(3, 1.0)).isEqualTo(3000); // exactly the smallest capacity
        assertThat(plan.tokensFor(1, 1.0 / 3)).isEqualTo(3000);
        assertThat(plan.tokensFor(5, 1.0)).isEqualTo(3000); // capped
        assertThat(plan.tokensFor(1, 2999.0 / 1000)).isEqualTo(333);
        assertThat(plan.tokensFor(1, 1_000_000.0)).isEqualTo(1); // never free
    }
}
