package dev.apiguard.binding.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** Stateless server nonces (RFC 9449 §8): valid in the bucket they were made in and the next one, made by one secret. */
class DpopNoncesTest {

    static final Duration BUCKET = Duration.ofMinutes(5);
    /** The start of a bucket: epoch seconds divisible by 300. */
    static final Instant START = Instant.ofEpochSecond(1_900_000_200L);

    static final byte[] SECRET = "a secret of thirty-two bytes ...".getBytes(StandardCharsets.US_ASCII);

    final DpopNonces nonces = DpopNonces.create(SECRET, BUCKET);

    @Test
    void aNonceIsValidInItsBucketAndTheNextOneOnly() {
        String nonce = nonces.issue(START);
        assertThat(nonce).hasSize(32).matches("[A-Za-z0-9_-]+");
        assertThat(nonces.isValid(nonce, START)).isTrue();
        assertThat(nonces.isValid(nonce, START.plus(BUCKET).minusSeconds(1))).isTrue();
        assertThat(nonces.isValid(nonce, START.plus(BUCKET))).isTrue();
        assertThat(nonces.isValid(nonce, START.plus(BUCKET.multipliedBy(2)).minusSeconds(1)))
                .isTrue();
        assertThat(nonces.isValid(nonce, START.plus(BUCKET.multipliedBy(2))))
                .as("two buckets on")
                .isFalse();
        assertThat(nonces.isValid(nonce, START.minusSeconds(1)))
                .as("the bucket before it was made")
                .isFalse();
        // a nonce made later in the same bucket is the same nonce
        assertThat(nonces.issue(START.plus(BUCKET).minusSeconds(1))).isEqualTo(nonce);
        assertThat(nonces.issue(START.plus(BUCKET))).isNotEqualTo(nonce);
    }

    @Test
    void aNonceOfAnotherSecretIsRefusedAndARandomSecretIsRandom() {
        String nonce = nonces.issue(START);
        assertThat(DpopNonces.create("another secret, also 32 bytes ..".getBytes(StandardCharsets.US_ASCII), BUCKET)
                        .isValid(nonce, START))
                .isFalse();
        assertThat(DpopNonces.create(SECRET.clone(), BUCKET).isValid(nonce, START))
                .as("same secret, another node")
                .isTrue();
        DpopNonces randomA = DpopNonces.create(null, BUCKET);
        DpopNonces randomB = DpopNonces.create(null, BUCKET);
        assertThat(randomA.isValid(randomA.issue(START), START)).isTrue();
        assertThat(randomB.isValid(randomA.issue(START), START)).isFalse();
        assertThat(DpopNonces.create(new byte[32], BUCKET).isValid(randomA.issue(START), START))
                .as("a random secret is not all zeros")
                .isFalse();
    }

    @Test
    void aNonceWithItsBucketChangedOrItsMacAlteredIsRefused() {
        byte[] raw = Base64.getUrlDecoder().decode(nonces.issue(START));
        long bucket = ByteBuffer.wrap(raw).getLong();
        byte[] moved = raw.clone();
        ByteBuffer.wrap(moved).putLong(bucket + 1);
        assertThat(nonces.isValid(encode(moved), START.plus(BUCKET))).isFalse();
        for (int i = Long.BYTES; i < raw.length; i++) {
            byte[] altered = raw.clone();
            altered[i] ^= 1;
            assertThat(nonces.isValid(encode(altered), START))
                    .as("MAC byte %d", i)
                    .isFalse();
        }
    }

    @Test
    void malformedNoncesAreRefusedWithoutAnException() {
        String nonce = nonces.issue(START);
        assertThat(nonces.isValid(null, START)).isFalse();
        assertThat(nonces.isValid("", START)).isFalse();
        assertThat(nonces.isValid(nonce.substring(1), START)).isFalse();
        assertThat(nonces.isValid(nonce + "A", START)).isFalse();
        assertThat(nonces.isValid(nonce.substring(0, 31) + "*", START))
                .as("not base64url")
                .isFalse();
        assertThat(nonces.isValid(nonce.substring(0, 30) + "==", START))
                .as("padded: 22 bytes")
                .isFalse();
        assertThat(nonces.isValid("=".repeat(32), START)).isFalse();
    }

    static String encode(byte[] raw) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    }
}
