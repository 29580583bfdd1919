package dev.apiguard.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class LocalIssuerTest {

    private static final String ISS = "https://issuer.example";
    private static final Instant NOW = Instant.parse("2025-03-01T12:00:00Z");

    static Stream<Arguments> issuers() {
        return Stream.of(
                Arguments.of("RSA", (Function<String, LocalIssuer>) LocalIssuer::rsa, JWSAlgorithm.RS256),
                Arguments.of("EC", (Function<String, LocalIssuer>) LocalIssuer::ec, JWSAlgorithm.ES256),
                Arguments.of("Ed25519", (Function<String, LocalIssuer>) LocalIssuer::ed25519, JWSAlgorithm.EdDSA));
    }

    /**
     * Nimbus's own processor, configured as a strict RFC 9068 resource server would be. Its key
     * selector cannot turn an OKP JWK into a JCA key, so Ed25519 goes through Nimbus's
     * {@link Ed25519Verifier} with the same checks.
     */
    static JWTClaimsSet process(String token, JWKSet keys, JWSAlgorithm alg) throws Exception {
        if (alg.equals(JWSAlgorithm.EdDSA)) {
            SignedJWT jwt = SignedJWT.parse(token);
            if (!jwt.getHeader().getAlgorithm().equals(alg)
                    || !new JOSEObjectType("at+jwt").equals(jwt.getHeader().getType())) {
                throw new BadJOSEException("unexpected header " + jwt.getHeader());
            }
            OctetKeyPair key = (OctetKeyPair) keys.getKeyByKeyId(jwt.getHeader().getKeyID());
            if (key == null || !jwt.verify(new Ed25519Verifier(key))) {
                throw new BadJOSEException("bad signature");
            }
            return jwt.getJWTClaimsSet();
        }
        DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
        processor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(new JOSEObjectType("at+jwt")));
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(alg, new ImmutableJWKSet<>(keys)));
        processor.setJWTClaimsSetVerifier((claims, ctx) -> {});
        return processor.process(token, null);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("issuers")
    void mintedTokenVerifiesAgainstThePublicJwksWithTheDefaults(
            String name, Function<String, LocalIssuer> factory, JWSAlgorithm alg) throws Exception {
        LocalIssuer issuer = factory.apply(ISS).clock(MutableClock.at(NOW));
        String token = issuer.token().sign();

        JWTClaimsSet claims = process(token, issuer.publicJwks(), alg);

        SignedJWT jwt = SignedJWT.parse(token);
        assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(alg);
        assertThat(jwt.getHeader().getType()).isEqualTo(new JOSEObjectType("at+jwt"));
        assertThat(jwt.getHeader().getKeyID()).isEqualTo(issuer.keyId()).isNotBlank();
        assertThat(claims.getIssuer()).isEqualTo(ISS);
        assertThat(claims.getAudience()).containsExactly("https://api.example");
        assertThat(claims.getSubject()).isEqualTo("test-client");
        assertThat(claims.getStringClaim("client_id")).isEqualTo("test-client");
        assertThat(claims.getClaim("scope")).isNull();
        assertThat(claims.getIssueTime().toInstant()).isEqualTo(NOW);
        assertThat(claims.getExpirationTime().toInstant()).isEqualTo(NOW.plus(Duration.ofMinutes(5)));
        assertThat(claims.getJWTID()).isNotBlank();
        assertThat(issuer.algorithm()).isEqualTo(alg);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("issuers")
    void publicJwksHoldsNoPrivateKeyMaterial(String name, Function<String, LocalIssuer> factory, JWSAlgorithm alg)
            throws Exception {
        LocalIssuer issuer = factory.apply(ISS);
        JWKSet jwks = issuer.publicJwks();
        assertThat(jwks.getKeys()).hasSize(1);
        assertThat(jwks.getKeys().get(0).isPrivate()).isFalse();
        assertThat(jwks.getKeys().get(0).getKeyID()).isEqualTo(issuer.keyId());
        Map<String, Object> json =
                JWKSet.parse(issuer.jwksJson()).getKeys().get(0).toJSONObject();
        assertThat(json).doesNotContainKeys("d", "p", "q", "dp", "dq", "qi");
    }

    @Test
    void writesTheJwksToAFile(@TempDir Path dir) throws Exception {
        LocalIssuer issuer = LocalIssuer.ec(ISS);
        Path file = dir.resolve("jwks.json");
        issuer.writeJwks(file);
        JWKSet read = JWKSet.load(file.toFile());
        assertThat(read.getKeyByKeyId(issuer.keyId())).isEqualTo(issuer.publicJwk());
        assertThat(process(issuer.token().sign(), read, JWSAlgorithm.ES256).getIssuer())
                .isEqualTo(ISS);
    }

    @Test
    void eachIssuerHasItsOwnRandomKeyId() {
        assertThat(LocalIssuer.rsa(ISS).keyId())
                .isNotEqualTo(LocalIssuer.rsa(ISS).keyId());
    }

    @Test
    void settersShapeTheClaims() throws Exception {
        LocalIssuer issuer = LocalIssuer.ec(ISS).clock(MutableClock.at(NOW)).audience("https://other.example");
        String token = issuer.token()
                .clientId("partner-a")
                .scope("customers:read payments:write")
                .issuedAt(NOW.minusSeconds(60))
                .lifetime(Duration.ofMinutes(2))
                .notBefore(NOW.minusSeconds(30))
                .claim("tenant", "acme")
                .claim("roles", List.of("a", "b"))
                .without("jti")
                .sign();
        JWTClaimsSet c = SignedJWT.parse(token).getJWTClaimsSet();
        assertThat(c.getStringClaim("client_id")).isEqualTo("partner-a");
        assertThat(c.getSubject()).isEqualTo("partner-a");
        assertThat(c.getAudience()).containsExactly("https://other.example");
        assertThat(c.getStringClaim("scope")).isEqualTo("customers:read payments:write");
        assertThat(c.getIssueTime().toInstant()).isEqualTo(NOW.minusSeconds(60));
        assertThat(c.getExpirationTime().toInstant()).isEqualTo(NOW.plusSeconds(60));
        assertThat(c.getNotBeforeTime().toInstant()).isEqualTo(NOW.minusSeconds(30));
        assertThat(c.getStringClaim("tenant")).isEqualTo("acme");
        assertThat(c.getStringListClaim("roles")).containsExactly("a", "b");
        assertThat(c.getJWTID()).isNull();
    }

    @Test
    void severalAudiencesAreAnArrayAndOneIsAString() throws Exception {
        LocalIssuer issuer = LocalIssuer.ec(ISS);
        String one = issuer.token().audience("https://a.example").sign();
        String two = issuer.token()
                .audience("https://a.example", "https://api.example")
                .sign();
        assertThat(JWSObject.parse(one).getPayload().toJSONObject().get("aud")).isEqualTo("https://a.example");
        assertThat(JWSObject.parse(two).getPayload().toJSONObject().get("aud"))
                .isEqualTo(List.of("https://a.example", "https://api.example"));
    }

    @Test
    void subjectStaysWhenClientIdChangesAfterIt() throws Exception {
        JWTClaimsSet c = SignedJWT.parse(LocalIssuer.ec(ISS)
                        .token()
                        .subject("user-1")
                        .clientId("app")
                        .sign())
                .getJWTClaimsSet();
        assertThat(c.getSubject()).isEqualTo("user-1");
        assertThat(c.getStringClaim("client_id")).isEqualTo("app");
    }

    @Test
    void explicitExpiryDoesNotMoveWithIssuedAt() throws Exception {
        JWTClaimsSet c = SignedJWT.parse(LocalIssuer.ec(ISS)
                        .token()
                        .expiresAt(NOW)
                        .issuedAt(NOW.minusSeconds(3600))
                        .sign())
                .getJWTClaimsSet();
        assertThat(c.getExpirationTime().toInstant()).isEqualTo(NOW);
        assertThat(c.getIssueTime().toInstant()).isEqualTo(NOW.minusSeconds(3600));
    }

    @Test
    void wrongJsonTypesAreWrittenVerbatim() throws Exception {
        String token = LocalIssuer.ec(ISS)
                .token()
                .claim("exp", "tomorrow")
                .claim("aud", Map.of("not", "a string"))
                .claim("scope", 42)
                .claim("iat", 1e30)
                .claim("nbf", null)
                .sign();
        Map<String, Object> payload = JWSObject.parse(token).getPayload().toJSONObject();
        assertThat(payload.get("exp")).isEqualTo("tomorrow");
        assertThat(payload.get("aud")).isEqualTo(Map.of("not", "a string"));
        assertThat(payload.get("scope")).isEqualTo(42L);
        assertThat(((Number) payload.get("iat")).doubleValue()).isEqualTo(1e30);
        assertThat(payload).containsEntry("nbf", null);
        // the signature is still good: only the content is wrong
        assertThat(JWSObject.parse(token).getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.ES256);
    }

    @Test
    void headerCanBeChangedOrEmptied() throws Exception {
        LocalIssuer issuer = LocalIssuer.rsa(ISS);
        assertThat(SignedJWT.parse(issuer.token().type("JWT").sign())
                        .getHeader()
                        .getType())
                .isEqualTo(JOSEObjectType.JWT);
        assertThat(SignedJWT.parse(issuer.token().withoutType().sign())
                        .getHeader()
                        .getType())
                .isNull();
        SignedJWT custom = SignedJWT.parse(issuer.token()
                .keyId("unknown")
                .header("jku", "https://evil.example")
                .sign());
        assertThat(custom.getHeader().getKeyID()).isEqualTo("unknown");
        assertThat(custom.getHeader().getJWKURL()).hasToString("https://evil.example");
    }

    @Test
    void ps256IsAvailableOnRsaAndRefusedOnEc() throws Exception {
        LocalIssuer rsa = LocalIssuer.rsa(ISS);
        String token = rsa.token().algorithm("PS256").sign();
        assertThat(process(token, rsa.publicJwks(), JWSAlgorithm.PS256).getIssuer())
                .isEqualTo(ISS);
        assertThatThrownBy(() -> LocalIssuer.ec(ISS).token().algorithm("PS256"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("PS256");
    }

    @Test
    void certificateBindingCarriesTheIndependentlyComputedThumbprint() throws Exception {
        IssuedCertificate client = TestCertificates.create().client("partner-a");
        String token = LocalIssuer.ec(ISS)
                .token()
                .boundToCertificate(client.certificate())
                .sign();

        byte[] digest =
                MessageDigest.getInstance("SHA-256").digest(client.certificate().getEncoded());
        String expected = Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        Map<String, Object> cnf = SignedJWT.parse(token).getJWTClaimsSet().getJSONObjectClaim("cnf");
        assertThat(cnf).containsExactly(Map.entry("x5t#S256", expected));
        assertThat(expected).hasSize(43).doesNotContain("=", "+", "/");
        assertThat(Thumbprints.x5tS256(client.certificate())).isEqualTo(expected);
    }

    @Test
    void dpopBindingCarriesTheRfc7638Thumbprint() throws Exception {
        ECKey dpopKey = new ECKeyGenerator(Curve.P_256).generate();
        String token = LocalIssuer.ec(ISS).token().boundToDpopKey(dpopKey).sign();
        Map<String, Object> cnf = SignedJWT.parse(token).getJWTClaimsSet().getJSONObjectClaim("cnf");

        // RFC 7638 §3: SHA-256 over the required members in lexicographic order, no whitespace
        String canonical =
                "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"" + dpopKey.getX() + "\",\"y\":\"" + dpopKey.getY() + "\"}";
        String expected = Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(MessageDigest.getInstance("SHA-256").digest(canonical.getBytes("UTF-8")));
        assertThat(cnf).containsExactly(Map.entry("jkt", expected));
        assertThat(Thumbprints.jkt(dpopKey.toPublicJWK())).isEqualTo(expected);
    }

    @Test
    void keyRotationSetHoldsBothKeys() throws Exception {
        LocalIssuer old = LocalIssuer.rsa(ISS);
        LocalIssuer next = LocalIssuer.rsa(ISS);
        JWKSet both = LocalIssuer.jwks(old, next);
        assertThat(both.getKeys()).extracting(JWK::getKeyID).containsExactly(old.keyId(), next.keyId());
        assertThat(process(old.token().sign(), both, JWSAlgorithm.RS256).getIssuer())
                .isEqualTo(ISS);
        assertThat(process(next.token().sign(), both, JWSAlgorithm.RS256).getIssuer())
                .isEqualTo(ISS);
    }

    @Test
    void issuerMustBeGiven() {
        assertThatThrownBy(() -> LocalIssuer.ec(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("issuer");
        assertThatThrownBy(() -> LocalIssuer.ec(" ")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void toStringShowsNoKeyMaterial() {
        LocalIssuer issuer = LocalIssuer.rsa(ISS);
        assertThat(issuer.toString()).contains(ISS, issuer.keyId()).doesNotContain("\"d\"");
    }
}
