package dev.apiguard.binding.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.binding.CertificateRejection;
import dev.apiguard.binding.internal.ForwardedCertificateHeader.Absent;
import dev.apiguard.binding.internal.ForwardedCertificateHeader.Der;
import dev.apiguard.binding.internal.ForwardedCertificateHeader.Malformed;
import dev.apiguard.binding.internal.ForwardedCertificateHeader.Parsed;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The forwarded-certificate header readers with hostile input. They only produce DER bytes, so a
 * few arbitrary bytes stand for a certificate here; real certificates meet them in the test kit's
 * and the demo's tests.
 */
class ForwardedCertificateHeaderTest {

    // bytes whose base64 holds '+' and '/', so that '+' handling is visible
    static final byte[] DER = {
        (byte) 0xfb, (byte) 0xef, (byte) 0xbe, 0x30, (byte) 0x82, 0x01, (byte) 0xff, (byte) 0xfe, 0x7f
    };
    static final String B64 = Base64.getEncoder().encodeToString(DER); // "++++MIIB//5/"
    static final String PEM = "-----BEGIN CERTIFICATE-----\n" + B64 + "\n-----END CERTIFICATE-----\n";
    static final String ESCAPED = escape(PEM);
    static final int MAX = 16 * 1024;

    /** URL-encodes like nginx: newlines and spaces escaped, '+' and '/' kept. */
    static String escape(String s) {
        return s.replace("\n", "%0A").replace(" ", "%20");
    }

