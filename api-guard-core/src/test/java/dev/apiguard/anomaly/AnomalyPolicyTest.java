package dev.apiguard.anomaly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The anomaly policy: which score leads to which action, and every bad setting refused at build time. */
class AnomalyPolicyTest {

    /** A score equal to a threshold already takes that threshold's action. */
    @ParameterizedTest
    @CsvSource({
        "0, NONE",
        "4.99, NONE",
        "5, OBSERVE",
        "9.99, OBSERVE",
        "10, THROTTLE",
        "19.99, THROTTLE",
        "20, QUARANTINE",
        "1000, QUARANTINE"
    })
    void scoreLeadsToTheActionOfTheHighestThresholdReached(double score, AnomalyAction expected) {
        assertThat(AnomalyPolicy.defaults().actionFor(score)).isEqualTo(expected);
    }

    @Test
    void customThresholdsAreUsedAtTheirEdges() {
        AnomalyPolicy p = AnomalyPolicy.builder().thresholds(1, 2, 3).build();
        assertThat(p.actionFor(0.999)).isEqualTo(AnomalyAction.NONE);
        assertThat(p.actionFor(1)).isEqualTo(AnomalyAction.OBSERVE);
        assertThat(p.actionFor(2)).isEqualTo(AnomalyAction.THROTTLE);
        assertThat(p.actionFor(3)).isEqualTo(AnomalyAction.QUARANTINE);
        assertThat(p.observeThreshold()).isEqualTo(1);
        assertThat(p.throttleThreshold()).isEqualTo(2);
        assertThat(p.quarantineThreshold()).isEqualTo(3);
    }

    @Test
    void everySettingIsKeptAsGivenAndTheSmallestLegalValuesAreAccepted() {
        AnomalyPolicy p = AnomalyPolicy.builder()
                .mode(AnomalyMode.OBSERVE)
                .allowCallers(Harness.key("batch-job"))
                .optOutRoutes("/health")
                .quarantineTtl(Duration.ofSeconds(1))
                .maxQuarantineTtl(Duration.ofSeconds(1))
                .throttle(1.0, Duration.ofSeconds(1))
                .severity(Signal.PAGING, Severity.CRITICAL)
                .allowance(Signal.MISSES, 0, 0.5)
                .halfLife(Duration.ofSeconds(1))
                .longHalfLife(Duration.ofSeconds(2))
                .warmUp(0, Duration.ZERO)
                .volume(1, 1)
                .maxPageSize(1)
                .missMinLookups(1)
                .maxCallers(1)
                .idleExpiry(Duration.ofSeconds(3))
                .build();

        assertThat(p.mode()).isEqualTo(AnomalyMode.OBSERVE);
        assertThat(p.allowList()).containsExactly(Harness.key("batch-job"));
        assertThat(p.optOutRoutes()).containsExactly("/health");
        assertThat(p.quarantineTtl()).isEqualTo(Duration.ofSeconds(1));
        assertThat(p.maxQuarantineTtl()).isEqualTo(Duration.ofSeconds(1));
        assertThat(p.throttleFactor()).isEqualTo(1.0);
        assertThat(p.throttleDuration()).isEqualTo(Duration.ofSeconds(1));
        assertThat(p.points(Signal.PAGING)).isEqualTo(Severity.CRITICAL.points());
        assertThat(p.allowance(Signal.MISSES)).isZero();
        assertThat(p.step(Signal.MISSES)).isEqualTo(0.5);
        assertThat(p.halfLife()).isEqualTo(Duration.ofSeconds(1));
        assertThat(p.longHalfLife()).isEqualTo(Duration.ofSeconds(2));
        assertThat(p.warmUpRequests()).isZero();
        assertThat(p.warmUpPeriod()).isEqualTo(Duration.ZERO);
        assertThat(p.volumeMultiplier()).isEqualTo(1);
        assertThat(p.volumeFloor()).isEqualTo(1);
        assertThat(p.maxPageSize()).isEqualTo(1);
        assertThat(p.missMinLookups()).isEqualTo(1);
        assertThat(p.maxCallers()).isEqualTo(1);
        assertThat(p.idleExpiry()).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        AnomalyPolicy p = AnomalyPolicy.defaults();
        assertThat(p.mode()).isEqualTo(AnomalyMode.ENFORCE);
        assertThat(p.quarantineTtl()).isEqualTo(AnomalyPolicy.Quarantine.DEFAULTS.ttl());
        assertThat(p.maxQuarantineTtl()).isEqualTo(AnomalyPolicy.Quarantine.DEFAULTS.maxTtl());
        assertThat(p.warmUpRequests()).isEqualTo(AnomalyPolicy.Memory.DEFAULTS.warmUpRequests());
        assertThat(p.volumeMultiplier()).isEqualTo(AnomalyPolicy.Volume.DEFAULTS.multiplier());
        assertThat(p.volumeFloor()).isEqualTo(AnomalyPolicy.Volume.DEFAULTS.floorPerMinute());
        assertThat(p.maxPageSize()).isEqualTo(AnomalyPolicy.DEFAULT_MAX_PAGE_SIZE);
        assertThat(p.missMinLookups()).isEqualTo(AnomalyPolicy.DEFAULT_MISS_MIN_LOOKUPS);
        assertThat(p.maxCallers()).isEqualTo(AnomalyPolicy.Capacity.DEFAULTS.maxCallers());
        assertThat(p.idleExpiry()).isEqualTo(AnomalyPolicy.Capacity.DEFAULTS.idleExpiry());
        assertThat(p.points(Signal.SEQUENTIAL)).isEqualTo(Severity.CRITICAL.points());
    }

