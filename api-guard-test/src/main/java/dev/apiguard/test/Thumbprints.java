package dev.apiguard.test;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.JWK;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.Objects;

/**
 * The thumbprints that bind a token to its sender. Stateless and thread-safe.
 */
public final class Thumbprints {

    private Thumbprints() {}

    /**
     * The RFC 8705 §3.1 certificate thumbprint {@code x5t#S256}: the unpadded base64url encoding of
     * the SHA-256 digest of the certificate's DER encoding.
     */
    public static String x5tS256(X509Certificate certificate) {
        Objects.requireNonNull(certificate, "certificate cannot be null");
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (CertificateEncodingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot compute the certificate thumbprint", e);
        }
    }

    /**
     * The RFC 7638 JWK SHA-256 thumbprint, unpadded base64url: the {@code jkt} of a DPoP-bound
     * token (RFC 9449 §6.1). Only the public members of the key count, so a private JWK gives the
     * same value as its public half.
     */
    public static String jkt(JWK key) {
        Objects.requireNonNull(key, "key cannot be null");
        try {
            return key.computeThumbprint("SHA-256").toString();
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot compute the JWK thumbprint", e);
        }
    }
}
