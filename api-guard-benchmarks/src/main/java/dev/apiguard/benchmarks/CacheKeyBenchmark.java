package dev.apiguard.benchmarks;

import dev.apiguard.internal.CredentialDigest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
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
 * What the verified-token cache key costs: the SHA-256 of the token's UTF-8 bytes (the key until
 * 2026-12-06, {@code getBytes} included) against the guard's keyed digest ({@code CredentialDigest}:
 * NH over two lanes finished by SipHash-2-4-128, with per-process secret keys), which keeps raw
 * tokens out of the heap as well. The token is 820 characters, as an RS256 access token with a
 * certificate binding, behind {@code "Bearer "} in its header as the guard reads it.
 *
 * <pre>java -jar api-guard-benchmarks/target/benchmarks.jar CacheKeyBenchmark -f 1 -wi 3 -i 5 -w 1s -r 1s</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CacheKeyBenchmark {

    private String header;
    private MessageDigest sha256;

    @Setup
    public void setUp() throws NoSuchAlgorithmException {
        Random random = new Random(7);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        StringBuilder t = new StringBuilder("Bearer ");
        for (int i = 0; i < 820; i++) {
            t.append(i % 300 == 299 ? '.' : alphabet.charAt(random.nextInt(alphabet.length())));
        }
        header = t.toString();
        sha256 = MessageDigest.getInstance("SHA-256");
    }

    /** As the guard did it: the header's bytes, hashed from the token's start on a reused digest. */
    @Benchmark
    public byte[] sha256() {
        byte[] all = header.getBytes(StandardCharsets.UTF_8);
        sha256.update(all, 7, all.length - 7);
        return sha256.digest();
    }

    @Benchmark
    public CredentialDigest keyedDigest() {
        return CredentialDigest.of(header, 7);
    }
}
