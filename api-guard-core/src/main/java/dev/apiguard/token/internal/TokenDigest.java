package dev.apiguard.token.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * The SHA-256 digest of a token, the key of the verified-token cache: the cache never holds a
 * token, and a key costs 32 bytes whatever the token's length.
 */
public final class TokenDigest {

    private final byte[] digest;
    private final int hash;

    private TokenDigest(byte[] digest) {
        this.digest = digest;
        // the digest is uniformly distributed, so its first four bytes are as good a hash as any
        this.hash = (digest[0] & 0xff) << 24 | (digest[1] & 0xff) << 16 | (digest[2] & 0xff) << 8 | (digest[3] & 0xff);
    }

    /**
     * The key of a token whose SHA-256 is already known (computed once per request and shared
     * with the anonymous limiter); the array is kept, not copied, and must not change.
     */
    public static TokenDigest ofSha256(byte[] sha256) {
        if (sha256.length != 32) {
            throw new IllegalArgumentException("a SHA-256 digest has 32 bytes, not " + sha256.length);
        }
        return new TokenDigest(sha256);
    }

    /** The digest of the token's UTF-8 bytes. */
    public static TokenDigest of(String token) {
        try {
            return new TokenDigest(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }

    @Override
    public boolean equals(@Nullable Object o) {
        return o instanceof TokenDigest other && MessageDigest.isEqual(digest, other.digest);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return "TokenDigest[" + Arrays.hashCode(digest) + "]";
    }
}
