package dev.apiguard.fakes;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.text.ParseException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * What the fuzz tests ({@code *FuzzTest}) share: fixed keys and certificates, so that committed seed
 * inputs signed with them or forwarding them still verify in every run; a fixed instant; the framing of raw fuzzer bytes into
 * header values and JSON texts; and a per-input allocation bound.
 *
 * <p>The keys are test keys generated for this suite and published with it: they protect nothing.
 */
public final class Fuzzing {

    /** The instant every fuzz test evaluates at: tokens and proofs in the seeds are valid then. */
    public static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

    /** The issuer and audience of the fuzzed token policies. */
    public static final String ISSUER = "https://issuer.example";

    public static final String AUDIENCE = "https://api.example";

    private static final String TOKEN_EC_JWK =
            "{\"kty\":\"EC\",\"d\":\"0YQUC_nRTImoEKTJbh02ttT8IKjf6_gsN0pypsnCGVM\",\"crv\":\"P-256\",\"kid\":\"fuzz-ec\",\"x\":\"HVGSNOlXkZ8cJFXARSWNtlPU82UN-0R1vDECW3lkicI\",\"y\":\"U5y53wOj-bh3a6-ErXfwOgwNxNc3DTkNHOCBf6aDOLc\"}";
    private static final String TOKEN_RSA_JWK =
            "{\"p\":\"59-vDqjzIhtTMYsqIMKhS88zPP0jmqVJb45BpYIBR2ds5FLv6FZpaj_A6lP71x_5f1HV2Wl_0gqO1S5PZc6pMjTybtBH8VpeFZ5ckNZdLYEYkeVOx8-5z31vwMOFwLIE2Z6xD7BTjTiePNo3ownOqlFz72H81TcrbyPTqoD5fks\",\"kty\":\"RSA\",\"q\":\"uzomhfEye1C99mp5_kp4mZt4fuiy8XhnD-vb3LB7f9Mf9CbPE-MQ7Mrja0rMo2q2WvwWUJzQ30NQtCAJ1w6tTVKWG3rE-p0gPhTihgEP30jpLmd2iWuIYyWDtopzPlkY1srHPY_9T40xJOcbPoA44l0ZEcknY4pJ0PZUoAixc18\",\"d\":\"wUta2aoVznsWzUU66hzkyBwwMyLKhUKDRiVVtypgPNnH6baAn-zukvS4yGlSHFmmEkNk0D1mbCvasi2kfwqvpdXWAQJJKiQXeR7DQJxMRa4qVn1uU3WFn5Q4Y5ML8kUzpu56kvEF6DSg326zeA0qvT2JL5AHBNHslJuPoSFN3cRD9r4cAK0XGOFenEe4RH5YR0vB6KitYVze9asxD_AXhngYBX-YQ_C434h2SgRyjwVH89rqe7HDmFei6DSHSEOds7DFZ3qHDY-uIAH7YXuzGd6sS2V5pCRNZXlSCVg3D_lkLBa1jt9UYbrhG_BGB8M9Jid7H0ZQWCxmX4-pyFn1\",\"e\":\"AQAB\",\"kid\":\"fuzz-rsa\",\"qi\":\"5o_TvRrVuYjr4gxgXHtQDuE2zRJNdrpqUe9tWUTQUtP9Oo6wjAdHabpKOj_UMLw_8SBhiMy0gepZ0kivQFqMvMB-toxD77DrxqKBLBMgqg_8IdXxZt3ncbqMPUwwI-6qF7s_Skjr3Pyrgc19aBSqwT0bcscVIS4akaV6imJwopA\",\"dp\":\"GTZTPI7WUQETnLF7FTDUhP-0nI8RzgDm6UBYlvx50x_F0VXLTEIJGEpyWYhkO9H4OQXW8Nrt0RLg0QFGFNXRw-nJ6o6vI-kljcg4XG9Sll4RI9wBIuzNUWhcPGOGKZuxt0_wBLqxewuK-SbpIcsxM4fDyWWoLi7fhCgrHcEEX90\",\"dq\":\"ftWE9WYRacKn_b_iBueSTZUqCuc_GiATyZBhcF7KOyzeT7reu70uYQuNBsk0WlxXTsnJoDCruyPSD0RJBjx2IJSbBeCkgpZhGk1xq5AanYu6E-qZPbzwNyJZ2RZvvcQD9LaIROc_ll2y9intpeidIJQrAIaBvYgYO4w0hfl9pQc\",\"n\":\"qZUQceRlTeAmUshoCT_gJhQm36X6yR_2pHW-QVwytidR6L7qtttKTtwdP6Jk0p4OaCXIGD5NFTS0yRvYPEH1YBWnxtarZ175hS_B3LVigdLDezksZ_PvZ0K2zdAhRLViA_omKwGTm09Ao5WljNrVWrh6JRvo_4Pl20S65nZhBxZIJnmG3ja3XgESdRITP9JReiW2SYPkaHi-7SpzOOrttd3AKm4celeWZTqmLVQXYmPpi84LcKeWiXLG78-H3SfpTbliBRWikDlPvYAasQ6Lz2tbYKiwt1NX9LIe9-Cm96FVTMOljM0qucFmACezt1Sjah1C28seRw_IvaeImiyO1Q\"}";
    private static final String DPOP_EC_JWK =
            "{\"kty\":\"EC\",\"d\":\"5FVxgSmgtUV4faY20vnraKzsj7CHk8SsuIcuAt5tEjw\",\"crv\":\"P-256\",\"kid\":\"dpop-ec\",\"x\":\"oeWZVwtxbshY8RWjK_UK3FABIjWBv-cWl3NcUCwGmko\",\"y\":\"Xjc_ocfbdZp7MScK1y22yte_re3F412pV6qIU8JMdqw\"}";

