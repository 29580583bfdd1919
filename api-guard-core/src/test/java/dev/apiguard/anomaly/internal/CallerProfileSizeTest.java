package dev.apiguard.anomaly.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.anomaly.AnomalyPolicy;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import org.junit.jupiter.api.Test;

/**
 * The memory one tracked caller costs, estimated by counting fields (64-bit JVM, compressed oops:
 * 12-byte headers, 4-byte references, 8-byte alignment), after the profile has seen many distinct
 * and long ids: every array is fixed-size (the walks followed too), so the figure cannot grow.
 */
class CallerProfileSizeTest {

    @Test
    void aProfileStaysUnderTwoKibibytes() throws Exception {
        CallerProfile profile = new CallerProfile(0);
        AnomalyPolicy policy = AnomalyPolicy.defaults();
        for (int i = 0; i < 20_000; i++) {
            profile.record(
                    i * 10L,
                    new CallerProfile.Observation(
                            "GET", "/customers/{serviceTag}", "ID-" + i + "-".repeat(100), 200, i % 7, 100, true),
                    policy);
        }
        long bytes = estimate(profile);
        System.out.println("CallerProfile estimated size: " + bytes + " bytes");
        assertThat(bytes).isLessThanOrEqualTo(2048);
    }

    @Test
    void aCallerThatLooksNothingUpByIdHoldsNoBloomFilter() throws Exception {
        CallerProfile profile = new CallerProfile(0);
        AnomalyPolicy policy = AnomalyPolicy.defaults();
        for (int i = 0; i < 1_000; i++) {
            profile.record(
                    i * 10L, new CallerProfile.Observation("GET", "/customers", null, 200, -1, 0, false), policy);
        }
        assertThat(estimate(profile)).isLessThanOrEqualTo(256);
        // the first id allocates one generation (4,096 bits), not two
        profile.record(
                20_000, new CallerProfile.Observation("GET", "/customers/{id}", "C-1", 200, -1, 0, false), policy);
        assertThat(estimate(profile)).isBetween(512L + 16, 512L + 400);
    }

    @Test
    void idsOfTheGenerationBeforeAreStillKnownAfterARotation() {
        AnomalyPolicy policy = AnomalyPolicy.defaults();
        CallerProfile profile = new CallerProfile(0);
        // more distinct ids than one generation holds: the generations rotate once
        for (int i = 0; i < CallerProfile.BLOOM_GENERATION + 100; i++) {
            profile.record(
                    1_000,
                    new CallerProfile.Observation("GET", "/customers/{id}", "K" + i * 7919, 200, -1, 0, false),
                    policy);
        }
        double novel = profile.contributions(1_000, policy)[dev.apiguard.anomaly.Signal.ENUMERATION.ordinal()];
        for (int i = 0; i < 50; i++) { // ids of the first generation, now the previous one
            profile.record(
                    1_000,
                    new CallerProfile.Observation("GET", "/customers/{id}", "K" + i * 7919, 200, -1, 0, false),
                    policy);
        }
        assertThat(profile.contributions(1_000, policy)[dev.apiguard.anomaly.Signal.ENUMERATION.ordinal()])
                .isEqualTo(novel);
    }

    @Test
    void neighboursDifferOnlyInTheirLastCharacters() {
        assertThat(CallerProfileTest.steps("ABC1234", "ABC1299")).isEqualTo(1);
        assertThat(CallerProfileTest.steps("ABC1234", "ABD1234")).isZero();
        assertThat(CallerProfileTest.steps("1099", "1100")).isEqualTo(1);
        assertThat(CallerProfileTest.steps("99", "100")).isZero();
    }

    static long estimate(Object o) throws IllegalAccessException {
        long size = 12;
        long referenced = 0;
        for (Class<?> c = o.getClass(); c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers())) {
                    continue;
                }
                Class<?> t = f.getType();
                if (t == long.class || t == double.class) {
                    size += 8;
                } else if (t == int.class || t == float.class) {
                    size += 4;
                } else if (t == boolean.class || t == byte.class) {
                    size += 1;
                } else if (t == char.class || t == short.class) {
                    size += 2;
                } else {
                    size += 4;
                    f.setAccessible(true);
                    Object v = f.get(o);
                    if (v instanceof long[] a) {
                        referenced += align(16 + 8L * a.length);
                    } else if (v instanceof int[] a) {
                        referenced += align(16 + 4L * a.length);
                    } else if (v instanceof String s) {
                        referenced += align(24) + align(16 + 2L * s.length());
                    } else if (v instanceof Enum<?>) {
                        referenced += 0; // shared constant
                    } else if (v != null) {
                        throw new AssertionError("unexpected field type " + f);
                    }
                }
            }
        }
        return align(size) + referenced;
    }

    static long align(long n) {
        return (n + 7) / 8 * 8;
    }
}
