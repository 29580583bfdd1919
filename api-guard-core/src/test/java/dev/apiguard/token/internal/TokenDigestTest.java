package dev.apiguard.token.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.junit.jupiter.api.Test;

/** The verified-token cache's key: equal only for the same token, hashed by its first four bytes. */
class TokenDigestTest {

    @Test
    void theSameTokenGivesEqualKeysAndAnyOtherADifferentOne() throws Exception {
        TokenDigest a = TokenDigest.of("header.payload.signature");
        assertThat(TokenDigest.of("header.payload.signature")).isEqualTo(a).hasSameHashCodeAs(a);
        assertThat(TokenDigest.of("header.payload.signaturf")).isNotEqualTo(a);
        byte[] sha256 = MessageDigest.getInstance("SHA-256")
                .digest("header.payload.signature".getBytes(StandardCharsets.UTF_8));
        assertThat(TokenDigest.ofSha256(sha256)).isEqualTo(a);
        assertThat(a.equals("header.payload.signature")).isFalse();
        assertThat(a.equals(null)).isFalse();
        assertThat(a.toString()).doesNotContain("header", "payload", "signature");
    }

    /** Two digests alike in the four bytes of the hash: the same bucket, and still different keys. */
    @Test
    void digestsWithTheSameHashAreStillToldApartByEveryByte() {
        for (int i = 4; i < 32; i++) {
            byte[] x = new byte[32];
            byte[] y = new byte[32];
            y[i] = 1;
            assertThat(TokenDigest.ofSha256(x))
                    .hasSameHashCodeAs(TokenDigest.ofSha256(y))
                    .isNotEqualTo(TokenDigest.ofSha256(y));
        }
    }

    @Test
    void theHashIsTheFirstFourBytesBigEndian() {
        byte[] d = new byte[32];
        d[0] = (byte) 0x80;
        d[1] = (byte) 0xff;
        d[2] = 0x01;
        d[3] = 0x7f;
        d[4] = (byte) 0xee;
        assertThat(TokenDigest.ofSha256(d).hashCode()).isEqualTo(0x80ff017f);
    }

    @Test
    void aDigestMustBe32Bytes() {
        assertThatThrownBy(() -> TokenDigest.ofSha256(new byte[31]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("32 bytes, not 31");
        assertThatThrownBy(() -> TokenDigest.ofSha256(new byte[33])).isInstanceOf(IllegalArgumentException.class);
    }
}
