package dev.apiguard.test;

/**
 * The forms of an issuer's public key that the classic algorithm-confusion attack (RFC 8725 §2.1,
 * §3.1) uses as an HMAC secret: a verifier that lets the token's {@code alg} pick the algorithm
 * and hands the key's bytes to HS256 accepts a token the attacker signed with the public key.
 *
 * @see TokenBuilder#signedWithHs256UsingPublicKey(PublicKeyForm)
 * @see LocalIssuer#publicKeyBytes(PublicKeyForm)
 */
public enum PublicKeyForm {
    /**
     * The US-ASCII bytes of the SubjectPublicKeyInfo in PEM ({@code -----BEGIN PUBLIC KEY-----},
     * 64-character lines, each line, the last included, ending in {@code \n}), as a key file holds it.
     */
    PEM,
    /** The DER bytes of the SubjectPublicKeyInfo ({@code PublicKey.getEncoded()}). */
    DER,
    /** The US-ASCII bytes of the JWK's base64url {@code n} member (RSA keys only). */
    JWK_N,
    /** The unsigned big-endian bytes of the RSA modulus, that is {@code n} decoded (RSA keys only). */
    JWK_N_DECODED
}
