package dev.apiguard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Random;
import org.bouncycastle.crypto.macs.SipHash128;
import org.bouncycastle.crypto.params.KeyParameter;
import org.junit.jupiter.api.Test;

/** SipHash-2-4-128 as its authors' reference implementation and BouncyCastle compute it. */
class SipHashTest {

    private static final VarHandle LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    // the reference implementation's test key: bytes 00..0f
    private static final long K0 = 0x0706050403020100L;
    private static final long K1 = 0x0f0e0d0c0b0a0908L;

    private static String hex(long[] tag) {
        return String.format("%016x%016x", Long.reverseBytes(tag[0]), Long.reverseBytes(tag[1]));
    }

    private static long[] hash(byte[] in, int offset, int length) {
        long[] out = new long[2];
        SipHash.hash128(K0, K1, in, offset, length, out);
        return out;
    }

    private static byte[] counting(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) i;
        }
        return b;
    }

    /** vectors_sip128[0], [8] and [15] of the reference implementation: message 00..(n-1). */
    @Test
    void theReferenceVectors() {
        assertThat(hex(hash(counting(0), 0, 0))).isEqualTo("a3817f04ba25a8e66df67214c7550293");
        assertThat(hex(hash(counting(8), 0, 8))).isEqualTo("3b62a9ba6258f5610f83e264f31497b4");
        assertThat(hex(hash(counting(15), 0, 15))).isEqualTo("5493e99933b0a8117e08ec0f97cfc3d9");
    }

    @Test
    void asBouncyCastleForEveryLengthUpTo100AndAnOffset() {
        Random random = new Random(20261206);
        for (int n = 0; n <= 100; n++) {
            byte[] key = new byte[16];
            random.nextBytes(key);
            byte[] message = new byte[n + 3];
            random.nextBytes(message);
            SipHash128 bc = new SipHash128();
            bc.init(new KeyParameter(key));
            bc.update(message, 3, n);
            byte[] expected = new byte[16];
            bc.doFinal(expected, 0);

            long[] out = new long[2];
            SipHash.hash128((long) LE.get(key, 0), (long) LE.get(key, 8), message, 3, n, out);

            assertThat(out).as("length %d", n).containsExactly((long) LE.get(expected, 0), (long) LE.get(expected, 8));
        }
    }
}
