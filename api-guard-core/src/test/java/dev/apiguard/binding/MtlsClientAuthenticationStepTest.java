package dev.apiguard.binding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apiguard.ApiGuard;
import dev.apiguard.CredentialKind;
import dev.apiguard.LocalRevocations;
import dev.apiguard.TrustedProxies;
import dev.apiguard.event.SecurityEventType;
import dev.apiguard.fakes.FakeClient;
import dev.apiguard.fakes.FakeListener;
import dev.apiguard.fakes.FakeRequest;
import dev.apiguard.fakes.FakeResponse;
import dev.apiguard.scope.RouteAuthorizationStep;
import dev.apiguard.scope.RouteRules;
import dev.apiguard.test.fixtures.IssuedCertificate;
import dev.apiguard.test.fixtures.LocalIssuer;
import dev.apiguard.test.fixtures.MutableClock;
import dev.apiguard.test.fixtures.TestCertificates;
import dev.apiguard.token.AccessTokenStep;
import dev.apiguard.token.KeySource;
import dev.apiguard.token.TokenPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** mTLS client authentication (RFC 8705 §2): a registered certificate alone is a caller. */
class MtlsClientAuthenticationStepTest {

    final MutableClock clock = MutableClock.startingNow();
    final TestCertificates pki = TestCertificates.create(clock);
    final IssuedCertificate byDn = pki.client("batch-job");
    final IssuedCertificate byDns = pki.client("svc", "DNS:Svc.Partner.Example");
    final IssuedCertificate byUri = pki.client("workload", "URI:spiffe://partner.example/ns/a/sa/b");
    final IssuedCertificate byEmail = pki.client("ops", "EMAIL:ops@PARTNER.example");
    final IssuedCertificate selfSigned = pki.selfSigned("device-17");
    final LocalIssuer issuer = LocalIssuer.ec("https://issuer.example")
            .audience("https://api.example")
            .clock(clock);
    final FakeListener events = new FakeListener();
    final MtlsClientRegistry registry = MtlsClientRegistry.builder()
            .caCertificates(List.of(pki.ca()))
            .tlsClientAuthSubjectDn("dn-client", "cn = batch-job", Set.of("customers:read"))
            .tlsClientAuthSanDns("dns-client", "svc.partner.example", Set.of("customers:read", "payments:write"))
            .tlsClientAuthSanUri("uri-client", "spiffe://partner.example/ns/a/sa/b", Set.of("customers:read"))
            .tlsClientAuthSanEmail("email-client", "ops@partner.example", Set.of("customers:read"))
            .selfSignedTlsClientAuth("device-client", selfSigned.thumbprint(), Set.of("customers:read"))
            .build();
    final ClientCertificates certificates = ClientCertificates.builder()
            .trustedProxies(TrustedProxies.of("10.0.0.0/8"))
            .forwardedHeader("Client-Cert")
            .forwardedTrustAnchors(List.of(pki.ca()))
            .build();
    final FakeClient tester = FakeClient.of(ApiGuard.builder()
            .clock(clock)
            .listener(events)
            .step(AccessTokenStep.of(TokenPolicy.builder()
                    .issuer(issuer.issuer(), KeySource.fixed(issuer.publicJwks()))
                    .audience("https://api.example")
                    .build()))
            .step(MtlsClientAuthenticationStep.of(certificates, registry))
            .step(CertificateBindingStep.of(certificates))
            .step(RouteAuthorizationStep.of(RouteRules.builder()
                    .route("GET", "/customers")
                    .requireScopes("customers:read")
                    .route("POST", "/payments")
                    .senderConstrained()
                    .requireScopes("payments:write")
                    .build()))
            .build());

    @Test
    void registeredSubjectDnBecomesAnMtlsCallerWithItsScopes() {
        FakeResponse r = tester.send(FakeRequest.get("/customers").clientCertificate(byDn))
                .assertAllowed()
                .assertCaller("dn-client");
        assertThat(r.caller()).hasValueSatisfying(c -> {
            assertThat(c.kind()).isEqualTo(CredentialKind.MTLS);
            assertThat(c.scopes()).containsExactly("customers:read");
            assertThat(c.certificateThumbprint()).isEqualTo(byDn.thumbprint());
            assertThat(c.expiresAt()).isEqualTo(byDn.certificate().getNotAfter().toInstant());
        });
        assertThat(events.last(SecurityEventType.MTLS_CLIENT_ACCEPTED))
                .hasValueSatisfying(e -> assertThat(e.detail("method")).isEqualTo("tls_client_auth"));
    }

