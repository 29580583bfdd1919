package dev.apiguard.binding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import dev.apiguard.TrustedProxies;
import dev.apiguard.test.fixtures.TestCertificates;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The documented ranges of the binding settings: both ends accepted, one step outside refused. */
class BindingSettingsTest {

    final TestCertificates pki = TestCertificates.create();

    @Test
    void dpopIatWindowIsOneSecondToFiveMinutes() {
        assertThat(DpopPolicy.builder().iatWindow(Duration.ofSeconds(1)).build().iatWindow())
                .isEqualTo(Duration.ofSeconds(1));
        assertThat(DpopPolicy.builder().iatWindow(Duration.ofMinutes(5)).build().iatWindow())
                .isEqualTo(Duration.ofMinutes(5));
        for (Duration outside :
                List.of(Duration.ofMillis(999), Duration.ofMinutes(5).plusMillis(1), Duration.ZERO)) {
            assertThatThrownBy(() -> DpopPolicy.builder().iatWindow(outside))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("iatWindow");
        }
    }

    @Test
    void dpopMaxProofLengthIs1024To65536() {
        assertThat(DpopPolicy.builder().maxProofLength(1024).build().maxProofLength())
                .isEqualTo(1024);
        assertThat(DpopPolicy.builder().maxProofLength(65_536).build().maxProofLength())
                .isEqualTo(65_536);
        assertThat(DpopPolicy.defaults().maxProofLength()).isEqualTo(8192);
        for (int outside : new int[] {1023, 65_537, 0}) {
            assertThatThrownBy(() -> DpopPolicy.builder().maxProofLength(outside))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("maxProofLength");
        }
    }

    @Test
    void dpopNonceValidityIsTenSecondsToOneHour() {
        assertThat(DpopPolicy.builder()
                        .serverNonces(Duration.ofSeconds(10))
                        .build()
                        .nonceValidity())
                .isEqualTo(Duration.ofSeconds(10));
        assertThat(DpopPolicy.builder()
                        .serverNonces(Duration.ofHours(1))
                        .build()
                        .nonceValidity())
                .isEqualTo(Duration.ofHours(1));
        assertThat(DpopPolicy.defaults().serverNonces()).isFalse();
        for (Duration outside :
                List.of(Duration.ofMillis(9_999), Duration.ofHours(1).plusMillis(1))) {
            assertThatThrownBy(() -> DpopPolicy.builder().serverNonces(outside))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("serverNonces");
        }
    }

    @Test
    void dpopAlgorithmsCannotBeEmptyOrSymmetric() {
        assertThatThrownBy(() -> DpopPolicy.builder().algorithms())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("algorithms cannot be empty");
        assertThatThrownBy(() -> DpopPolicy.builder().algorithms(JWSAlgorithm.HS256))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("HS256");
        assertThat(DpopPolicy.builder().algorithms(JWSAlgorithm.ES256).build().algorithms())
                .containsExactly(JWSAlgorithm.ES256);
    }

    @Test
    void forwardedHeaderLengthIsOneTo65536() {
        assertThat(ClientCertificates.builder().maxHeaderLength(1).build().forwardedHeader())
                .isNull();
        assertThat(ClientCertificates.builder().maxHeaderLength(65_536).build().forwardedHeader())
                .isNull();
        for (int outside : new int[] {0, 65_537}) {
            assertThatThrownBy(() -> ClientCertificates.builder().maxHeaderLength(outside))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("maxHeaderLength");
        }
    }

