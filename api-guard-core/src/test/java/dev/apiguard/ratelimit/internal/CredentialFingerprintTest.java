package dev.apiguard.ratelimit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.ApiGuard;
import dev.apiguard.fakes.FakeGuards;
import dev.apiguard.fakes.FakeRequest;
import dev.apiguard.test.fixtures.TestCertificates;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.Test;

/**
 * The anonymous limiter's key for a request that presents a credential: a value, equal for the
 * same credential however it is spaced, different for any other credential or carrier, and no
 * credential in its text.
 */
class CredentialFingerprintTest {

    private static final ApiGuard GUARD = FakeGuards.allowingAll();

    private static CredentialFingerprint of(FakeRequest request) {
        return CredentialFingerprint.of(GUARD.exchange(request));
    }

    private static CredentialFingerprint authorization(String value) {
        return of(FakeRequest.get().header("Authorization", value));
    }

    @Test
    void noCredentialHasNoFingerprint() {
        assertThat(of(FakeRequest.get())).isNull();
    }

    @Test
    void theSameCredentialGivesEqualFingerprintsAndAnyOtherADifferentOne() {
        CredentialFingerprint a = of(FakeRequest.get().bearer("token-a.payload.signature"));
        assertThat(of(FakeRequest.get().bearer("token-a.payload.signature")))
                .isEqualTo(a)
                .hasSameHashCodeAs(a);
        assertThat(of(FakeRequest.get().bearer("token-a.payload.signaturf"))).isNotEqualTo(a);
        assertThat(of(FakeRequest.get().header("Authorization", "DPoP token-a.payload.signature")))
                .isNotEqualTo(a);
        assertThat(of(FakeRequest.get().bearer("token-a.payload.signature").header("X-API-Key", "k")))
                .isNotEqualTo(a);
        assertThat(of(FakeRequest.get().header("X-API-Key", "k"))).isNotEqualTo(a);
    }

    @Test
    void spacesAfterTheSchemeDoNotMakeANewCredential() {
        assertThat(authorization("Bearer   abc")).isEqualTo(authorization("Bearer abc"));
    }

    @Test
    void everyPartOfTheCredentialCounts() {
        CredentialFingerprint base = authorization("Bearer abc");
        assertThat(authorization("Bearer abd")).isNotEqualTo(base);
        assertThat(authorization("DPoP abc")).isNotEqualTo(base);
        assertThat(authorization("Bearerabc")).isNotEqualTo(base);
        assertThat(authorization("Bearer ")).isNotEqualTo(authorization("Bearer"));
        assertThat(authorization("Bearer ")).isNotEqualTo(authorization("Bearer  "));
        assertThat(authorization(" abc")).isNotEqualTo(authorization("abc"));
        // the same text as an API key is another credential than as an Authorization value
        assertThat(of(FakeRequest.get().header("X-API-Key", "Bearer abc"))).isNotEqualTo(base);
        assertThat(of(FakeRequest.get().header("X-API-Key", "k1")))
                .isNotEqualTo(of(FakeRequest.get().header("X-API-Key", "k2")));
        assertThat(of(FakeRequest.get().header("X-API-Key", "k1").header("X-API-Key", "k2")))
                .isNotEqualTo(of(FakeRequest.get().header("X-API-Key", "k1k2")));
        assertThat(of(FakeRequest.get().header("Authorization", "Bearer abc").header("X-API-Key", "k1")))
                .isNotEqualTo(base)
                .isNotEqualTo(of(FakeRequest.get().header("X-API-Key", "k1")));
    }

    @Test
    void longCredentialsCountInFullToTheirLastByte() {
        String key = "k".repeat(2_000);
        String scheme = "X".repeat(300); // a long auth-scheme: the encoding outgrows its first buffer
        CredentialFingerprint base = of(FakeRequest.get().header("X-API-Key", key + "a"));
        assertThat(of(FakeRequest.get().header("X-API-Key", key + "a"))).isEqualTo(base);
        assertThat(of(FakeRequest.get().header("X-API-Key", key + "b"))).isNotEqualTo(base);
        assertThat(authorization(scheme + " abc")).isEqualTo(authorization(scheme + " abc"));
        assertThat(authorization(scheme + " abc")).isNotEqualTo(authorization(scheme + "Y abc"));
    }

