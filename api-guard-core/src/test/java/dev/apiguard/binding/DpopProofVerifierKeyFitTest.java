package dev.apiguard.binding;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import dev.apiguard.binding.DpopVerification.Reason;
import dev.apiguard.binding.DpopVerification.Rejected;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * RFC 9449 §4.3 step 7 with RFC 7518 §3.4 and RFC 8037: the proof's {@code jwk} must be of the
 * type and curve its {@code alg} names, an RSA key 2048 to 8192 bits with an exponent of at most
 * 64 bits. Proofs signed with a fitting key are accepted for every supported algorithm; for a key
 * that does not fit, the refusal is {@code bad_jwk}, decided before the signature is looked at (so
 * those proofs carry a signature of zeros).
 */
class DpopProofVerifierKeyFitTest {

    static final Instant NOW = Instant.parse("2030-03-01T12:00:00Z");
    static final String HTU = "https://api.example/payments";
    static final SecureRandom RANDOM = new SecureRandom();

    static ECKey p256;
    static ECKey p384;
    static ECKey p521;
    static RSAKey rsa2048;
    static OctetKeyPair ed25519;

    final DpopProofVerifier verifier = DpopProofVerifier.of(DpopPolicy.builder()
            .algorithms(DpopPolicy.SUPPORTED_ALGORITHMS.toArray(JWSAlgorithm[]::new))
            .build());

    @BeforeAll
    static void keys() throws Exception {
        p256 = new ECKeyGenerator(Curve.P_256).generate();
        p384 = new ECKeyGenerator(Curve.P_384).generate();
        p521 = new ECKeyGenerator(Curve.P_521).generate();
        rsa2048 = new RSAKeyGenerator(2048).generate();
        ed25519 = new OctetKeyPairGenerator(Curve.Ed25519).generate();
    }

