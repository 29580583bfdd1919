package dev.apiguard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.fakes.Certificates;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** RFC 8705 thumbprints and the digest fed to other digests, remembered per certificate. */
class CertificateDigestsTest {

    @Test
    void theThumbprintIsUnpaddedBase64UrlOfTheSha256OfTheDer() throws Exception {
        X509Certificate client = Certificates.client();
        byte[] sha256 = MessageDigest.getInstance("SHA-256").digest(client.getEncoded());
        String expected = Base64.getUrlEncoder().withoutPadding().encodeToString(sha256);
        assertThat(CertificateDigests.x5tS256(client)).isEqualTo(expected).hasSize(43);
        assertThat(CertificateDigests.x5tS256(client)).isEqualTo(expected); // remembered, the same
        assertThat(CertificateDigests.x5tS256(Certificates.client())).isEqualTo(expected);
        assertThat(CertificateDigests.x5tS256(Certificates.ca())).isNotEqualTo(expected);
    }

    @Test
    void theDigestFedToAnotherIsTheCertificatesSha256() throws Exception {
        X509Certificate client = Certificates.client();
        MessageDigest target = CertificateDigests.sha256();
        CertificateDigests.updateWithSha256(target, client);
        MessageDigest reference = MessageDigest.getInstance("SHA-256");
        reference.update(MessageDigest.getInstance("SHA-256").digest(client.getEncoded()));
        assertThat(target.digest()).isEqualTo(reference.digest());
        // each call gives a fresh digest: nothing left from the one above
        assertThat(CertificateDigests.sha256().digest())
                .isEqualTo(MessageDigest.getInstance("SHA-256").digest());
    }
}
