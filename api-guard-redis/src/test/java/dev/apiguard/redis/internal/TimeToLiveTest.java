package dev.apiguard.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class TimeToLiveTest {

    private static final Instant NOW = Instant.parse("2016-03-01T12:00:00Z");

    @Test
    void theTimeLeftInMillisecondsFromTheAppsNow() {
        assertThat(TimeToLive.millis(NOW, NOW.plus(Duration.ofMinutes(15)))).isEqualTo(900_000);
        assertThat(TimeToLive.millis(NOW, NOW.plusMillis(1))).isEqualTo(1);
        assertThat(TimeToLive.millis(NOW, NOW.plusNanos(999_999))).isZero();
    }

    @Test
    void anEndNotAfterNowLeavesNothing() {
        assertThat(TimeToLive.millis(NOW, NOW)).isZero();
        assertThat(TimeToLive.millis(NOW, NOW.minusMillis(1))).isZero();
        assertThat(TimeToLive.millis(Instant.MAX, Instant.MIN)).isZero();
    }

    @Test
    void aFarEndIsCappedAtAHundredYearsNotAnOverflow() {
        assertThat(TimeToLive.millis(NOW, NOW.plus(TimeToLive.LONGEST))).isEqualTo(TimeToLive.LONGEST.toMillis());
        assertThat(TimeToLive.millis(NOW, NOW.plus(TimeToLive.LONGEST).plusMillis(1)))
                .isEqualTo(TimeToLive.LONGEST.toMillis());
        assertThat(TimeToLive.millis(Instant.MIN, Instant.MAX)).isEqualTo(TimeToLive.LONGEST.toMillis());
    }

    @Test
    void epochMillisSaturateInsteadOfOverflowing() {
        assertThat(TimeToLive.epochMillis(NOW)).isEqualTo(NOW.toEpochMilli());
        assertThat(TimeToLive.epochMillis(Instant.ofEpochMilli(Long.MAX_VALUE))).isEqualTo(Long.MAX_VALUE);
        assertThat(TimeToLive.epochMillis(Instant.MAX)).isEqualTo(Long.MAX_VALUE);
        assertThat(TimeToLive.epochMillis(Instant.ofEpochMilli(Long.MIN_VALUE))).isEqualTo(Long.MIN_VALUE);
        assertThat(TimeToLive.epochMillis(Instant.MIN)).isEqualTo(Long.MIN_VALUE);
    }
}
