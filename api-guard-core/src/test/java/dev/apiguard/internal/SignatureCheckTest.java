package dev.apiguard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The key-set path (a verifier kept per key object) answers exactly as the plain path. */
class SignatureCheckTest {

    private static final RSAKey RSA = generateRsa(2048);
    private static final RSAKey SHORT_RSA = generateRsa(1024);
    private static final ECKey EC = generateEc();

    private record Signed(JWSHeader header, byte[] input, Base64URL signature) {
    }

    private static Signed sign(JWK key, JWSAlgorithm alg) throws Exception {
        JWSObject jws = new JWSObject(new JWSHeader(alg), new Payload("{\"sub\":\"s\"}"));
        // the weak-key flag lets a short RSA key sign, so that the check on the verifying side is what refuses it
        jws.sign(key instanceof RSAKey r ? new RSASSASigner(r.toPrivateKey(), true) : new ECDSASigner((ECKey) key));
        return new Signed(jws.getHeader(), jws.getSigningInput(), jws.getSignature());
    }

    private static void assertBothAnswer(boolean expected, JWK key, Signed s) {
        assertThat(SignatureCheck.verify(key.toPublicJWK(), s.header(), s.input(), s.signature())).isEqualTo(expected);
        assertThat(SignatureCheck.verifyWithKeySetKey(key.toPublicJWK(), s.header(), s.input(), s.signature()))
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
        assertThat(SignatureCheck.verifyWithKeySetKey(publicKey, good.header(), good.input(), good.signature())).isTrue();

        byte[] sig = good.signature().decode();
        sig[sig.length - 1] ^= 1;
        assertThat(SignatureCheck.verifyWithKeySetKey(publicKey, good.header(), good.input(), Base64URL.encode(sig)))
                .isFalse();
        byte[] otherInput = (new String(good.input(), StandardCharsets.US_ASCII) + "x").getBytes(StandardCharsets.US_ASCII);
        assertThat(SignatureCheck.verifyWithKeySetKey(publicKey, good.header(), otherInput, good.signature())).isFalse();
        assertThat(SignatureCheck.verifyWithKeySetKey(publicKey, good.header(), good.input(), good.signature())).isTrue();
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