    /**
     * One Authorization value of a scheme of up to 6 ASCII characters is fingerprinted by its
     * parts' digests, any other request by the digest of its encoding: each spelling still has its
     * own fingerprint, on both sides of that line.
     */
    @Test
    void schemesOfEveryLengthAndAlphabetAreTheirOwn() {
        for (String scheme : new String[] {"B", "Bearer", "Bearerx", "Bearer-token", "Bé", "DPoP"}) {
            CredentialFingerprint f = authorization(scheme + " abc");
            assertThat(authorization(scheme + " abc")).as(scheme).isEqualTo(f).hasSameHashCodeAs(f);
            assertThat(authorization(scheme + "  abc")).as(scheme).isEqualTo(f);
            assertThat(authorization(scheme + " abd")).as(scheme).isNotEqualTo(f);
            assertThat(authorization(scheme + "a abc")).as(scheme).isNotEqualTo(f);
            assertThat(of(FakeRequest.get()
                            .header("Authorization", scheme + " abc")
                            .header("Authorization", scheme + " abc")))
                    .as("%s twice", scheme)
                    .isNotEqualTo(f);
        }
        assertThat(authorization("Bearer abc")).isNotEqualTo(authorization("bearer abc"));
    }

    @Test
    void aValueWithoutSchemeIsTakenWhole() {
        assertThat(authorization("abc")).isNotEqualTo(authorization("abd")).isNotNull();
        assertThat(authorization("abc")).isNotEqualTo(authorization("ab"));
    }

    @Test
    void itsTextHoldsNeitherTheCredentialNorTheDigest() {
        CredentialFingerprint a = of(FakeRequest.get().bearer("token-a.payload.signature"));
        assertThat(a.toString()).doesNotContain("token-a").matches("CredentialFingerprint\\[hash=-?\\d+]");
    }

    /**
     * Values are framed so that no control character in a header can make two different sets of
     * credentials read as one: each value without a scheme is marked and ended, and the
     * Authorization values are separated from the API keys.
     */
    @Test
    void controlCharactersCannotForgeAnotherCredentialsFraming() {
        // the end of a value without scheme: two values against one holding the start marker
        assertThat(of(FakeRequest.get().header("Authorization", "ab").header("Authorization", "c")))
                .isNotEqualTo(authorization("ab\u0002c"));
        // the start marker: two values against one holding the end of a value
        assertThat(of(FakeRequest.get().header("Authorization", "a").header("Authorization", "b")))
                .isNotEqualTo(authorization("a\nb"));
        // the separator between Authorization values and API keys
        assertThat(authorization("abc")).isNotEqualTo(of(FakeRequest.get().header("X-API-Key", "\u0002abc")));
    }

    /** Leading spaces make a value without scheme: each spacing is its own credential. */
    @Test
    void aValueStartingWithSpacesIsTakenWholeSpacesIncluded() {
        assertThat(authorization(" abc")).isNotEqualTo(authorization("  abc"));
    }

    /**
     * The client certificate is a credential too: a request with a certificate alone has a
     * fingerprint, each certificate its own, and only the leaf counts.
     */
    @Test
    void theClientCertificateCounts() {
        TestCertificates certificates = TestCertificates.create();
        X509Certificate client = certificates.client("partner-a").certificate();
        X509Certificate ca = certificates.ca();
        CredentialFingerprint mtls = of(FakeRequest.get().clientCertificate(client));
        assertThat(mtls).isNotNull().isEqualTo(of(FakeRequest.get().clientCertificate(client)));
        assertThat(of(FakeRequest.get().clientCertificate(ca))).isNotNull().isNotEqualTo(mtls);
        assertThat(of(FakeRequest.get().clientCertificate(client, ca))).isEqualTo(mtls);
        CredentialFingerprint bearer = authorization("Bearer abc");
        CredentialFingerprint bound =
                of(FakeRequest.get().header("Authorization", "Bearer abc").clientCertificate(client));
        assertThat(bound)
                .isNotEqualTo(bearer)
                .isNotEqualTo(mtls)
                .isNotEqualTo(of(
                        FakeRequest.get().header("Authorization", "Bearer abc").clientCertificate(ca)));
        assertThat(of(FakeRequest.get().header("X-API-Key", "k1").clientCertificate(client)))
                .isNotEqualTo(of(FakeRequest.get().header("X-API-Key", "k1")));
    }

    @Test
    void aFingerprintEqualsOnlyAnotherFingerprint() {
        CredentialFingerprint a = authorization("Bearer abc");
        assertThat(a.equals("Bearer abc")).isFalse();
        assertThat(a.equals(null)).isFalse();
        assertThat(a).isEqualTo(a);
    }
}
