package dev.apiguard.binding.internal;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * Stateless DPoP server nonces (RFC 9449 §8): a nonce is the base64url of the time bucket it was
 * made in and an HMAC-SHA256 of that bucket, so any node holding the secret can check it without
 * storing anything. A nonce made in bucket {@code b} is accepted in buckets {@code b} and
 * {@code b + 1}: for at least one bucket length and at most two. Thread-safe.
 */
public final class DpopNonces {

    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();
    private static final int MAC_BYTES = 16;
    private static final int NONCE_BYTES = Long.BYTES + MAC_BYTES;
    private static final int NONCE_LENGTH = (NONCE_BYTES * 4 + 2) / 3;

    private final SecretKeySpec key;
    private final long bucketSeconds;

    private DpopNonces(byte[] secret, Duration validity) {
        this.key = new SecretKeySpec(secret, "HmacSHA256");
        this.bucketSeconds = validity.toSeconds();
    }

    /** Nonces valid for the given bucket length, keyed by the secret, or by a random one when null. */
    public static DpopNonces create(byte @Nullable [] secret, Duration validity) {
        byte[] s = secret;
        if (s == null) {
            s = new byte[32];
            new SecureRandom().nextBytes(s);
        }
        return new DpopNonces(s, validity);
    }

    /** A fresh nonce for the bucket of {@code now}. */
    public String issue(Instant now) {
        return encode(bucket(now));
    }

    /** Whether the nonce was made by this secret in the bucket of {@code now} or the one before. */
    public boolean isValid(@Nullable String nonce, Instant now) {
        if (nonce == null || nonce.length() != NONCE_LENGTH) {
            return false;
        }
        byte[] raw;
        try {
            raw = DECODER.decode(nonce);
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (raw.length != NONCE_BYTES) {
            return false;
        }
        long bucket = ByteBuffer.wrap(raw, 0, Long.BYTES).getLong();
        long current = bucket(now);
        if (bucket != current && bucket != current - 1) {
            return false;
        }
        byte[] expected = DECODER.decode(encode(bucket));
        return MessageDigest.isEqual(raw, expected);
    }

    private long bucket(Instant now) {
        return Math.floorDiv(now.getEpochSecond(), bucketSeconds);
    }

    private String encode(long bucket) {
        byte[] b = ByteBuffer.allocate(Long.BYTES).putLong(bucket).array();
        byte[] mac;
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(key);
            mac = m.doFinal(b);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required of every Java platform", e);
        }
        byte[] out =
                ByteBuffer.allocate(NONCE_BYTES).put(b).put(mac, 0, MAC_BYTES).array();
        return ENCODER.encodeToString(out);
    }
}
