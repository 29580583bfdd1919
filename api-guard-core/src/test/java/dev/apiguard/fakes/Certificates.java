package dev.apiguard.fakes;

import java.io.InputStream;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;

/**
 * The two committed test certificates of core (core's tests cannot use the test kit, which
 * depends on core): {@code fuzz-ca.pem}, which signed {@code fuzz-client.pem}.
 */
public final class Certificates {

    private Certificates() {}

    /** The client certificate. */
    public static X509Certificate client() {
        return load("fuzz-client.pem");
    }

    /** The CA certificate that signed {@link #client()}. */
    public static X509Certificate ca() {
        return load("fuzz-ca.pem");
    }

    private static X509Certificate load(String name) {
        String resource = "/dev/apiguard/binding/" + name;
        try (InputStream in = Certificates.class.getResourceAsStream(resource)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        } catch (Exception e) {
            throw new IllegalStateException(resource, e);
        }
    }
}
