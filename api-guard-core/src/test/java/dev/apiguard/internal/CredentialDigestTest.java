package dev.apiguard.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apiguard.GuardExchange;
import dev.apiguard.fakes.FakeGuards;
import dev.apiguard.fakes.FakeRequest;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The keyed digest of a credential: a function of its characters alone (wherever they start),
 * different for any other characters however close, computed once per request.
 */
class CredentialDigestTest {

    private static GuardExchange exchange() {
        return FakeGuards.allowingAll().exchange(FakeRequest.get());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "ASCII header | Bearer   | abc.def-ghi_jkl~",
                "a token of other than ASCII | Bearer  | tøken-ü-€",
                "a prefix of other than ASCII | Bëarer  | token",
                "a prefix of other than Latin-1 | Be€rer  | token-€"
            })
    void theDigestIsThatOfTheCharactersAfterTheStart(String name, String prefix, String token) {
        String header = prefix + " " + token;
        int start = header.length() - token.length();

        assertThat(CredentialDigest.of(exchange(), header, start)).isEqualTo(CredentialDigest.of(token));
        assertThat(CredentialDigest.of(header, start)).isEqualTo(CredentialDigest.of(new String(token)));
        assertThat(CredentialDigest.of(header, start)).isNotEqualTo(CredentialDigest.of(header, start - 1));
    }

    @Test
    void oneRequestHashesOneTokenOnceWhoeverAsksAndHowever() {
        GuardExchange exchange = exchange();
        String header = "Bearer  token-one";
        CredentialDigest first = CredentialDigest.of(exchange, header, 8);

        assertThat(CredentialDigest.of(exchange, header, 8)).isSameAs(first);
        assertThat(CredentialDigest.of(exchange, new String("DPoP token-one".toCharArray()), 5))
                .as("the same characters in another string")
                .isSameAs(first);
        assertThat(CredentialDigest.of(exchange, "token-one", 0)).isSameAs(first);
    }

    @Test
    void anotherTokenInTheSameRequestIsHashedAfresh() {
        GuardExchange exchange = exchange();
        CredentialDigest first = CredentialDigest.of(exchange, "Bearer token-one", 7);

        assertThat(CredentialDigest.of(exchange, "Bearer token-two", 7)).isEqualTo(CredentialDigest.of("token-two"));
        assertThat(CredentialDigest.of(exchange, "Bearer token-on", 7)).isEqualTo(CredentialDigest.of("token-on"));
        assertThat(CredentialDigest.of(exchange, "Bearer token-one", 6))
                .as("another start: other characters")
                .isEqualTo(CredentialDigest.of(" token-one"));
        assertThat(first).isEqualTo(CredentialDigest.of("token-one")).isNotEqualTo(CredentialDigest.of("token-two"));
    }

    private static String token(Random random, int length) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        StringBuilder t = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            t.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return t.toString();
    }

    /** Every one-character change of an 820-character token, to four other characters: all different. */
    @Test
    void everyTamperedCharacterGivesAnotherDigest() {
        String token = token(new Random(1), 820);
        Set<CredentialDigest> seen = new HashSet<>();
        seen.add(CredentialDigest.of(token));
        char[] others = {'A', 'z', '.', '\u0141'};
        for (int i = 0; i < token.length(); i++) {
            for (char c : others) {
                if (token.charAt(i) == c) {
                    continue;
                }
                String tampered = token.substring(0, i) + c + token.substring(i + 1);
                assertThat(seen.add(CredentialDigest.of(tampered)))
                        .as("position %d to %s", i, c)
                        .isTrue();
            }
        }
        assertThat(seen).hasSizeGreaterThan(3 * 820);
    }

    /**
     * Inputs that one careless encoding or the block padding would make equal: trailing zeros, a
     * character above Latin-1 and its low byte, a lone surrogate and the {@code ?} that
     * {@code getBytes} replaces it with, an ASCII text equal to another's UTF-16 bytes, and texts
     * on each side of the length where NH gives way to SHA-256.
     */
    @Test
    void encodingsThatCouldMeetStayApart() {
        List<String> texts = new ArrayList<>();
        for (int zeros = 0; zeros <= 17; zeros++) {
            texts.add("abc" + "\0".repeat(zeros));
        }
        texts.add("");
        texts.add("tokAen");
        texts.add("tok\u0141en");
        texts.add("a\ud800b");
        texts.add("a?b");
        texts.add("AB");
        texts.add("\u4142");
        texts.add("\u0000A\u0000B");
        String base = token(new Random(2), CredentialDigest.NH_MAX_BYTES + 1);
        texts.add(base.substring(0, CredentialDigest.NH_MAX_BYTES - 1));
        texts.add(base.substring(0, CredentialDigest.NH_MAX_BYTES));
        texts.add(base);
        texts.add(base.substring(0, CredentialDigest.NH_MAX_BYTES / 2) + "é");
        texts.add(base.substring(0, CredentialDigest.NH_MAX_BYTES / 2 - 1) + "é");
        texts.add(base + "é");

        Set<CredentialDigest> digests = new HashSet<>();
        for (String t : texts) {
            assertThat(CredentialDigest.of(t)).as("the same text twice").isEqualTo(CredentialDigest.of(new String(t)));
            digests.add(CredentialDigest.of(t));
        }
        assertThat(digests).hasSameSizeAs(texts);
    }

    /** Past {@value CredentialDigest#NH_MAX_BYTES} bytes (hashed with SHA-256 first): still every character counts. */
    @Test
    void aLongCredentialIsDigestedWholly() {
        String longToken = token(new Random(3), 10_000);
        String lastChanged = longToken.substring(0, 9_999) + (longToken.charAt(9_999) == 'A' ? 'B' : 'A');

        assertThat(CredentialDigest.of(longToken)).isEqualTo(CredentialDigest.of(new String(longToken)));
        assertThat(CredentialDigest.of(lastChanged)).isNotEqualTo(CredentialDigest.of(longToken));
        assertThat(CredentialDigest.of("x" + longToken, 1)).isEqualTo(CredentialDigest.of(longToken));
    }

    /**
     * A pseudorandom function's output: one character changed flips about half of the 128 bits
     * (NH's sums alone would change only the bits above the change). Over 2,000 pairs the mean is
     * within 2 bits of 64 and no pair flips fewer than 30.
     */
    @Test
    void oneCharacterChangedFlipsAboutHalfTheBits() {
        Random random = new Random(4);
        long flipped = 0;
        int fewest = 128;
        int pairs = 2_000;
        for (int i = 0; i < pairs; i++) {
            String token = token(random, 1 + random.nextInt(900));
            int at = random.nextInt(token.length());
            String other = token.substring(0, at) + (char) (token.charAt(at) ^ 1) + token.substring(at + 1);
            CredentialDigest a = CredentialDigest.of(token);
            CredentialDigest b = CredentialDigest.of(other);
            int bits = Long.bitCount(a.high() ^ b.high()) + Long.bitCount(a.low() ^ b.low());
            flipped += bits;
            fewest = Math.min(fewest, bits);
        }
        assertThat((double) flipped / pairs).isBetween(62.0, 66.0);
        assertThat(fewest).isGreaterThanOrEqualTo(30);
    }

    @Test
    void threadsDigestAsOneThreadDoes() throws Exception {
        Random random = new Random(5);
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            tokens.add(token(random, 1 + random.nextInt(5_000)) + (i % 3 == 0 ? "é" : ""));
        }
        List<CredentialDigest> expected =
                tokens.stream().map(CredentialDigest::of).toList();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> runs = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                runs.add(pool.submit(() -> {
                    for (int round = 0; round < 20; round++) {
                        for (int i = 0; i < tokens.size(); i++) {
                            if (!CredentialDigest.of(tokens.get(i)).equals(expected.get(i))) {
                                return false;
                            }
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> run : runs) {
                assertThat(run.get(60, TimeUnit.SECONDS)).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** A thread's buffers keep no credential after its digest: an ASCII one, another one, a long one. */
    @Test
    void theThreadsBuffersKeepNoCredential() {
        Random random = new Random(6);
        for (String t : List.of(token(random, 820), token(random, 300) + "é", token(random, 3_000) + "€")) {
            CredentialDigest.of("Bearer " + t, 7);
            assertThat(CredentialDigest.buffersWiped())
                    .as("after a credential of %d characters", t.length())
                    .isTrue();
        }
    }

    @Test
    void aValueThatNamesNoCredential() {
        CredentialDigest a = CredentialDigest.of("secret-token");
        assertThat(a).hasSameHashCodeAs(CredentialDigest.of("secret-token"));
        assertThat(a.equals("secret-token")).isFalse();
        assertThat(a.equals(null)).isFalse();
        assertThat(a.toString()).doesNotContain("secret", "token");
        assertThatThrownBy(() -> CredentialDigest.of("abc", 4)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> CredentialDigest.of("abc", -1)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    /**
     * NH against its definition in exact integers: each lane {@code Σ (m[2i] + k[2i] mod 2^64) ·
     * (m[2i+1] + k[2i+1] mod 2^64) mod 2^128}, over lengths that need padding and the longest
     * input, with keys and messages of all ones (every product's low word carries) and at random.
     */
    @Test
    void nhIsTheSumOfTheFullProductsModulo2To128() {
        Random random = new Random(7);
        long[] ones = new long[CredentialDigest.NH_MAX_BYTES / 4];
        java.util.Arrays.fill(ones, -1L);
        long[] randomKeys = random.longs(ones.length).toArray();
        for (long[] keys : List.of(ones, randomKeys)) {
            for (int length : new int[] {0, 1, 15, 16, 17, 820, CredentialDigest.NH_MAX_BYTES}) {
                for (boolean allOnes : new boolean[] {true, false}) {
                    byte[] m = new byte[CredentialDigest.NH_MAX_BYTES + 16];
                    if (allOnes) {
                        java.util.Arrays.fill(m, 0, length, (byte) 0xFF);
                    } else {
                        for (int i = 0; i < length; i++) {
                            m[i] = (byte) random.nextInt();
                        }
                    }
                    long[] out = new long[4];
                    CredentialDigest.nh(m.clone(), length, keys, out);
                    assertThat(out)
                            .as("%d bytes, keys %s, message %s", length, keys == ones ? "ones" : "random", allOnes)
                            .containsExactly(nhByDefinition(m, length, keys));
                }
            }
        }
    }

    private static long[] nhByDefinition(byte[] m, int length, long[] keys) {
        BigInteger word = BigInteger.ONE.shiftLeft(64);
        BigInteger modulus = BigInteger.ONE.shiftLeft(128);
        ByteBuffer le = ByteBuffer.wrap(java.util.Arrays.copyOf(m, (length + 15) / 16 * 16 + 16))
                .order(ByteOrder.LITTLE_ENDIAN);
        java.util.Arrays.fill(le.array(), length, le.capacity(), (byte) 0);
        BigInteger a = BigInteger.ZERO;
        BigInteger b = BigInteger.ZERO;
        for (int block = 0; block < (length + 15) / 16; block++) {
            BigInteger x = unsigned(le.getLong(16 * block));
            BigInteger y = unsigned(le.getLong(16 * block + 8));
            a = a.add(x.add(unsigned(keys[4 * block]))
                    .mod(word)
                    .multiply(y.add(unsigned(keys[4 * block + 1])).mod(word)));
            b = b.add(x.add(unsigned(keys[4 * block + 2]))
                    .mod(word)
                    .multiply(y.add(unsigned(keys[4 * block + 3])).mod(word)));
        }
        a = a.mod(modulus);
        b = b.mod(modulus);
        return new long[] {
            a.longValue(),
            a.shiftRight(64).longValue(),
            b.longValue(),
            b.shiftRight(64).longValue()
        };
    }

    private static BigInteger unsigned(long v) {
        return new BigInteger(Long.toUnsignedString(v));
    }
}
