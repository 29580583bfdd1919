package dev.apiguard.test;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MutableClockTest {

    private static final Instant START = Instant.parse("2025-01-01T00:00:00Z");

    @Test
    void standsStillUntilAdvanced() {
        MutableClock clock = MutableClock.at(START);
        assertThat(clock.instant()).isEqualTo(START);
        assertThat(clock.instant()).isEqualTo(START);
        assertThat(clock.getZone()).isEqualTo(ZoneOffset.UTC);

        assertThat(clock.advance(Duration.ofMinutes(6))).isEqualTo(START.plusSeconds(360));
        assertThat(clock.instant()).isEqualTo(START.plusSeconds(360));
        assertThat(clock.millis()).isEqualTo(START.plusSeconds(360).toEpochMilli());
    }

    @Test
    void setAndNegativeAdvanceMoveItBack() {
        MutableClock clock = MutableClock.at(START);
        clock.set(START.plusSeconds(100));
        clock.advance(Duration.ofSeconds(-40));
        assertThat(clock.instant()).isEqualTo(START.plusSeconds(60));
    }

    @Test
    void zonedCopySharesTheInstant() {
        MutableClock clock = MutableClock.at(START);
        Clock paris = clock.withZone(ZoneId.of("Europe/Paris"));
        clock.advance(Duration.ofHours(1));
        assertThat(paris.instant()).isEqualTo(START.plusSeconds(3600));
        assertThat(paris.getZone()).isEqualTo(ZoneId.of("Europe/Paris"));
        ((MutableClock) paris).advance(Duration.ofHours(1));
        assertThat(clock.instant()).isEqualTo(START.plusSeconds(7200));
    }

    @Test
    void concurrentAdvancesAreNotLost() throws InterruptedException {
        MutableClock clock = MutableClock.at(START);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        for (int i = 0; i < 8_000; i++) {
            pool.execute(() -> clock.advance(Duration.ofSeconds(1)));
        }
        pool.shutdown();
        assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        assertThat(clock.instant()).isEqualTo(START.plusSeconds(8_000));
    }

    @Test
    void startingNowIsWholeSecondsNearTheSystemTime() {
        MutableClock clock = MutableClock.startingNow();
        assertThat(clock.instant().getNano()).isZero();
        assertThat(Duration.between(clock.instant(), Instant.now()).abs()).isLessThan(Duration.ofMinutes(1));
    }
}
