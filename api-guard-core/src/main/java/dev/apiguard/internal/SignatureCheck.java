package dev.apiguard.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * Verifies a JWS signature with one public JWK. RSA and EC go through Nimbus' verifiers (which
 * check signature lengths and, for ECDSA, reject the zero-signature forgery). EdDSA goes through
 * the JDK's own Ed25519/Ed448 (Java 15+), because Nimbus' EdDSA verifier needs Google Tink, an
 * optional dependency this library does not impose on its users.
 */
public final class SignatureCheck {

    private static final byte[] ED25519_SPKI_PREFIX = {
        0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00
    };
    private static final byte[] ED448_SPKI_PREFIX = {
        0x30, 0x43, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x71, 0x03, 0x3a, 0x00
    };

    /** The shortest RSA modulus any signature is verified with. */
    public static final int MIN_RSA_BITS = 2048;

    /**
     * Verifiers of the keys of key sets (issuers, registered clients), by the identity of the
     * key set's own JWK object: a token then costs its signature check, not also the conversion
     * of the JWK into a JCA key and a verifier. Weak keys, so a key dropped from a refreshed set
     * is collected; at most 1,024. Nimbus' verifiers are thread-safe (one {@code Signature} per
     * call).
     */
    private static final Cache<JWK, JWSVerifier> KEY_SET_VERIFIERS = Caffeine.newBuilder()
            .weakKeys()
            .maximumSize(1_024)
            .executor(Runnable::run)
            .build();

    private SignatureCheck() {}

    /**
     * As {@link #verify}, for a key of a key set that verifies many tokens (an issuer's, a
     * registered client's): the RSA or EC verifier built for it is kept while the key object
     * lives. Not for keys that come with the message (a DPoP proof's {@code jwk}).
     */
    public static boolean verifyWithKeySetKey(JWK key, JWSHeader header, byte[] signingInput, Base64URL signature) {
        JWSAlgorithm alg = header.getAlgorithm();
        boolean rsa = key instanceof RSAKey && JWSAlgorithm.Family.RSA.contains(alg);
        boolean ec = key instanceof ECKey && JWSAlgorithm.Family.EC.contains(alg);
        if (!rsa && !ec) {
            return verify(key, header, signingInput, signature);
        }
        JWSVerifier verifier = KEY_SET_VERIFIERS.get(key, SignatureCheck::verifierFor);
        if (verifier == null) {
            return false; // a key that cannot be used verifies nothing (and is not remembered)
        }
        try {
            return verifier.verify(header, signingInput, signature);
        } catch (JOSEException | RuntimeException e) {
            return false;
        }
    }

    /**
     * The length in bits of an RSA key's modulus. Nimbus's {@code RSAKey.size()} counts the bytes
     * of {@code n} as written, so a short modulus behind leading zero bytes would pass for a
     * long one; this counts from the highest set bit.
     */
    public static int rsaBits(RSAKey key) {
        return key.getModulus().decodeToBigInteger().bitLength();
    }

    /** The verifier of a key set's key, or null when it may not be used (an RSA key under the floor). */
    private static @Nullable JWSVerifier verifierFor(JWK key) {
        try {
            if (key instanceof RSAKey rsa) {
                return rsaBits(rsa) < MIN_RSA_BITS ? null : new RSASSAVerifier(rsa.toRSAPublicKey());
            }
            return new ECDSAVerifier(((ECKey) key).toECPublicKey());
        } catch (JOSEException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Whether {@code key} verifies the signature. A key of another type than the algorithm's,
     * an RSA key under 2048 bits, a private or symmetric key's secret half: never used, false.
     */
    public static boolean verify(JWK key, JWSHeader header, byte[] signingInput, Base64URL signature) {
        JWSAlgorithm alg = header.getAlgorithm();
        try {
            if (key instanceof RSAKey rsa && JWSAlgorithm.Family.RSA.contains(alg)) {
                return rsaBits(rsa) >= MIN_RSA_BITS
                        && new RSASSAVerifier(rsa.toRSAPublicKey()).verify(header, signingInput, signature);
            }
            if (key instanceof ECKey ec && JWSAlgorithm.Family.EC.contains(alg)) {
                return new ECDSAVerifier(ec.toECPublicKey()).verify(header, signingInput, signature);
            }
            if (key instanceof OctetKeyPair okp && JWSAlgorithm.Family.ED.contains(alg)) {
                return verifyEdDsa(okp, alg, signingInput, signature.decode());
            }
            return false;
        } catch (JOSEException | GeneralSecurityException | RuntimeException e) {
            // a key that cannot be used, or a signature that cannot be read, verifies nothing
            return false;
        }
    }

    private static boolean verifyEdDsa(OctetKeyPair okp, JWSAlgorithm alg, byte[] input, byte[] sig)
            throws GeneralSecurityException {
        Curve crv = okp.getCurve();
        byte[] x = okp.getDecodedX();
        String jca;
        byte[] prefix;
        int keyLength;
        int sigLength;
        // the curve must be the algorithm's: EdDSA names either, Ed25519 only its own (RFC 9864)
        if (Curve.Ed25519.equals(crv) && (JWSAlgorithm.EdDSA.equals(alg) || JWSAlgorithm.Ed25519.equals(alg))) {
            jca = "Ed25519";
            prefix = ED25519_SPKI_PREFIX;
            keyLength = 32;
            sigLength = 64;
        } else if (Curve.Ed448.equals(crv) && JWSAlgorithm.EdDSA.equals(alg)) {
            jca = "Ed448";
            prefix = ED448_SPKI_PREFIX;
            keyLength = 57;
            sigLength = 114;
        } else {
            return false;
        }
        if (x == null || x.length != keyLength || sig.length != sigLength) {
            return false;
        }
        byte[] spki = new byte[prefix.length + keyLength];
        System.arraycopy(prefix, 0, spki, 0, prefix.length);
        System.arraycopy(x, 0, spki, prefix.length, keyLength);
        PublicKey publicKey = KeyFactory.getInstance(jca).generatePublic(new X509EncodedKeySpec(spki));
        Signature verifier = Signature.getInstance(jca);
        verifier.initVerify(publicKey);
        verifier.update(input);
        return verifier.verify(sig);
    }
}