    @Test
    void aRevokedCertificateIsNoLongerAClientWhileOtherClientsAndItsTokensAreJudgedApart() {
        LocalRevocations revocations = LocalRevocations.of(Duration.ofHours(1));
        FakeClient guarded = FakeClient.of(ApiGuard.builder()
                .clock(clock)
                .listener(events)
                .step(MtlsClientAuthenticationStep.of(certificates, registry).withRevocations(revocations))
                .step(RouteAuthorizationStep.of(RouteRules.builder()
                        .route("GET", "/customers")
                        .requireScopes("customers:read")
                        .build()))
                .build());
        guarded.send(FakeRequest.get("/customers").clientCertificate(byDn)).assertCaller("dn-client");

        revocations.revokeCertificate(byDn.thumbprint(), clock.instant());

        FakeResponse refused = guarded.send(FakeRequest.get("/customers").clientCertificate(byDn))
                .assertStatus(401);
        assertThat(refused.caller()).isEmpty();
        assertThat(events.last(SecurityEventType.CREDENTIAL_REVOKED)).hasValueSatisfying(e -> {
            assertThat(e.details()).isEqualTo(Map.of("reason", "certificate"));
            assertThat(e.callerId()).isEqualTo("dn-client");
        });
        guarded.send(FakeRequest.get("/customers").clientCertificate(byDns)).assertCaller("dns-client");

        clock.advance(Duration.ofHours(1)); // the entry lapses: the certificate is a client again
        guarded.send(FakeRequest.get("/customers").clientCertificate(byDn)).assertCaller("dn-client");
    }

    @Test
    void subjectAlternativeNamesMatch() {
        tester.send(FakeRequest.get("/customers").clientCertificate(byDns)).assertCaller("dns-client");
        tester.send(FakeRequest.get("/customers").clientCertificate(byUri)).assertCaller("uri-client");
        tester.send(FakeRequest.get("/customers").clientCertificate(byEmail)).assertCaller("email-client");
    }

    @Test
    void mtlsCallerIsSenderConstrained() {
        tester.send(FakeRequest.post("/payments").clientCertificate(byDns))
                .assertAllowed()
                .assertCaller("dns-client");
        tester.send(FakeRequest.post("/payments").clientCertificate(byDn))
                .assertStatus(403)
                .assertChallenge("Bearer error=\"insufficient_scope\", scope=\"payments:write\"");
    }

    @Test
    void selfSignedCertificateMatchesByThumbprint() {
        tester.send(FakeRequest.get("/customers").clientCertificate(selfSigned)).assertCaller("device-client");
        assertThat(events.last(SecurityEventType.MTLS_CLIENT_ACCEPTED))
                .hasValueSatisfying(e -> assertThat(e.detail("method")).isEqualTo("self_signed_tls_client_auth"));
        IssuedCertificate sameName = pki.selfSigned("device-17");
        tester.send(FakeRequest.get("/customers").clientCertificate(sameName)).assertStatus(401);
    }

    @Test
    void certificateWithARegisteredNameFromAnotherCaIsNotTheClient() {
        IssuedCertificate foreign = TestCertificates.create(clock).client("batch-job");
        IssuedCertificate selfSignedImpostor = pki.selfSigned("batch-job");
        for (IssuedCertificate c : List.of(foreign, selfSignedImpostor)) {
            tester.send(FakeRequest.get("/customers").clientCertificate(c))
                    .assertStatus(401)
                    .assertChallenge("Bearer");
            assertThat(events.last(SecurityEventType.MTLS_CLIENT_UNMATCHED))
                    .hasValueSatisfying(e -> assertThat(e.detail("reason")).isEqualTo("untrusted_chain"));
        }
    }

    @Test
    void unknownCertificateAuthenticatesNobody() {
        tester.send(FakeRequest.get("/customers").clientCertificate(pki.client("stranger")))
                .assertStatus(401)
                .assertChallenge("Bearer");
        assertThat(events.last(SecurityEventType.MTLS_CLIENT_UNMATCHED))
                .hasValueSatisfying(e -> assertThat(e.detail("reason")).isEqualTo("unknown_certificate"));
        tester.send(FakeRequest.get("/customers")).assertStatus(401);
    }

    @Test
    void certificateMatchingTwoClientsMatchesNone() {
        IssuedCertificate both = pki.client("batch-job", "DNS:svc.partner.example");
        tester.send(FakeRequest.get("/customers").clientCertificate(both)).assertStatus(401);
        assertThat(events.last(SecurityEventType.MTLS_CLIENT_UNMATCHED))
                .hasValueSatisfying(e -> assertThat(e.detail("reason")).isEqualTo("ambiguous_certificate"));
    }

