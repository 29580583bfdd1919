package dev.apiguard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apiguard.fakes.FakeGuards;
import dev.apiguard.fakes.FakeRequest;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Response headers that steps add go out as visible ASCII only (no header splitting, whatever a
 * step passes on), and a guard is built from named, distinct steps.
 */
class GuardExchangeHeadersTest {

    private final ApiGuard guard = FakeGuards.allowingAll();

    @ParameterizedTest
    @ValueSource(
            strings = {"a\r\nSet-Cookie: s=1", "a\nb", "\u001f", "\u007f", "\u0080", "m\u00fcller", "\t", "\u2028"})
    void aValueThatIsNotVisibleAsciiIsRefusedWithoutBeingEchoed(String value) {
        GuardExchange ex = guard.exchange(FakeRequest.of("GET", "/"));
        assertThatThrownBy(() -> ex.addResponseHeader("X-Test", value))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("response header X-Test must be visible ASCII");
        assertThat(ex.responseHeaders()).isEmpty();
    }

    @Test
    void spaceTildeAndEmptyAreVisibleAsciiEnough() {
        GuardExchange ex = guard.exchange(FakeRequest.of("GET", "/"));
        ex.addResponseHeader("X-Edges", " ~");
        ex.addResponseHeader("X-Empty", "");
        assertThat(ex.responseHeaders()).containsExactly(Map.entry("X-Edges", " ~"), Map.entry("X-Empty", ""));
    }

    @Test
    void aGuardNeedsAStepAndDistinctNames() {
        assertThatThrownBy(() -> ApiGuard.builder().build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("steps: at least one guard step is needed");
        GuardStep one = FakeGuards.allowingAll().steps().get(0);
        assertThatThrownBy(() -> ApiGuard.builder()
                        .step(one)
                        .step(FakeGuards.allowingAll().steps().get(0))
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("steps: two steps are named 'allow'");
        assertThat(ApiGuard.builder().step(one).build().steps()).containsExactly(one);
    }
}