    @Test
    void aForwardedHeaderNeedsTrustedProxiesAndAnchorsButTlsOnlyNeedsNeither() {
        assertThat(ClientCertificates.builder().build().forwardedHeader()).isNull();
        assertThat(ClientCertificates.builder()
                        .trustedProxies(TrustedProxies.of("10.0.0.0/8"))
                        .build()
                        .forwardedHeader())
                .isNull();
        assertThat(ClientCertificates.builder()
                        .forwardedTrustAnchors(List.of(pki.ca()))
                        .build()
                        .forwardedHeader())
                .isNull();
        assertThatThrownBy(() -> ClientCertificates.builder()
                        .forwardedHeader("Client-Cert")
                        .forwardedTrustAnchors(List.of(pki.ca()))
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("trustedProxies");
        assertThatThrownBy(() -> ClientCertificates.builder()
                        .forwardedHeader("Client-Cert")
                        .trustedProxies(TrustedProxies.of("10.0.0.0/8"))
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("forwardedTrustAnchors");
        ClientCertificates forwarded = ClientCertificates.builder()
                .forwardedHeader("Client-Cert")
                .trustedProxies(TrustedProxies.of("10.0.0.0/8"))
                .forwardedTrustAnchors(List.of(pki.ca()))
                .build();
        assertThat(forwarded.forwardedHeader()).isEqualTo("Client-Cert");
        assertThat(forwarded).hasToString("ClientCertificates[tls, Client-Cert from TrustedProxies[10.0.0.0/8]]");
        assertThat(ClientCertificates.tlsOnly()).hasToString("ClientCertificates[tls]");
    }

    @Test
    void forwardedTrustAnchorsFromAKeyStoreTakeOnlyItsTrustedCertificates() throws Exception {
        KeyStore empty = KeyStore.getInstance("PKCS12");
        empty.load(null, null);
        assertThatThrownBy(() -> ClientCertificates.builder().forwardedTrustAnchors(empty))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("holds no trusted certificate");
        KeyStore notLoaded = KeyStore.getInstance("PKCS12");
        assertThatThrownBy(() -> ClientCertificates.builder().forwardedTrustAnchors(notLoaded))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not loaded");
        // a key entry (a server's own certificate and key) is not a trust anchor
        KeyStore keyOnly = KeyStore.getInstance("PKCS12");
        keyOnly.load(null, null);
        keyOnly.setKeyEntry(
                "server",
                pki.server().privateKey(),
                "changeit".toCharArray(),
                pki.server().chain().toArray(new java.security.cert.Certificate[0]));
        assertThatThrownBy(() -> ClientCertificates.builder().forwardedTrustAnchors(keyOnly))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("holds no trusted certificate");
        KeyStore withCa = KeyStore.getInstance("PKCS12");
        withCa.load(null, null);
        withCa.setCertificateEntry("ca", pki.ca());
        ClientCertificates built = ClientCertificates.builder()
                .forwardedHeader("Client-Cert")
                .trustedProxies(TrustedProxies.of("10.0.0.0/8"))
                .forwardedTrustAnchors(withCa)
                .build();
        assertThat(built.forwardedHeader()).isEqualTo("Client-Cert");
    }

    @Test
    void tlsClientAuthOfEveryKindNeedsACaButSelfSignedDoesNot() {
        Set<String> scopes = Set.of("a");
        List<MtlsClientRegistry.Builder> withoutCa = List.of(
                MtlsClientRegistry.builder().tlsClientAuthSubjectDn("c", "CN=c", scopes),
                MtlsClientRegistry.builder().tlsClientAuthSanDns("c", "c.example", scopes),
                MtlsClientRegistry.builder().tlsClientAuthSanUri("c", "spiffe://example/c", scopes),
                MtlsClientRegistry.builder().tlsClientAuthSanEmail("c", "c@example", scopes));
        for (MtlsClientRegistry.Builder b : withoutCa) {
            assertThatThrownBy(b::build)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("caCertificates");
            assertThat(b.caCertificates(List.of(pki.ca())).build()).isNotNull();
        }
        String thumbprint = pki.selfSigned("device").thumbprint();
        assertThat(MtlsClientRegistry.builder()
                        .selfSignedTlsClientAuth("d", thumbprint, scopes)
                        .build())
                .isNotNull();
        assertThat(MtlsClientRegistry.builder().build()).isNotNull();
    }

    @Test
    void anExpiryWarningCannotBeNegativeAndEachStepNamesItself() {
        ClientCertificates tls = ClientCertificates.tlsOnly();
        MtlsClientRegistry registry = MtlsClientRegistry.builder().build();
        assertThatThrownBy(() -> MtlsClientAuthenticationStep.of(tls, registry, java.time.Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expiryWarning");
        assertThatThrownBy(() -> CertificateBindingStep.builder(tls).expiryWarning(java.time.Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expiryWarning");
        assertThat(MtlsClientAuthenticationStep.of(tls, registry, java.time.Duration.ZERO))
                .isNotNull();
        // the names that events, logs and metrics carry in their step field
        assertThat(MtlsClientAuthenticationStep.of(tls, registry).name()).isEqualTo("mtls-client");
        assertThat(CertificateBindingStep.of(tls).name()).isEqualTo("mtls-binding");
        assertThat(DpopStep.of(DpopPolicy.defaults()).name()).isEqualTo("dpop");
    }

    @Test
    void anEmailRegistrationIsLocalPartAtDomain() {
        for (String bad : List.of("ops", "@partner.example", "ops@")) {
            assertThatThrownBy(() -> MtlsClientRegistry.builder().tlsClientAuthSanEmail("c", bad, Set.of()))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("local-part@domain");
        }
    }

    @Test
    void blankNamesAreRefused() {
        assertThatThrownBy(() -> MtlsClientRegistry.builder().tlsClientAuthSanDns("c", " ", Set.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("dnsName cannot be blank");
        assertThatThrownBy(() -> MtlsClientRegistry.builder().tlsClientAuthSanUri(" ", "spiffe://x", Set.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("clientId cannot be blank");
    }

    @Test
    void replayQuotaPerCallerIsOneToTenMillion() {
        assertThat(DpopPolicy.builder().replayQuotaPerCaller(1).build().replayQuotaPerCaller())
                .isEqualTo(1);
        assertThat(DpopPolicy.builder().replayQuotaPerCaller(10_000_000).build().replayQuotaPerCaller())
                .isEqualTo(10_000_000);
        for (int outside : new int[] {0, 10_000_001}) {
            assertThatThrownBy(() -> DpopPolicy.builder().replayQuotaPerCaller(outside))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("replayQuotaPerCaller");
        }
    }

    /** The policy's text (in start-up logs) says whether server nonces are on and which origins count. */
    @Test
    void aDpopPolicyShowsItsNoncesAndOrigins() {
        String defaults = DpopPolicy.defaults().toString();
        assertThat(defaults)
                .startsWith("DpopPolicy[algorithms=")
                .contains(", iatWindow=PT1M, maxProofLength=8192, serverNonces=off, trustedProxies=")
                .doesNotContain("origins")
                .endsWith("]");
        String configured = DpopPolicy.builder()
                .serverNonces(Duration.ofMinutes(5))
                .origins("https://api.example")
                .build()
                .toString();
        assertThat(configured).contains("serverNonces=PT5M, ").endsWith(", origins=[https://api.example]]");
    }
}
