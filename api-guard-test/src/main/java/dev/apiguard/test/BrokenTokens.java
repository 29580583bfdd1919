package dev.apiguard.test;

import dev.apiguard.test.internal.Encoding;
import java.util.List;
import java.util.Objects;

/**
 * Malformed token strings for the attack tests of security-cases §A (docs/security-cases.md).11–13: wrong segment counts,
 * bad base64url, trailing garbage, JSON that is not an object, oversized tokens.
 *
 * <p>The methods that take a token change only its structure, so a test that feeds them a good
 * token from {@link TokenBuilder#sign()} proves the structure, not the content, is what is refused.
 * Signature-level attacks (alg none, HS256 with the public key, a foreign key, altered payload)
 * are on {@link TokenBuilder}. Stateless and thread-safe.
 */
public final class BrokenTokens {

    /** The spellings of the unsecured algorithm an attacker tries (RFC 8725 §2.1). */
    public static final List<String> NONE_SPELLINGS = List.of("none", "None", "NONE", "nOnE");

    private BrokenTokens() {}

    /** The token without its signature segment and its last dot: two segments. */
    public static String twoSegments(String token) {
        String[] p = segments(token);
        return p[0] + "." + p[1];
    }

    /** The token with one more segment appended: four segments. */
    public static String fourSegments(String token) {
        return token + "." + p(segments(token)[2]);
    }

    /**
     * A five-segment token shaped like a JWE (RFC 7516 compact form) with an {@code RSA-OAEP-256}
     * header: JWE is not an accepted access token format.
     */
    public static String fiveSegmentsJwe() {
        String header = Encoding.base64Url("{\"alg\":\"RSA-OAEP-256\",\"enc\":\"A256GCM\",\"typ\":\"at+jwt\"}");
        return header + "." + Encoding.base64Url(new byte[256]) + "." + Encoding.base64Url(new byte[12]) + "."
                + Encoding.base64Url(new byte[64]) + "." + Encoding.base64Url(new byte[16]);
    }

    /** The token with its header segment emptied: {@code .payload.signature}. */
    public static String emptyHeader(String token) {
        String[] p = segments(token);
        return "." + p[1] + "." + p[2];
    }

    /** The token with its payload segment emptied: {@code header..signature}. */
    public static String emptyPayload(String token) {
        String[] p = segments(token);
        return p[0] + ".." + p[2];
    }

    /** Two dots and nothing else. */
    public static String onlyDots() {
        return "..";
    }

    /** The token with characters outside the base64url alphabet ({@code +/=*}) in its payload. */
    public static String badBase64Url(String token) {
        String[] p = segments(token);
        return p[0] + "." + p[1].substring(0, p[1].length() / 2) + "+/=*" + p[1].substring(p[1].length() / 2) + "."
                + p[2];
    }

    /** The token followed by the given text, for example {@code " x"} or {@code ".."}. */
    public static String withTrailingGarbage(String token, String garbage) {
        return Objects.requireNonNull(token, "token cannot be null") + garbage;
    }

    /** The token followed by {@code "garbage"}, appended to its signature segment. */
    public static String withTrailingGarbage(String token) {
        return withTrailingGarbage(token, "garbage");
    }

    /**
     * A token whose payload is a top-level JSON array of a valid claim set, correctly signed by
     * the issuer: only the JSON shape is wrong.
     */
    public static String topLevelJsonArray(LocalIssuer issuer) {
        TokenBuilder good = issuer.token();
        return issuer.signRaw(good.headerJson(), "[" + good.payloadJson() + "]");
    }

    /**
     * A JWS-shaped string of exactly {@code length} characters (at least 50): a plausible header,
     * a payload of base64url filler and a short signature, for size limits (security-cases §A (docs/security-cases.md).12).
     */
    public static String oversized(int length) {
        String header = Encoding.base64Url("{\"alg\":\"RS256\",\"typ\":\"at+jwt\"}");
        String sig = "c2ln";
        int fill = length - header.length() - sig.length() - 2;
        if (fill < 1) {
            throw new IllegalArgumentException("length must leave room for a payload: " + length);
        }
        return header + "." + "A".repeat(fill) + "." + sig;
    }

    private static String p(String s) {
        return s.isEmpty() ? "AAAA" : s;
    }

    private static String[] segments(String token) {
        Objects.requireNonNull(token, "token cannot be null");
        String[] p = token.split("\\.", -1);
        if (p.length != 3) {
            throw new IllegalArgumentException("expected a three-segment compact JWS, got " + p.length + " segments");
        }
        return p;
    }
}
