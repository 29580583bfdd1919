package dev.apiguard.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apiguard.LocalReplayCache;
import dev.apiguard.ReplayCache;
import dev.apiguard.ReplayCache.Outcome;
import org.junit.jupiter.api.Test;

/** {@link LocalReplayCache} passes the {@link ReplayCacheContract}, and a few things of its own. */
class LocalReplayCacheTest extends ReplayCacheContract {

    @Override
    protected ReplayCache newCache(int maxEntries) {
        return LocalReplayCache.withMaximumSize(maxEntries);
    }

    @Test
    void sizeNeverExceedsTheBoundAndExpiredKeysArePurgedWhenFull() {
        LocalReplayCache cache = LocalReplayCache.withMaximumSize(3);
        cache.firstUse("a", T0.plusSeconds(5), T0);
        cache.firstUse("b", T0.plusSeconds(5), T0);
        cache.firstUse("c", T0.plusSeconds(50), T0);
        assertThat(cache.firstUse("d", T0.plusSeconds(50), T0)).isEqualTo(Outcome.FULL);
        assertThat(cache.size()).isEqualTo(3);

        assertThat(cache.firstUse("d", T0.plusSeconds(50), T0.plusSeconds(6))).isEqualTo(Outcome.FIRST_USE);
        assertThat(cache.size()).isEqualTo(2);
        assertThat(cache.firstUse("c", T0.plusSeconds(50), T0.plusSeconds(6))).isEqualTo(Outcome.REPLAYED);
    }

    @Test
    void replayOfALiveKeyIsReportedAsSuchEvenWhenFull() {
        LocalReplayCache cache = LocalReplayCache.withMaximumSize(1);
        cache.firstUse("a", T0.plusSeconds(5), T0);
        assertThat(cache.firstUse("a", T0.plusSeconds(5), T0)).isEqualTo(Outcome.REPLAYED);
        assertThat(cache.firstUse("b", T0.plusSeconds(5), T0)).isEqualTo(Outcome.FULL);
    }

    @Test
    void boundIsValidated() {
        assertThatThrownBy(() -> LocalReplayCache.withMaximumSize(0)).hasMessageContaining("maximumSize");
        assertThat(LocalReplayCache.defaults().maximumSize()).isEqualTo(100_000);
    }
}
