package dev.apiguard.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.Algorithm;
import com.nimbusds.jose.JOSEObject;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.PlainObject;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.FieldSource;

class BrokenTokensTest {

    private static final LocalIssuer RSA = LocalIssuer.rsa("https://issuer.example");
    private static final LocalIssuer EC = LocalIssuer.ec("https://issuer.example");

    private static RSASSAVerifier rsaVerifier() throws Exception {
        return new RSASSAVerifier((RSAKey) RSA.publicJwk());
    }

    private static Map<String, Object> headerOf(String token) throws Exception {
        String header = token.substring(0, token.indexOf('.'));
        return com.nimbusds.jose.util.JSONObjectUtils.parse(new Base64URL(header).decodeToString());
    }

    @Test
    void goodTokenVerifiesSoTheBrokenOnesBelowAreBrokenOnlyWhereIntended() throws Exception {
        assertThat(JWSObject.parse(RSA.token().sign()).verify(rsaVerifier())).isTrue();
    }

    @ParameterizedTest
    @FieldSource("dev.apiguard.test.BrokenTokens#NONE_SPELLINGS")
    void unsignedTokenHasAlgNoneInTheGivenSpellingAndNoSignature(String spelling) throws Exception {
        String token = RSA.token().scope("guard:admin").unsigned(spelling);
        assertThat(token).endsWith(".");
        assertThat(token.split("\\.", -1)).hasSize(3);
        assertThat(headerOf(token)).containsEntry("alg", spelling).containsEntry("typ", "at+jwt");
        assertThat(new Base64URL(token.split("\\.")[1]).decodeToString()).contains("guard:admin");
    }

    @Test
    void unsignedTokenParsesAsAnUnsecuredJwt() throws Exception {
        JOSEObject parsed = JOSEObject.parse(RSA.token().unsigned());
        assertThat(parsed).isInstanceOf(PlainObject.class);
        assertThat(parsed.getHeader().getAlgorithm()).isEqualTo(Algorithm.NONE);
    }

    @ParameterizedTest
    @EnumSource(PublicKeyForm.class)
    void hs256WithThePublicKeyIsTheRealKeyConfusionAttack(PublicKeyForm form) throws Exception {
        String token = RSA.token().scope("guard:admin").signedWithHs256UsingPublicKey(form);
        SignedJWT jwt = SignedJWT.parse(token);
        assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.HS256);
        assertThat(jwt.getHeader().getKeyID()).isEqualTo(RSA.keyId());

