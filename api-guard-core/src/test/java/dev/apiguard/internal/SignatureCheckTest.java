package dev.apiguard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.OctetSequenceKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Signature verification by key type and algorithm. The key-set path (a verifier kept per key
 * object) answers exactly as the plain path in every case.
 */
class SignatureCheckTest {

    private static final RSAKey RSA = generateRsa(2048);
    private static final RSAKey SHORT_RSA = generateRsa(1024);
    private static final ECKey EC = generateEc();

    private record Signed(JWSHeader header, byte[] input, Base64URL signature) {}

    private static Signed sign(JWK key, JWSAlgorithm alg) throws Exception {
        JWSObject jws = new JWSObject(new JWSHeader(alg), new Payload("{\"sub\":\"s\"}"));
        // the weak-key flag lets a short RSA key sign, so that the check on the verifying side is what refuses it
        jws.sign(key instanceof RSAKey r ? new RSASSASigner(r.toPrivateKey(), true) : new ECDSASigner((ECKey) key));
        return new Signed(jws.getHeader(), jws.getSigningInput(), jws.getSignature());
    }

    private static void assertBothAnswer(boolean expected, JWK key, Signed s) {
        // the public half; a secret key (which has none) as it is
        JWK verifying = key.toPublicJWK() != null ? key.toPublicJWK() : key;
        assertThat(SignatureCheck.verify(verifying, s.header(), s.input(), s.signature()))
                .isEqualTo(expected);
        assertThat(SignatureCheck.verifyWithKeySetKey(verifying, s.header(), s.input(), s.signature()))
                .isEqualTo(expected);
    }

    @Test
    void rsaAndEcSignaturesVerifyOnlyWithTheirKey() throws Exception {
        Signed rs256 = sign(RSA, JWSAlgorithm.RS256);
        Signed ps256 = sign(RSA, JWSAlgorithm.PS256);
        Signed es256 = sign(EC, JWSAlgorithm.ES256);
        assertBothAnswer(true, RSA, rs256);
        assertBothAnswer(true, RSA, ps256);
        assertBothAnswer(true, EC, es256);
        assertBothAnswer(false, generateRsa(2048), rs256);
        assertBothAnswer(false, generateEc(), es256);
        // a key of the other family under the token's alg is never used
        assertBothAnswer(false, EC, rs256);
        assertBothAnswer(false, RSA, es256);
    }

    @Test
    void aRememberedVerifierStillRefusesAnAlteredSignatureOrInput() throws Exception {
        JWK publicKey = RSA.toPublicJWK();
        Signed good = sign(RSA, JWSAlgorithm.RS256);
        assertThat(SignatureCheck.verifyWithKeySetKey(publicKey, good.header(), good.input(), good.signature()))
                .isTrue();

        byte[] sig = good.signature().decode();
        sig[sig.length - 1] ^= 1;
        assertThat(SignatureCheck.verifyWithKeySetKey(publicKey, good.header(), good.input(), Base64URL.encode(sig)))
                .isFalse();
        byte[] otherInput =
                (new String(good.input(), StandardCharsets.US_ASCII) + "x").getBytes(StandardCharsets.US_ASCII);
        assertThat(SignatureCheck.verifyWithKeySetKey(publicKey, good.header(), otherInput, good.signature()))
                .isFalse();
        assertThat(SignatureCheck.verifyWithKeySetKey(publicKey, good.header(), good.input(), good.signature()))
                .isTrue();
    }

    @Test
    void anRsaKeyUnder2048BitsVerifiesNothing() throws Exception {
        assertBothAnswer(false, SHORT_RSA, sign(SHORT_RSA, JWSAlgorithm.RS256));
    }