    @Test
    void tokenCallerIsNeverReplacedByTheCertificate() {
        String token =
                issuer.token().clientId("token-client").scope("customers:read").sign();
        FakeResponse r = tester.send(FakeRequest.get("/customers").bearer(token).clientCertificate(byDns))
                .assertCaller("token-client");
        assertThat(r.caller()).hasValueSatisfying(c -> assertThat(c.kind()).isEqualTo(CredentialKind.BEARER_JWT));
    }

    @Test
    void forwardedCertificateFromATrustedProxyAuthenticatesToo() throws Exception {
        String header = ":"
                + java.util.Base64.getEncoder()
                        .encodeToString(byDn.certificate().getEncoded()) + ":";
        tester.send(FakeRequest.get("/customers").remoteAddress("10.0.0.5").header("Client-Cert", header))
                .assertCaller("dn-client");
        tester.send(FakeRequest.get("/customers").remoteAddress("198.51.100.7").header("Client-Cert", header))
                .assertStatus(401);
        assertThat(events.types()).contains(SecurityEventType.CERTIFICATE_SPOOFED);
    }

    @Test
    void oneRegisteredNameAmongOthersMatchesAndOnlyTheRegisteredMailboxDoes() {
        IssuedCertificate manyNames = pki.client(
                "svc-2", "URI:spiffe://elsewhere.example/x", "DNS:svc.partner.example", "EMAIL:nobody@partner.example");
        assertThat(registry.lookup(manyNames.certificate(), manyNames.thumbprint(), clock.instant())
                        .registration()
                        .clientId())
                .isEqualTo("dns-client");
        for (IssuedCertificate other : List.of(
                pki.client("ops-2", "EMAIL:other@partner.example"),
                pki.client("ops-3", "EMAIL:ops@partner.example.evil"),
                pki.client("ops-4", "EMAIL:OPS@partner.example"),
                pki.client("ops-5", "DNS:ops.partner.example"),
                pki.client("ops-6", "EMAIL:ops"))) {
            assertThat(registry.lookup(other.certificate(), other.thumbprint(), clock.instant()))
                    .isEqualTo(new MtlsClientRegistry.Lookup(null, MtlsClientRegistry.Unmatched.UNKNOWN_CERTIFICATE));
        }
    }

    @Test
    void anMtlsClientsCertificateNearItsEndRaisesAnEvent() {
        IssuedCertificate soon =
                pki.clientValidUntil("batch-job", clock.instant().plus(java.time.Duration.ofDays(3)));
        tester.send(FakeRequest.get("/customers").clientCertificate(soon))
                .assertAllowed()
                .assertCaller("dn-client");
        assertThat(events.last(SecurityEventType.CERTIFICATE_EXPIRING))
                .hasValueSatisfying(e -> assertThat(e.detail("thumbprint")).isEqualTo(soon.thumbprint()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"CN=batch-job", "cn=batch-job", "CN = batch-job", "2.5.4.3=batch-job"})
    void subjectDnComparesInCanonicalForm(String dn) {
        MtlsClientRegistry r = MtlsClientRegistry.builder()
                .caCertificates(List.of(pki.ca()))
                .tlsClientAuthSubjectDn("x", dn, Set.of())
                .build();
        assertThat(r.lookup(byDn.certificate(), byDn.thumbprint(), clock.instant())
                        .registration())
                .isNotNull();
        assertThat(r.lookup(pki.client("batch-job2").certificate(), "t", clock.instant())
                        .registration())
                .isNull();
    }

    @Test
    void registryRefusesUnsafeConfiguration() {
        assertThatThrownBy(() -> MtlsClientRegistry.builder()
                        .tlsClientAuthSubjectDn("x", "CN=x", Set.of())
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("caCertificates");
        assertThatThrownBy(() -> MtlsClientRegistry.builder()
                        .tlsClientAuthSanDns("x", "a", Set.of())
                        .tlsClientAuthSanUri("x", "u", Set.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("clientId is registered twice");
        assertThatThrownBy(() -> MtlsClientRegistry.builder()
                        .tlsClientAuthSanDns("x", "a", Set.of())
                        .tlsClientAuthSanDns("y", "A", Set.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dnsName");
        assertThatThrownBy(() -> MtlsClientRegistry.builder().selfSignedTlsClientAuth("x", "abcd", Set.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("x5tS256");
        assertThatThrownBy(() -> MtlsClientRegistry.builder().tlsClientAuthSubjectDn("x", "not a dn", Set.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("subjectDn");
    }
}
