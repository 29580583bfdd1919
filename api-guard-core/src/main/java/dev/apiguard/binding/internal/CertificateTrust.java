package dev.apiguard.binding.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks that a client certificate chains to a set of trust anchors with the JDK's PKIX
 * {@link CertPathValidator}: revocation off, validity at the guard's {@code now}, and, when the
 * leaf has an extended key usage, {@code clientAuth} (or {@code anyExtendedKeyUsage}) in it, as a
 * TLS server's trust manager would demand. The leaf must be an end-entity certificate: a CA
 * certificate (basic constraints {@code cA} true, RFC 5280 §4.2.1.9) is refused, even a trust
 * anchor itself, which PKIX would accept as a path of length zero; and when it has a key usage,
 * {@code digitalSignature} must be in it (RFC 5246 §7.4.8, RFC 8446 §4.4.3: the client signs).
 *
 * <p>A leaf whose signature path was verified is remembered by thumbprint (at most
 * {@value #MAX_REMEMBERED}, evicting), so that a proxy forwarding the same certificate does not
 * cost a signature verification per request; its validity dates are still checked every time.
 * Thread-safe.
 */
public final class CertificateTrust {

    static final int MAX_REMEMBERED = 10_000;
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final String ANY_EKU = "2.5.29.37.0";

    private final Set<TrustAnchor> anchors;
    private final Cache<String, Boolean> verified = Caffeine.newBuilder()
            .maximumSize(MAX_REMEMBERED)
            .executor(Runnable::run)
            .build(); // evictions on the calling thread, like every cache here

    /** Trusts the given CA certificates; at least one. */
    public CertificateTrust(Set<X509Certificate> caCertificates) {
        Set<TrustAnchor> a = new HashSet<>();
        for (X509Certificate c : caCertificates) {
            a.add(new TrustAnchor(c, null));
        }
        if (a.isEmpty()) {
            throw new IllegalArgumentException("trust anchors cannot be empty");
        }
        this.anchors = Set.copyOf(a);
    }

    /** Whether the leaf (alone: intermediates are not forwarded) chains to an anchor and is valid at {@code now}. */
    public boolean trusts(X509Certificate leaf, String thumbprint, Instant now) {
        Date at = Date.from(now);
        try {
            leaf.checkValidity(at);
            if (!allowsClientAuth(leaf)) {
                return false;
            }
        } catch (GeneralSecurityException e) {
            return false;
        }
        if (verified.getIfPresent(thumbprint) != null) {
            return true;
        }
        try {
            CertPath path = CertificateFactory.getInstance("X.509").generateCertPath(List.of(leaf));
            PKIXParameters params = new PKIXParameters(anchors);
            params.setRevocationEnabled(false);
            params.setDate(at);
            CertPathValidator.getInstance("PKIX").validate(path, params);
        } catch (InvalidAlgorithmParameterException e) {
            throw new IllegalStateException("cannot set up PKIX validation", e);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
        verified.put(thumbprint, Boolean.TRUE);
        return true;
    }

    private static boolean allowsClientAuth(X509Certificate leaf) throws CertificateParsingException {
        if (leaf.getBasicConstraints() != -1) {
            return false; // a CA certificate, not a client's
        }
        boolean[] keyUsage = leaf.getKeyUsage();
        if (keyUsage != null && (keyUsage.length == 0 || !keyUsage[0])) {
            return false; // digitalSignature missing: this key may not sign a TLS handshake
        }
        List<String> eku = leaf.getExtendedKeyUsage();
        return eku == null || eku.contains(CLIENT_AUTH) || eku.contains(ANY_EKU);
    }
}
