package dev.apiguard.ratelimit.internal;

import dev.apiguard.GuardExchange;
import dev.apiguard.GuardRequest;
import dev.apiguard.internal.CertificateDigests;
import dev.apiguard.internal.CredentialDigest;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A digest of the credential a request presents ({@code Authorization}, {@code X-API-Key} and the
 * client certificate), so that a credential proven valid once can be recognised cheaply later
 * without keeping it. The digest proves nothing by itself: authentication still runs.
 *
 * <p>The usual request (one {@code Authorization} value of a short scheme and a credential, no API
 * key, perhaps a client certificate) is fingerprinted without hashing again: by its scheme, the
 * {@link CredentialDigest} of its credential (which the token step keys its cache by, computed once
 * per request) and the SHA-256 of its certificate, each collision-resistant. Any other request is
 * fingerprinted by the SHA-256 of a prefix-free encoding of all its credentials. The two kinds
 * never equal each other.
 *
 * <p>A value: equal when the kinds and digests are, hashed by four bytes of a digest (a uniformly
 * distributed digest needs no more), digests held in longs, no hex string.
 */
public final class CredentialFingerprint {

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    // SHORT: scheme, credential digest (d0, d1; d2 and d3 zero) and certificate digest (c, zeros
    // when none, with the flag in scheme); ENCODED: the SHA-256 of the encoding (d), nothing else
    private static final byte SHORT = 1;
    private static final byte ENCODED = 2;
    // the longest auth-scheme packed into one long beside its length
    private static final int MAX_PACKED_SCHEME = 6;
    private static final long WITH_CERTIFICATE = 1L << 63;

    private final byte kind;
    private final long scheme;
    private final long d0;
    private final long d1;
    private final long d2;
    private final long d3;
    private final long c0;
    private final long c1;
    private final long c2;
    private final long c3;

    /** The encoded form: the SHA-256 of the encoding, nothing else. */
    private CredentialFingerprint(byte[] sha256) {
        this(
                ENCODED,
                0,
                (long) LONGS.get(sha256, 0),
                (long) LONGS.get(sha256, 8),
                (long) LONGS.get(sha256, 16),
                (long) LONGS.get(sha256, 24),
                null);
    }

    private CredentialFingerprint(
            byte kind, long scheme, long d0, long d1, long d2, long d3, byte @Nullable [] certificate) {
        this.kind = kind;
        this.scheme = scheme;
        this.d0 = d0;
        this.d1 = d1;
        this.d2 = d2;
        this.d3 = d3;
        if (certificate != null) {
            this.c0 = (long) LONGS.get(certificate, 0);
            this.c1 = (long) LONGS.get(certificate, 8);
            this.c2 = (long) LONGS.get(certificate, 16);
            this.c3 = (long) LONGS.get(certificate, 24);
        } else {
            this.c0 = 0;
            this.c1 = 0;
            this.c2 = 0;
            this.c3 = 0;
        }
    }

    /**
     * Where the credential of an {@code Authorization} value of the form "scheme, spaces,
     * credential" starts, given where its first space is; -1 for any other value (no scheme,
     * nothing after the spaces).
     */
    private static int credentialStart(String a, int space) {
        if (space <= 0) {
            return -1;
        }
        int start = space;
        while (start < a.length() && a.charAt(start) == ' ') {
            start++;
        }
        return start < a.length() ? start : -1;
    }

    /**
     * The fingerprint of a request with one {@code Authorization} value, no API key and at most a
     * certificate, without a second hash; null when the value does not fit that shape (no scheme,
     * no credential, a scheme longer than {@value #MAX_PACKED_SCHEME} or not ASCII).
     */
    private static @Nullable CredentialFingerprint shortForm(
            GuardExchange exchange, String a, byte @Nullable [] certificate) {
        int space = a.indexOf(' ');
        int start = credentialStart(a, space);
        if (start < 0 || space > MAX_PACKED_SCHEME) {
            return null;
        }
        long packed = space;
        for (int i = 0; i < space; i++) {
            char c = a.charAt(i);
            if (c >= 0x80) {
                return null;
            }
            packed |= (long) c << (8 * (i + 1));
        }
        CredentialDigest digest = CredentialDigest.of(exchange, a, start);
        return new CredentialFingerprint(
                SHORT,
                certificate == null ? packed : packed | WITH_CERTIFICATE,
                digest.high(),
                digest.low(),
                0,
                0,
                certificate);
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
        byte[] certificate = null;
        if (!certificates.isEmpty()) {
            try {
                // the certificate's own SHA-256 (memoized per certificate object) stands for its DER:
                // as collision-resistant, and not re-hashed on every request of a TLS session
                certificate = CertificateDigests.sha256Copy(certificates.get(0));
            } catch (CertificateEncodingException ex) {
                return null;
            }
        }
        if (authorization.size() == 1 && apiKey.isEmpty()) {
            CredentialFingerprint f = shortForm(exchange, authorization.get(0), certificate);
            if (f != null) {
                return f;
            }
        }
        // the encoding is built first and hashed in one go on the thread's digest: the token's own
        // digest (CredentialDigest) and the certificate's are computed before, never in the middle
        Encoding e = new Encoding();
        for (String a : authorization) {
            // a prefix-free encoding: 1, the auth-scheme, a space and the 16-byte digest of the
            // credential after the spaces (the digest the token step keys its cache by, computed
            // once per request); or 2, the whole value and a newline (values hold no newline)
            int space = a.indexOf(' ');
            int start = credentialStart(a, space);
            if (start > 0) {
                e.add((byte) 1);
                e.add(a.substring(0, space).getBytes(StandardCharsets.UTF_8));
                e.add((byte) ' ');
                e.add(CredentialDigest.of(exchange, a, start));
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
        if (certificate != null) {
            e.add(certificate);
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

        void add(CredentialDigest d) {
            room(16);
            LONGS.set(bytes, length, d.high());
            LONGS.set(bytes, length + 8, d.low());
            length += 16;
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
                && kind == other.kind
                && ((scheme ^ other.scheme)
                                | (d0 ^ other.d0)
                                | (d1 ^ other.d1)
                                | (d2 ^ other.d2)
                                | (d3 ^ other.d3)
                                | (c0 ^ other.c0)
                                | (c1 ^ other.c1)
                                | (c2 ^ other.c2)
                                | (c3 ^ other.c3))
                        == 0;
    }

    @Override
    public int hashCode() {
        return (int) ((d0 ^ c0) >>> 32);
    }

    @Override
    public String toString() {
        return "CredentialFingerprint[hash=" + hashCode() + "]";
    }
}
