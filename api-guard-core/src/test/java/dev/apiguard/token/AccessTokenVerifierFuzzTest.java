package dev.apiguard.token;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import dev.apiguard.Caller;
import dev.apiguard.fakes.Fuzzing;
import dev.apiguard.internal.CompactJws;
import dev.apiguard.token.TokenVerification.Reason;
import dev.apiguard.token.TokenVerification.Rejected;
import dev.apiguard.token.TokenVerification.Verified;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the token path up to the verifier: {@link CompactJws} splitting, header and claim checks,
 * signature selection, with a fixed key set (an EC P-256 and an RSA 2048 key of one issuer) and
 * the default policy.
 *
 * <ul>
 *   <li>{@link #tokenString}: the bytes (ISO-8859-1) are the token.</li>
 *   <li>{@link #signedClaims}: the bytes before the first {@code \n} are the JWS header, the rest
 *       the payload, both taken as they are (JSON or not, UTF-8 or not; an empty header stands
 *       for {@code {"alg":"ES256","typ":"at+jwt","kid":"fuzz-ec"}}), and the test signs them with
 *       the issuer's real key (RSA when the header mentions {@code RS256} or {@code PS256}, else
 *       EC), so the fuzzer gets past the signature to the claim checks.</li>
 * </ul>
 * Property: {@link AccessTokenVerifier#verify} never throws and answers either a {@link Rejected}
 * whose reason is one of the documented codes, or a {@link Verified} caller for a token that meets
 * every rule of the policy, checked again here on the raw JSON (RFC 9068 §4, RFC 8725): allowed
 * {@code alg} that the signing key fits, {@code typ} {@code at+jwt}, no {@code crit}, our issuer
 * and audience, integer {@code exp}/{@code iat} in range and lifetime at most one hour. At most 4 MB
 * allocated per input, and a split token is exactly its three segments.
 */
class AccessTokenVerifierFuzzTest {

    private static final byte[] DEFAULT_HEADER =
            "{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":\"fuzz-ec\"}".getBytes(StandardCharsets.UTF_8);
    private static final TokenPolicy POLICY = TokenPolicy.builder()
            .issuer(
                    Fuzzing.ISSUER,
                    KeySource.fixed(
                            new JWKSet(List.of(Fuzzing.TOKEN_EC.toPublicJWK(), Fuzzing.TOKEN_RSA.toPublicJWK()))))
            .audience(Fuzzing.AUDIENCE)
            // no cache: every input is verified from scratch, so a finding reproduces alone
            .cacheMaximumSize(0)
            .build();
    private static final AccessTokenVerifier VERIFIER = AccessTokenVerifier.of(POLICY);
    private static final Set<Reason> REASONS = EnumSet.allOf(Reason.class);
    private static final long MAX_ALLOCATION = 4 << 20;

    @FuzzTest
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void tokenString(byte[] data) {
        String token = Fuzzing.latin1(data);

        TokenVerification result = Fuzzing.allocatingAtMost(MAX_ALLOCATION, () -> VERIFIER.verify(token, Fuzzing.NOW));

        check(result, token, null);
        CompactJws.Split split = CompactJws.split(token);
        if (split.jws() != null) {
            CompactJws jws = split.jws();
            assertThat(jws.headerB64() + "." + jws.payloadB64() + "." + jws.signatureB64())
                    .isEqualTo(token);
            assertThat(Base64URL.encode(jws.headerJson().getBytes(StandardCharsets.UTF_8))
                            .toString())
                    .isEqualTo(jws.headerB64());
            assertThat(Base64URL.encode(jws.payloadJson().getBytes(StandardCharsets.UTF_8))
                            .toString())
                    .isEqualTo(jws.payloadB64());
        } else {
            assertThat(result.isVerified()).isFalse();
        }
    }

    @FuzzTest
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void signedClaims(byte[] data) {
        byte[] header = Fuzzing.beforeNewline(data);
        if (header == null || header.length == 0) {
            header = DEFAULT_HEADER;
        }
        byte[] payload = Fuzzing.afterNewline(data);
        String headerText = new String(header, StandardCharsets.ISO_8859_1);
        JWK key = Fuzzing.TOKEN_EC;
        JWSAlgorithm alg = JWSAlgorithm.ES256;
        if (headerText.contains("RS256") || headerText.contains("PS256")) {
            key = Fuzzing.TOKEN_RSA;
            alg = headerText.contains("RS256") ? JWSAlgorithm.RS256 : JWSAlgorithm.PS256;
        }
        String token = Fuzzing.sign(header, payload, key, alg);

        TokenVerification result = Fuzzing.allocatingAtMost(MAX_ALLOCATION, () -> VERIFIER.verify(token, Fuzzing.NOW));

        check(result, token, alg);
    }

    private static void check(TokenVerification result, String token, JWSAlgorithm signedWith) {
        assertThat(result).isNotNull();
        if (result instanceof Rejected rejected) {
            assertThat(rejected.reason()).isIn(REASONS);
            return;
        }
        // accepted: every rule holds on the raw JSON, independently of the verifier's own reading
        Caller caller = ((Verified) result).caller();
        CompactJws jws = CompactJws.split(token).jws();
        assertThat(jws).isNotNull();
        Map<String, Object> header = json(jws.headerJson());
        Map<String, Object> claims = json(jws.payloadJson());
        assertThat(header.get("alg"))
                .isIn(POLICY.algorithms().stream().map(JWSAlgorithm::getName).toArray());
        if (signedWith != null) {
            assertThat(header.get("alg")).isEqualTo(signedWith.getName());
        }
        assertThat(String.valueOf(header.get("typ"))).matches("(?i)(application/)?at\\+jwt");
        assertThat(header).doesNotContainKey("crit");
        assertThat(claims.get("iss")).isEqualTo(Fuzzing.ISSUER);
        Object aud = claims.get("aud");
        assertThat(aud instanceof List<?> list ? list.contains(Fuzzing.AUDIENCE) : Fuzzing.AUDIENCE.equals(aud))
                .isTrue();
        assertThat(claims.get("exp")).isInstanceOf(Long.class);
        assertThat(claims.get("iat")).isInstanceOf(Long.class);
        long exp = (Long) claims.get("exp");
        long iat = (Long) claims.get("iat");
        long now = Fuzzing.NOW.getEpochSecond();
        long skew = POLICY.clockSkew().toSeconds();
        assertThat(now).isLessThan(exp + skew);
        assertThat(iat).isLessThanOrEqualTo(now + skew).isLessThanOrEqualTo(exp);
        assertThat(Duration.ofSeconds(exp - iat)).isLessThanOrEqualTo(POLICY.maxLifetime());
        if (claims.get("nbf") != null) {
            assertThat((Long) claims.get("nbf")).isLessThanOrEqualTo(now + skew);
        }
        Object id = claims.get("client_id") != null
                ? claims.get("client_id")
                : claims.get("azp") != null ? claims.get("azp") : claims.get("sub");
        assertThat(caller.id()).isEqualTo(id);
        assertThat(caller.expiresAt().getEpochSecond()).isEqualTo(exp);
    }

    private static Map<String, Object> json(String text) {
        try {
            return JSONObjectUtils.parse(text);
        } catch (ParseException e) {
            throw new AssertionError("an accepted token holds JSON the parser refuses", e);
        }
    }
}
