package dev.apiguard.ratelimit.internal;

import dev.apiguard.GuardRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;

/**
 * A SHA-256 digest of the credential a request presents ({@code Authorization}, {@code X-API-Key}
 * and the client certificate), so that a credential proven valid once can be recognised cheaply
 * later without keeping it. The digest proves nothing by itself: authentication still runs.
 */
public final class CredentialFingerprint {

    private CredentialFingerprint() {
    }

    /** The digest of the request's credential, or {@code null} when it presents none. */
    public static String of(GuardRequest request) {
        List<String> authorization = request.headers("Authorization");
        List<String> apiKey = request.headers("X-API-Key");
        List<X509Certificate> certificates = request.clientCertificates();
        if (authorization.isEmpty() && apiKey.isEmpty() && certificates.isEmpty()) {
            return null;
        }
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
        for (String a : authorization) {
            sha256.update(a.getBytes(StandardCharsets.UTF_8));
            sha256.update((byte) '\n');
        }
        sha256.update((byte) 0);
        for (String k : apiKey) {
            sha256.update(k.getBytes(StandardCharsets.UTF_8));
            sha256.update((byte) '\n');
        }
        sha256.update((byte) 0);
        if (!certificates.isEmpty()) {
            try {
                sha256.update(certificates.get(0).getEncoded());
            } catch (CertificateEncodingException e) {
                return null;
            }
        }
        return HexFormat.of().formatHex(sha256.digest());
    }
}