    /** The issuer's EC P-256 signing key ({@code kid} {@code fuzz-ec}). */
    public static final ECKey TOKEN_EC = parse(TOKEN_EC_JWK).toECKey();
    /** The issuer's RSA 2048 signing key ({@code kid} {@code fuzz-rsa}). */
    public static final RSAKey TOKEN_RSA = parse(TOKEN_RSA_JWK).toRSAKey();
    /** A client's DPoP key ({@code dpop-ec}), EC P-256. */
    public static final ECKey DPOP_EC = parse(DPOP_EC_JWK).toECKey();

    /**
     * How much more a call may allocate while Jazzer fuzzes: its full instrumentation copies the
     * operands of String comparisons to trace them (a 2 KB query string whose lookup allocates
     * 25 KB plain went over 1 MB instrumented). Regression runs, such as {@code mvn verify},
     * apply the bounds as written.
     */
    public static final long INSTRUMENTATION_FACTOR = System.getenv("JAZZER_FUZZ") != null ? 16 : 1;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private Fuzzing() {}

    private static JWK parse(String json) {
        try {
            return JWK.parse(json);
        } catch (ParseException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The bytes as an HTTP field value arrives from a container that reads ISO-8859-1 (every
     * byte one character, as Jetty and Tomcat do for non-UTF-8 header bytes).
     */
    public static String latin1(byte[] data) {
        return new String(data, StandardCharsets.ISO_8859_1);
    }

    /** The text cut at each {@code \n} into at most {@code max} pieces (the last keeps the rest). */
    public static List<String> lines(String text, int max) {
        List<String> out = new ArrayList<>();
        int start = 0;
        while (out.size() < max - 1) {
            int nl = text.indexOf('\n', start);
            if (nl < 0) {
                break;
            }
            out.add(text.substring(start, nl));
            start = nl + 1;
        }
        out.add(text.substring(start));
        return out;
    }

    /** The bytes before the first {@code \n}, or null when there is none. */
    public static byte[] beforeNewline(byte[] data) {
        for (int i = 0; i < data.length; i++) {
            if (data[i] == '\n') {
                return java.util.Arrays.copyOfRange(data, 0, i);
            }
        }
        return null;
    }

    /** The bytes after the first {@code \n}, or all of them when there is none. */
    public static byte[] afterNewline(byte[] data) {
        for (int i = 0; i < data.length; i++) {
            if (data[i] == '\n') {
                return java.util.Arrays.copyOfRange(data, i + 1, data.length);
            }
        }
        return data;
    }

    /**
     * A compact JWS over the header and payload bytes exactly as given (they need not be JSON,
     * nor UTF-8), signed with {@code key} by {@code alg} whatever the header says; so the
     * signature is valid exactly when the header names that algorithm and key.
     */
    public static String sign(byte[] header, byte[] payload, JWK key, JWSAlgorithm alg) {
        String input = Base64URL.encode(header) + "." + Base64URL.encode(payload);
        try {
            JWSSigner signer = key instanceof RSAKey rsa ? new RSASSASigner(rsa) : new ECDSASigner((ECKey) key);
            return input + "." + signer.sign(new JWSHeader(alg), input.getBytes(StandardCharsets.US_ASCII));
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The committed client certificate ({@code fuzz-client.pem}): the committed inputs of
     * {@code ForwardedCertificateFuzzTest} forward it, so it must not change between runs
     * (other tests make their certificates with {@code TestCertificates}).
     */
    public static X509Certificate client() {
        return certificate("fuzz-client.pem");
    }

    /** The committed CA certificate ({@code fuzz-ca.pem}) that signed {@link #client()}. */
    public static X509Certificate ca() {
        return certificate("fuzz-ca.pem");
    }

    private static X509Certificate certificate(String name) {
        String resource = "/dev/apiguard/binding/" + name;
        try (InputStream in = Fuzzing.class.getResourceAsStream(resource)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        } catch (Exception e) {
            throw new IllegalStateException(resource, e);
        }
    }

    /** The bytes this thread has allocated so far (HotSpot's per-thread counter). */
    public static long allocatedBytes() {
        return THREADS.getCurrentThreadAllocatedBytes();
    }

    /**
     * Runs the call and asserts that it allocated at most {@code maxBytes} on this thread: the
     * "bounded allocation per input" property. A call over the bound is run once more and the
     * bound applies to the second run, because the first use of a code path loads (and, while
     * fuzzing, instruments) classes, once; an allocation that grows with the input exceeds it
     * both times. While fuzzing, the bound is {@link #INSTRUMENTATION_FACTOR} times larger.
     * Returns the first run's result.
     */
    public static <T> T allocatingAtMost(long maxBytes, Supplier<T> call) {
        maxBytes *= INSTRUMENTATION_FACTOR;
        long before = allocatedBytes();
        T result = call.get();
        long used = allocatedBytes() - before;
        if (used > maxBytes) {
            before = allocatedBytes();
            call.get();
            used = allocatedBytes() - before;
        }
        assertThat(used).as("bytes allocated for one input").isLessThanOrEqualTo(maxBytes);
        return result;
    }
}
