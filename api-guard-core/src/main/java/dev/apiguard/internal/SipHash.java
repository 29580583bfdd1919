package dev.apiguard.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * SipHash-2-4 with a 128-bit tag (Aumasson and Bernstein, "SipHash: a fast short-input PRF", 2012;
 * the 128-bit variant as in the authors' reference implementation, {@code siphash.c} with
 * {@code cROUNDS 2}, {@code dROUNDS 4}, {@code outlen 16}): a pseudorandom function of a 128-bit
 * secret key. {@link CredentialDigest} uses it to finish its keyed digest of a credential.
 *
 * <p>Written here because no library on the project's list offers a 128-bit keyed PRF: Guava's
 * SipHash is 64-bit and not a dependency, BouncyCastle's {@code SipHash128} is only in the test kit,
 * and the JDK's MACs (HMAC over SHA-2) cost as much as the SHA-256 this replaces. Checked against
 * the reference implementation's vectors in {@code SipHashTest}.
 *
 * <p>Stateless and thread-safe. Not API; may change in any release.
 */
public final class SipHash {

    private static final VarHandle LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private SipHash() {}

    /**
     * The 128-bit SipHash-2-4 of {@code length} bytes of {@code in} from {@code offset} under the key
     * {@code (k0, k1)} (the key's first and second eight bytes read little-endian), as two longs:
     * {@code out[0]} the first eight bytes of the reference output read little-endian, {@code out[1]}
     * the next eight.
     */
    public static void hash128(long k0, long k1, byte[] in, int offset, int length, long[] out) {
        long v0 = 0x736f6d6570736575L ^ k0;
        long v1 = 0x646f72616e646f6dL ^ k1 ^ 0xee;
        long v2 = 0x6c7967656e657261L ^ k0;
        long v3 = 0x7465646279746573L ^ k1;
        int end = offset + (length & ~7);
        for (int i = offset; i < end; i += 8) {
            long m = (long) LE.get(in, i);
            v3 ^= m;
            for (int r = 0; r < 2; r++) {
                v0 += v1;
                v1 = Long.rotateLeft(v1, 13) ^ v0;
                v0 = Long.rotateLeft(v0, 32);
                v2 += v3;
                v3 = Long.rotateLeft(v3, 16) ^ v2;
                v0 += v3;
                v3 = Long.rotateLeft(v3, 21) ^ v0;
                v2 += v1;
                v1 = Long.rotateLeft(v1, 17) ^ v2;
                v2 = Long.rotateLeft(v2, 32);
            }
            v0 ^= m;
        }
        long b = ((long) length) << 56;
        for (int j = 0; j < (length & 7); j++) {
            b |= (in[end + j] & 0xffL) << (8 * j);
        }
        long[] v = {v0, v1, v2, v3};
        v[3] ^= b;
        rounds(v, 2);
        v[0] ^= b;
        v[2] ^= 0xee;
        rounds(v, 4);
        out[0] = v[0] ^ v[1] ^ v[2] ^ v[3];
        v[1] ^= 0xdd;
        rounds(v, 4);
        out[1] = v[0] ^ v[1] ^ v[2] ^ v[3];
    }

    private static void rounds(long[] v, int n) {
        for (int r = 0; r < n; r++) {
            v[0] += v[1];
            v[1] = Long.rotateLeft(v[1], 13) ^ v[0];
            v[0] = Long.rotateLeft(v[0], 32);
            v[2] += v[3];
            v[3] = Long.rotateLeft(v[3], 16) ^ v[2];
            v[0] += v[3];
            v[3] = Long.rotateLeft(v[3], 21) ^ v[0];
            v[2] += v[1];
            v[1] = Long.rotateLeft(v[1], 17) ^ v[2];
            v[2] = Long.rotateLeft(v[2], 32);
        }
    }
}
