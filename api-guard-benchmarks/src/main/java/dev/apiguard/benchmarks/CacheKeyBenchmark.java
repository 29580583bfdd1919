package dev.apiguard.benchmarks;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What the verified-token cache key costs: the SHA-256 of the token (what the guard computes, once
 * per request, shared with the anonymous limiter) against a keyed 128-bit digest with a per-process
 * secret key, SipHash-2-4-128, which would keep raw tokens out of the heap as well. The token is
 * 820 characters, as an RS256 access token with a certificate binding.
 *
 * <p>The SipHash here is written for this comparison only (no library on the project's list offers
 * a 128-bit keyed PRF: Guava's is 64-bit and not a dependency); it is checked against the reference
 * vectors of its authors before the run. On a CPU with SHA extensions the JDK's SHA-256 is an
 * intrinsic and at least as fast, so the guard keeps SHA-256 (see docs/benchmarks.md).
 *
 * <pre>java -jar api-guard-benchmarks/target/benchmarks.jar CacheKeyBenchmark -f 1 -wi 3 -i 5 -w 1s -r 1s</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CacheKeyBenchmark {

    private String token;
    private MessageDigest sha256;
    private long k0;
    private long k1;

    @Setup
    public void setUp() throws NoSuchAlgorithmException {
        Random random = new Random(7);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        StringBuilder t = new StringBuilder();
        for (int i = 0; i < 820; i++) {
            t.append(i % 300 == 299 ? '.' : alphabet.charAt(random.nextInt(alphabet.length())));
        }
        token = t.toString();
        sha256 = MessageDigest.getInstance("SHA-256");
        SecureRandom secret = new SecureRandom();
        k0 = secret.nextLong();
        k1 = secret.nextLong();
        checkReferenceVectors();
    }

    /** As the guard does it: a fresh digest instance per call would cost more; the guard reuses one per thread. */
    @Benchmark
    public byte[] sha256() {
        return sha256.digest(token.getBytes(StandardCharsets.UTF_8));
    }

    @Benchmark
    public long[] sipHash128() {
        return sipHash128(k0, k1, token.getBytes(StandardCharsets.UTF_8));
    }

    /** SipHash-2-4 with a 128-bit tag (Aumasson and Bernstein; the reference implementation's layout). */
    static long[] sipHash128(long k0, long k1, byte[] in) {
        long[] v = {
            0x736f6d6570736575L ^ k0,
            0x646f72616e646f6dL ^ k1 ^ 0xee,
            0x6c7967656e657261L ^ k0,
            0x7465646279746573L ^ k1
        };
        int end = in.length - (in.length % 8);
        for (int i = 0; i < end; i += 8) {
            long m = littleEndian(in, i, 8);
            v[3] ^= m;
            rounds(v, 2);
            v[0] ^= m;
        }
        long b = ((long) in.length) << 56 | littleEndian(in, end, in.length - end);
        v[3] ^= b;
        rounds(v, 2);
        v[0] ^= b;
        v[2] ^= 0xee;
        rounds(v, 4);
        long h0 = v[0] ^ v[1] ^ v[2] ^ v[3];
        v[1] ^= 0xdd;
        rounds(v, 4);
        return new long[] {h0, v[0] ^ v[1] ^ v[2] ^ v[3]};
    }

    private static long littleEndian(byte[] in, int from, int n) {
        long m = 0;
        for (int j = 0; j < n; j++) {
            m |= (in[from + j] & 0xffL) << (8 * j);
        }
        return m;
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

    /** vectors_sip128[0], [8] and [15] of the reference implementation: key 00..0f, message 00..(n-1). */
    static void checkReferenceVectors() {
        long k0 = 0x0706050403020100L;
        long k1 = 0x0f0e0d0c0b0a0908L;
        byte[] fifteen = new byte[15];
        for (int i = 0; i < fifteen.length; i++) {
            fifteen[i] = (byte) i;
        }
        check(sipHash128(k0, k1, new byte[0]), "a3817f04ba25a8e66df67214c7550293");
        check(sipHash128(k0, k1, java.util.Arrays.copyOf(fifteen, 8)), "3b62a9ba6258f5610f83e264f31497b4");
        check(sipHash128(k0, k1, fifteen), "5493e99933b0a8117e08ec0f97cfc3d9");
    }

    private static void check(long[] tag, String expected) {
        String got = String.format("%016x%016x", Long.reverseBytes(tag[0]), Long.reverseBytes(tag[1]));
        if (!got.equals(expected)) {
            throw new IllegalStateException("SipHash-2-4-128 is wrong: " + got + ", expected " + expected);
        }
    }
}
