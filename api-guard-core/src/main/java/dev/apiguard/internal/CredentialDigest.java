package dev.apiguard.internal;

import dev.apiguard.GuardExchange;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import org.jspecify.annotations.Nullable;

/**
 * A keyed 128-bit digest of a credential's characters, with a secret key drawn once per process:
 * the key of the verified-token and introspection caches and of the anonymous limiter's known
 * credentials. It lets the guard recognise a credential it verified before without keeping the
 * credential: the digest cannot be turned back into the token, and without the key nobody can
 * compute one, let alone find another token with the same digest.
 *
 * <p>Why not SHA-256 of the token, as before: on the cached-token path that hash was a quarter of
 * the guard's cost per request (an 820-character token: 470 ns even with the CPU's SHA
 * instructions, plus 140 ns to copy the token into a new byte array). A cache key needs neither a
 * public function nor resistance to someone who knows the key; it needs that nobody outside the
 * process can make two credentials collide. So this is the Carter–Wegman "hash, then PRF"
 * construction:
 * <ol>
 *   <li>NH (Black, Halevi, Krawczyk, Krovetz, Rogaway: "UMAC: fast and secure message
 *       authentication", CRYPTO 1999, §3) over 64-bit words, two lanes with independent random
 *       keys: {@code Σ (m[2i] + k[2i]) · (m[2i+1] + k[2i+1])} with 64-bit additions and the full
 *       128-bit products, summed modulo 2^128. For two different messages of the same length, the
 *       probability over the keys that one lane collides is at most 2^-64, both 2^-128. Messages of
 *       up to {@value #NH_MAX_BYTES} bytes; a longer one is hashed with SHA-256 first.</li>
 *   <li>SipHash-2-4-128 ({@link SipHash}), under a third key, of the encoding's length and kind and
 *       the two lanes (or the SHA-256): a pseudorandom function, so the digests (and the hash codes
 *       a cache's timing might betray) say nothing about NH's keys.</li>
 * </ol>
 * Two different credentials get the same digest with probability about 2^-127 for anybody who
 * does not know the keys; the keys never leave this class. The digest is computed over the
 * characters exactly: an ASCII credential (every token and key the guard accepts) as its bytes, any
 * other as its UTF-16 code units, so no two strings share an encoding (a lone surrogate is not
 * replaced by {@code ?} as {@code getBytes} would). A digest is valid in this process only: never
 * store or share one across nodes (nothing does: every cache keyed by it is local).
 *
 * <p>Memoized per request ({@link #of(GuardExchange, String, int)}): the anonymous limiter and the
 * token step ask for the same token's digest. Thread-safe; copies a credential into a per-thread
 * buffer of at most {@value #NH_MAX_BYTES} bytes (one longer than that, into an array of its own),
 * and zeroes the copy once hashed. Not API; may change in any release.
 */
public final class CredentialDigest {

    /** The longest encoding hashed with NH alone; a longer one is hashed with SHA-256 first. */
    public static final int NH_MAX_BYTES = 4096;

    private static final VarHandle LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    // the encoding's kind, in the low byte of the PRF's first word (its length above it)
    private static final int ASCII = 1;
    private static final int UTF16 = 2;
    private static final int SHA256_OF = 4;

    // NH's keys, the two lanes interleaved per 16-byte block: A's two words, then B's (one array:
    // one bounds check per block, and the four words of a block in one cache line)
    private static final long[] NH_KEYS = new long[NH_MAX_BYTES / 4];
    private static final long PRF_K0;
    private static final long PRF_K1;

