package dev.apiguard.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The quarantine refusal. */
class AnomalyDenialsTest {

    @Test
    void retryAfterIsAtLeastOneSecondAndRoundsUp() {
        assertThat(AnomalyDenials.quarantined(Duration.ZERO).headers()).containsEntry("Retry-After", "1");
        assertThat(AnomalyDenials.quarantined(Duration.ofSeconds(5)).headers()).containsEntry("Retry-After", "5");
        assertThat(AnomalyDenials.quarantined(Duration.ofSeconds(5).plusNanos(1))
                        .headers())
                .containsEntry("Retry-After", "6");
        assertThat(AnomalyDenials.quarantined(Duration.ofSeconds(5)).status()).isEqualTo(429);
        assertThat(AnomalyDenials.quarantined(Duration.ofSeconds(5)).challenges())
                .isEmpty();
    }
}
