package dev.apiguard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Strict compact JWS splitting: one spelling per token, JWE told apart, never an exception. */
class CompactJwsTest {

    private static final String H = b64("{\"alg\":\"ES256\"}");
    private static final String P = b64("{\"sub\":\"s\"}");
    private static final String S = b64("sig");

    private static String b64(String s) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aWellFormedJwsSplitsIntoItsSegmentsAndDecodedJson() {
        CompactJws.Split split = CompactJws.split(H + "." + P + "." + S);
        assertThat(split.fault()).isNull();
        CompactJws jws = split.jws();
        assertThat(jws.headerB64()).isEqualTo(H);
        assertThat(jws.payloadB64()).isEqualTo(P);
        assertThat(jws.signatureB64()).isEqualTo(S);
        assertThat(jws.headerJson()).isEqualTo("{\"alg\":\"ES256\"}");
        assertThat(jws.payloadJson()).isEqualTo("{\"sub\":\"s\"}");
        assertThat(new String(jws.signingInput(), StandardCharsets.US_ASCII)).isEqualTo(H + "." + P);
    }

    @Test
    void fiveSegmentsOfBase64UrlAreAJwe() {
        assertThat(CompactJws.split("a.b.c.d.e").fault()).isEqualTo(CompactJws.Fault.JWE);
        assertThat(CompactJws.split("....").fault()).isEqualTo(CompactJws.Fault.JWE);
    }

    /**
     * Each character next to the base64url alphabet's ranges, and padding: malformed, also in a
     * token of five segments (which would otherwise be taken for a JWE).
     */
    @ParameterizedTest
    @ValueSource(strings = {"@", "[", "`", "{", "/", ":", "+", "=", " ", "\u00e9", "\u0000"})
    void aCharacterOutsideBase64UrlIsMalformedWhereverItIs(String c) {
        assertThat(CompactJws.split(H + c + "." + P + "." + S).fault()).isEqualTo(CompactJws.Fault.MALFORMED);
        assertThat(CompactJws.split(H + "." + P + "." + S + c).fault()).isEqualTo(CompactJws.Fault.MALFORMED);
        assertThat(CompactJws.split("a" + c + ".b.c.d.e").fault()).isEqualTo(CompactJws.Fault.MALFORMED);
    }

    @Test
    void theEdgesOfTheAlphabetAreBase64Url() {
        // A Z a z 0 9 - _ in the signature segment, 8 characters: decodes to 6 bytes
        assertThat(CompactJws.split(H + "." + P + ".AZaz09-_").fault()).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a", "a.b", "a.b.c.d", "a.b.c.d.e.f", ".P.S", "H..S", "H.P.", "..", "H.P.S."})
    void otherThanThreeNonEmptySegmentsIsMalformed(String token) {
        String t = token.replace("H", H).replace("P", P).replace("S", S);
        assertThat(CompactJws.split(t).fault()).isIn(CompactJws.Fault.MALFORMED);
        assertThat(CompactJws.split(t).jws()).isNull();
    }

    @Test
    void nonCanonicalBase64OrALengthOfOneModFourIsMalformed() {
        // "QR" decodes to one byte, but the canonical spelling of that byte is "QQ"
        assertThat(CompactJws.split(H + "." + P + ".QR").fault()).isEqualTo(CompactJws.Fault.MALFORMED);
        assertThat(CompactJws.split(H + "." + P + ".QQ").fault()).isNull();
        assertThat(CompactJws.split("Q" + H + "." + P + "." + S).fault()).isEqualTo(CompactJws.Fault.MALFORMED);
        assertThat(CompactJws.split(H + ".QQQQQ." + S).fault()).isEqualTo(CompactJws.Fault.MALFORMED);
        assertThat(CompactJws.split(H + "." + P + ".QQQQQ").fault()).isEqualTo(CompactJws.Fault.MALFORMED);
    }

    @Test
    void aHeaderOrPayloadThatIsNotUtf8IsMalformed() {
        String notUtf8 = Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[] {(byte) 0xc3, 0x28});
        assertThat(CompactJws.split(notUtf8 + "." + P + "." + S).fault()).isEqualTo(CompactJws.Fault.MALFORMED);
        assertThat(CompactJws.split(H + "." + notUtf8 + "." + S).fault()).isEqualTo(CompactJws.Fault.MALFORMED);
        // the signature is bytes, not text
        assertThat(CompactJws.split(H + "." + P + "." + notUtf8).fault()).isNull();
    }
}
