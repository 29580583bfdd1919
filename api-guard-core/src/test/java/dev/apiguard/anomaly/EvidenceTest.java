package dev.apiguard.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The parts of {@link Evidence} a fleet's store relies on: the id's suffix and its Bloom bits. */
class EvidenceTest {

    @Test
    void theSuffixIsTheLastThreeCharactersSixteenBitsEachFirstMostSignificant() {
        assertThat(Evidence.suffixOf("")).isZero();
        assertThat(Evidence.suffixOf("B")).isEqualTo('B');
        assertThat(Evidence.suffixOf("AB")).isEqualTo(((long) 'A' << 16) | 'B');
        assertThat(Evidence.suffixOf("ABC1234")).isEqualTo(((long) '2' << 32) | ((long) '3' << 16) | '4');
        assertThat(Evidence.suffixOf("XYZ1234")).isEqualTo(Evidence.suffixOf("ABC1234"));
        assertThat(Evidence.suffixOf("ABC1234-tail", 7)).isEqualTo(Evidence.suffixOf("ABC1234"));
        assertThat(Evidence.suffixOf("AB-tail", 2)).isEqualTo(Evidence.suffixOf("AB"));
    }

    @Test
    void forIdsOfOneLengthSuffixesOrderAsTheIdsDo() {
        String[] ids = {"ABC1234", "ABC1235", "ABC1299", "ABC12A0", "ABC2000", "ABCZ999", "ABC\uffff00"};
        for (String a : ids) {
            for (String b : ids) {
                if (a.length() == b.length() && a.regionMatches(0, b, 0, a.length() - 3)) {
                    assertThat(Long.signum(Long.compare(Evidence.suffixOf(a), Evidence.suffixOf(b))))
                            .as("%s against %s", a, b)
                            .isEqualTo(Integer.signum(a.compareTo(b)));
                }
            }
        }
    }

    @Test
    void bloomBitsAreKirschMitzenmacherOverTheHashsHalvesWithinTheFilter() {
        long hash = 0x1234_5678_9abc_def0L;
        int h1 = (int) hash;
        int h2 = (int) (hash >>> 32) | 1;
        for (int i = 0; i < 3; i++) {
            assertThat(Evidence.bloomBit(hash, i)).isEqualTo((h1 + i * h2) & (Evidence.BLOOM_BITS - 1));
            assertThat(Evidence.bloomBit(hash, i)).isBetween(0, Evidence.BLOOM_BITS - 1);
        }
        Evidence e = new Evidence(0, false, false, 0, true, false, hash, 0, 0, 0);
        assertThat(e.bloomBit(1)).isEqualTo(Evidence.bloomBit(hash, 1)).isNotEqualTo(e.bloomBit(0));
    }
}
