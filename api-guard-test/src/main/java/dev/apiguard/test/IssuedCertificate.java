package dev.apiguard.test;

import dev.apiguard.test.internal.Encoding;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/**
 * A certificate made by {@link TestCertificates}, with its private key and its chain.
 *
 * <p>Immutable and thread-safe. {@link #toString()} never prints the private key.
 *
 * @param certificate the leaf certificate
 * @param privateKey the leaf's private key
 * @param chain the chain a TLS peer presents, leaf first: leaf and CA, or the leaf alone for a
 *     self-signed certificate
 */
public record IssuedCertificate(X509Certificate certificate, PrivateKey privateKey, List<X509Certificate> chain) {

    /** Checks that nothing is missing and that the chain starts with the certificate. */
    public IssuedCertificate {
        Objects.requireNonNull(certificate, "certificate cannot be null");
        Objects.requireNonNull(privateKey, "privateKey cannot be null");
        chain = List.copyOf(chain);
        if (chain.isEmpty() || !chain.get(0).equals(certificate)) {
            throw new IllegalArgumentException("chain must start with the certificate");
        }
    }

    /** The RFC 8705 thumbprint of the leaf, the {@code cnf.x5t#S256} of a token bound to it. */
    public String thumbprint() {
        return Thumbprints.x5tS256(certificate);
    }

    /** The leaf in PEM. */
    public String certificatePem() {
        return TestCertificates.toPem(certificate);
    }

    /** The private key in unencrypted PKCS#8 PEM ({@code -----BEGIN PRIVATE KEY-----}). */
    public String privateKeyPem() {
        return Encoding.pem("PRIVATE KEY", privateKey.getEncoded());
    }

    /** The chain as an array, leaf first, as the JCA key store and TLS APIs want it. */
    public X509Certificate[] chainArray() {
        return chain.toArray(new X509Certificate[0]);
    }

    @Override
    public String toString() {
        return "IssuedCertificate[" + certificate.getSubjectX500Principal().getName() + ", thumbprint=" + thumbprint()
                + "]";
    }
}
