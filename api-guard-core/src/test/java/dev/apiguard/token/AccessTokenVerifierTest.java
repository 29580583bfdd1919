package dev.apiguard.token;

import static dev.apiguard.token.TestIssuer.AUDIENCE;
import static dev.apiguard.token.TestIssuer.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.EncryptionMethod;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.JWEHeader;
import com.nimbusds.jose.JWEObject;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.RSAEncrypter;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.util.JSONObjectUtils;
import dev.apiguard.Caller;
import dev.apiguard.CredentialKind;
import dev.apiguard.token.TokenVerification.Reason;
import dev.apiguard.token.TokenVerification.Rejected;
import dev.apiguard.token.TokenVerification.Verified;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** docs/security-cases.md.md section A, cases 1–13, against the verifier; plus identity, scopes, cnf. */
class AccessTokenVerifierTest {

    private static final TestIssuer ISSUER = TestIssuer.named("https://issuer.example");
    private static final TestIssuer OTHER = TestIssuer.named("https://other.example");

    private final AccessTokenVerifier verifier =
            AccessTokenVerifier.of(ISSUER.policy().build());

    private static TestIssuer.Mint token() {
        return ISSUER.token();
    }

    private static Arguments refused(String name, Reason reason, Function<TestIssuer.Mint, String> token) {
        return Arguments.of(name, reason, token);
    }

