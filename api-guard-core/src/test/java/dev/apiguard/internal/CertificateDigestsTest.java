package dev.apiguard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.test.fixtures.TestCertificates;
import java.io.ByteArrayInputStream;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** RFC 8705 thumbprints and the digest fed to other digests, remembered per certificate. */
class CertificateDigestsTest {

    static final TestCertificates CERTIFICATES = TestCertificates.create();
    static final X509Certificate CLIENT = CERTIFICATES.client("partner-a").certificate();

    /** Another instance of the same certificate, read from its DER. */
    static X509Certificate reread(X509Certificate certificate) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(certificate.getEncoded()));
    }

    @Test
    void theThumbprintIsUnpaddedBase64UrlOfTheSha256OfTheDer() throws Exception {
        X509Certificate client = CLIENT;
        byte[] sha256 = MessageDigest.getInstance("SHA-256").digest(client.getEncoded());
        String expected = Base64.getUrlEncoder().withoutPadding().encodeToString(sha256);
        assertThat(CertificateDigests.x5tS256(client)).isEqualTo(expected).hasSize(43);
        assertThat(CertificateDigests.x5tS256(client)).isEqualTo(expected); // remembered, the same
        assertThat(CertificateDigests.x5tS256(reread(CLIENT))).isEqualTo(expected);
        assertThat(CertificateDigests.x5tS256(CERTIFICATES.ca())).isNotEqualTo(expected);
    }

    @Test
    void theDigestCopiedOutIsTheCertificatesSha256() throws Exception {
        X509Certificate client = CLIENT;
        byte[] copy = CertificateDigests.sha256Copy(client);
        assertThat(copy).isEqualTo(MessageDigest.getInstance("SHA-256").digest(client.getEncoded()));
        copy[0] ^= 1; // the caller's own copy: the memo keeps its digest
        assertThat(CertificateDigests.sha256Copy(client))
                .isEqualTo(MessageDigest.getInstance("SHA-256").digest(client.getEncoded()));
        // each call gives a fresh digest: nothing left from the one above
        assertThat(CertificateDigests.sha256().digest())
                .isEqualTo(MessageDigest.getInstance("SHA-256").digest());
    }

    @Test
    void theExpiryIsGivenOnlyForTheCertificateTheThumbprintNames() throws Exception {
        String thumbprint = CertificateDigests.x5tS256(CLIENT);
        assertThat(CertificateDigests.notAfterIf(CLIENT, thumbprint))
                .isEqualTo(CLIENT.getNotAfter().toInstant());
        assertThat(CertificateDigests.notAfterIf(reread(CLIENT), thumbprint))
                .isEqualTo(CLIENT.getNotAfter().toInstant());
        assertThat(CertificateDigests.notAfterIf(CERTIFICATES.ca(), thumbprint)).isNull();
        assertThat(CertificateDigests.notAfterIf(CLIENT, CertificateDigests.x5tS256(CERTIFICATES.ca())))
                .isNull();
    }

    @Test
    void theOneShotDigestIsSha256AndKeepsNothingBetweenCalls() throws Exception {
        byte[] a = "first input".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] b = "second".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(CertificateDigests.sha256Of(a))
                .isEqualTo(MessageDigest.getInstance("SHA-256").digest(a));
        assertThat(CertificateDigests.sha256Of(b))
                .isEqualTo(MessageDigest.getInstance("SHA-256").digest(b));
        assertThat(CertificateDigests.sha256Of(a))
                .isEqualTo(CertificateDigests.sha256Of(a))
                .isNotSameAs(CertificateDigests.sha256Of(a));
    }
}
