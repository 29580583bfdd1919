package dev.apiguard.anomaly.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Page and size values as applications read them: {@code Integer.parseInt}/{@code valueOf} (servlets,
 * JAX-RS), Spring's {@code NumberUtils.parseNumber} (whitespace removed, hexadecimal). Each
 * expectation that a framework reads is checked against that framework's own reading here, so the
 * table cannot drift from the JDK.
 */
class PageNumbersTest {

    static Stream<Arguments> numbers() {
        return Stream.of(
                // value, what PageNumbers reads (null: no number)
                Arguments.of("5", 5L),
                Arguments.of("+5", 5L),
                Arguments.of("-5", -5L),
                Arguments.of("005", 5L),
                Arguments.of("0", 0L),
                Arguments.of("-0", 0L),
                Arguments.of("000000000000000000000000000000012", 12L),
                Arguments.of(" 5 ", 5L),
                Arguments.of("\t5\n", 5L),
                Arguments.of("1 0", 10L),
                Arguments.of("+ 5", 5L),
                Arguments.of("\u00a05", null), // NBSP is no whitespace to Character.isWhitespace
                Arguments.of("\u20035", 5L), // EM SPACE is
                Arguments.of("0x10", 16L),
                Arguments.of("0X1f", 31L),
                Arguments.of("#10", 16L),
                Arguments.of("-0x10", -16L),
                Arguments.of("+0x10", 16L), // Integer.decode reads it; Spring does not: a page either way
                Arguments.of("\u0665", 5L), // Arabic-Indic 5
                Arguments.of("\u0661\u0662", 12L),
                Arguments.of("\uff15", 5L), // fullwidth 5
                Arguments.of("\u0967\u0966", 10L), // Devanagari 10
                Arguments.of("0x\uff21", 10L), // fullwidth A is a hex digit to Character.digit
                Arguments.of("2147483647", 2147483647L),
                Arguments.of("2147483648", 2147483648L),
                Arguments.of("99999999999999999999999", Long.MAX_VALUE),
                Arguments.of("", null),
                Arguments.of(" ", null),
                Arguments.of("+", null),
                Arguments.of("-", null),
                Arguments.of("0x", null),
                Arguments.of("#", null),
                Arguments.of("++5", null),
                Arguments.of("5+", null),
                Arguments.of("5.0", null),
                Arguments.of("1e2", null),
                Arguments.of("5L", null),
                Arguments.of("x5", null),
                Arguments.of("0b101", null),
                Arguments.of("\u00bd", null)); // ½ is numeric, but no digit
    }

    @ParameterizedTest(name = "[{0}] -> {1}")
    @MethodSource("numbers")
    void readsWhatTheFrameworksRead(String value, Long expected) {
        assertThat(PageNumbers.read(value)).isEqualTo(expected == null ? PageNumbers.UNREADABLE : expected);
        if (expected != null && expected > Integer.MIN_VALUE && expected < Integer.MAX_VALUE) {
            assertThat(frameworksRead(value))
                    .as("some framework reads %s as %s", value, expected)
                    .isEqualTo(expected.intValue());
        }
    }

    /** The JDK's and Spring's readings (Spring's rules redone on the JDK: trimAllWhitespace, then decode or valueOf). */
    private static Integer frameworksRead(String value) {
        for (java.util.function.Function<String, Integer> reading :
                java.util.List.<java.util.function.Function<String, Integer>>of(
                        Integer::valueOf, Integer::decode, v -> {
                            String t = v.chars()
                                    .filter(c -> !Character.isWhitespace(c))
                                    .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
                                    .toString();
                            int i = t.startsWith("-") ? 1 : 0;
                            return t.startsWith("0x", i) || t.startsWith("0X", i) || t.startsWith("#", i)
                                    ? Integer.decode(t)
                                    : Integer.valueOf(t);
                        })) {
            try {
                return reading.apply(value);
            } catch (NumberFormatException e) {
                // the next framework
            }
        }
        return null;
    }

    @Test
    void aPageIsItsNumberAndEveryOtherValueStillAPage() {
        assertThat(PageNumbers.page("7")).isEqualTo(7);
        assertThat(PageNumbers.page("+7")).isEqualTo(7);
        assertThat(PageNumbers.page("0x7")).isEqualTo(7);
        assertThat(PageNumbers.page("")).isZero();
        assertThat(PageNumbers.page("  ")).isZero();
        assertThat(PageNumbers.page("2147483647")).isEqualTo(Integer.MAX_VALUE);
        // never negative, and what is not a page number is told apart from page 0 and from one another
        for (String v :
                new String[] {"-1", "-7", "2147483648", "4294967296", "99999999999999999999", "x", "y", "5.0"}) {
            assertThat(PageNumbers.page(v)).as(v).isNotNegative().isNotZero();
        }
        assertThat(PageNumbers.page("-1")).isNotEqualTo(PageNumbers.page("-2"));
        assertThat(PageNumbers.page("x")).isNotEqualTo(PageNumbers.page("y")).isEqualTo(PageNumbers.page(" x "));
    }

    @Test
    void aSizeIsItsNumberAndInDoubtAFullPage() {
        assertThat(PageNumbers.size("100")).isEqualTo(100);
        assertThat(PageNumbers.size("+100")).isEqualTo(100);
        assertThat(PageNumbers.size("0x64")).isEqualTo(100);
        assertThat(PageNumbers.size("1")).isEqualTo(1);
        assertThat(PageNumbers.size("99999999999")).isEqualTo(Integer.MAX_VALUE);
        for (String doubt : new String[] {"0", "-100", "1e2", "100.0", "x"}) {
            assertThat(PageNumbers.size(doubt)).as(doubt).isEqualTo(Integer.MAX_VALUE);
        }
        // blank is the application's default, as no size
        assertThat(PageNumbers.size("")).isZero();
        assertThat(PageNumbers.size(" ")).isZero();
    }
}
