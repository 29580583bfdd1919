package dev.apiguard.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Base64;
import org.jspecify.annotations.Nullable;

/**
 * The SHA-256 of a certificate's DER, computed once per certificate object. A container hands the
 * same {@link X509Certificate} instance to every request of a TLS session, so the digest (and the
 * DER copy {@code getEncoded()} makes) is paid once per session instead of once per request.
 *
 * <p>The memo is keyed by object identity with weak keys (a certificate nobody else holds is
 * dropped) and bounded to {@value #MAXIMUM_SIZE} certificates; maintenance runs on the calling
 * thread. An {@code X509Certificate} is immutable, so a digest once computed stays right. The
 * digest bytes never leave this class: callers get the thumbprint or a copy of the digest.
 *
 * <p>Thread-safe. Not API; may change in any release.
 */
public final class CertificateDigests {

    /** The most certificates whose digest is remembered. */
    public static final int MAXIMUM_SIZE = 4096;

    private static final Cache<X509Certificate, Digest> DIGESTS = Caffeine.newBuilder()
            .weakKeys()
            .maximumSize(MAXIMUM_SIZE)
            .executor(Runnable::run)
            .build();

    // a fresh digest, never updated: cloned for each use (MessageDigest itself is not thread-safe)
    private static final MessageDigest SHA256 = newSha256();

    private record Digest(byte[] sha256, String x5tS256, Instant notAfter) {}

    // the last certificate looked up, with its digest: the steps of one request ask about the same
    // certificate object three times (fingerprint, binding, inventory), and a weak-keyed Caffeine
    // look-up costs an identity hash and a lookup key each time. Holds one certificate strongly.
    private record Last(X509Certificate certificate, Digest digest) {}

    private static volatile @Nullable Last last;

    // one digest per thread for one-shot use only (sha256Of): nothing can run between its update
    // and its digest, so it can never be found half-fed
    private static final ThreadLocal<MessageDigest> ONE_SHOT = ThreadLocal.withInitial(CertificateDigests::sha256);

    private CertificateDigests() {}

    /** RFC 8705 §3.1 {@code x5t#S256}: unpadded base64url of the SHA-256 of the DER. */
    public static String x5tS256(X509Certificate certificate) throws CertificateEncodingException {
        return digest(certificate).x5tS256();
    }

    /**
     * The certificate's {@code notAfter} when its {@code x5t#S256} is {@code thumbprint}, else
     * null: one memo look-up, and no {@code Date} copy per request.
     */
    public static @Nullable Instant notAfterIf(X509Certificate certificate, String thumbprint)
            throws CertificateEncodingException {
        Digest d = digest(certificate);
        return d.x5tS256().equals(thumbprint) ? d.notAfter() : null;
    }

    /** A copy of the certificate's SHA-256 (32 bytes), the caller's to keep or change. */
    public static byte[] sha256Copy(X509Certificate certificate) throws CertificateEncodingException {
        return digest(certificate).sha256().clone();
    }

    private static Digest digest(X509Certificate certificate) throws CertificateEncodingException {
        Last l = last;
        if (l != null && l.certificate() == certificate) {
            return l.digest();
        }
        Digest d = remembered(certificate);
        last = new Last(certificate, d);
        return d;
    }

    private static Digest remembered(X509Certificate certificate) throws CertificateEncodingException {
        Digest d = DIGESTS.getIfPresent(certificate);
        if (d == null) {
            byte[] sha256 = sha256().digest(certificate.getEncoded());
            d = new Digest(
                    sha256,
                    Base64.getUrlEncoder().withoutPadding().encodeToString(sha256),
                    certificate.getNotAfter().toInstant());
            DIGESTS.put(certificate, d);
        }
        return d;
    }

    /**
     * The SHA-256 of {@code input}, with this thread's digest: no digest is made or cloned per call.
     */
    public static byte[] sha256Of(byte[] input) {
        return ONE_SHOT.get().digest(input);
    }

    /** The SHA-256 of {@code length} bytes of {@code input} from {@code offset}, as {@link #sha256Of(byte[])}. */
    public static byte[] sha256Of(byte[] input, int offset, int length) {
        MessageDigest digest = ONE_SHOT.get();
        digest.update(input, offset, length);
        return digest.digest();
    }

    /** A new SHA-256 digest. */
    public static MessageDigest sha256() {
        if (SHA256 != null) {
            try {
                // a clone skips the provider look-up and reflection of getInstance, on every request
                return (MessageDigest) SHA256.clone();
            } catch (CloneNotSupportedException e) {
                // not with this provider: look it up each time
            }
        }
        return newSha256();
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }
}
