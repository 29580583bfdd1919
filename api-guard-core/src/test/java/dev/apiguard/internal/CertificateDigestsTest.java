package dev.apiguard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** RFC 8705 thumbprints and the digest fed to other digests, remembered per certificate. */
class CertificateDigestsTest {

    private static X509Certificate certificate(String name) throws Exception {
        try (InputStream in = CertificateDigestsTest.class.getResourceAsStream("/dev/apiguard/binding/" + name)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    @Test
    void theThumbprintIsUnpaddedBase64UrlOfTheSha256OfTheDer() throws Exception {
        X509Certificate client = certificate("fuzz-client.pem");
        byte[] sha256 = MessageDigest.getInstance("SHA-256").digest(client.getEncoded());
        String expected = Base64.getUrlEncoder().withoutPadding().encodeToString(sha256);
        assertThat(CertificateDigests.x5tS256(client)).isEqualTo(expected).hasSize(43);
        assertThat(CertificateDigests.x5tS256(client)).isEqualTo(expected); // remembered, the same
        assertThat(CertificateDigests.x5tS256(certificate("fuzz-client.pem"))).isEqualTo(expected);
        assertThat(CertificateDigests.x5tS256(certificate("fuzz-ca.pem"))).isNotEqualTo(expected);
    }

    @Test
    void theDigestFedToAnotherIsTheCertificatesSha256() throws Exception {
        X509Certificate client = certificate("fuzz-client.pem");
        MessageDigest target = CertificateDigests.sha256();
        CertificateDigests.updateWithSha256(target, client);
        MessageDigest reference = MessageDigest.getInstance("SHA-256");
        reference.update(MessageDigest.getInstance("SHA-256").digest(client.getEncoded()));
        assertThat(target.digest()).isEqualTo(reference.digest());
        // each call gives a fresh digest: nothing left from the one above
        assertThat(CertificateDigests.sha256().digest()).isEqualTo(MessageDigest.getInstance("SHA-256").digest());
    }
}