    static Map<String, Object> claims() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("jti", UUID.randomUUID().toString());
        c.put("htm", "POST");
        c.put("htu", HTU);
        c.put("iat", NOW.getEpochSecond());
        return c;
    }

    /** A proof signed by the key with the algorithm, its public key in the header. */
    static String signed(JWK key, JWSAlgorithm alg, JWSSigner signer) throws Exception {
        JWSObject jws = new JWSObject(
                new JWSHeader.Builder(alg)
                        .type(new JOSEObjectType("dpop+jwt"))
                        .jwk(key.toPublicJWK())
                        .build(),
                new Payload(claims()));
        jws.sign(signer);
        return jws.serialize();
    }

    /** A proof whose header names the algorithm and the public key, with a signature of zeros. */
    static String unsignedWith(String alg, Map<String, Object> publicJwk) {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("typ", "dpop+jwt");
        header.put("alg", alg);
        header.put("jwk", publicJwk);
        return b64(JSONObjectUtils.toJSONString(header)) + "." + b64(JSONObjectUtils.toJSONString(claims())) + "."
                + Base64URL.encode(new byte[64]);
    }

    static String b64(String json) {
        return Base64URL.encode(json.getBytes(StandardCharsets.UTF_8)).toString();
    }

    DpopVerification verify(String proof) {
        return verifier.verify(proof, "POST", HTU, null, null, NOW);
    }

    /** An RSA public JWK with a random odd modulus of exactly {@code bits} bits: a key's shape, not a key. */
    static Map<String, Object> rsaShape(int bits, BigInteger exponent) {
        BigInteger n = new BigInteger(bits, RANDOM).setBit(bits - 1).setBit(0);
        return new RSAKey.Builder(Base64URL.encode(n), Base64URL.encode(exponent))
                .build()
                .toJSONObject();
    }

    static Map<String, Object> okpShape(Curve curve, int length) {
        byte[] x = new byte[length];
        RANDOM.nextBytes(x);
        return new OctetKeyPair.Builder(curve, Base64URL.encode(x)).build().toJSONObject();
    }

    @Test
    void aProofSignedWithAFittingKeyIsAcceptedForEachFamily() throws Exception {
        assertThat(verify(signed(p256, JWSAlgorithm.ES256, new ECDSASigner(p256))))
                .isEqualTo(
                        new DpopVerification.Verified(p256.computeThumbprint().toString()));
        assertThat(verify(signed(p384, JWSAlgorithm.ES384, new ECDSASigner(p384))))
                .isEqualTo(
                        new DpopVerification.Verified(p384.computeThumbprint().toString()));
        assertThat(verify(signed(p521, JWSAlgorithm.ES512, new ECDSASigner(p521))))
                .isEqualTo(
                        new DpopVerification.Verified(p521.computeThumbprint().toString()));
        for (JWSAlgorithm alg : new JWSAlgorithm[] {JWSAlgorithm.RS256, JWSAlgorithm.PS384, JWSAlgorithm.RS512}) {
            assertThat(verify(signed(rsa2048, alg, new RSASSASigner(rsa2048))))
                    .as(alg.getName())
                    .isEqualTo(new DpopVerification.Verified(
                            rsa2048.computeThumbprint().toString()));
        }
        assertThat(verify(signed(ed25519, JWSAlgorithm.EdDSA, new Ed25519Signer(ed25519))))
                .isEqualTo(new DpopVerification.Verified(
                        ed25519.computeThumbprint().toString()));
        assertThat(verify(signed(ed25519, JWSAlgorithm.Ed25519, new Ed25519Signer(ed25519))))
                .isEqualTo(new DpopVerification.Verified(
                        ed25519.computeThumbprint().toString()));
    }

    @Test
    void anEcKeyMustBeOnTheCurveItsAlgorithmNames() {
        Rejected badJwk = new Rejected(Reason.BAD_JWK);
        assertThat(verify(unsignedWith("ES256", p384.toPublicJWK().toJSONObject())))
                .isEqualTo(badJwk);
        assertThat(verify(unsignedWith("ES256", p521.toPublicJWK().toJSONObject())))
                .isEqualTo(badJwk);
        assertThat(verify(unsignedWith("ES384", p256.toPublicJWK().toJSONObject())))
                .isEqualTo(badJwk);
        assertThat(verify(unsignedWith("ES384", p521.toPublicJWK().toJSONObject())))
                .isEqualTo(badJwk);
        assertThat(verify(unsignedWith("ES512", p256.toPublicJWK().toJSONObject())))
                .isEqualTo(badJwk);
        assertThat(verify(unsignedWith("ES512", p384.toPublicJWK().toJSONObject())))
                .isEqualTo(badJwk);
        // the right curve passes the fit and fails on the signature of zeros
        assertThat(verify(unsignedWith("ES384", p384.toPublicJWK().toJSONObject())))
                .isEqualTo(new Rejected(Reason.BAD_SIGNATURE));
    }

    @Test
    void aKeyOfAnotherFamilyThanTheAlgorithmIsRefused() {
        Rejected badJwk = new Rejected(Reason.BAD_JWK);
        assertThat(verify(unsignedWith("ES256", rsa2048.toPublicJWK().toJSONObject())))
                .isEqualTo(badJwk);
        assertThat(verify(unsignedWith("ES256", ed25519.toPublicJWK().toJSONObject())))
                .isEqualTo(badJwk);
        assertThat(verify(unsignedWith("RS256", p256.toPublicJWK().toJSONObject())))
                .isEqualTo(badJwk);
        assertThat(verify(unsignedWith("PS256", ed25519.toPublicJWK().toJSONObject())))
                .isEqualTo(badJwk);
        assertThat(verify(unsignedWith("EdDSA", p256.toPublicJWK().toJSONObject())))
                .isEqualTo(badJwk);
        assertThat(verify(unsignedWith("Ed25519", rsa2048.toPublicJWK().toJSONObject())))
                .isEqualTo(badJwk);
    }

    @Test
    void anOctetKeyPairMustBeASigningCurveTheAlgorithmAllows() {
        Rejected badJwk = new Rejected(Reason.BAD_JWK);
        // X25519 is a key-agreement curve, never a signing key
        assertThat(verify(unsignedWith("EdDSA", okpShape(Curve.X25519, 32)))).isEqualTo(badJwk);
        assertThat(verify(unsignedWith("Ed25519", okpShape(Curve.X25519, 32)))).isEqualTo(badJwk);
        // Ed448 fits EdDSA (RFC 8037) but not the fully specified Ed25519
        assertThat(verify(unsignedWith("Ed25519", okpShape(Curve.Ed448, 57)))).isEqualTo(badJwk);
        assertThat(verify(unsignedWith("EdDSA", okpShape(Curve.Ed448, 57))))
                .isEqualTo(new Rejected(Reason.BAD_SIGNATURE));
        assertThat(verify(unsignedWith("Ed25519", okpShape(Curve.Ed25519, 32))))
                .isEqualTo(new Rejected(Reason.BAD_SIGNATURE));
    }

    @Test
    void anRsaKeyIs2048To4096BitsWithAnExponentOfAtMost64Bits() {
        Rejected badJwk = new Rejected(Reason.BAD_JWK);
        BigInteger f4 = BigInteger.valueOf(65537);
        assertThat(verify(unsignedWith("RS256", rsaShape(2047, f4)))).isEqualTo(badJwk);
        assertThat(verify(unsignedWith("RS256", rsaShape(1024, f4)))).isEqualTo(badJwk);
        // the sender chooses the proof key: a junk RSA-8192 proof would cost milliseconds to verify
        assertThat(verify(unsignedWith("RS256", rsaShape(4097, f4)))).isEqualTo(badJwk);
        assertThat(verify(unsignedWith("RS256", rsaShape(8192, f4)))).isEqualTo(badJwk);
        // a short modulus behind zero bytes is still short (Nimbus's RSAKey.size() would count 2048)
        Map<String, Object> padded = rsaShape(1024, f4);
        byte[] n = new Base64URL((String) padded.get("n")).decode();
        byte[] withZeros = new byte[256];
        System.arraycopy(n, 0, withZeros, 128, n.length);
        padded.put("n", Base64URL.encode(withZeros).toString());
        assertThat(verify(unsignedWith("RS256", padded))).isEqualTo(badJwk);
        assertThat(verify(unsignedWith(
                        "PS256", rsaShape(2048, BigInteger.ONE.shiftLeft(64).add(BigInteger.ONE)))))
                .isEqualTo(badJwk);
        // the edges themselves pass the fit and fail on the signature of zeros
        for (Map<String, Object> edge : new Map[] {
            rsaShape(2048, f4),
            rsaShape(4096, f4),
            rsaShape(2048, BigInteger.ONE.shiftLeft(63).add(BigInteger.ONE))
        }) {
            assertThat(verify(unsignedWith("RS256", edge))).isEqualTo(new Rejected(Reason.BAD_SIGNATURE));
        }
    }
}
