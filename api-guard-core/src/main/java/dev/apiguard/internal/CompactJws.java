package dev.apiguard.internal;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.jspecify.annotations.Nullable;

/**
 * Strict splitting of a compact JWS (RFC 7515 §7.1) before any JSON is parsed: exactly three
 * non-empty segments of unpadded, canonical base64url, and UTF-8 JSON text in the first two.
 * Nimbus' own parser is lenient about padding and stray characters; this one is not, so that one
 * token has exactly one spelling.
 *
 * @param headerB64 the first segment as sent
 * @param payloadB64 the second segment as sent
 * @param signatureB64 the third segment as sent
 * @param headerJson the decoded header
 * @param payloadJson the decoded payload
 */
public record CompactJws(
        String headerB64, String payloadB64, String signatureB64, String headerJson, String payloadJson) {

    /** Why a token did not split. */
    public enum Fault {
        MALFORMED,
        JWE
    }

    /** The result of {@link #split}: a JWS or a fault. */
    public record Split(@Nullable CompactJws jws, @Nullable Fault fault) {}

    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

    /** Splits and decodes; never throws. */
    public static Split split(String token) {
        int dots = 0;
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c == '.') {
                dots++;
            } else if (!isBase64Url(c)) {
                return new Split(null, Fault.MALFORMED);
            }
        }
        if (dots == 4) {
            return new Split(null, Fault.JWE);
        }
        if (dots != 2) {
            return new Split(null, Fault.MALFORMED);
        }
        int first = token.indexOf('.');
        int second = token.indexOf('.', first + 1);
        String h = token.substring(0, first);
        String p = token.substring(first + 1, second);
        String s = token.substring(second + 1);
        if (h.isEmpty() || p.isEmpty() || s.isEmpty()) {
            return new Split(null, Fault.MALFORMED);
        }
        byte[] hb = decode(h);
        byte[] pb = decode(p);
        if (hb == null || pb == null || decode(s) == null) {
            return new Split(null, Fault.MALFORMED);
        }
        String hj = utf8(hb);
        String pj = utf8(pb);
        if (hj == null || pj == null) {
            return new Split(null, Fault.MALFORMED);
        }
        return new Split(new CompactJws(h, p, s, hj, pj), null);
    }

    /** The JWS signing input: {@code header.payload} as ASCII bytes. */
    public byte[] signingInput() {
        return (headerB64 + '.' + payloadB64).getBytes(StandardCharsets.US_ASCII);
    }

    private static boolean isBase64Url(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    }

    /** Decodes canonical unpadded base64url, or returns null. */
    private static byte @Nullable [] decode(String segment) {
        if (segment.length() % 4 == 1) {
            return null;
        }
        try {
            byte[] bytes = DECODER.decode(segment);
            // unused trailing bits must be zero: one token, one spelling
            return ENCODER.encodeToString(bytes).equals(segment) ? bytes : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static @Nullable String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
