package dev.apiguard.ratelimit.internal;

import dev.apiguard.GuardExchange;
import dev.apiguard.GuardRequest;
import dev.apiguard.internal.CertificateDigests;
import dev.apiguard.internal.Sha256Memo;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A SHA-256 digest of the credential a request presents ({@code Authorization}, {@code X-API-Key}
 * and the client certificate), so that a credential proven valid once can be recognised cheaply
 * later without keeping it. The digest proves nothing by itself: authentication still runs.
 *
 * <p>A value: equal when the digests are, hashed by their first four bytes (a uniformly
 * distributed digest needs no more), the 32 bytes of digest held in four longs, no hex string.
 */
public final class CredentialFingerprint {

    // the 32 bytes of the digest, big-endian, in four longs: no array per fingerprint
    private final long d0;
    private final long d1;
    private final long d2;
    private final long d3;

    private CredentialFingerprint(byte[] digest) {
        ByteBuffer b = ByteBuffer.wrap(digest);
        this.d0 = b.getLong();
        this.d1 = b.getLong();
        this.d2 = b.getLong();
        this.d3 = b.getLong();
    }

    /** The digest of the request's credential, or {@code null} when it presents none. */
    public static @Nullable CredentialFingerprint of(GuardExchange exchange) {
        GuardRequest request = exchange.request();
        List<String> authorization = request.headers("Authorization");
        List<String> apiKey = request.headers("X-API-Key");
        List<X509Certificate> certificates = request.clientCertificates();
        if (authorization.isEmpty() && apiKey.isEmpty() && certificates.isEmpty()) {
            return null;
        }
        // the encoding is built first and hashed in one go on the thread's digest: the token's own
        // digest (Sha256Memo) and the certificate's are computed before, never in the middle
        Encoding e = new Encoding();
        for (String a : authorization) {
            // a prefix-free encoding: 1, the auth-scheme, a space and the 32-byte SHA-256 of the
            // credential after the spaces (the digest the token step keys its cache by, computed
            // once per request); or 2, the whole value and a newline (values hold no newline)
            int space = a.indexOf(' ');
            int start = space;
            while (start >= 0 && start < a.length() && a.charAt(start) == ' ') {
                start++;
            }
            if (space > 0 && start < a.length()) {
                e.add((byte) 1);
                e.add(a.substring(0, space).getBytes(StandardCharsets.UTF_8));
                e.add((byte) ' ');
                e.add(Sha256Memo.of(exchange, a, start));
            } else {
                e.add((byte) 2);
                e.add(a.getBytes(StandardCharsets.UTF_8));
                e.add((byte) '\n');
            }
        }
        e.add((byte) 0);
        for (String k : apiKey) {
            e.add(k.getBytes(StandardCharsets.UTF_8));
            e.add((byte) '\n');
        }
        e.add((byte) 0);
        if (!certificates.isEmpty()) {
            try {
                // the certificate's own SHA-256 (memoized per certificate object) stands for its DER:
                // as collision-resistant, and not re-hashed on every request of a TLS session
                e.add(CertificateDigests.sha256Copy(certificates.get(0)));
            } catch (CertificateEncodingException ex) {
                return null;
            }
        }
        return new CredentialFingerprint(CertificateDigests.sha256Of(e.bytes, 0, e.length));
    }

    /** A growing byte array: the fingerprint's input, usually under 128 bytes. */
    private static final class Encoding {
        byte[] bytes = new byte[128];
        int length;

        void add(byte b) {
            room(1);
            bytes[length++] = b;
        }

        void add(byte[] b) {
            room(b.length);
            System.arraycopy(b, 0, bytes, length, b.length);
            length += b.length;
        }

        private void room(int more) {
            if (length + more > bytes.length) {
                bytes = java.util.Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
            }
        }
    }

    @Override
    public boolean equals(@Nullable Object o) {
        // every bit compared whatever differs first, as MessageDigest.isEqual does
        return o instanceof CredentialFingerprint other
                && ((d0 ^ other.d0) | (d1 ^ other.d1) | (d2 ^ other.d2) | (d3 ^ other.d3)) == 0;
    }

    @Override
    public int hashCode() {
        return (int) (d0 >>> 32);
    }

    @Override
    public String toString() {
        return "CredentialFingerprint[hash=" + hashCode() + "]";
    }
}
