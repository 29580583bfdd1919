package dev.apiguard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ConstantTimeTest {

    private static final String THUMBPRINT = "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2";

    @Test
    void equalStringsAreEqual() {
        assertThat(ConstantTime.equals(THUMBPRINT, new String(THUMBPRINT.toCharArray())))
                .isTrue();
        assertThat(ConstantTime.equals("", "")).isTrue();
    }

    @Test
    void aDifferenceAnywhereIsFound() {
        for (int i = 0; i < THUMBPRINT.length(); i++) {
            char[] other = THUMBPRINT.toCharArray();
            other[i] ^= 1;
            assertThat(ConstantTime.equals(THUMBPRINT, new String(other)))
                    .as("differs at %d", i)
                    .isFalse();
        }
    }

    @Test
    void aPrefixIsNotEqual() {
        assertThat(ConstantTime.equals(THUMBPRINT, THUMBPRINT.substring(0, 42))).isFalse();
        assertThat(ConstantTime.equals(THUMBPRINT.substring(0, 42), THUMBPRINT)).isFalse();
        assertThat(ConstantTime.equals("", "a")).isFalse();
    }

    @Test
    void unpairedSurrogatesAreNotTheSameCharacter() {
        // UTF-8 encodes both as '?': comparing encodings would call them equal
        assertThat(ConstantTime.equals("a\ud800", "a\udc00")).isFalse();
        assertThat(ConstantTime.equals("a\ud800", "a?")).isFalse();
        assertThat(ConstantTime.equals("\u0100", "\u0001")).isFalse();
    }
}
