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
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Objects;

/**
 * A client's DPoP key pair (RFC 9449) and the proofs it signs: a fresh P-256 key by default
 * ({@code ES256}), RSA ({@code PS256}) or Ed25519 ({@code EdDSA}) on request.
 *
 * <pre>{@code
 * DpopKey key = DpopKey.ec();
 * String token = issuer.token().boundToDpopKey(key.publicJwk()).scope("payments:write").sign();
 * String proof = key.proof("POST", "https://localhost/payments", token);
 * tester.send(TestRequest.post("/payments").dpop(token, proof)).assertAllowed();
 * }</pre>
 *
 * <p>{@link #proofFor} starts a {@link DpopProofBuilder} for every broken variant. Immutable and
 * thread-safe; the clock (default {@link Clock#systemUTC()}) sets each proof's {@code iat}.
 */
public final class DpopKey {

    private final JWK privateKey;
    private final JWSAlgorithm algorithm;
    private final Clock clock;

    private DpopKey(JWK privateKey, JWSAlgorithm algorithm, Clock clock) {
        this.privateKey = privateKey;
        this.algorithm = algorithm;
        this.clock = clock;
    }

    /** A fresh P-256 key that signs ES256. */
    public static DpopKey ec() {
        try {
            return new DpopKey(new ECKeyGenerator(Curve.P_256).generate(), JWSAlgorithm.ES256, Clock.systemUTC());
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot generate an EC key pair", e);
        }
    }

    /** A fresh RSA 2048 key that signs PS256. */
    public static DpopKey rsa() {
        try {
            return new DpopKey(new RSAKeyGenerator(2048).generate(), JWSAlgorithm.PS256, Clock.systemUTC());
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot generate an RSA key pair", e);
        }
    }

    /**
     * A fresh Ed25519 key that signs EdDSA (through Google Tink).
     * {@code com.google.crypto.tink:tink} is an optional dependency of the test kit: a host that
     * calls this adds it to its own test dependencies.
     */
    public static DpopKey ed25519() {
        try {
            return new DpopKey(
                    new OctetKeyPairGenerator(Curve.Ed25519).generate(), JWSAlgorithm.EdDSA, Clock.systemUTC());
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot generate an Ed25519 key pair", e);
        }
    }

    /** A copy with the same key pair whose proofs take {@code iat} from this clock. */
    public DpopKey clock(Clock newClock) {
        return new DpopKey(privateKey, algorithm, Objects.requireNonNull(newClock, "clock cannot be null"));
    }

    /** The algorithm proofs are signed with. */
    public JWSAlgorithm algorithm() {
        return algorithm;
    }

    /** The clock that sets {@code iat}. */
    public Clock clock() {
        return clock;
    }

    /** The public key, as a proof's {@code jwk} header carries it. */
    public JWK publicJwk() {
        return privateKey.toPublicJWK();
    }

    /** The private key, for tests that put it where it must never go (the proof header). */
    public JWK privateJwk() {
        return privateKey;
    }

    /** The RFC 7638 thumbprint: the {@code cnf.jkt} of tokens bound to this key. */
    public String thumbprint() {
        return Thumbprints.jkt(privateKey);
    }

    /** A good proof for the request, with {@code ath} of the token (none when {@code accessToken} is null). */
    public String proof(String method, String uri, String accessToken) {
        return proofFor(method, uri).accessToken(accessToken).sign();
    }

    /** Starts a proof for the request: {@code htm}, {@code htu}, {@code iat} now, a random {@code jti}. */
    public DpopProofBuilder proofFor(String method, String uri) {
        return new DpopProofBuilder(this, method, uri);
    }

    /** Signs the input with this key and the given algorithm, base64url. */
    String sign(JWSAlgorithm alg, String signingInput) {
        try {
            JWSSigner signer;
            if (privateKey instanceof RSAKey rsa) {
                signer = new RSASSASigner(rsa);
            } else if (privateKey instanceof ECKey ec) {
                signer = new ECDSASigner(ec);
            } else {
                signer = new Ed25519Signer((OctetKeyPair) privateKey);
            }
            return signer.sign(new JWSHeader(alg), signingInput.getBytes(StandardCharsets.US_ASCII))
                    .toString();
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign", e);
        }
    }

    @Override
    public String toString() {
        return "DpopKey[" + algorithm + ", jkt=" + thumbprint() + "]";
    }
}