        // a verifier that hands the public key bytes to HMAC accepts it: this is the real attack
        byte[] secret = independentlyEncoded(form);
        assertThat(jwt.verify(new MACVerifier(secret))).isTrue();
        assertThat(RSA.publicKeyBytes(form)).isEqualTo(secret);
        // and the RSA key does not
        assertThat(JWSObject.parse(token).getHeader().getAlgorithm()).isNotEqualTo(JWSAlgorithm.RS256);
    }

    private static byte[] independentlyEncoded(PublicKeyForm form) throws Exception {
        RSAKey jwk = (RSAKey) RSA.publicJwk();
        byte[] der = jwk.toRSAPublicKey().getEncoded();
        return switch (form) {
            case PEM ->
                ("-----BEGIN PUBLIC KEY-----\n"
                                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                                        .encodeToString(der)
                                + "\n-----END PUBLIC KEY-----\n")
                        .getBytes(StandardCharsets.US_ASCII);
            case DER -> der;
            case JWK_N -> jwk.getModulus().toString().getBytes(StandardCharsets.US_ASCII);
            case JWK_N_DECODED -> jwk.getModulus().decode();
        };
    }

    @Test
    void jwkNFormNeedsAnRsaIssuer() {
        assertThatThrownBy(() -> EC.token().signedWithHs256UsingPublicKey(PublicKeyForm.JWK_N))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("RSA");
    }

    @Test
    void pemAndDerFormsWorkForEcToo() throws Exception {
        String token = EC.token().signedWithHs256UsingPublicKey(PublicKeyForm.DER);
        assertThat(SignedJWT.parse(token).verify(new MACVerifier(EC.publicKey().getEncoded())))
                .isTrue();
    }

    @Test
    void signedWithAnotherIssuerKeepsTheTrustedKidButFailsVerification() throws Exception {
        LocalIssuer attacker = LocalIssuer.rsa("https://issuer.example");
        SignedJWT forged = SignedJWT.parse(RSA.token().signedWith(attacker));
        assertThat(forged.getHeader().getKeyID()).isEqualTo(RSA.keyId());
        assertThat(forged.getJWTClaimsSet().getIssuer()).isEqualTo("https://issuer.example");
        assertThat(forged.verify(rsaVerifier())).isFalse();
        assertThat(forged.verify(new RSASSAVerifier((RSAKey) attacker.publicJwk())))
                .isTrue();

        SignedJWT ownKid = SignedJWT.parse(RSA.token().keyId(attacker.keyId()).signedWith(attacker));
        assertThat(ownKid.getHeader().getKeyID()).isEqualTo(attacker.keyId());
    }

    @Test
    void signedWithAnotherKeyTypeUsesThatKeysAlgorithm() throws Exception {
        SignedJWT forged = SignedJWT.parse(RSA.token().signedWith(EC));
        assertThat(forged.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.ES256);
        assertThat(forged.verify(new ECDSAVerifier((ECKey) EC.publicJwk()))).isTrue();
    }

    @Test
    void signatureDamageIsRealAndOnlyInTheSignature() throws Exception {
        TokenBuilder builder = RSA.token();
        String good = builder.sign();
        String truncated = builder.truncatedSignature();
        String tampered = builder.tamperedSignature();
        String empty = builder.emptySignature();

        assertThat(JWSObject.parse(truncated).getSignature().decode()).hasSize(128);
        assertThat(JWSObject.parse(truncated).verify(rsaVerifier())).isFalse();
        assertThat(JWSObject.parse(tampered).getSignature().decode()).hasSize(256);
        assertThat(JWSObject.parse(tampered).verify(rsaVerifier())).isFalse();
        assertThat(empty).endsWith(".").doesNotEndWith("..");
        assertThatThrownBy(() -> JWSObject.parse(empty).verify(rsaVerifier())).isInstanceOf(Exception.class);
        // header and payload are those of a good token
        String prefix = good.substring(0, good.lastIndexOf('.') + 1);
        assertThat(truncated).startsWith(prefix);
        assertThat(tampered).startsWith(prefix);
        assertThat(empty).isEqualTo(prefix);
    }

    @Test
    void alteredPayloadKeepsTheSignatureAndFailsVerification() throws Exception {
        TokenBuilder builder = RSA.token().scope("customers:read");
        String altered = builder.alteredPayload();
        SignedJWT jwt = SignedJWT.parse(altered);
        assertThat(jwt.getJWTClaimsSet().getStringClaim("scope")).isEqualTo(TokenBuilder.ESCALATED_SCOPE);
        assertThat(jwt.verify(rsaVerifier())).isFalse();

        String otherClient = builder.alteredPayload("client_id", "victim");
        assertThat(SignedJWT.parse(otherClient).getJWTClaimsSet().getStringClaim("client_id"))
                .isEqualTo("victim");
        assertThat(SignedJWT.parse(otherClient).verify(rsaVerifier())).isFalse();
    }

    @Test
    void wrongSegmentCountsAreWhatTheySay() {
        String good = RSA.token().sign();
        assertThat(BrokenTokens.twoSegments(good).split("\\.", -1)).hasSize(2);
        assertThat(BrokenTokens.fourSegments(good).split("\\.", -1)).hasSize(4);
        assertThat(BrokenTokens.fiveSegmentsJwe().split("\\.", -1)).hasSize(5);
        assertThat(BrokenTokens.emptyHeader(good)).startsWith(".");
        assertThat(BrokenTokens.emptyPayload(good)).contains("..");
        assertThat(BrokenTokens.onlyDots()).isEqualTo("..");
        assertThatThrownBy(() -> BrokenTokens.twoSegments("a.b")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void fiveSegmentTokenIsAJweHeader() throws Exception {
        JOSEObject parsed = JOSEObject.parse(BrokenTokens.fiveSegmentsJwe());
        assertThat(parsed).isInstanceOf(com.nimbusds.jose.JWEObject.class);
    }

    @Test
    void badBase64UrlAndTrailingGarbageDoNotParseAsTheGoodToken() throws Exception {
        String good = RSA.token().sign();
        String bad = BrokenTokens.badBase64Url(good);
        assertThat(bad.split("\\.")[1]).containsAnyOf("+", "/", "=", "*");
        assertThatThrownBy(() -> Base64.getUrlDecoder().decode(bad.split("\\.")[1]))
                .isInstanceOf(IllegalArgumentException.class);

        String trailing = BrokenTokens.withTrailingGarbage(good);
        assertThat(trailing).startsWith(good).endsWith("garbage");
        assertThat(BrokenTokens.withTrailingGarbage(good, " x")).isEqualTo(good + " x");
    }

    @Test
    void topLevelArrayIsCorrectlySignedButNotAClaimsObject() throws Exception {
        String token = BrokenTokens.topLevelJsonArray(RSA);
        JWSObject jws = JWSObject.parse(token);
        assertThat(jws.verify(rsaVerifier())).isTrue();
        assertThat(jws.getPayload().toString()).startsWith("[{").endsWith("}]");
        assertThatThrownBy(() -> SignedJWT.parse(token).getJWTClaimsSet()).isInstanceOf(ParseException.class);
    }

    @Test
    void oversizedTokenHasExactlyTheAskedLength() {
        String token = BrokenTokens.oversized(100 * 1024);
        assertThat(token).hasSize(100 * 1024);
        assertThat(token.split("\\.")).hasSize(3);
        assertThatThrownBy(() -> BrokenTokens.oversized(10)).isInstanceOf(IllegalArgumentException.class);
    }
}