    /** Nimbus's {@code RSAKey.size()} counts the bytes of {@code n}: zero bytes in front must not lengthen a key. */
    @Test
    void anRsaKeyUnder2048BitsVerifiesNothingEvenWithItsModulusPaddedWithZeros() throws Exception {
        Signed rs256 = sign(SHORT_RSA, JWSAlgorithm.RS256);
        RSAKey padded = zeroPadded(SHORT_RSA, 128);
        assertThat(padded.size()).as("what Nimbus counts").isEqualTo(2048);
        assertThat(SignatureCheck.rsaBits(padded)).isEqualTo(1024);
        assertBothAnswer(false, padded, rs256);
        // the same padding on a long enough key changes nothing
        RSAKey paddedLong = zeroPadded(RSA, 1);
        assertThat(SignatureCheck.rsaBits(paddedLong)).isEqualTo(2048);
        assertBothAnswer(true, paddedLong, sign(RSA, JWSAlgorithm.RS256));
    }

    /** An EdDSA key made with the JDK, and its signatures, without Nimbus' (Tink-based) signer. */
    private record Ed(String jca, Curve curve, KeyPair pair, OctetKeyPair jwk) {
        static Ed generate(String jca, Curve curve) throws Exception {
            KeyPair pair = KeyPairGenerator.getInstance(jca).generateKeyPair();
            byte[] spki = pair.getPublic().getEncoded();
            int keyLength = curve.equals(Curve.Ed25519) ? 32 : 57;
            byte[] x = Arrays.copyOfRange(spki, spki.length - keyLength, spki.length);
            return new Ed(jca, curve, pair, new OctetKeyPair.Builder(curve, Base64URL.encode(x)).build());
        }

        Base64URL sign(byte[] input) throws Exception {
            Signature signer = Signature.getInstance(jca);
            signer.initSign(pair.getPrivate());
            signer.update(input);
            return Base64URL.encode(signer.sign());
        }
    }

    private static final byte[] INPUT = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJzIn0".getBytes(StandardCharsets.US_ASCII);

    private static void assertBothAnswer(boolean expected, JWK key, JWSAlgorithm alg, byte[] input, Base64URL sig) {
        Signed s = new Signed(new JWSHeader(alg), input, sig);
        assertBothAnswer(expected, key, s);
    }

    @Test
    void ed25519SignaturesVerifyOnlyWithTheirKeyUnderEdDsaOrEd25519() throws Exception {
        Ed ed = Ed.generate("Ed25519", Curve.Ed25519);
        Base64URL sig = ed.sign(INPUT);
        assertBothAnswer(true, ed.jwk(), JWSAlgorithm.EdDSA, INPUT, sig);
        assertBothAnswer(true, ed.jwk(), JWSAlgorithm.Ed25519, INPUT, sig);
        // the curve is not the algorithm's, or the algorithm is not EdDSA at all
        assertBothAnswer(false, ed.jwk(), JWSAlgorithm.Ed448, INPUT, sig);
        assertBothAnswer(false, ed.jwk(), JWSAlgorithm.ES256, INPUT, sig);
        assertBothAnswer(false, ed.jwk(), JWSAlgorithm.RS256, INPUT, sig);
        // another key, another input, a changed bit, a signature a byte short or long
        assertBothAnswer(false, Ed.generate("Ed25519", Curve.Ed25519).jwk(), JWSAlgorithm.EdDSA, INPUT, sig);
        assertBothAnswer(false, ed.jwk(), JWSAlgorithm.EdDSA, "x".getBytes(StandardCharsets.US_ASCII), sig);
        byte[] flipped = sig.decode();
        flipped[10] ^= 1;
        assertBothAnswer(false, ed.jwk(), JWSAlgorithm.EdDSA, INPUT, Base64URL.encode(flipped));
        assertBothAnswer(false, ed.jwk(), JWSAlgorithm.EdDSA, INPUT, Base64URL.encode(Arrays.copyOf(sig.decode(), 63)));
        assertBothAnswer(false, ed.jwk(), JWSAlgorithm.EdDSA, INPUT, Base64URL.encode(Arrays.copyOf(sig.decode(), 65)));
    }