    static {
        SecureRandom random = new SecureRandom();
        for (int i = 0; i < NH_KEYS.length; i++) {
            NH_KEYS[i] = random.nextLong();
        }
        PRF_K0 = random.nextLong();
        PRF_K1 = random.nextLong();
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private final long high;
    private final long low;

    private CredentialDigest(long high, long low) {
        this.high = high;
        this.low = low;
    }

    /** The digest of the whole text. */
    public static CredentialDigest of(String text) {
        return of(text, 0);
    }

    /** The digest of {@code text.substring(from)}, without making that substring. */
    public static CredentialDigest of(String text, int from) {
        if (from < 0 || from > text.length()) {
            throw new IndexOutOfBoundsException("from " + from + " of " + text.length());
        }
        Scratch s = SCRATCH.get();
        try {
            return digest(text, from, s);
        } finally {
            s.wipe();
        }
    }

    private static CredentialDigest digest(String text, int from, Scratch s) {
        int chars = text.length() - from;
        int kind;
        byte[] bytes;
        int length;
        if (chars <= NH_MAX_BYTES && s.ascii(text, from, chars)) {
            kind = ASCII;
            bytes = s.bytes;
            length = chars;
        } else {
            kind = UTF16;
            length = 2 * chars;
            // a long one in an array of its own: the thread's buffer never grows past NH_MAX_BYTES
            bytes = length <= NH_MAX_BYTES ? s.bytes(length) : new byte[length];
            utf16(text, from, chars, bytes);
        }
        long[] words = s.words;
        if (length <= NH_MAX_BYTES) {
            nh(bytes, length, words);
        } else {
            kind |= SHA256_OF;
            byte[] sha256 = CertificateDigests.sha256Of(bytes, 0, length);
            java.util.Arrays.fill(bytes, 0, length, (byte) 0); // its own array: wiped here, not by Scratch
            for (int i = 0; i < 4; i++) {
                words[i] = (long) LE.get(sha256, 8 * i);
            }
        }
        byte[] prfInput = s.prfInput;
        LE.set(prfInput, 0, ((long) length << 8) | kind);
        for (int i = 0; i < 4; i++) {
            LE.set(prfInput, 8 + 8 * i, words[i]);
        }
        SipHash.hash128(PRF_K0, PRF_K1, prfInput, 0, prfInput.length, s.out);
        return new CredentialDigest(s.out[0], s.out[1]);
    }

    /**
     * The digest of {@code text.substring(from)}, from the exchange's memo when it holds the same
     * characters: computed once per request whichever step asks first.
     */
    public static CredentialDigest of(GuardExchange exchange, String text, int from) {
        Memo memo = exchange.tag(Memo.class);
        if (memo != null && memo.holds(text, from)) {
            return memo.digest;
        }
        CredentialDigest digest = of(text, from);
        exchange.tag(Memo.class, new Memo(text, from, digest));
        return digest;
    }

    /** Whether this thread's buffers hold nothing of the credentials it digested: for tests. */
    static boolean buffersWiped() {
        Scratch s = SCRATCH.get();
        for (byte b : s.bytes) {
            if (b != 0) {
                return false;
            }
        }
        for (char c : s.chars) {
            if (c != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Two NH lanes over {@code length} bytes, zero-padded to whole 16-byte blocks (the length goes
     * into the PRF, so padding never makes two encodings equal): lane A in {@code out[0..1]} (low,
     * high), lane B in {@code out[2..3]}. The array has room for the padding.
     */
    private static void nh(byte[] m, int length, long[] out) {
        nh(m, length, NH_KEYS, out);
    }

    /**
     * NH under the given keys (per block: lane A's two words, then lane B's), each lane's sum of
     * full 128-bit products exact modulo 2^128. The low halves of the products are summed as two
     * 32-bit halves (at most {@value #NH_MAX_BYTES} / 16 blocks: each sum stays below 2^40) and
     * carried into the high word once at the end, instead of an unsigned compare per block: a
     * quarter of NH's time.
     */
    static void nh(byte[] m, int length, long[] keys, long[] out) {
        int blocks = (length + 15) >>> 4;
        java.util.Arrays.fill(m, length, blocks << 4, (byte) 0);
        long aLow = 0; // sum of the low 32 bits of lane A's low product words
        long aMid = 0; // sum of their high 32 bits
        long aHi = 0;
        long bLow = 0;
        long bMid = 0;
        long bHi = 0;
        for (int b = 0; b < blocks; b++) {
            long x = (long) LE.get(m, b << 4);
            long y = (long) LE.get(m, (b << 4) + 8);
            int k = b << 2;
            long p = x + keys[k];
            long q = y + keys[k + 1];
            long lo = p * q;
            aLow += lo & 0xFFFF_FFFFL;
            aMid += lo >>> 32;
            aHi += unsignedMultiplyHigh(p, q);
            p = x + keys[k + 2];
            q = y + keys[k + 3];
            lo = p * q;
            bLow += lo & 0xFFFF_FFFFL;
            bMid += lo >>> 32;
            bHi += unsignedMultiplyHigh(p, q);
        }
        long aLo = aLow + (aMid << 32);
        out[0] = aLo;
        out[1] = aHi + (aMid >>> 32) + (Long.compareUnsigned(aLo, aLow) < 0 ? 1 : 0);
        long bLo = bLow + (bMid << 32);
        out[2] = bLo;
        out[3] = bHi + (bMid >>> 32) + (Long.compareUnsigned(bLo, bLow) < 0 ? 1 : 0);
    }

    /** The characters as UTF-16 code units, big-endian: every {@code char} as it is, lone surrogates too. */
    private static void utf16(String text, int from, int n, byte[] into) {
        for (int i = 0; i < n; i++) {
            char c = text.charAt(from + i);
            into[2 * i] = (byte) (c >>> 8);
            into[2 * i + 1] = (byte) c;
        }
    }

    /** The high 64 bits of the unsigned 128-bit product (Java 18's {@code Math.unsignedMultiplyHigh}). */
    private static long unsignedMultiplyHigh(long x, long y) {
        return Math.multiplyHigh(x, y) + ((x >> 63) & y) + ((y >> 63) & x);
    }

    /** The first 64 bits. */
    public long high() {
        return high;
    }

    /** The last 64 bits. */
    public long low() {
        return low;
    }

    @Override
    public boolean equals(@Nullable Object o) {
        // both halves compared whatever differs first
        return o instanceof CredentialDigest other && ((high ^ other.high) | (low ^ other.low)) == 0;
    }

    @Override
    public int hashCode() {
        // a pseudorandom function's output: any 32 bits are as good a hash as any other
        return (int) (high >>> 32);
    }

    @Override
    public String toString() {
        return "CredentialDigest[hash=" + hashCode() + "]";
    }

    /** One request's digest and the characters it is of. */
    private static final class Memo {
        private final String input;
        private final int from;
        private final CredentialDigest digest;

        Memo(String input, int from, CredentialDigest digest) {
            this.input = input;
            this.from = from;
            this.digest = digest;
        }

        boolean holds(String text, int start) {
            if (input == text && from == start) {
                return true; // the same header value: containers hand out one String per value
            }
            int length = text.length() - start;
            return input.length() - from == length && input.regionMatches(from, text, start, length);
        }
    }

    /**
     * A thread's buffers: the encoding, the NH lanes, the PRF's input and output. The credential's
     * characters and bytes are wiped after each digest: a thread's buffer must not keep the last
     * token it hashed in the heap until the next.
     */
    private static final class Scratch {
        private final CharsetEncoder ascii = StandardCharsets.US_ASCII.newEncoder();
        private char[] chars = new char[256];
        private byte[] bytes = new byte[256];
        // views of the two arrays, made again when one grows, not for each digest
        private CharBuffer charView = CharBuffer.wrap(chars);
        private ByteBuffer byteView = ByteBuffer.wrap(bytes);
        private int dirty; // bytes written since the last wipe
        private final long[] words = new long[4];
        private final byte[] prfInput = new byte[40];
        private final long[] out = new long[2];

        /**
         * Copies the characters into {@link #bytes} as ASCII, one byte each; false (the buffer's
         * content undefined) when one is not ASCII. Through the JDK's ASCII encoder, whose array
         * loop is an intrinsic: a third of {@code getBytes(UTF_8)}'s cost, and no new array.
         */
        boolean ascii(String text, int from, int n) {
            if (chars.length < n) {
                chars = new char[Math.max(n, Math.min(2 * chars.length, NH_MAX_BYTES))];
                charView = CharBuffer.wrap(chars);
            }
            bytes(n);
            text.getChars(from, from + n, chars, 0);
            CharBuffer in = charView.clear().limit(n);
            ascii.reset();
            CoderResult result = ascii.encode(in, byteView.clear().limit(n), true);
            java.util.Arrays.fill(chars, 0, n, '\0');
            return result.isUnderflow() && !in.hasRemaining();
        }

        /**
         * {@link #bytes}, grown to hold at least {@code n} bytes and NH's padding to a whole block
         * (at most {@link #NH_MAX_BYTES} are asked for), marked to be wiped.
         */
        byte[] bytes(int n) {
            if (bytes.length < n + 16) {
                bytes = new byte[Math.max(n, Math.min(2 * bytes.length, NH_MAX_BYTES)) + 16];
                byteView = ByteBuffer.wrap(bytes);
            }
            dirty = Math.max(dirty, n + 16);
            return bytes;
        }

        /** Zeroes what the last digest wrote. */
        void wipe() {
            java.util.Arrays.fill(bytes, 0, Math.min(dirty, bytes.length), (byte) 0);
            dirty = 0;
        }
    }
}
