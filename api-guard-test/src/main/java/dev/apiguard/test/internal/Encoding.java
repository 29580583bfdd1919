package dev.apiguard.test.internal;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Base64url and PEM encoding for the test kit. Not part of the public API; may change without
 * notice. Stateless and thread-safe.
 */
public final class Encoding {

    private static final Base64.Encoder URL = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Encoder MIME = Base64.getMimeEncoder(64, new byte[] {'\n'});

    private Encoding() {}

    /** Unpadded base64url of the bytes. */
    public static String base64Url(byte[] bytes) {
        return URL.encodeToString(bytes);
    }

    /** Unpadded base64url of the UTF-8 bytes of the text. */
    public static String base64Url(String text) {
        return base64Url(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Decodes base64url, padded or not. */
    public static byte[] fromBase64Url(String text) {
        return Base64.getUrlDecoder().decode(text);
    }

    /**
     * The RFC 7468 textual encoding: {@code -----BEGIN label-----}, base64 in lines of 64
     * characters, {@code -----END label-----}, each line ending in {@code \n}.
     */
    public static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n" + MIME.encodeToString(der) + "\n-----END " + label + "-----\n";
    }
}
