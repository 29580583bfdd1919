package dev.apiguard.internal;

import dev.apiguard.GuardExchange;
import java.nio.charset.StandardCharsets;

/**
 * The SHA-256 of one credential string, computed once per request and shared by the steps that
 * need it: the anonymous limiter's credential fingerprint and the verified-token cache key both
 * hash the token, and a token is hundreds of bytes. The memo is a tag on the request's
 * {@link GuardExchange} and lives as long as the exchange.
 *
 * <p>The returned array is shared: callers must not modify it. Not API; may change in any release.
 */
public final class Sha256Memo {

    private final String input;
    private final byte[] digest;

    private Sha256Memo(String input, byte[] digest) {
        this.input = input;
        this.digest = digest;
    }

    /** The SHA-256 of the text's UTF-8 bytes, from the exchange's memo when it holds this text. */
    public static byte[] of(GuardExchange exchange, String text) {
        Sha256Memo memo = exchange.tag(Sha256Memo.class);
        if (memo != null && memo.input.equals(text)) {
            return memo.digest;
        }
        byte[] digest = CertificateDigests.sha256Of(text.getBytes(StandardCharsets.UTF_8));
        exchange.tag(Sha256Memo.class, new Sha256Memo(text, digest));
        return digest;
    }
}