    @Test
    void ed448SignaturesVerifyOnlyUnderEdDsa() throws Exception {
        Ed ed = Ed.generate("Ed448", Curve.Ed448);
        Base64URL sig = ed.sign(INPUT);
        assertBothAnswer(true, ed.jwk(), JWSAlgorithm.EdDSA, INPUT, sig);
        assertBothAnswer(false, ed.jwk(), JWSAlgorithm.Ed25519, INPUT, sig);
        assertBothAnswer(false, ed.jwk(), JWSAlgorithm.Ed448, INPUT, sig); // not an algorithm we accept
        assertBothAnswer(false, Ed.generate("Ed448", Curve.Ed448).jwk(), JWSAlgorithm.EdDSA, INPUT, sig);
        assertBothAnswer(
                false, ed.jwk(), JWSAlgorithm.EdDSA, INPUT, Base64URL.encode(Arrays.copyOf(sig.decode(), 113)));
        // an Ed25519 signature under an Ed448 key, and the reverse: lengths alone refuse them
        Ed small = Ed.generate("Ed25519", Curve.Ed25519);
        assertBothAnswer(false, ed.jwk(), JWSAlgorithm.EdDSA, INPUT, small.sign(INPUT));
        assertBothAnswer(false, small.jwk(), JWSAlgorithm.EdDSA, INPUT, sig);
    }

    /** An OKP key whose x is not a key of its curve's length, or of a curve that signs nothing. */
    @Test
    void anOkpKeyOfTheWrongLengthOrAKeyAgreementCurveVerifiesNothing() throws Exception {
        Ed ed = Ed.generate("Ed25519", Curve.Ed25519);
        Base64URL sig = ed.sign(INPUT);
        byte[] x = ed.jwk().getDecodedX();
        OctetKeyPair longer = new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(Arrays.copyOf(x, 33))).build();
        OctetKeyPair shorter = new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(Arrays.copyOf(x, 31))).build();
        OctetKeyPair x25519 = new OctetKeyPair.Builder(Curve.X25519, Base64URL.encode(x)).build();
        for (OctetKeyPair key : new OctetKeyPair[] {longer, shorter, x25519}) {
            assertBothAnswer(false, key, JWSAlgorithm.EdDSA, INPUT, sig);
        }
    }

    @Test
    void anEcKeyVerifiesOnlyUnderItsCurvesAlgorithm() throws Exception {
        ECKey p384 = new ECKeyGenerator(Curve.P_384).generate();
        Signed es384 = sign(p384, JWSAlgorithm.ES384);
        assertBothAnswer(true, p384, es384);
        assertBothAnswer(false, p384, new Signed(new JWSHeader(JWSAlgorithm.ES256), es384.input(), es384.signature()));
        assertBothAnswer(false, p384, new Signed(new JWSHeader(JWSAlgorithm.EdDSA), es384.input(), es384.signature()));
        byte[] flipped = es384.signature().decode();
        flipped[0] ^= 1;
        assertBothAnswer(false, p384, new Signed(es384.header(), es384.input(), Base64URL.encode(flipped)));
        // the all-zero ECDSA signature (CVE-2022-21449) verifies nothing
        assertBothAnswer(false, p384, new Signed(es384.header(), es384.input(), Base64URL.encode(new byte[96])));
    }

    /** A shared secret is never a verification key here: HS256 with a key of the token's own choosing is refused. */
    @Test
    void aSymmetricKeyVerifiesNothing() throws Exception {
        OctetSequenceKey secret = new OctetSequenceKeyGenerator(256).generate();
        JWSObject jws = new JWSObject(new JWSHeader(JWSAlgorithm.HS256), new Payload("{\"sub\":\"s\"}"));
        jws.sign(new MACSigner(secret));
        assertBothAnswer(false, secret, new Signed(jws.getHeader(), jws.getSigningInput(), jws.getSignature()));
    }

    static RSAKey zeroPadded(RSAKey key, int zeros) {
        byte[] n = key.getModulus().decode();
        byte[] padded = new byte[zeros + n.length];
        System.arraycopy(n, 0, padded, zeros, n.length);
        return new RSAKey.Builder(Base64URL.encode(padded), key.getPublicExponent()).build();
    }

    private static RSAKey generateRsa(int bits) {
        try {
            return new RSAKeyGenerator(bits, true).generate();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static ECKey generateEc() {
        try {
            return new ECKeyGenerator(Curve.P_256).generate();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
