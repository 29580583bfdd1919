package dev.apiguard.ratelimit.internal;

import dev.apiguard.internal.CertificateDigests;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The digest a keyed limit's bucket is named by: SHA-256 of the key part's UTF-8, so that no string
 * a client sent ever reaches a store's key, whatever its characters and length. Its first 132 bits
 * in 22 base64url characters name the bucket (as a caller's hash tag does); its first 64 bits tell
 * parts apart in a {@link KeySpread}.
 */
public final class KeyDigest {

    /** Characters of the digest in a bucket key: 132 bits. */
    public static final int LENGTH = 22;

    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

    private final String text;
    private final long bits;

    private KeyDigest(byte[] sha256) {
        this.text = B64URL.encodeToString(sha256).substring(0, LENGTH);
        this.bits = ByteBuffer.wrap(sha256).getLong();
    }

    /** The digest of a key part. */
    public static KeyDigest of(String part) {
        return new KeyDigest(CertificateDigests.sha256().digest(part.getBytes(StandardCharsets.UTF_8)));
    }

    /** The digest as 22 base64url characters. */
    public String text() {
        return text;
    }

    /** The digest's first 64 bits. */
    public long bits() {
        return bits;
    }
}
