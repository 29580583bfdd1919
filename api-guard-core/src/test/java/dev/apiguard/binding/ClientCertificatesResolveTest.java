package dev.apiguard.binding;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.ApiGuard;
import dev.apiguard.Decision;
import dev.apiguard.GuardExchange;
import dev.apiguard.GuardStep;
import dev.apiguard.TrustedProxies;
import dev.apiguard.event.SecurityEventType;
import dev.apiguard.fakes.FakeListener;
import dev.apiguard.fakes.FakeRequest;
import dev.apiguard.test.fixtures.IssuedCertificate;
import dev.apiguard.test.fixtures.MutableClock;
import dev.apiguard.test.fixtures.TestCertificates;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which certificate {@link ClientCertificates#resolve} answers, for each combination of TLS and forwarded header. */
class ClientCertificatesResolveTest {

    final MutableClock clock = MutableClock.startingNow();
    final TestCertificates pki = TestCertificates.create(clock);
    final IssuedCertificate alice = pki.client("alice");
    final IssuedCertificate bob = pki.client("bob");
    final FakeListener events = new FakeListener();
    final ApiGuard guard = ApiGuard.builder()
            .clock(clock)
            .listener(events)
            .step(new GuardStep() {
                @Override
                public String name() {
                    return "allow";
                }

                @Override
                public Decision evaluate(GuardExchange exchange) {
                    return Decision.ALLOW;
                }
            })
            .build();
    final ClientCertificates forwarding = ClientCertificates.builder()
            .forwardedHeader("Client-Cert")
            .trustedProxies(TrustedProxies.of("10.0.0.0/8"))
            .forwardedTrustAnchors(List.of(pki.ca()))
            .build();

    static String header(IssuedCertificate c) throws Exception {
        return ":" + Base64.getEncoder().encodeToString(c.certificate().getEncoded()) + ":";
    }

    List<dev.apiguard.event.SecurityEvent> spoofed() {
        return events.events().stream()
                .filter(e -> e.type() == SecurityEventType.CERTIFICATE_SPOOFED)
                .toList();
    }

    CertificateResolution resolve(ClientCertificates cc, FakeRequest request) {
        return cc.resolve(guard.exchange(request));
    }

    @Test
    void withoutAnyCertificateTheAnswerIsNone() {
        assertThat(resolve(ClientCertificates.tlsOnly(), FakeRequest.get("/x"))).isSameAs(CertificateResolution.NONE);
        assertThat(resolve(forwarding, FakeRequest.get("/x"))).isSameAs(CertificateResolution.NONE);
        assertThat(resolve(forwarding, FakeRequest.get("/x").remoteAddress("10.0.0.1")))
                .isSameAs(CertificateResolution.NONE);
    }

    @Test
    void theTlsCertificateIsTakenWhenNoHeaderIsBelieved() throws Exception {
        assertThat(resolve(ClientCertificates.tlsOnly(), FakeRequest.get("/x").clientCertificate(alice)))
                .isEqualTo(new CertificateResolution.Resolved(
                        alice.certificate(), alice.thumbprint(), CertificateSource.TLS));
        assertThat(resolve(forwarding, FakeRequest.get("/x").clientCertificate(alice)))
                .isEqualTo(new CertificateResolution.Resolved(
                        alice.certificate(), alice.thumbprint(), CertificateSource.TLS));
        // a header from an untrusted peer is reported and ignored
        FakeRequest spoofed = FakeRequest.get("/x").remoteAddress("203.0.113.9").header("Client-Cert", header(bob));
        assertThat(resolve(forwarding, spoofed)).isSameAs(CertificateResolution.NONE);
        assertThat(resolve(forwarding, spoofed.clientCertificate(alice)))
                .isEqualTo(new CertificateResolution.Resolved(
                        alice.certificate(), alice.thumbprint(), CertificateSource.TLS));
        assertThat(spoofed())
                .hasSize(2)
                .allSatisfy(e -> assertThat(e.detail("header")).isEqualTo("Client-Cert"));
    }

    @Test
    void aForwardedCertificateFromATrustedProxyIsTakenAndMustMatchTheTlsOne() throws Exception {
        FakeRequest viaProxy = FakeRequest.get("/x").remoteAddress("10.0.0.1").header("Client-Cert", header(bob));
        assertThat(resolve(forwarding, viaProxy))
                .isEqualTo(new CertificateResolution.Resolved(
                        bob.certificate(), bob.thumbprint(), CertificateSource.FORWARDED));
        assertThat(resolve(forwarding, viaProxy.clientCertificate(bob)))
                .isEqualTo(
                        new CertificateResolution.Resolved(bob.certificate(), bob.thumbprint(), CertificateSource.TLS));
        assertThat(resolve(forwarding, viaProxy.clientCertificate(alice)))
                .isEqualTo(new CertificateResolution.Refused(CertificateRejection.TLS_AND_FORWARDED_DIFFER));
        assertThat(spoofed()).isEmpty();
    }

    @Test
    void onlyAForwardedHeaderFromAnUntrustedPeerIsReportedWithoutResolving() throws Exception {
        forwarding.reportUntrustedForwarding(
                guard.exchange(FakeRequest.get("/x").remoteAddress("10.0.0.1").header("Client-Cert", header(bob))));
        forwarding.reportUntrustedForwarding(
                guard.exchange(FakeRequest.get("/x").remoteAddress("203.0.113.9")));
        ClientCertificates.tlsOnly()
                .reportUntrustedForwarding(guard.exchange(
                        FakeRequest.get("/x").remoteAddress("203.0.113.9").header("Client-Cert", header(bob))));
        assertThat(spoofed()).isEmpty();
        forwarding.reportUntrustedForwarding(guard.exchange(
                FakeRequest.get("/x").remoteAddress("203.0.113.9").header("Client-Cert", header(bob))));
        assertThat(spoofed()).hasSize(1);
    }

    /** Forwarded certificates that are not a currently valid client certificate under the CA are refused. */
    @Test
    void aForwardedCaServerSelfSignedOrExpiredCertificateIsRefused() throws Exception {
        FakeRequest viaProxy = FakeRequest.get("/x").remoteAddress("10.0.0.1");
        CertificateResolution.Refused untrusted =
                new CertificateResolution.Refused(CertificateRejection.FORWARDED_UNTRUSTED_CHAIN);
        java.security.cert.X509Certificate ca = pki.ca();
        assertThat(resolve(
                        forwarding,
                        viaProxy.header(
                                "Client-Cert", ":" + Base64.getEncoder().encodeToString(ca.getEncoded()) + ":")))
                .isEqualTo(untrusted);
        assertThat(resolve(forwarding, viaProxy.header("Client-Cert", header(pki.server()))))
                .isEqualTo(untrusted);
        assertThat(resolve(forwarding, viaProxy.header("Client-Cert", header(pki.selfSigned("device")))))
                .isEqualTo(untrusted);
        assertThat(resolve(forwarding, viaProxy.header("Client-Cert", header(pki.expiredClient("old")))))
                .isEqualTo(untrusted);
    }

    /** A chain verified once is remembered, but never past the certificate's own end. */
    @Test
    void aRememberedVerificationEndsWithTheCertificate() throws Exception {
        IssuedCertificate shortLived =
                pki.clientValidUntil("short", clock.instant().plus(java.time.Duration.ofHours(1)));
        FakeRequest viaProxy =
                FakeRequest.get("/x").remoteAddress("10.0.0.1").header("Client-Cert", header(shortLived));
        assertThat(resolve(forwarding, viaProxy)).isInstanceOf(CertificateResolution.Resolved.class);
        assertThat(resolve(forwarding, viaProxy)).isInstanceOf(CertificateResolution.Resolved.class);
        clock.advance(java.time.Duration.ofHours(2));
        assertThat(resolve(forwarding, viaProxy))
                .isEqualTo(new CertificateResolution.Refused(CertificateRejection.FORWARDED_UNTRUSTED_CHAIN));
    }

    @Test
    void aPlaceholderFromATrustedProxyMeansNoForwardedCertificate() throws Exception {
        FakeRequest viaProxy = FakeRequest.get("/x").remoteAddress("10.0.0.1");
        for (String placeholder : List.of("", "-", "(null)")) {
            assertThat(resolve(forwarding, viaProxy.header("Client-Cert", placeholder)))
                    .as(placeholder)
                    .isSameAs(CertificateResolution.NONE);
            assertThat(resolve(
                            forwarding,
                            viaProxy.header("Client-Cert", placeholder).clientCertificate(alice)))
                    .isEqualTo(new CertificateResolution.Resolved(
                            alice.certificate(), alice.thumbprint(), CertificateSource.TLS));
        }
    }

    /** The bytes must be one DER certificate and nothing else: what follows it is not ignored. */
    @Test
    void aForwardedCertificateWithBytesAfterItIsNotACertificate() throws Exception {
        byte[] der = bob.certificate().getEncoded();
        byte[] trailing = java.util.Arrays.copyOf(der, der.length + 4);
        FakeRequest viaProxy = FakeRequest.get("/x")
                .remoteAddress("10.0.0.1")
                .header("Client-Cert", ":" + Base64.getEncoder().encodeToString(trailing) + ":");
        assertThat(resolve(forwarding, viaProxy))
                .isEqualTo(new CertificateResolution.Refused(CertificateRejection.FORWARDED_NOT_A_CERTIFICATE));
        assertThat(resolve(
                        forwarding,
                        FakeRequest.get("/x").remoteAddress("10.0.0.1").header("Client-Cert", "garbage")))
                .isInstanceOf(CertificateResolution.Refused.class);
    }

    /** RFC 5280 §4.2.1.3 and §4.2.1.12, as a TLS server's trust manager reads them for a client. */
    @Test
    void aForwardedCertificateMustAllowSigningAndClientAuthenticationWhenItSaysWhatItIsFor() throws Exception {
        FakeRequest viaProxy = FakeRequest.get("/x").remoteAddress("10.0.0.1");
        CertificateResolution.Refused untrusted =
                new CertificateResolution.Refused(CertificateRejection.FORWARDED_UNTRUSTED_CHAIN);
        String clientAuth = "1.3.6.1.5.5.7.3.2";
        String anyPurpose = "2.5.29.37.0";
        for (IssuedCertificate accepted : List.of(
                pki.clientWithUsages("no-extensions", List.of(), List.of()),
                pki.clientWithUsages("any-purpose", List.of("digitalSignature"), List.of(anyPurpose)),
                pki.clientWithUsages("sign-and-more", List.of("keyEncipherment", "digitalSignature"), List.of()),
                pki.clientWithUsages("several-purposes", List.of(), List.of("1.3.6.1.5.5.7.3.1", clientAuth)))) {
            assertThat(resolve(forwarding, viaProxy.header("Client-Cert", header(accepted))))
                    .as(accepted.certificate().getSubjectX500Principal().getName())
                    .isEqualTo(new CertificateResolution.Resolved(
                            accepted.certificate(), accepted.thumbprint(), CertificateSource.FORWARDED));
        }
        for (IssuedCertificate refused : List.of(
                pki.clientWithUsages("encipher-only", List.of("keyEncipherment", "keyAgreement"), List.of(clientAuth)),
                pki.clientWithUsages("server-only", List.of("digitalSignature"), List.of("1.3.6.1.5.5.7.3.1")),
                pki.clientWithUsages("code-signing", List.of(), List.of("1.3.6.1.5.5.7.3.3")))) {
            assertThat(resolve(forwarding, viaProxy.header("Client-Cert", header(refused))))
                    .as(refused.certificate().getSubjectX500Principal().getName())
                    .isEqualTo(untrusted);
        }
    }
}
