package dev.apiguard.apikey;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ApiKeysTest {

    /** A key with this head and a correct checksum: only the defect under test is wrong. */
    static String withChecksum(String head) {
        CRC32 crc = new CRC32();
        crc.update(head.getBytes(StandardCharsets.UTF_8));
        return head + "_" + String.format("%08x", crc.getValue());
    }

    static final String BODY =
            Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[32]).replace('A', 'b');

    @Test
    void generatedKeysHaveTheFormatAndDiffer() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            String key = ApiKeys.generate();
            assertThat(key).hasSize(ApiKeys.LENGTH).startsWith("apg_").matches("apg_[A-Za-z0-9_-]{43}_[0-9a-f]{8}");
            assertThat(ApiKeys.isWellFormed(key)).as(key).isTrue();
            assertThat(seen.add(key)).isTrue();
        }
    }

    @Test
    void checksumIsCrc32OfEverythingBeforeTheLastUnderscore() {
        String key = ApiKeys.generate(new SecureRandom());
        String head = key.substring(0, key.lastIndexOf('_'));
        assertThat(key).isEqualTo(withChecksum(head));
    }

    static Stream<Arguments> malformedKeys() {
        String valid;
        do {
            // a checksum of digits only would look the same upper-cased: take one with a letter
            valid = ApiKeys.generate();
        } while (!valid.substring(valid.lastIndexOf('_') + 1).matches(".*[a-f].*"));
        String head = valid.substring(0, valid.lastIndexOf('_'));
        String crc = valid.substring(valid.lastIndexOf('_') + 1);
        String wrongCrc = crc.equals("00000000") ? "00000001" : "00000000";
        return Stream.of(
                Arguments.of("wrong prefix", withChecksum("apk_" + head.substring(4))),
                Arguments.of("upper-case prefix", withChecksum("APG_" + head.substring(4))),
                Arguments.of("no prefix", withChecksum(head.substring(4))),
                Arguments.of("body one character short", withChecksum(head.substring(0, head.length() - 1))),
                Arguments.of("body one character long", withChecksum(head + "A")),
                Arguments.of("wrong checksum", head + "_" + wrongCrc),
                Arguments.of("upper-case checksum", head + "_" + crc.toUpperCase()),
                Arguments.of("checksum too short", head + "_" + crc.substring(1)),
                Arguments.of("extra underscore before checksum", head + "__" + crc),
                Arguments.of("dash instead of the underscore before the checksum", head + "-" + crc),
                Arguments.of("letter instead of the underscore before the checksum", head + "A" + crc),
                Arguments.of("extra underscore inside", withChecksum("apg__" + head.substring(4))),
                Arguments.of("padding", withChecksum(head.substring(0, head.length() - 1) + "=")),
                Arguments.of(
                        "standard base64 character", withChecksum(head.substring(0, 10) + "+" + head.substring(11))),
                Arguments.of("non-canonical last character", withChecksum("apg_" + BODY.substring(0, 42) + "B")),
                Arguments.of("oversized", withChecksum(head + "A".repeat(10_000))),
                Arguments.of("non-ASCII", withChecksum(head.substring(0, 10) + "é" + head.substring(11))),
                Arguments.of("trailing space", valid + " "),
                Arguments.of("empty", ""),
                Arguments.of("null", null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedKeys")
    void malformedKeysAreRefused(String name, String key) {
        assertThat(ApiKeys.isWellFormed(key)).isFalse();
    }

    @Test
    void canonicalBodyWithUnderscoresAndDashesIsAccepted() {
        String key = withChecksum("apg_" + "_-".repeat(21) + "A");
        assertThat(ApiKeys.isWellFormed(key)).isTrue();
    }

    /**
     * 43 base64url characters carry 258 bits, so the last one's two low bits must be zero: one
     * character of each class on either side of that rule, each with a correct checksum.
     */
    @ParameterizedTest(name = "last character {0}: {1}")
    @org.junit.jupiter.params.provider.CsvSource({
        "A, true",
        "E, true",
        "Z, false",
        "B, false",
        "c, true",
        "w, true",
        "a, false",
        "b, false",
        "z, false",
        "0, true",
        "4, true",
        "1, false",
        "9, false",
        "-, false",
        "_, false"
    })
    void lastBodyCharacterMustBeCanonical(char last, boolean wellFormed) {
        String key = withChecksum("apg_" + BODY.substring(0, 42) + last);
        assertThat(ApiKeys.isWellFormed(key)).as(key).isEqualTo(wellFormed);
    }

    @Test
    void everyBase64UrlCharacterIsAcceptedInTheBody() {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        for (int i = 0; i < alphabet.length(); i++) {
            String key =
                    withChecksum("apg_" + String.valueOf(alphabet.charAt(i)).repeat(42) + "A");
            assertThat(ApiKeys.isWellFormed(key)).as(key).isTrue();
        }
        for (char c : new char[] {'@', '[', '`', '{', '/', ':', '+', '.'}) {
            String key = withChecksum("apg_" + String.valueOf(c).repeat(42) + "A");
            assertThat(ApiKeys.isWellFormed(key)).as(key).isFalse();
        }
    }

    @Test
    void checksumDigitsAreLowerHexOnly() {
        String head = "apg_" + BODY.substring(0, 42) + "A";
        String key = withChecksum(head);
        String crc = key.substring(key.lastIndexOf('_') + 1);
        // the same length, each digit pushed just outside 0-9 / a-f: refused before the CRC is compared
        for (String bad : new String[] {"/", ":", "`", "g"}) {
            assertThat(ApiKeys.isWellFormed(head + "_" + bad + crc.substring(1)))
                    .as(bad)
                    .isFalse();
        }
    }

    @Test
    void keyIdNeedsSixteenDigits() {
        assertThat(ApiKeys.keyId("0123456789abcdef")).isEqualTo("0123456789abcdef");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ApiKeys.keyId("0123456789abcde"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sha256Hex");
    }

    @Test
    void hashIsLowerHexSha256AndKeyIdItsFirst16Digits() {
        String hex = ApiKeys.sha256Hex("abc");
        assertThat(hex).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assertThat(ApiKeys.keyId(hex)).isEqualTo("ba7816bf8f01cfea");
    }
}
