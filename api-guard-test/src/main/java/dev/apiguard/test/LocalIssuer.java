package dev.apiguard.test;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import dev.apiguard.test.internal.Encoding;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An in-process token issuer for tests and the demo: one signing key pair with a random
 * {@code kid}, its public JWKS, and a {@link TokenBuilder} that mints RFC 9068 JWT access tokens,
 * well-formed or deliberately broken.
 *
 * <p>Immutable and thread-safe. {@link #clock(Clock)} and {@link #audience(String)} return a copy
 * that shares the key pair, so the copy's tokens verify against the same JWKS.
 *
 * <pre>{@code
 * LocalIssuer issuer = LocalIssuer.ec("https://issuer.example");
 * issuer.writeJwks(dir.resolve("jwks.json"));
 * String token = issuer.token().clientId("partner-a").scope("customers:read").sign();
 * }</pre>
 *
 * <p>Defaults: system UTC clock, audience {@value #DEFAULT_AUDIENCE}; the algorithms are RS256
 * (RSA 2048), ES256 (P-256) and EdDSA (Ed25519).
 */
public final class LocalIssuer {

    /** The audience of minted tokens unless {@link #audience(String)} or the token says otherwise. */
    public static final String DEFAULT_AUDIENCE = "https://api.example";

    private static final SecureRandom RANDOM = new SecureRandom();

    private final String issuer;
    private final JWK privateKey;
    private final JWSAlgorithm algorithm;
    private final Clock clock;
    private final String audience;

    private LocalIssuer(String issuer, JWK privateKey, JWSAlgorithm algorithm, Clock clock, String audience) {
        this.issuer = issuer;
        this.privateKey = privateKey;
        this.algorithm = algorithm;
        this.clock = clock;
        this.audience = audience;
    }

    /** An issuer with a fresh RSA 2048 key pair that signs RS256 (PS256 on request). */
    public static LocalIssuer rsa(String issuerUri) {
        requireIssuer(issuerUri);
        try {
            RSAKey key = new RSAKeyGenerator(2048)
                    .keyID(newKeyId())
                    .keyUse(KeyUse.SIGNATURE)
                    .generate();
            return new LocalIssuer(issuerUri, key, JWSAlgorithm.RS256, Clock.systemUTC(), DEFAULT_AUDIENCE);
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot generate an RSA key pair", e);
        }
    }

    /** An issuer with a fresh P-256 key pair that signs ES256. */
    public static LocalIssuer ec(String issuerUri) {
        requireIssuer(issuerUri);
        try {
            ECKey key = new ECKeyGenerator(Curve.P_256)
                    .keyID(newKeyId())
                    .keyUse(KeyUse.SIGNATURE)
                    .generate();
            return new LocalIssuer(issuerUri, key, JWSAlgorithm.ES256, Clock.systemUTC(), DEFAULT_AUDIENCE);
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot generate an EC key pair", e);
        }
    }

    /**
     * An issuer with a fresh Ed25519 key pair that signs EdDSA (through Google Tink).
     * {@code com.google.crypto.tink:tink} is an optional dependency of the test kit: a host that
     * calls this adds it to its own test dependencies.
     */
    public static LocalIssuer ed25519(String issuerUri) {
        requireIssuer(issuerUri);
        try {
            OctetKeyPair key = new OctetKeyPairGenerator(Curve.Ed25519)
                    .keyID(newKeyId())
                    .keyUse(KeyUse.SIGNATURE)
                    .generate();
            return new LocalIssuer(issuerUri, key, JWSAlgorithm.EdDSA, Clock.systemUTC(), DEFAULT_AUDIENCE);
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot generate an Ed25519 key pair", e);
        }
    }

    /** A copy with the same key pair whose tokens take {@code iat} and {@code exp} from this clock. */
    public LocalIssuer clock(Clock newClock) {
        return new LocalIssuer(
                issuer, privateKey, algorithm, Objects.requireNonNull(newClock, "clock cannot be null"), audience);
    }

    /** A copy with the same key pair whose tokens carry this audience by default. */
    public LocalIssuer audience(String newAudience) {
        Objects.requireNonNull(newAudience, "audience cannot be null");
        return new LocalIssuer(issuer, privateKey, algorithm, clock, newAudience);
    }

    /** The public keys of several issuers in one set, as an issuer publishes during key rotation. */
    public static JWKSet jwks(LocalIssuer... issuers) {
        List<JWK> keys = new ArrayList<>();
        for (LocalIssuer i : issuers) {
            keys.add(i.publicJwk());
        }
        return new JWKSet(keys);
    }

    /** The issuer URI, the {@code iss} of minted tokens. */
    public String issuer() {
        return issuer;
    }

    /** The key id, the {@code kid} of minted tokens and of the JWKS entry. */
    public String keyId() {
        return privateKey.getKeyID();
    }

    /** The default signing algorithm: RS256, ES256 or EdDSA. */
    public JWSAlgorithm algorithm() {
        return algorithm;
    }

    /** The clock minted tokens take {@code iat} and {@code exp} from. */
    public Clock clock() {
        return clock;
    }

    /** The default audience of minted tokens. */
    public String defaultAudience() {
        return audience;
    }

    /** The public half of the signing key as a JWK. */
    public JWK publicJwk() {
        return privateKey.toPublicJWK();
    }

    /** The issuer's key set: the public key only. */
    public JWKSet publicJwks() {
        return new JWKSet(publicJwk());
    }

    /** {@link #publicJwks()} as JSON, the document a {@code jwks_uri} serves. */
    public String jwksJson() {
        return publicJwks().toString(true);
    }

    /** Writes {@link #jwksJson()} to the file (UTF-8), replacing it. */
    public void writeJwks(Path file) throws IOException {
        Files.writeString(file, jwksJson(), StandardCharsets.UTF_8);
    }

    /** The public key as a JCA key. */
    public PublicKey publicKey() {
        try {
            if (privateKey instanceof RSAKey rsa) {
                return rsa.toPublicKey();
            }
            if (privateKey instanceof ECKey ec) {
                return ec.toPublicKey();
            }
            return ed25519PublicKey((OctetKeyPair) privateKey);
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot convert the public key", e);
        }
    }

    /** The public key in PEM ({@code -----BEGIN PUBLIC KEY-----}). */
    public String publicKeyPem() {
        return Encoding.pem("PUBLIC KEY", publicKey().getEncoded());
    }

    /**
     * The bytes of the public key in the given form: what an attacker uses as the HMAC secret of
     * the algorithm-confusion attack.
     *
     * @throws IllegalStateException for a {@code JWK_N} form of a key that is not RSA
     */
    public byte[] publicKeyBytes(PublicKeyForm form) {
        Objects.requireNonNull(form, "form cannot be null");
        return switch (form) {
            case PEM -> publicKeyPem().getBytes(StandardCharsets.US_ASCII);
            case DER -> publicKey().getEncoded();
            case JWK_N -> rsaKey().getModulus().toString().getBytes(StandardCharsets.US_ASCII);
            case JWK_N_DECODED -> rsaKey().getModulus().decode();
        };
    }

    /** Starts a token with this issuer's defaults; see {@link TokenBuilder}. */
    public TokenBuilder token() {
        return new TokenBuilder(this);
    }

    /**
     * Signs arbitrary header and payload text with this issuer's key and {@link #algorithm()}, for
     * tokens no builder would make (a payload that is a JSON array, duplicate member names). The
     * texts are used byte for byte; the header should name the algorithm.
     */
    public String signRaw(String headerJson, String payloadJson) {
        String input = Encoding.base64Url(headerJson) + "." + Encoding.base64Url(payloadJson);
        return input + "." + sign(algorithm, input);
    }

    String sign(JWSAlgorithm alg, String signingInput) {
        try {
            JWSSigner signer = signer();
            if (!signer.supportedJWSAlgorithms().contains(alg)) {
                throw new IllegalArgumentException("algorithm " + alg + " cannot be used with this issuer's "
                        + privateKey.getKeyType() + " key; it supports " + signer.supportedJWSAlgorithms());
            }
            return signer.sign(new JWSHeader(alg), signingInput.getBytes(StandardCharsets.US_ASCII))
                    .toString();
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign", e);
        }
    }

    boolean supports(JWSAlgorithm alg) {
        try {
            return signer().supportedJWSAlgorithms().contains(alg);
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot create a signer", e);
        }
    }

    private JWSSigner signer() throws JOSEException {
        if (privateKey instanceof RSAKey rsa) {
            return new RSASSASigner(rsa);
        }
        if (privateKey instanceof ECKey ec) {
            return new ECDSASigner(ec);
        }
        return new Ed25519Signer((OctetKeyPair) privateKey);
    }

    private RSAKey rsaKey() {
        if (privateKey instanceof RSAKey rsa) {
            return rsa;
        }
        throw new IllegalStateException(
                "the JWK n forms need an RSA issuer; this one has a " + privateKey.getKeyType() + " key");
    }

    private static PublicKey ed25519PublicKey(OctetKeyPair okp) {
        // SubjectPublicKeyInfo of Ed25519 (RFC 8410): a fixed 12-byte prefix and the 32-byte key
        byte[] prefix = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
        byte[] x = okp.getDecodedX();
        byte[] spki = new byte[prefix.length + x.length];
        System.arraycopy(prefix, 0, spki, 0, prefix.length);
        System.arraycopy(x, 0, spki, prefix.length, x.length);
        try {
            return java.security.KeyFactory.getInstance("Ed25519")
                    .generatePublic(new java.security.spec.X509EncodedKeySpec(spki));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot convert the Ed25519 public key", e);
        }
    }

    private static String newKeyId() {
        byte[] b = new byte[12];
        RANDOM.nextBytes(b);
        return Encoding.base64Url(b);
    }

    private static void requireIssuer(String issuerUri) {
        Objects.requireNonNull(issuerUri, "issuer cannot be null");
        if (issuerUri.isBlank()) {
            throw new IllegalArgumentException("issuer cannot be blank");
        }
    }

    @Override
    public String toString() {
        return "LocalIssuer[" + issuer + ", kid=" + keyId() + ", " + algorithm + "]";
    }
}
