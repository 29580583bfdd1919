package dev.apiguard.ratelimit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class KeySpreadTest {

    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void aCallerGetsMaxDistinctPartsPerWindowAndKeepsThose() {
        KeySpread spread = new KeySpread(3, Duration.ofMinutes(1), 100);
        for (long part = 1; part <= 3; part++) {
            assertThat(spread.admits("{c}", part, NOW)).isTrue();
        }
        assertThat(spread.admits("{c}", 4, NOW)).isFalse();
        assertThat(spread.admits("{c}", 2, NOW.plusSeconds(59))).isTrue();
        assertThat(spread.admits("{other}", 4, NOW)).isTrue();
        // the window counts from the caller's first part, by the time handed in
        assertThat(spread.admits("{c}", 4, NOW.plusSeconds(60))).isTrue();
    }

    @Test
    void theCallersTrackedAreBounded() {
        KeySpread spread = new KeySpread(16, Duration.ofHours(1), 100);
        for (int i = 0; i < 10_000; i++) {
            spread.admits("{caller-" + i + "}", i, NOW);
        }
        assertThat(spread.size()).isLessThanOrEqualTo(100);
    }

    @Test
    void theDigestNamesNoCharacterOfThePart() {
        KeyDigest d = KeyDigest.of("{tag}\r\n" + "x".repeat(10_000));
        assertThat(d.text()).matches("[A-Za-z0-9_-]{22}");
        assertThat(KeyDigest.of("a").bits()).isNotEqualTo(KeyDigest.of("b").bits());
        assertThat(KeyDigest.of("a").text()).isEqualTo(KeyDigest.of("a").text());
    }
}
