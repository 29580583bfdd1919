package dev.apiguard.binding.internal;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/** RFC 8705 §3.1 {@code x5t#S256}: unpadded base64url of the SHA-256 of the DER. Stateless. */
public final class CertificateThumbprints {

    private CertificateThumbprints() {}

    /** The thumbprint of the DER encoding of a certificate. */
    public static String x5tS256(byte[] der) {
        try {
            return Base64.getUrlEncoder()
                    .withoutPadding()
                    .encodeToString(MessageDigest.getInstance("SHA-256").digest(der));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