    static Stream<Arguments> refusedTokens() {
        long now = NOW.getEpochSecond();
        return Stream.of(
                // 1. alg none in any spelling, with and without a signature
                refused(
                        "alg none, empty signature",
                        Reason.MALFORMED,
                        m -> m.header("alg", "none").unsigned()),
                refused("alg None, signature kept", Reason.ALG_NOT_ALLOWED, m -> swapHeader(m.sign(), "alg", "None")),
                refused("alg NONE, signature kept", Reason.ALG_NOT_ALLOWED, m -> swapHeader(m.sign(), "alg", "NONE")),
                refused("alg nOnE, signature kept", Reason.ALG_NOT_ALLOWED, m -> swapHeader(m.sign(), "alg", "nOnE")),
                refused("alg none, signature kept", Reason.ALG_NOT_ALLOWED, m -> swapHeader(m.sign(), "alg", "none")),
                // 2. truncated, empty or altered signature
                refused("truncated signature", Reason.BAD_SIGNATURE, m -> {
                    String t = m.sign();
                    return t.substring(0, t.lastIndexOf('.') + 1 + 300);
                }),
                refused("empty signature", Reason.MALFORMED, m -> {
                    String t = m.sign();
                    return t.substring(0, t.lastIndexOf('.') + 1);
                }),
                refused("altered signature", Reason.BAD_SIGNATURE, m -> {
                    String t = m.sign();
                    int i = t.lastIndexOf('.') + 20;
                    return t.substring(0, i) + (t.charAt(i) == 'A' ? 'B' : 'A') + t.substring(i + 1);
                }),
                refused("altered payload", Reason.BAD_SIGNATURE, m -> {
                    String[] parts = m.sign().split("\\.");
                    Map<String, Object> claims = m.claims;
                    claims.put("scope", "guard:admin");
                    return parts[0] + "." + TestIssuer.b64(JSONObjectUtils.toJSONString(claims)) + "." + parts[2];
                }),
                // 3. HS256 keyed with the issuer's RSA public key: PEM, DER and JWK n
                refused(
                        "HS256 with RSA public key as PEM",
                        Reason.ALG_NOT_ALLOWED,
                        m -> hs256(m, pem(ISSUER.rsa).getBytes(StandardCharsets.US_ASCII))),
                refused("HS256 with RSA public key as DER", Reason.ALG_NOT_ALLOWED, m -> hs256(m, der(ISSUER.rsa))),
                refused(
                        "HS256 with RSA public key as JWK n",
                        Reason.ALG_NOT_ALLOWED,
                        m -> hs256(m, ISSUER.rsa.getModulus().toString().getBytes(StandardCharsets.US_ASCII))),
                // 5. unknown kid; a kid naming a key that does not verify; a kid of the wrong key type
                refused(
                        "unknown kid",
                        Reason.UNKNOWN_KEY,
                        m -> m.header("kid", "no-such-key").sign()),
                refused(
                        "kid of our key, signed by another",
                        Reason.BAD_SIGNATURE,
                        m -> m.signedWith(OTHER.rsa, JWSAlgorithm.RS256)
                                .header("kid", ISSUER.rsa.getKeyID())
                                .sign()),
                refused(
                        "kid of our EC key on an RS256 token",
                        Reason.UNKNOWN_KEY,
                        m -> m.header("kid", ISSUER.ec.getKeyID()).sign()),
                // keys named or embedded in the header are never used (RFC 8725 §3.10)
                refused(
                        "embedded jwk header of the signer's key",
                        Reason.UNKNOWN_KEY,
                        m -> m.signedWith(OTHER.ec, JWSAlgorithm.ES256)
                                .header("jwk", OTHER.ec.toPublicJWK().toJSONObject())
                                .sign()),
                refused(
                        "jku header pointing at the attacker's set",
                        Reason.UNKNOWN_KEY,
                        m -> m.signedWith(OTHER.ec, JWSAlgorithm.ES256)
                                .header("jku", "https://evil.example/jwks")
                                .sign()),
                // 6. typ
                refused(
                        "typ absent",
                        Reason.BAD_TYPE,
                        m -> m.header("typ", null).sign()),
                refused(
                        "typ JWT (an ID token)",
                        Reason.BAD_TYPE,
                        m -> m.header("typ", "JWT").sign()),
                refused(
                        "typ at+jwe",
                        Reason.BAD_TYPE,
                        m -> m.header("typ", "at+jwe").sign()),
                // 7. iss and aud
                refused(
                        "iss missing",
                        Reason.MISSING_CLAIM,
                        m -> m.without("iss").sign()),
                refused(
                        "iss not accepted",
                        Reason.UNKNOWN_ISSUER,
                        m -> m.claim("iss", "https://evil.example").sign()),
                refused(
                        "aud missing",
                        Reason.MISSING_CLAIM,
                        m -> m.without("aud").sign()),
                refused(
                        "aud not ours",
                        Reason.WRONG_AUDIENCE,
                        m -> m.claim("aud", "https://other-api.example").sign()),
                refused(
                        "aud array without ours",
                        Reason.WRONG_AUDIENCE,
                        m -> m.claim("aud", List.of("a", "b")).sign()),
                refused(
                        "aud empty array",
                        Reason.WRONG_AUDIENCE,
                        m -> m.claim("aud", List.of()).sign()),
                // 8. exp, nbf, iat
                refused(
                        "exp missing",
                        Reason.MISSING_CLAIM,
                        m -> m.without("exp").sign()),
                refused(
                        "expired beyond the skew",
                        Reason.EXPIRED,
                        m -> m.claim("exp", now - 61).claim("iat", now - 600).sign()),
                refused(
                        "expired exactly at the skew",
                        Reason.EXPIRED,
                        m -> m.claim("exp", now - 60).claim("iat", now - 600).sign()),
                refused(
                        "nbf in the future beyond the skew",
                        Reason.NOT_YET_VALID,
                        m -> m.claim("nbf", now + 61).sign()),
                refused(
                        "iat in the future beyond the skew",
                        Reason.NOT_YET_VALID,
                        m -> m.claim("iat", now + 61).sign()),
                refused(
                        "iat missing",
                        Reason.MISSING_CLAIM,
                        m -> m.without("iat").sign()),
                // 9. lifetime over policy, insane exp
                refused(
                        "exp - iat over the maximum",
                        Reason.LIFETIME_EXCEEDED,
                        m -> m.claim("iat", now - 3000).claim("exp", now + 601).sign()),
                refused(
                        "exp further than the maximum from now",
                        Reason.LIFETIME_EXCEEDED,
                        m -> m.claim("exp", now + 3600 + 61).sign()),
                refused(
                        "exp 2^63",
                        Reason.BAD_CLAIM_TYPE,
                        m -> m.signPayload(payloadWith(m, "exp", "9223372036854775808"))),
                refused(
                        "exp 2^63 - 1",
                        Reason.BAD_CLAIM_TYPE,
                        m -> m.signPayload(payloadWith(m, "exp", "9223372036854775807"))),
                refused("exp 1e30", Reason.BAD_CLAIM_TYPE, m -> m.signPayload(payloadWith(m, "exp", "1e30"))),
                refused("exp negative", Reason.BAD_CLAIM_TYPE, m -> m.signPayload(payloadWith(m, "exp", "-1"))),
                refused(
                        "exp fractional",
                        Reason.BAD_CLAIM_TYPE,
                        m -> m.signPayload(payloadWith(m, "exp", (now + 600) + ".5"))),
                refused(
                        "exp after year 9999",
                        Reason.BAD_CLAIM_TYPE,
                        m -> m.signPayload(payloadWith(m, "exp", "253402300800"))),
                refused(
                        "exp before iat",
                        Reason.BAD_CLAIM_TYPE,
                        m -> m.claim("iat", now - 10).claim("exp", now - 20).sign()),
                // 10. wrong JSON types
                refused(
                        "exp as string",
                        Reason.BAD_CLAIM_TYPE,
                        m -> m.claim("exp", String.valueOf(now + 600)).sign()),
                refused(
                        "iat as string",
                        Reason.BAD_CLAIM_TYPE,
                        m -> m.claim("iat", String.valueOf(now)).sign()),
                refused(
                        "nbf as boolean",
                        Reason.BAD_CLAIM_TYPE,
                        m -> m.claim("nbf", true).sign()),
                refused(
                        "aud as object",
                        Reason.BAD_CLAIM_TYPE,
                        m -> m.claim("aud", Map.of("aud", AUDIENCE)).sign()),
                refused(
                        "aud array holding a number",
                        Reason.BAD_CLAIM_TYPE,
                        m -> m.claim("aud", List.of(AUDIENCE, 7)).sign()),
                refused(
                        "scope as number",
                        Reason.BAD_CLAIM_TYPE,
                        m -> m.claim("scope", 42).sign()),
                refused(
                        "scope as array",
                        Reason.BAD_CLAIM_TYPE,
                        m -> m.claim("scope", List.of("a")).sign()),
                refused(
                        "scp as string",
                        Reason.BAD_CLAIM_TYPE,
                        m -> m.without("scope").claim("scp", "a b").sign()),
                refused(
                        "iss as number",
                        Reason.BAD_CLAIM_TYPE,
                        m -> m.claim("iss", 1).sign()),
                refused(
                        "client_id as number",
                        Reason.BAD_CLAIM_TYPE,
                        m -> m.claim("client_id", 1).sign()),
                refused(
                        "client_id empty",
                        Reason.BAD_CLAIM_TYPE,
                        m -> m.claim("client_id", "").sign()),
                refused(
                        "sub as array",
                        Reason.BAD_CLAIM_TYPE,
                        m -> m.claim("sub", List.of("x")).sign()),
                refused(
                        "jti as number",
                        Reason.BAD_CLAIM_TYPE,
                        m -> m.claim("jti", 5).sign()),
                refused(
                        "cnf as string",
                        Reason.BAD_CLAIM_TYPE,
                        m -> m.claim("cnf", "abc").sign()),
                refused(
                        "cnf without a member we enforce",
                        Reason.BAD_CLAIM_TYPE,
                        m -> m.claim("cnf", Map.of("jwk", "x")).sign()),
                refused(
                        "cnf jkt as number",
                        Reason.BAD_CLAIM_TYPE,
                        m -> m.claim("cnf", Map.of("jkt", 5)).sign()),
                refused(
                        "cnf x5t#S256 empty",
                        Reason.BAD_CLAIM_TYPE,
                        m -> m.claim("cnf", Map.of("x5t#S256", "")).sign()),
                // no identity
                refused(
                        "no client_id, azp or sub",
                        Reason.MISSING_CLAIM,
                        m -> m.without("client_id").without("sub").sign()),
                // 11. malformed
                refused("2 segments", Reason.MALFORMED, m -> {
                    String t = m.sign();
                    return t.substring(0, t.lastIndexOf('.'));
                }),
                refused("4 segments", Reason.MALFORMED, m -> m.sign() + ".AAAA"),
                refused("trailing dot", Reason.MALFORMED, m -> m.sign() + "."),
                refused("empty header segment", Reason.MALFORMED, m -> m.sign().replaceFirst("^[^.]+", "")),
                refused("empty payload segment", Reason.MALFORMED, m -> {
                    String[] p = m.sign().split("\\.");
                    return p[0] + ".." + p[2];
                }),
                refused("only dots", Reason.MALFORMED, m -> ".."),
                refused("bad base64url character", Reason.MALFORMED, m -> "*" + m.sign()),
                refused(
                        "standard base64 character",
                        Reason.MALFORMED,
                        m -> m.sign().replaceFirst("^e", "+")),
                refused("base64 padding", Reason.MALFORMED, m -> {
                    String[] p = m.sign().split("\\.");
                    return p[0] + "=." + p[1] + "." + p[2];
                }),
                refused("impossible base64 length", Reason.MALFORMED, m -> {
                    String[] p = m.sign().split("\\.");
                    int extra = (5 - p[2].length() % 4) % 4;
                    return p[0] + "." + p[1] + "." + p[2] + "AAAA".substring(0, extra == 0 ? 4 : extra);
                }),
                refused("trailing garbage after a space", Reason.MALFORMED, m -> m.sign() + " garbage"),
                refused(
                        "payload is a top-level JSON array",
                        Reason.MALFORMED,
                        m -> m.signPayload("[" + JSONObjectUtils.toJSONString(m.claims) + "]")),
                refused(
                        "payload has trailing garbage",
                        Reason.MALFORMED,
                        m -> m.signPayload(JSONObjectUtils.toJSONString(m.claims) + "x")),
                refused(
                        "payload has a duplicate claim",
                        Reason.MALFORMED,
                        m -> m.signPayload(payloadWith(m, "iss", "\"https://evil.example\"")
                                .replaceFirst("^\\{", "{\"iss\":\"https://issuer.example\","))),
                refused("payload is not JSON", Reason.MALFORMED, m -> m.signPayload("not json")),
                refused("header is a JSON array", Reason.MALFORMED, m -> {
                    String[] p = m.sign().split("\\.");
                    return TestIssuer.b64("[{\"alg\":\"RS256\"}]") + "." + p[1] + "." + p[2];
                }),
                refused("header alg is a number", Reason.MALFORMED, m -> swapHeader(m.sign(), "alg", 256)),
                refused(
                        "header has crit",
                        Reason.MALFORMED,
                        m -> m.header("crit", List.of("exp")).header("exp", 1).sign()),
                refused(
                        "deeply nested JSON",
                        Reason.MALFORMED,
                        m -> m.signPayload("{\"x\":" + "[".repeat(2500) + "]".repeat(2500) + "}")),
                refused("payload not UTF-8", Reason.MALFORMED, m -> {
                    String[] p = m.sign().split("\\.");
                    return p[0] + "."
                            + Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[] {'{', (byte) 0xC3, '}'})
                            + "." + p[2];
                }),
                // 12. a 100 KB token
                refused(
                        "100 KB token",
                        Reason.TOO_LONG,
                        m -> m.claim("pad", "x".repeat(100 * 1024)).sign()),
                // 13. JWE
                refused("5-segment JWE", Reason.JWE_NOT_ACCEPTED, m -> jwe(m)),
                refused("5 empty-ish segments", Reason.JWE_NOT_ACCEPTED, m -> "a.b.c.d.e"));
    }

    @ParameterizedTest(name = "{0} → {1}")
    @MethodSource("refusedTokens")
    void tokenIsRefusedWithStableReason(String name, Reason reason, Function<TestIssuer.Mint, String> mint) {
        String token = mint.apply(token());

        TokenVerification result = verifier.verify(token, NOW);

        assertThat(result).isEqualTo(new Rejected(reason));
        assertThat(reason.code()).doesNotContain(token);
    }

    @Test
    void algorithmOutsidePolicyIsRefusedEvenWithTheRightKey() {
        AccessTokenVerifier strict = AccessTokenVerifier.of(ISSUER.policy()
                .algorithms(JWSAlgorithm.ES256, JWSAlgorithm.PS256)
                .build());

        assertThat(strict.verify(token().sign(), NOW)).isEqualTo(new Rejected(Reason.ALG_NOT_ALLOWED));
        assertThat(strict.verify(
                                token().signedWith(ISSUER.ec, JWSAlgorithm.ES256)
                                        .sign(),
                                NOW)
                        .isVerified())
                .isTrue();
        assertThat(strict.verify(
                                token().signedWith(ISSUER.rsa, JWSAlgorithm.PS256)
                                        .sign(),
                                NOW)
                        .isVerified())
                .isTrue();
    }

    static Stream<Arguments> acceptedTokens() {
        long now = NOW.getEpochSecond();
        return Stream.of(
                Arguments.of("RS256", (Function<TestIssuer.Mint, String>) TestIssuer.Mint::sign),
                Arguments.of("PS256", (Function<TestIssuer.Mint, String>)
                        m -> m.signedWith(ISSUER.rsa, JWSAlgorithm.PS256).sign()),
                Arguments.of("ES256", (Function<TestIssuer.Mint, String>)
                        m -> m.signedWith(ISSUER.ec, JWSAlgorithm.ES256).sign()),
                Arguments.of("EdDSA (Ed25519, signed by Nimbus/Tink)", (Function<TestIssuer.Mint, String>)
                        m -> m.signedWith(ISSUER.ed, JWSAlgorithm.EdDSA).sign()),
                Arguments.of("no kid: every key of the alg's type is tried", (Function<TestIssuer.Mint, String>)
                        m -> m.header("kid", null).sign()),
                Arguments.of("typ at+jwt", (Function<TestIssuer.Mint, String>)
                        m -> m.header("typ", "at+jwt").sign()),
                Arguments.of("typ application/at+jwt", (Function<TestIssuer.Mint, String>)
                        m -> m.header("typ", "application/at+jwt").sign()),
                Arguments.of("typ AT+JWT", (Function<TestIssuer.Mint, String>)
                        m -> m.header("typ", "AT+JWT").sign()),
                Arguments.of("typ Application/At+Jwt", (Function<TestIssuer.Mint, String>)
                        m -> m.header("typ", "Application/At+Jwt").sign()),
                Arguments.of("aud array containing ours", (Function<TestIssuer.Mint, String>)
                        m -> m.claim("aud", List.of("x", AUDIENCE)).sign()),
                Arguments.of("expired within the skew", (Function<TestIssuer.Mint, String>)
                        m -> m.claim("iat", now - 600).claim("exp", now - 59).sign()),
                Arguments.of("nbf and iat in the future within the skew", (Function<TestIssuer.Mint, String>)
                        m -> m.claim("nbf", now + 59).claim("iat", now + 59).sign()),
                Arguments.of("lifetime exactly the maximum", (Function<TestIssuer.Mint, String>)
                        m -> m.claim("iat", now - 1800).claim("exp", now + 1800).sign()),
                Arguments.of("unknown extra claims and header parameters", (Function<TestIssuer.Mint, String>) m ->
                        m.claim("tenant", Map.of("a", 1)).header("x-extra", "y").sign()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("acceptedTokens")
    void tokenIsAccepted(String name, Function<TestIssuer.Mint, String> mint) {
        TokenVerification result = verifier.verify(mint.apply(token()), NOW);

        assertThat(result).isInstanceOf(Verified.class);
    }

    @Test
    void fullySpecifiedEd25519AlgorithmIsAcceptedWhenAllowed() {
        AccessTokenVerifier ed = AccessTokenVerifier.of(
                ISSUER.policy().algorithms(JWSAlgorithm.Ed25519).build());

        assertThat(ed.verify(token().signedWith(ISSUER.ed, JWSAlgorithm.Ed25519).sign(), NOW)
                        .isVerified())
                .isTrue();
        assertThat(ed.verify(token().signedWith(ISSUER.ed, JWSAlgorithm.EdDSA).sign(), NOW))
                .isEqualTo(new Rejected(Reason.ALG_NOT_ALLOWED));
    }

    @Test
    void rsaKeyShorterThan2048BitsNeverVerifies() throws Exception {
        RSAKey weak = new RSAKeyGenerator(1024, true).keyID("weak").generate();
        AccessTokenVerifier verifier = AccessTokenVerifier.of(TokenPolicy.builder()
                .issuer(ISSUER.issuer, KeySource.of(new ImmutableJWKSet<>(new JWKSet(weak.toPublicJWK()))))
                .audience(AUDIENCE)
                .build());
        TestIssuer.Mint mint = token().header("kid", "weak");
        String input = TestIssuer.b64(JSONObjectUtils.toJSONString(mint.header)) + "."
                + TestIssuer.b64(JSONObjectUtils.toJSONString(mint.claims));
        String token = input + "."
                + new RSASSASigner(weak.toPrivateKey(), true)
                        .sign(new JWSHeader(JWSAlgorithm.RS256), input.getBytes(StandardCharsets.US_ASCII));

        assertThat(verifier.verify(token, NOW)).isEqualTo(new Rejected(Reason.BAD_SIGNATURE));
    }

    @Test
    void typIsNotCheckedWhenSwitchedOff() {
        AccessTokenVerifier lenient = AccessTokenVerifier.of(
                ISSUER.policy().requireAccessTokenType(false).build());

        assertThat(lenient.verify(token().header("typ", "JWT").sign(), NOW).isVerified())
                .isTrue();
        assertThat(lenient.verify(token().header("typ", null).sign(), NOW).isVerified())
                .isTrue();
    }

    @Test
    void verifiedCallerCarriesTheTokenClaims() {
        String token = token().claim("cnf", Map.of("x5t#S256", "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2"))
                .claim("jti", "jti-1")
                .sign();

        Caller caller = ((Verified) verifier.verify(token, NOW)).caller();

        assertThat(caller.id()).isEqualTo("client-1");
        assertThat(caller.subject()).isEqualTo("user-1");
        assertThat(caller.issuer()).isEqualTo(ISSUER.issuer);
        assertThat(caller.kind()).isEqualTo(CredentialKind.BEARER_JWT);
        assertThat(caller.scopes()).containsExactlyInAnyOrder("customers:read", "payments:write");
        assertThat(caller.issuedAt()).isEqualTo(NOW);
        assertThat(caller.expiresAt()).isEqualTo(NOW.plusSeconds(600));
        assertThat(caller.tokenId()).isEqualTo("jti-1");
        assertThat(caller.confirmation())
                .isEqualTo(new Caller.Confirmation("bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2", null));
        assertThat(caller.certificateThumbprint()).isNull();
        assertThat(caller.plan()).isNull();
    }

    @Test
    void tokensWithOnlyTheUsualClaimsShareOneClaimsInstanceInTheCache() {
        Caller one = ((Verified) verifier.verify(token().claim("jti", "a").sign(), NOW)).caller();
        Caller two = ((Verified) verifier.verify(token().claim("jti", "b").sign(), NOW)).caller();
        assertThat(one.claims()).isSameAs(two.claims());
        assertThat(one.claims().names()).containsExactly("aud");
        Caller other = ((Verified) verifier.verify(token().claim("tenant", "eu").sign(), NOW)).caller();
        assertThat(other.claims().names()).containsExactlyInAnyOrder("aud", "tenant");
    }

    @Test
    void theApplicationReadsEveryVerifiedClaimAndCannotChangeThem() {
        String token = token().claim("partner_id", "partner-42")
                .claim("tenants", List.of("eu", "us"))
                .claim("act", Map.of("sub", "batch-job", "roles", List.of("reader")))
                .sign();

        Caller caller = ((Verified) verifier.verify(token, NOW)).caller();

        assertThat(caller.claims().string("partner_id")).contains("partner-42");
        assertThat(caller.claims().strings("tenants")).containsExactly("eu", "us");
        assertThat(caller.claims().strings("aud")).containsExactly(AUDIENCE);
        // the claims the caller's accessors carry are not kept twice with the cached verification
        assertThat(caller.claims().names())
                .doesNotContain("iss", "sub", "client_id", "scope", "exp", "iat", "jti", "cnf");
        assertThat(caller.issuer()).isEqualTo(ISSUER.issuer);
        Map<String, Object> act = caller.claims().object("act").orElseThrow();
        assertThat(act).containsEntry("sub", "batch-job");
        assertThatThrownBy(() -> act.put("sub", "admin")).isInstanceOf(UnsupportedOperationException.class);
        @SuppressWarnings("unchecked")
        List<Object> roles = (List<Object>) act.get("roles");
        assertThatThrownBy(() -> roles.add("admin")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> caller.claims().asMap().remove("partner_id"))
                .isInstanceOf(UnsupportedOperationException.class);
        // the same token again, from the verified-token cache: the same claims, unchanged
        assertThat(((Verified) verifier.verify(token, NOW)).caller().claims().string("partner_id"))
                .contains("partner-42");
        assertThat(caller.claims().toString()).contains("partner_id").doesNotContain("partner-42");
    }

    static Stream<Arguments> identities() {
        return Stream.of(
                Arguments.of(Map.of("client_id", "c", "azp", "a", "sub", "s"), "c"),
                Arguments.of(Map.of("azp", "a", "sub", "s"), "a"),
                Arguments.of(Map.of("sub", "s"), "s"),
                Arguments.of(Map.of("client_id", "c"), "c"));
    }

    @ParameterizedTest(name = "{0} → {1}")
    @MethodSource("identities")
    void identityIsClientIdElseAzpElseSub(Map<String, Object> claims, String expected) {
        TestIssuer.Mint mint = token().without("client_id").without("sub");
        claims.forEach(mint::claim);

        assertThat(((Verified) verifier.verify(mint.sign(), NOW)).caller().id()).isEqualTo(expected);
    }

    static Stream<Arguments> scopes() {
        return Stream.of(
                Arguments.of(Map.of("scope", "a b"), Set.of("a", "b")),
                Arguments.of(Map.of("scope", "  a   b  "), Set.of("a", "b")),
                Arguments.of(Map.of("scope", ""), Set.of()),
                Arguments.of(Map.of("scope", "A a"), Set.of("A", "a")),
                Arguments.of(Map.of("scp", List.of("x", "y")), Set.of("x", "y")),
                Arguments.of(Map.of("scope", "a", "scp", List.of("x")), Set.of("a")),
                Arguments.of(Map.of(), Set.of()));
    }

    @ParameterizedTest(name = "{0} → {1}")
    @MethodSource("scopes")
    void scopesComeFromScopeElseScp(Map<String, Object> claims, Set<String> expected) {
        TestIssuer.Mint mint = token().without("scope");
        claims.forEach(mint::claim);

        assertThat(((Verified) verifier.verify(mint.sign(), NOW)).caller().scopes())
                .isEqualTo(expected);
    }

    static Stream<Arguments> confirmations() {
        return Stream.of(
                Arguments.of(Map.of("x5t#S256", "t"), new Caller.Confirmation("t", null)),
                Arguments.of(Map.of("jkt", "k"), new Caller.Confirmation(null, "k")),
                Arguments.of(Map.of("jkt", "k", "x5t#S256", "t"), new Caller.Confirmation("t", "k")),
                Arguments.of(Map.of("jkt", "k", "kid", "ignored"), new Caller.Confirmation(null, "k")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("confirmations")
    void cnfBecomesTheCallersConfirmation(Map<String, Object> cnf, Caller.Confirmation expected) {
        String token = token().claim("cnf", cnf).sign();

        assertThat(((Verified) verifier.verify(token, NOW)).caller().confirmation())
                .isEqualTo(expected);
    }

    @Test
    void tokenWithoutCnfIsNotConfirmed() {
        assertThat(((Verified) verifier.verify(token().sign(), NOW))
                        .caller()
                        .confirmation()
                        .isPresent())
                .isFalse();
    }

    @Test
    void extraRequiredClaimsAreEnforced() {
        AccessTokenVerifier needsJti = AccessTokenVerifier.of(
                ISSUER.policy().requiredClaims("jti", "sub").build());

        assertThat(needsJti.verify(token().without("jti").sign(), NOW)).isEqualTo(new Rejected(Reason.MISSING_CLAIM));
        assertThat(needsJti.verify(token().without("sub").sign(), NOW)).isEqualTo(new Rejected(Reason.MISSING_CLAIM));
        assertThat(needsJti.verify(token().sign(), NOW).isVerified()).isTrue();
    }

    @Test
    void eachIssuerIsVerifiedOnlyWithItsOwnKeys() {
        AccessTokenVerifier both = AccessTokenVerifier.of(TokenPolicy.builder()
                .issuer(ISSUER.issuer, ISSUER.keySource())
                .issuer(OTHER.issuer, OTHER.keySource())
                .audience(AUDIENCE)
                .build());

        assertThat(both.verify(ISSUER.token().sign(), NOW).isVerified()).isTrue();
        assertThat(both.verify(
                                OTHER.token()
                                        .signedWith(OTHER.ec, JWSAlgorithm.ES256)
                                        .sign(),
                                NOW)
                        .isVerified())
                .isTrue();
        // iss A, signed with B's key under B's kid: A's key set does not hold it
        assertThat(both.verify(
                        ISSUER.token().signedWith(OTHER.rsa, JWSAlgorithm.RS256).sign(), NOW))
                .isEqualTo(new Rejected(Reason.UNKNOWN_KEY));
        // iss A, signed with B's key but claiming A's kid
        assertThat(both.verify(
                        ISSUER.token()
                                .signedWith(OTHER.rsa, JWSAlgorithm.RS256)
                                .header("kid", ISSUER.rsa.getKeyID())
                                .sign(),
                        NOW))
                .isEqualTo(new Rejected(Reason.BAD_SIGNATURE));
        // iss A, signed with B's key and no kid: only A's keys are tried
        assertThat(both.verify(
                        ISSUER.token()
                                .signedWith(OTHER.rsa, JWSAlgorithm.RS256)
                                .header("kid", null)
                                .sign(),
                        NOW))
                .isEqualTo(new Rejected(Reason.BAD_SIGNATURE));
    }

    @Test
    void everySingleCharacterChangeOfAValidTokenIsRefusedWithoutException() {
        String token = token().signedWith(ISSUER.ec, JWSAlgorithm.ES256).sign();
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
        AccessTokenVerifier uncached =
                AccessTokenVerifier.of(ISSUER.policy().cacheMaximumSize(0).build());

        for (int i = 0; i < token.length(); i++) {
            char replacement = alphabet.charAt((alphabet.indexOf(token.charAt(i)) + 7) % alphabet.length());
            String mutated = token.substring(0, i) + replacement + token.substring(i + 1);

            assertThat(uncached.verify(mutated, NOW)).as("change at %d", i).isInstanceOf(Rejected.class);
        }
        assertThat(uncached.verify(token, NOW).isVerified()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", ".", "a", "a.b", "a.b.c", "{}.{}.{}", "Bearer x"})
    void garbageIsMalformed(String token) {
        assertThat(verifier.verify(token, NOW)).isEqualTo(new Rejected(Reason.MALFORMED));
    }

    @Test
    void nullTokenIsMalformed() {
        assertThat(verifier.verify(null, NOW)).isEqualTo(new Rejected(Reason.MALFORMED));
    }

    @Test
    void tokenJustOverTheLengthCapIsRefusedAsTooLong() {
        AccessTokenVerifier small =
                AccessTokenVerifier.of(ISSUER.policy().maxTokenLength(1024).build());
        String token = token().claim("pad", "x".repeat(800)).sign();

        assertThat(token.length()).isBetween(1025, 2048);
        assertThat(small.verify(token, NOW)).isEqualTo(new Rejected(Reason.TOO_LONG));
    }

    @Test
    void tokenExactlyAtTheLengthCapIsVerifiedAndOneCharacterLessOfCapRefusesIt() {
        String token = token().claim("pad", "x".repeat(600)).sign();
        assertThat(token.length()).isGreaterThan(512);

        AccessTokenVerifier exact = AccessTokenVerifier.of(
                ISSUER.policy().maxTokenLength(token.length()).build());
        AccessTokenVerifier under = AccessTokenVerifier.of(
                ISSUER.policy().maxTokenLength(token.length() - 1).build());

        assertThat(exact.verify(token, NOW).isVerified()).isTrue();
        assertThat(under.verify(token, NOW)).isEqualTo(new Rejected(Reason.TOO_LONG));
    }

    // ---- helpers ------------------------------------------------------------------------------

    /** Replaces one header parameter of a signed token, keeping payload and signature. */
    private static String swapHeader(String token, String name, Object value) {
        try {
            String[] p = token.split("\\.");
            Map<String, Object> header =
                    JSONObjectUtils.parse(new String(Base64.getUrlDecoder().decode(p[0]), StandardCharsets.UTF_8));
            header.put(name, value);
            return TestIssuer.b64(JSONObjectUtils.toJSONString(header)) + "." + p[1] + "." + p[2];
        } catch (java.text.ParseException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String payloadWith(TestIssuer.Mint m, String claim, String rawJsonValue) {
        Map<String, Object> claims = new java.util.LinkedHashMap<>(m.claims);
        claims.remove(claim);
        String json = JSONObjectUtils.toJSONString(claims);
        return "{\"" + claim + "\":" + rawJsonValue + "," + json.substring(1);
    }

    private static String hs256(TestIssuer.Mint m, byte[] secret) {
        m.header.put("alg", "HS256");
        return TestIssuer.signHs256(
                JSONObjectUtils.toJSONString(m.header), JSONObjectUtils.toJSONString(m.claims), secret);
    }

    private static byte[] der(RSAKey key) {
        try {
            return key.toRSAPublicKey().getEncoded();
        } catch (com.nimbusds.jose.JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pem(RSAKey key) {
        return "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(der(key)) + "\n-----END PUBLIC KEY-----\n";
    }

    private static String jwe(TestIssuer.Mint m) {
        try {
            JWEObject jwe = new JWEObject(
                    new JWEHeader.Builder(JWEAlgorithm.RSA_OAEP_256, EncryptionMethod.A256GCM)
                            .contentType("JWT")
                            .build(),
                    new Payload(m.sign()));
            jwe.encrypt(new RSAEncrypter(ISSUER.rsa.toRSAPublicKey()));
            return jwe.serialize();
        } catch (com.nimbusds.jose.JOSEException e) {
            throw new IllegalStateException(e);
        }
    }
}