    static String hash() throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(DER));
    }

    static Parsed parse(String value) {
        return ForwardedCertificateHeader.parse(List.of(value), MAX);
    }

    static Stream<Arguments> certificates() throws Exception {
        return Stream.of(
                Arguments.of("nginx escaped PEM, + kept", ESCAPED),
                Arguments.of("nginx escaped PEM, + as %2B", ESCAPED.replace("+", "%2B")),
                Arguments.of("nginx escaped PEM, lower-case escapes", ESCAPED.replace("%0A", "%0a")),
                Arguments.of(
                        "nginx escaped PEM with CRLF",
                        escape(PEM.replace("\n", "\r\n")).replace("\r", "%0D")),
                Arguments.of("RFC 9440 sf-binary", ":" + B64 + ":"),
                Arguments.of("RFC 9440 with surrounding spaces", "  :" + B64 + ":  "),
                Arguments.of("XFCC unquoted Cert", "By=spiffe://proxy;Cert=" + ESCAPED),
                Arguments.of("XFCC quoted Cert", "By=spiffe://proxy;Cert=\"" + ESCAPED + "\""),
                Arguments.of("XFCC key case", "BY=spiffe://proxy;cErT=\"" + ESCAPED + "\""),
                Arguments.of("XFCC with matching Hash", "Hash=" + hash() + ";Cert=\"" + ESCAPED + "\""),
                Arguments.of("XFCC with upper-case Hash", "Hash=" + hash().toUpperCase() + ";Cert=\"" + ESCAPED + "\""),
                Arguments.of(
                        "XFCC quoted Subject with , ; = and escaped quote",
                        "Subject=\"CN=a\\\"b,O=x;y=z\";Cert=\"" + ESCAPED + "\""),
                Arguments.of(
                        "XFCC last element wins",
                        "By=spiffe://client;Cert=%2D%2D%2D,By=spiffe://proxy;Cert=\"" + ESCAPED + "\""),
                Arguments.of(
                        "XFCC earlier element may repeat keys", "By=a;By=b,By=spiffe://proxy;Cert=\"" + ESCAPED + "\""),
                Arguments.of("XFCC trailing semicolon", "By=x;Cert=\"" + ESCAPED + "\";"),
                Arguments.of("XFCC spaces around pairs", " By = x ; Cert = \"" + ESCAPED + "\" "));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("certificates")
    void readsTheCertificateBytes(String name, String value) {
        Parsed parsed = parse(value);
        assertThat(parsed).isInstanceOf(Der.class);
        assertThat(((Der) parsed).bytes()).isEqualTo(DER);
    }

    static Stream<Arguments> noCertificate() {
        return Stream.of(
                Arguments.of("nginx empty", ""),
                Arguments.of("nginx blank", "   "),
                Arguments.of("nginx dash", "-"),
                Arguments.of("nginx (null)", "(null)"),
                Arguments.of("XFCC Hash only", "Hash=0123456789abcdef"),
                Arguments.of("XFCC By and Subject, no Cert", "By=spiffe://proxy;Subject=\"CN=a\""),
                Arguments.of(
                        "XFCC Cert only in an earlier element", "Cert=\"" + ESCAPED + "\",By=spiffe://proxy;Hash=00"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("noCertificate")
    void readsNoCertificate(String name, String value) {
        assertThat(parse(value)).isInstanceOf(Absent.class);
    }

    static Stream<Arguments> hostile() {
        return Stream.of(
                Arguments.of(
                        "XFCC duplicate Cert",
                        "Cert=\"" + ESCAPED + "\";Cert=\"" + ESCAPED + "\"",
                        "xfcc_duplicate_key"),
                Arguments.of(
                        "XFCC duplicate key differing in case",
                        "By=a;bY=b;Cert=\"" + ESCAPED + "\"",
                        "xfcc_duplicate_key"),
                Arguments.of("XFCC unterminated quote", "By=x;Cert=\"" + ESCAPED, "xfcc_unterminated_quote"),
                Arguments.of("XFCC backslash at the end of a quote", "Cert=\"abc\\", "xfcc_unterminated_quote"),
                Arguments.of("XFCC quote in the middle of a value", "Cert=ab\"cd\"", "xfcc_misplaced_quote"),
                Arguments.of("XFCC quote in a key", "\"Cert\"=x", "xfcc_misplaced_quote"),
                Arguments.of("XFCC text after a quote", "Cert=\"x\"y", "xfcc_text_after_quote"),
                Arguments.of("XFCC unquoted equals", "Subject=CN=a;Cert=x", "xfcc_unquoted_equals"),
                Arguments.of("XFCC pair without equals", "Cert;By=x", "xfcc_pair_without_equals"),
                Arguments.of("XFCC empty element", "By=x,,By=y", "xfcc_empty_element"),
                Arguments.of("XFCC trailing comma", "By=x;Cert=\"" + ESCAPED + "\",", "xfcc_empty_element"),
                Arguments.of("XFCC empty key", "=x", "xfcc_bad_key"),
                Arguments.of("XFCC control character", "By=a\u0001;Cert=x", "xfcc_control_character"),
                Arguments.of(
                        "XFCC Hash does not match Cert",
                        "Hash=" + "00".repeat(32) + ";Cert=\"" + ESCAPED + "\"",
                        "xfcc_hash_mismatch"),
                Arguments.of("XFCC Cert not PEM", "Cert=\"hello\"", "pem_syntax"),
                Arguments.of("XFCC Cert percent garbage", "Cert=\"%ZZ%0\"", "percent_encoding"),
                Arguments.of("non-PEM garbage", "garbage", "xfcc_pair_without_equals"),
                Arguments.of(
                        "nginx truncated PEM", ESCAPED.substring(0, ESCAPED.indexOf("-----END") + 8), "pem_syntax"),
                Arguments.of("nginx percent at the end", ESCAPED + "%", "percent_encoding"),
                Arguments.of("nginx percent with one digit", ESCAPED + "%4", "percent_encoding"),
                Arguments.of("nginx bad hex", ESCAPED.replace("%0A", "%G0"), "percent_encoding"),
                Arguments.of("nginx %00", ESCAPED.replace("%0A", "%00"), "percent_encoding"),
                Arguments.of("nginx non-ASCII after decoding", ESCAPED.replace("%0A", "%C3%A9"), "percent_encoding"),
                Arguments.of(
                        "nginx body not base64",
                        escape("-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----"),
                        "pem_base64"),
                Arguments.of(
                        "nginx empty body",
                        escape("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----"),
                        "pem_syntax"),
                Arguments.of("nginx text after END", ESCAPED + "extra", "pem_syntax"),
                Arguments.of("nginx two certificates", escape(PEM + PEM), "pem_base64"),
                Arguments.of("RFC 9440 missing closing colon", ":" + B64, "rfc9440_syntax"),
                Arguments.of("RFC 9440 only colons", "::", "rfc9440_syntax"),
                Arguments.of("RFC 9440 single colon", ":", "rfc9440_syntax"),
                Arguments.of(
                        "RFC 9440 base64url alphabet",
                        ":" + Base64.getUrlEncoder().encodeToString(DER) + ":",
                        "rfc9440_syntax"),
                Arguments.of("RFC 9440 bad padding", ":" + B64 + "=:", "rfc9440_base64"),
                Arguments.of("RFC 9440 with parameters", ":" + B64 + ":;a=1", "rfc9440_syntax"),
                Arguments.of(
                        "RFC 9440 PEM inside",
                        ":" + Base64.getEncoder().encodeToString(PEM.getBytes(StandardCharsets.US_ASCII)) + "x:",
                        "rfc9440_base64"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void refusesHostileValues(String name, String value, String reason) {
        assertThat(parse(value))
                .isEqualTo(new Malformed(
                        CertificateRejection.valueOf("FORWARDED_" + reason.toUpperCase(java.util.Locale.ROOT))));
    }

    @Test
    void aValueOneCharacterOverTheLimitIsRefusedBeforeDecoding() {
        String atLimit = "By=" + "a".repeat(MAX - 3);
        assertThat(parse(atLimit)).isInstanceOf(Absent.class);
        assertThat(parse(atLimit + "a")).isEqualTo(new Malformed(CertificateRejection.FORWARDED_OVERSIZED));
        // a lying length would not help: what counts is the characters received, summed over field lines
        assertThat(ForwardedCertificateHeader.parse(List.of(atLimit, "a"), MAX))
                .isEqualTo(new Malformed(CertificateRejection.FORWARDED_OVERSIZED));
    }

    @Test
    void aMegabyteOfGarbageIsRefusedByLengthAlone() {
        String huge = "%".repeat(1 << 20);
        assertThat(parse(huge)).isEqualTo(new Malformed(CertificateRejection.FORWARDED_OVERSIZED));
    }

    @Test
    void twoFieldLinesAreRefusedAndNoneIsAbsent() {
        assertThat(ForwardedCertificateHeader.parse(List.of(":" + B64 + ":", ":" + B64 + ":"), MAX))
                .isEqualTo(new Malformed(CertificateRejection.FORWARDED_MULTIPLE_FIELDS));
        assertThat(ForwardedCertificateHeader.parse(List.of(), MAX)).isInstanceOf(Absent.class);
    }

    @Test
    void percentDecodingKeepsPlusAndDecodesEscapes() {
        assertThat(ForwardedCertificateHeader.percentDecode("a+b%2Bc%2fd")).isEqualTo("a+b+c/d");
        assertThat(ForwardedCertificateHeader.percentDecode("%%41")).isNull();
    }

    @Test
    void xfccTokenizerSplitsOnlyOutsideQuotes() {
        List<List<String[]>> elements = XfccHeader.parse("By=a;Subject=\"x,y;z=\\\"q\\\\\",By=b");
        assertThat(elements).hasSize(2);
        assertThat(elements.get(0).get(1)).containsExactly("Subject", "x,y;z=\"q\\");
        assertThat(elements.get(1).get(0)).containsExactly("By", "b");
    }

    // ---- the edges of each alphabet: one character in, its neighbour out ---------------------------

    @Test
    void sfBinaryTakesExactlyTheBase64Alphabet() {
        assertThat(der(parse(":AZaz09+/:"))).isEqualTo(Base64.getDecoder().decode("AZaz09+/"));
        assertThat(parse(":A:"))
                .as("the shortest value with a body")
                .isEqualTo(new Malformed(CertificateRejection.FORWARDED_RFC9440_BASE64));
        for (char outside : new char[] {'@', '[', '`', '{', '.', ':', '-', '_', ' ', '\u00c0'}) {
            assertThat(parse(":AZa" + outside + "09+/:"))
                    .as("%s", outside)
                    .isEqualTo(new Malformed(CertificateRejection.FORWARDED_RFC9440_SYNTAX));
        }
    }

    @Test
    void aPemBodyMaySpreadOverLinesSpacesAndTabsButNothingElse() {
        String spread = "-----BEGIN CERTIFICATE-----\r\n " + B64.substring(0, 4) + "\t" + B64.substring(4)
                + " \n-----END CERTIFICATE-----";
        assertThat(der(ForwardedCertificateHeader.pem(spread))).isEqualTo(DER);
        assertThat(der(parse(escape(spread).replace("\r", "%0D").replace("\t", "%09"))))
                .isEqualTo(DER);
        assertThat(ForwardedCertificateHeader.pem(spread.replace("\t", "\u000b")))
                .isEqualTo(new Malformed(CertificateRejection.FORWARDED_PEM_BASE64));
        // the markers may not share their dashes
        assertThat(ForwardedCertificateHeader.pem("-----BEGIN CERTIFICATE-----END CERTIFICATE-----"))
                .isEqualTo(new Malformed(CertificateRejection.FORWARDED_PEM_SYNTAX));
        assertThat(ForwardedCertificateHeader.pem("-----BEGIN CERTIFICATE----------END CERTIFICATE-----"))
                .isEqualTo(new Malformed(CertificateRejection.FORWARDED_PEM_SYNTAX));
    }

    @Test
    void percentDecodingTakesAsciiHexDigitsAndPrintableAsciiOnly() {
        assertThat(ForwardedCertificateHeader.percentDecode("%6f%6F%4a%4A%30%39"))
                .isEqualTo("ooJJ09");
        // an escape after letters above 'f' is still an escape
        assertThat(ForwardedCertificateHeader.percentDecode("xyz%41zz%42")).isEqualTo("xyzAzzB");
        assertThat(ForwardedCertificateHeader.percentDecode("%20%7E~ %09%0D%0A"))
                .isEqualTo(" ~~ \t\r\n");
        for (String refused : new String[] {
            "%7F",
            "%1F",
            "%00",
            "\u007f",
            "\u001f",
            "%80",
            "%FF",
            "\u00e9",
            "%\uff10\uff10",
            "%4\uff10",
            "%g0",
            "%0g",
            "%",
            "%4",
            "a%"
        }) {
            assertThat(ForwardedCertificateHeader.percentDecode(refused))
                    .as(refused)
                    .isNull();
        }
    }

    static byte[] der(Parsed parsed) {
        assertThat(parsed).isInstanceOf(Der.class);
        return ((Der) parsed).bytes();
    }

    @Test
    void xfccKeysAreTokensOfLettersDigitsHyphenAndUnderscore() {
        assertThat(XfccHeader.parse("AZaz09-_=v").get(0).get(0)).containsExactly("AZaz09-_", "v");
        for (char outside : new char[] {'@', '[', '`', '{', '/', ':', '.', '+', ' '}) {
            assertThat(parse("By=x;a" + outside + "b=v;Cert=\"" + ESCAPED + "\""))
                    .as("%s", outside)
                    .isEqualTo(new Malformed(CertificateRejection.FORWARDED_XFCC_BAD_KEY));
        }
    }

    @Test
    void xfccQuotedValuesKeepTheirSpacesAndUnquotedOnesAreTrimmed() throws Exception {
        List<String[]> pairs =
                XfccHeader.parse("A= \" x \" ;B=\"y\"\t;C= z\tz ;D=\"\"").get(0);
        assertThat(pairs).extracting(pair -> pair[0] + "=" + pair[1]).containsExactly("A= x ", "B=y", "C=z\tz", "D=");
        assertThat(parse("By=\"\"\"x\"")).isEqualTo(new Malformed(CertificateRejection.FORWARDED_XFCC_MISPLACED_QUOTE));
        // a space after a quoted Hash is not part of the hash
        assertThat(der(parse("Hash=\"" + hash() + "\" ;Cert=\"" + ESCAPED + "\"\t")))
                .isEqualTo(DER);
        assertThat(parse("By=a\u007fb;Cert=\"" + ESCAPED + "\""))
                .isEqualTo(new Malformed(CertificateRejection.FORWARDED_XFCC_CONTROL_CHARACTER));
    }
}
