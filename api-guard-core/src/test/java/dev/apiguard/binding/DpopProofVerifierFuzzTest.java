package dev.apiguard.binding;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.util.JSONObjectUtils;
import dev.apiguard.LocalReplayCache;
import dev.apiguard.binding.DpopVerification.NonceRequired;
import dev.apiguard.binding.DpopVerification.Reason;
import dev.apiguard.binding.DpopVerification.Rejected;
import dev.apiguard.binding.DpopVerification.Verified;
import dev.apiguard.binding.internal.DpopHtu;
import dev.apiguard.fakes.Fuzzing;
import dev.apiguard.internal.CompactJws;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes DPoP proof verification (RFC 9449 §4.3) for {@code POST https://api.example/payments}
 * with the access token {@value #ACCESS_TOKEN} bound to the client key {@code dpop-ec}
 * ({@code cnf.jkt}); a fresh replay cache per input, so that a finding reproduces alone.
 *
 * <ul>
 *   <li>{@link #proofString}: the bytes (ISO-8859-1) are the {@code DPoP} header value.</li>
 *   <li>{@link #signedClaims}: the bytes before the first {@code \n} are the proof's JWS header
 *       (empty: {@code {"typ":"dpop+jwt","alg":"ES256","jwk":<dpop-ec>}}), the rest its payload,
 *       both as they are; the test signs them with the real {@code dpop-ec} key (ES256), so the
 *       fuzzer gets past the signature to the claim checks.</li>
 * </ul>
 * Property: {@link DpopProofVerifier#verify} never throws; it answers a {@link Rejected} with a
 * documented reason, or {@link Verified} for a proof that meets every rule, checked again here on
 * the raw JSON: {@code typ} {@code dpop+jwt}, {@code htm} the method, {@code htu} the request URI
 * in canonical form, {@code iat} within 60 s, {@code ath} the token's hash, the key the token's
 * {@code jkt}; and the same proof a second time is refused as replayed. No server nonces are
 * configured, so {@link NonceRequired} never comes. At most 4 MB allocated per input.
 */
class DpopProofVerifierFuzzTest {

    static final String ACCESS_TOKEN = "eyJ0eXAiOiJhdCtqd3QifQ.e30.c2ln";
    static final String METHOD = "POST";
    static final String HTU = "https://api.example/payments";
    private static final String JKT = thumbprint();
    private static final byte[] DEFAULT_HEADER = ("{\"typ\":\"dpop+jwt\",\"alg\":\"ES256\",\"jwk\":"
                    + Fuzzing.DPOP_EC.toPublicJWK().toJSONString() + "}")
            .getBytes(StandardCharsets.UTF_8);
    private static final Set<Reason> REASONS = EnumSet.allOf(Reason.class);

    @FuzzTest
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void proofString(byte[] data) {
        check(Fuzzing.latin1(data));
    }

    @FuzzTest
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void signedClaims(byte[] data) {
        byte[] header = Fuzzing.beforeNewline(data);
        if (header == null || header.length == 0) {
            header = DEFAULT_HEADER;
        }
        check(Fuzzing.sign(header, Fuzzing.afterNewline(data), Fuzzing.DPOP_EC, JWSAlgorithm.ES256));
    }

    private static void check(String proof) {
        DpopProofVerifier verifier = DpopProofVerifier.of(DpopPolicy.defaults(), LocalReplayCache.withMaximumSize(16));

        DpopVerification result = Fuzzing.allocatingAtMost(
                4 << 20, () -> verifier.verify(proof, METHOD, HTU, ACCESS_TOKEN, JKT, Fuzzing.NOW));

        assertThat(result).isNotNull().isNotInstanceOf(NonceRequired.class);
        if (result instanceof Rejected rejected) {
            assertThat(rejected.reason()).isIn(REASONS);
            return;
        }
        assertThat(((Verified) result).jkt()).isEqualTo(JKT);
        CompactJws jws = CompactJws.split(proof).jws();
        Map<String, Object> header = json(jws.headerJson());
        Map<String, Object> claims = json(jws.payloadJson());
        assertThat(String.valueOf(header.get("typ"))).isEqualToIgnoringCase("dpop+jwt");
        assertThat(header.get("alg")).isEqualTo("ES256");
        assertThat(claims.get("htm")).isEqualTo(METHOD);
        assertThat(DpopHtu.normalize((String) claims.get("htu"))).isEqualTo(DpopHtu.normalize(HTU));
        assertThat(Math.abs((Long) claims.get("iat") - Fuzzing.NOW.getEpochSecond()))
                .isLessThanOrEqualTo(60);
        assertThat(claims.get("ath")).isEqualTo(DpopProofVerifier.sha256(ACCESS_TOKEN, StandardCharsets.US_ASCII));
        assertThat(claims.get("jti")).isInstanceOf(String.class);
        // single use (RFC 9449 §11.1)
        assertThat(verifier.verify(proof, METHOD, HTU, ACCESS_TOKEN, JKT, Fuzzing.NOW))
                .isEqualTo(new Rejected(Reason.REPLAYED));
    }

    private static Map<String, Object> json(String text) {
        try {
            return JSONObjectUtils.parse(text);
        } catch (ParseException e) {
            throw new AssertionError("an accepted proof holds JSON the parser refuses", e);
        }
    }

    private static String thumbprint() {
        try {
            return Fuzzing.DPOP_EC.toPublicJWK().computeThumbprint().toString();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }
}