    @Test
    void largestLegalValuesAreAccepted() {
        AnomalyPolicy p = AnomalyPolicy.builder()
                .maxCallers(100_000_000)
                .throttle(0.01, Duration.ofHours(1))
                .build();
        assertThat(p.maxCallers()).isEqualTo(100_000_000);
        assertThat(p.throttleFactor()).isEqualTo(0.01);
    }

    static Stream<Arguments> badSettings() {
        return Stream.of(
                bad("observe zero", b -> b.thresholds(0, 2, 3), "thresholds"),
                bad("observe equal to throttle", b -> b.thresholds(2, 2, 3), "thresholds"),
                bad("throttle equal to quarantine", b -> b.thresholds(1, 3, 3), "thresholds"),
                bad("quarantine infinite", b -> b.thresholds(1, 2, Double.POSITIVE_INFINITY), "thresholds"),
                bad("observe NaN", b -> b.thresholds(Double.NaN, 2, 3), "thresholds"),
                bad(
                        "quarantineTtl under 1 s",
                        b -> b.quarantineTtl(Duration.ofMillis(999)),
                        "quarantineTtl must be between PT1S"),
                bad("maxQuarantineTtl under 1 s", b -> b.maxQuarantineTtl(Duration.ofMillis(999)), "maxQuarantineTtl"),
                bad("throttle factor zero", b -> b.throttle(0, Duration.ofMinutes(1)), "throttle factor"),
                bad("throttle factor above 1", b -> b.throttle(1.0001, Duration.ofMinutes(1)), "throttle factor"),
                bad("throttle factor NaN", b -> b.throttle(Double.NaN, Duration.ofMinutes(1)), "throttle factor"),
                bad("throttle duration under 1 s", b -> b.throttle(0.5, Duration.ofMillis(999)), "throttle duration"),
                bad("allowance negative", b -> b.allowance(Signal.MISSES, -0.001, 1), "allowance of misses"),
                bad(
                        "allowance infinite",
                        b -> b.allowance(Signal.MISSES, Double.POSITIVE_INFINITY, 1),
                        "allowance of misses"),
                bad("allowance step zero", b -> b.allowance(Signal.MISSES, 1, 0), "allowance of misses"),
                bad(
                        "allowance step infinite",
                        b -> b.allowance(Signal.MISSES, 1, Double.POSITIVE_INFINITY),
                        "allowance of misses"),
                bad("halfLife under 1 s", b -> b.halfLife(Duration.ZERO), "halfLife"),
                bad("longHalfLife under 1 s", b -> b.longHalfLife(Duration.ZERO), "longHalfLife"),
                bad("warmUp requests negative", b -> b.warmUp(-1, Duration.ZERO), "warmUp requests"),
                bad("warmUp period negative", b -> b.warmUp(0, Duration.ofSeconds(-1)), "warmUp period"),
                bad("volume multiplier under 1", b -> b.volume(0.999, 1), "volume multiplier"),
                bad("volume floor zero", b -> b.volume(1, 0), "volume multiplier"),
                bad("maxPageSize zero", b -> b.maxPageSize(0), "maxPageSize"),
                bad("missMinLookups zero", b -> b.missMinLookups(0), "missMinLookups"),
                bad("maxCallers zero", b -> b.maxCallers(0), "maxCallers"),
                bad("maxCallers over 100 million", b -> b.maxCallers(100_000_001), "maxCallers"),
                bad("idleExpiry under 1 s", b -> b.idleExpiry(Duration.ofMillis(1)), "idleExpiry"),
                bad("optOutRoutes without slash", b -> b.optOutRoutes("health"), "optOutRoutes"),
                bad(
                        "max quarantine shorter than quarantine",
                        b -> b.quarantineTtl(Duration.ofMinutes(2))
                                .maxQuarantineTtl(Duration.ofMinutes(1))
                                .build(),
                        "maxQuarantineTtl"));
    }

    private static Arguments bad(
            String name, java.util.function.Consumer<AnomalyPolicy.Builder> setting, String message) {
        return Arguments.of(name, setting, message);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badSettings")
    void badSettingFailsNamingIt(
            String name, java.util.function.Consumer<AnomalyPolicy.Builder> setting, String message) {
        assertThatThrownBy(() -> setting.accept(AnomalyPolicy.builder()))
                .isInstanceOfAny(IllegalArgumentException.class, IllegalStateException.class)
                .hasMessageContaining(message);
    }

    @Test
    void maxQuarantineEqualToQuarantineIsAccepted() {
        AnomalyPolicy p = AnomalyPolicy.builder()
                .quarantineTtl(Duration.ofMinutes(2))
                .maxQuarantineTtl(Duration.ofMinutes(2))
                .build();
        assertThat(p.maxQuarantineTtl()).isEqualTo(p.quarantineTtl());
    }

    @Test
    void probationIsSixHoursByDefaultZeroSwitchesItOffAndItIsNeverNegative() {
        assertThat(AnomalyPolicy.defaults().probation()).isEqualTo(Duration.ofHours(6));
        assertThat(AnomalyPolicy.builder().probation(Duration.ZERO).build().probation())
                .isZero();
        assertThat(AnomalyPolicy.builder()
                        .probation(Duration.ofMinutes(30))
                        .build()
                        .probation())
                .isEqualTo(Duration.ofMinutes(30));
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> AnomalyPolicy.builder().probation(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("probation");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> AnomalyPolicy.builder().probation(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("probation");
    }
}
