package dev.apiguard.internal;

import dev.apiguard.GuardExchange;
import java.nio.charset.StandardCharsets;

/**
 * The SHA-256 of one credential, computed once per request and shared by the steps that need it:
 * the anonymous limiter's credential fingerprint and the verified-token cache key both hash the
 * token, and a token is hundreds of bytes. The memo is a tag on the request's
 * {@link GuardExchange} and lives as long as the exchange.
 *
 * <p>The credential is given as a header value and the index where it starts (after the
 * {@code Bearer} and its spaces), so that neither caller copies the token out of the header to
 * hash it: the token's bytes are hashed in place, and a {@code String} of the token is made only
 * when it must be parsed (a token not found in a cache).
 *
 * <p>The returned array is shared: callers must not modify it. Not API; may change in any release.
 */
public final class Sha256Memo {

    private final String input;
    private final int from;
    private final byte[] digest;

    private Sha256Memo(String input, int from, byte[] digest) {
        this.input = input;
        this.from = from;
        this.digest = digest;
    }

    /** The SHA-256 of the text's UTF-8 bytes, from the exchange's memo when it holds this text. */
    public static byte[] of(GuardExchange exchange, String text) {
        return of(exchange, text, 0);
    }

    /**
     * The SHA-256 of the UTF-8 bytes of {@code text.substring(from)}, from the exchange's memo when
     * it holds the same characters, without making that substring.
     */
    public static byte[] of(GuardExchange exchange, String text, int from) {
        Sha256Memo memo = exchange.tag(Sha256Memo.class);
        if (memo != null && memo.holds(text, from)) {
            return memo.digest;
        }
        byte[] digest = sha256(text, from);
        exchange.tag(Sha256Memo.class, new Sha256Memo(text, from, digest));
        return digest;
    }

    private boolean holds(String text, int start) {
        if (input == text && from == start) {
            return true; // the same header value: containers hand out one String per value
        }
        int length = text.length() - start;
        return input.length() - from == length && input.regionMatches(from, text, start, length);
    }

    private static byte[] sha256(String text, int from) {
        for (int i = 0; i < from; i++) {
            if (text.charAt(i) >= 0x80) {
                // a prefix of other than one byte per character: its UTF-8 length is not from
                return CertificateDigests.sha256Of(text.substring(from).getBytes(StandardCharsets.UTF_8));
            }
        }
        byte[] all = text.getBytes(StandardCharsets.UTF_8);
        return CertificateDigests.sha256Of(all, from, all.length - from);
    }
}
