package dev.apiguard.binding;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.ApiGuard;
import dev.apiguard.CredentialKind;
import dev.apiguard.TrustedProxies;
import dev.apiguard.event.SecurityEvent;
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
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Certificate-bound tokens (RFC 8705 §3) and where their certificate comes from, through the whole
 * guard: docs/security-cases.md C1 to C6 with real certificates made by the test kit.
 */
class CertificateBindingStepTest {

    static final String INVALID = "Bearer error=\"invalid_token\"";
    static final String HEADER = "X-Forwarded-Client-Cert";
    static final String PROXY = "10.1.2.3";
    static final String STRANGER = "203.0.113.9";

    final MutableClock clock = MutableClock.startingNow();
    final TestCertificates pki = TestCertificates.create(clock);
    final IssuedCertificate a = pki.client("partner-a");
    final IssuedCertificate b = pki.client("partner-b");
    final LocalIssuer issuer = LocalIssuer.ec("https://issuer.example")
            .audience("https://api.example")
            .clock(clock);
    final FakeListener events = new FakeListener();
    final FakeClient tester = FakeClient.of(guard(ClientCertificates.builder()
            .trustedProxies(TrustedProxies.of("10.0.0.0/8"))
            .forwardedHeader(HEADER)
            .forwardedTrustAnchors(List.of(pki.ca()))
            .build()));

    ApiGuard guard(ClientCertificates certificates) {
        return ApiGuard.builder()
                .clock(clock)
                .listener(events)
                .step(AccessTokenStep.of(TokenPolicy.builder()
                        .issuer(issuer.issuer(), KeySource.fixed(issuer.publicJwks()))
                        .audience("https://api.example")
                        .build()))
                .step(CertificateBindingStep.of(certificates))
                .step(RouteAuthorizationStep.of(RouteRules.builder()
                        .route("GET", "/health")
                        .permitAll()
                        .route("GET", "/customers")
                        .requireScopes("customers:read")
                        .route("POST", "/payments")
                        .senderConstrained()
                        .requireScopes("payments:write")
                        .build()))
                .build();
    }

    String boundTo(IssuedCertificate certificate) {
        return issuer.token()
                .clientId("partner")
                .scope("customers:read payments:write")
                .boundToCertificate(certificate.certificate())
                .sign();
    }

    static FakeRequest pay(String token) {
        return FakeRequest.post("/payments").bearer(token);
    }

    static String escapedPem(IssuedCertificate c) {
        return c.certificatePem().replace("\n", "%0A").replace(" ", "%20");
    }

    static String xfcc(IssuedCertificate c) {
        return "By=spiffe://cluster.local/ns/edge/sa/proxy;Cert=\"" + escapedPem(c) + "\"";
    }

    static String rfc9440(IssuedCertificate c) throws Exception {
        return ":" + Base64.getEncoder().encodeToString(c.certificate().getEncoded()) + ":";
    }

    // ---- C1 -------------------------------------------------------------------------------------

    @Test
    void tokenBoundToACertificateIsAcceptedOnlyWithThatCertificate() {
        String token = boundTo(a);
        FakeResponse ok =
                tester.send(pay(token).clientCertificate(a)).assertAllowed().assertCaller("partner");
        assertThat(ok.caller()).hasValueSatisfying(c -> {
            assertThat(c.kind()).isEqualTo(CredentialKind.MTLS_BOUND_JWT);
            assertThat(c.certificateThumbprint()).isEqualTo(a.thumbprint());
        });

        tester.send(pay(token).clientCertificate(b))
                .assertStatus(401)
                .assertChallenge(INVALID)
                .assertNoEcho(token);
        assertThat(events.last(SecurityEventType.CERTIFICATE_BINDING_FAILED))
                .hasValueSatisfying(e -> assertThat(e.detail("reason")).isEqualTo("thumbprint_mismatch"));

        tester.send(pay(token)).assertStatus(401).assertChallenge(INVALID);
        assertThat(events.last(SecurityEventType.CERTIFICATE_BINDING_FAILED))
                .hasValueSatisfying(e -> assertThat(e.detail("reason")).isEqualTo("no_certificate"));
    }

    @Test
    void boundTokenIsCheckedOnEveryRouteNotOnlyOnSenderConstrainedOnes() {
        String token = boundTo(a);
        tester.send(FakeRequest.get("/customers").bearer(token).clientCertificate(a))
                .assertAllowed();
        tester.send(FakeRequest.get("/customers").bearer(token).clientCertificate(b))
                .assertStatus(401);
    }

    // ---- C2 -------------------------------------------------------------------------------------

    static Stream<Arguments> wrongEncodings() {
        Function<byte[], String> b64 = d -> Base64.getEncoder().encodeToString(d);
        return Stream.of(
                Arguments.of(
                        "hex", (Function<byte[], String>) d -> HexFormat.of().formatHex(sha256(d))),
                Arguments.of("upper-case hex", (Function<byte[], String>)
                        d -> HexFormat.of().withUpperCase().formatHex(sha256(d))),
                Arguments.of("padded base64url", (Function<byte[], String>)
                        d -> Base64.getUrlEncoder().encodeToString(sha256(d))),
                Arguments.of("standard base64, padded", (Function<byte[], String>) d -> b64.apply(sha256(d))),
                Arguments.of("SHA-1 x5t", (Function<byte[], String>)
                        d -> Base64.getUrlEncoder().withoutPadding().encodeToString(sha1(d))),
                Arguments.of("base64url of the DER itself", (Function<byte[], String>)
                        d -> Base64.getUrlEncoder().withoutPadding().encodeToString(d)),
                Arguments.of("thumbprint with a trailing space", (Function<byte[], String>)
                        d -> Base64.getUrlEncoder().withoutPadding().encodeToString(sha256(d)) + " "),
                Arguments.of("empty", (Function<byte[], String>) d -> ""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("wrongEncodings")
    void thumbprintInAnotherEncodingNeverMatches(String name, Function<byte[], String> encoding) throws Exception {
        String token = issuer.token()
                .scope("payments:write")
                .claim("cnf", Map.of("x5t#S256", encoding.apply(a.certificate().getEncoded())))
                .sign();
        tester.send(pay(token).clientCertificate(a)).assertStatus(401).assertChallenge(INVALID);
    }

    @Test
    void theRightEncodingIsUnpaddedBase64UrlOfSha256OfTheDer() throws Exception {
        String right = Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(sha256(a.certificate().getEncoded()));
        String token = issuer.token()
                .scope("payments:write")
                .claim("cnf", Map.of("x5t#S256", right))
                .sign();
        tester.send(pay(token).clientCertificate(a)).assertAllowed();
    }

    // ---- C3 -------------------------------------------------------------------------------------

    @Test
    void plainBearerTokenIsRefusedOnASenderConstrainedRouteEvenWithACertificate() {
        String plain = issuer.token().scope("payments:write customers:read").sign();
        tester.send(pay(plain).clientCertificate(a)).assertStatus(401).assertChallenge(INVALID);
        FakeResponse read = tester.send(
                        FakeRequest.get("/customers").bearer(plain).clientCertificate(a))
                .assertAllowed();
        assertThat(read.caller()).hasValueSatisfying(c -> assertThat(c.kind()).isEqualTo(CredentialKind.BEARER_JWT));
    }

    @Test
    void requestWithoutCallerPassesTheStep() {
        tester.send(FakeRequest.get("/health").header(HEADER, xfcc(a)).remoteAddress(STRANGER))
                .assertAllowed();
        tester.send(FakeRequest.get("/customers").clientCertificate(a))
                .assertStatus(401)
                .assertChallenge("Bearer");
    }

    // ---- C4 -------------------------------------------------------------------------------------

    static Stream<Arguments> formats() {
        return Stream.of(
                Arguments.of("Envoy XFCC", (CertificateHeader) CertificateBindingStepTest::xfcc),
                Arguments.of("RFC 9440", (CertificateHeader) CertificateBindingStepTest::rfc9440),
                Arguments.of("nginx escaped PEM", (CertificateHeader) CertificateBindingStepTest::escapedPem));
    }

    @FunctionalInterface
    interface CertificateHeader {
        String of(IssuedCertificate c) throws Exception;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("formats")
    void forwardedCertificateFromAnUntrustedPeerIsIgnoredAndRecorded(String name, CertificateHeader format)
            throws Exception {
        String token = boundTo(a);
        tester.send(pay(token).remoteAddress(STRANGER).header(HEADER, format.of(a)))
                .assertStatus(401)
                .assertChallenge(INVALID);
        SecurityEvent spoof = events.last(SecurityEventType.CERTIFICATE_SPOOFED).orElseThrow();
        assertThat(spoof.remoteAddress()).isEqualTo(STRANGER);
        assertThat(spoof.detail("header")).isEqualTo(HEADER);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("formats")
    void forwardedCertificateFromATrustedProxyBindsTheToken(String name, CertificateHeader format) throws Exception {
        String token = boundTo(a);
        FakeResponse r = tester.send(pay(token).remoteAddress(PROXY).header(HEADER, format.of(a)))
                .assertAllowed();
        assertThat(r.caller())
                .hasValueSatisfying(c -> assertThat(c.certificateThumbprint()).isEqualTo(a.thumbprint()));
        tester.send(pay(token).remoteAddress(PROXY).header(HEADER, format.of(b)))
                .assertStatus(401);
    }

    @Test
    void untrustedPeerKeepsItsTlsCertificateAndTheForgedHeaderChangesNothing() {
        tester.send(pay(boundTo(a)).clientCertificate(a).remoteAddress(STRANGER).header(HEADER, xfcc(b)))
                .assertAllowed();
        tester.send(pay(boundTo(b)).clientCertificate(a).remoteAddress(STRANGER).header(HEADER, xfcc(b)))
                .assertStatus(401);
        assertThat(events.types()).contains(SecurityEventType.CERTIFICATE_SPOOFED);
    }

    @Test
    void spoofAttemptIsRecordedForAPlainBearerCallerToo() {
        String plain = issuer.token().scope("customers:read").sign();
        tester.send(FakeRequest.get("/customers")
                        .bearer(plain)
                        .remoteAddress(STRANGER)
                        .header(HEADER, xfcc(a)))
                .assertAllowed();
        assertThat(events.types()).containsOnlyOnce(SecurityEventType.CERTIFICATE_SPOOFED);
    }

    @Test
    void xfccElementWithHashAloneBindsNothing() throws Exception {
        String hash = HexFormat.of().formatHex(sha256(a.certificate().getEncoded()));
        tester.send(pay(boundTo(a)).remoteAddress(PROXY).header(HEADER, "By=spiffe://x;Hash=" + hash))
                .assertStatus(401);
    }

    @Test
    void xfccTakesTheLastElementTheTrustedHopAppended() {
        // the client put partner-a's certificate in its own element; the proxy saw partner-b
        String header = xfcc(a) + "," + xfcc(b);
        tester.send(pay(boundTo(a)).remoteAddress(PROXY).header(HEADER, header)).assertStatus(401);
        tester.send(pay(boundTo(b)).remoteAddress(PROXY).header(HEADER, header)).assertAllowed();
    }

    @Test
    void forwardedCertificateNotChainingToTheCaIsRefused() {
        TestCertificates otherPki = TestCertificates.create(clock);
        IssuedCertificate foreign = otherPki.client("partner-a");
        IssuedCertificate selfSigned = pki.selfSigned("partner-a");
        for (IssuedCertificate c : List.of(foreign, selfSigned)) {
            tester.send(pay(boundTo(c)).remoteAddress(PROXY).header(HEADER, xfcc(c)))
                    .assertStatus(401)
                    .assertChallenge(INVALID);
            assertThat(events.last(SecurityEventType.CERTIFICATE_REJECTED))
                    .hasValueSatisfying(e -> assertThat(e.detail("reason")).isEqualTo("forwarded_untrusted_chain"));
        }
        // a refused certificate is reported as refused, not as a missing one
        assertThat(events.types()).doesNotContain(SecurityEventType.CERTIFICATE_BINDING_FAILED);
    }

    /**
     * The CA certificate itself, forwarded as the client's (PKIX accepts a trust anchor as a path
     * of length zero): refused, a client certificate is an end-entity certificate.
     */
    @Test
    void forwardedCaCertificateIsNotAClientCertificate() throws Exception {
        String token = issuer.token()
                .clientId("partner")
                .scope("payments:write")
                .boundToCertificate(pki.ca())
                .sign();
        String header = ":" + Base64.getEncoder().encodeToString(pki.ca().getEncoded()) + ":";
        FakeClient rfc9440 = FakeClient.of(guard(ClientCertificates.builder()
                .trustedProxies(TrustedProxies.of(PROXY))
                .forwardedHeader("Client-Cert")
                .forwardedTrustAnchors(List.of(pki.ca()))
                .build()));

        rfc9440.send(pay(token).remoteAddress(PROXY).header("Client-Cert", header))
                .assertStatus(401)
                .assertChallenge(INVALID);
        assertThat(events.last(SecurityEventType.CERTIFICATE_REJECTED))
                .hasValueSatisfying(e -> assertThat(e.detail("reason")).isEqualTo("forwarded_untrusted_chain"));
        // a client certificate of the same CA through the same guard is accepted
        rfc9440.send(pay(boundTo(a)).remoteAddress(PROXY).header("Client-Cert", rfc9440(a)))
                .assertAllowed();
    }

    @Test
    void forwardedCertificateIsCheckedForValidityAtTheGuardsTime() {
        IssuedCertificate expired = pki.expiredClient("partner-old");
        tester.send(pay(boundTo(expired)).remoteAddress(PROXY).header(HEADER, xfcc(expired)))
                .assertStatus(401);

        IssuedCertificate shortLived =
                pki.clientValidUntil("partner-short", clock.instant().plus(Duration.ofDays(2)));
        String token = boundTo(shortLived);
        tester.send(pay(token).remoteAddress(PROXY).header(HEADER, xfcc(shortLived)))
                .assertAllowed();
        clock.advance(Duration.ofDays(3));
        String fresh = boundTo(shortLived);
        tester.send(pay(fresh).remoteAddress(PROXY).header(HEADER, xfcc(shortLived)))
                .assertStatus(401);
    }

    @Test
    void tlsAndForwardedCertificatesThatDifferAreRefused() {
        tester.send(pay(boundTo(a)).clientCertificate(a).remoteAddress(PROXY).header(HEADER, xfcc(b)))
                .assertStatus(401)
                .assertChallenge(INVALID);
        assertThat(events.last(SecurityEventType.CERTIFICATE_REJECTED))
                .hasValueSatisfying(e -> assertThat(e.detail("reason")).isEqualTo("tls_and_forwarded_differ"));
        tester.send(pay(boundTo(a)).clientCertificate(a).remoteAddress(PROXY).header(HEADER, xfcc(a)))
                .assertAllowed();
    }

    @Test
    void twoForwardedFieldLinesAreRefused() {
        tester.send(pay(boundTo(a)).remoteAddress(PROXY).header(HEADER, xfcc(a)).header(HEADER, xfcc(a)))
                .assertStatus(401);
    }

    // ---- C5 -------------------------------------------------------------------------------------

    @Test
    void nginxEscapedPemKeepsPlusAsPlus() {
        IssuedCertificate withPlus = a;
        while (!withPlus.certificatePem().contains("+")) {
            withPlus = pki.client("partner-a");
        }
        String token = boundTo(withPlus);
        String escaped = escapedPem(withPlus);
        tester.send(pay(token).remoteAddress(PROXY).header(HEADER, escaped)).assertAllowed();
        tester.send(pay(token).remoteAddress(PROXY).header(HEADER, escaped.replace("+", "%2B")))
                .assertAllowed();
        // a form decoder would have turned '+' into a space: that is not the certificate
        tester.send(pay(token).remoteAddress(PROXY).header(HEADER, escaped.replace("+", "%20")))
                .assertStatus(401);
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"", "-", "(null)"})
    void nginxPlaceholdersMeanNoCertificate(String value) {
        tester.send(pay(boundTo(a)).remoteAddress(PROXY).header(HEADER, value)).assertStatus(401);
        assertThat(events.last(SecurityEventType.CERTIFICATE_BINDING_FAILED))
                .hasValueSatisfying(e -> assertThat(e.detail("reason")).isEqualTo("no_certificate"));
        // and the TLS certificate, when there is one, still counts
        tester.send(pay(boundTo(a)).clientCertificate(a).remoteAddress(PROXY).header(HEADER, value))
                .assertAllowed();
    }

    // ---- C6 -------------------------------------------------------------------------------------

    @Test
    void headerOverSixteenKibibytesIsRefused() {
        String oversized = xfcc(a) + ";By=" + "x".repeat(16 * 1024);
        tester.send(pay(boundTo(a)).remoteAddress(PROXY).header(HEADER, oversized))
                .assertStatus(401)
                .assertChallenge(INVALID);
        assertThat(events.last(SecurityEventType.CERTIFICATE_REJECTED))
                .hasValueSatisfying(e -> assertThat(e.detail("reason")).isEqualTo("forwarded_oversized"));
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(
            strings = {
                "Cert=\"unterminated",
                "garbage",
                ":bm90IGEgY2VydGlmaWNhdGU=:",
                ":!!:",
                "-----BEGIN%20CERTIFICATE-----%0AAAAA%0A-----END%20CERTIFICATE-----"
            })
    void malformedHeaderFromATrustedProxyIsRefused(String value) {
        tester.send(pay(boundTo(a)).clientCertificate(a).remoteAddress(PROXY).header(HEADER, value))
                .assertStatus(401);
        assertThat(events.types()).contains(SecurityEventType.CERTIFICATE_REJECTED);
    }

    // ---- expiry ---------------------------------------------------------------------------------

    @Test
    void certificateNearExpiryRaisesAnEventAtMostOnceADay() {
        IssuedCertificate soon =
                pki.clientValidUntil("partner-soon", clock.instant().plus(Duration.ofDays(10)));
        tester.send(pay(boundTo(soon)).clientCertificate(soon)).assertAllowed();
        tester.send(pay(boundTo(soon)).clientCertificate(soon)).assertAllowed();
        assertThat(events.types()).containsOnlyOnce(SecurityEventType.CERTIFICATE_EXPIRING);
        assertThat(events.last(SecurityEventType.CERTIFICATE_EXPIRING))
                .hasValueSatisfying(e -> assertThat(e.detail("thumbprint")).isEqualTo(soon.thumbprint()));
        clock.advance(Duration.ofHours(23));
        tester.send(pay(boundTo(soon)).clientCertificate(soon)).assertAllowed();
        assertThat(events.types()).containsOnlyOnce(SecurityEventType.CERTIFICATE_EXPIRING);
        clock.advance(Duration.ofHours(1));
        tester.send(pay(boundTo(soon)).clientCertificate(soon)).assertAllowed();
        assertThat(events.types().stream().filter(SecurityEventType.CERTIFICATE_EXPIRING::equals))
                .hasSize(2);

        events.clear();
        tester.send(pay(boundTo(a)).clientCertificate(a)).assertAllowed(); // 30 days left
        assertThat(events.types()).doesNotContain(SecurityEventType.CERTIFICATE_EXPIRING);
    }

    @Test
    void expiryWindowIsConfigurable() {
        CertificateBindingStep step = CertificateBindingStep.builder(ClientCertificates.tlsOnly())
                .expiryWarning(Duration.ofDays(45))
                .build();
        FakeClient wide = FakeClient.of(ApiGuard.builder()
                .clock(clock)
                .listener(events)
                .step(AccessTokenStep.of(TokenPolicy.builder()
                        .issuer(issuer.issuer(), KeySource.fixed(issuer.publicJwks()))
                        .audience("https://api.example")
                        .build()))
                .step(step)
                .build());
        wide.send(pay(boundTo(a)).clientCertificate(a)).assertAllowed();
        assertThat(events.types()).contains(SecurityEventType.CERTIFICATE_EXPIRING);
    }

    // ---- configuration --------------------------------------------------------------------------

    @Test
    void tlsOnlySourcesIgnoreEveryHeader() {
        FakeClient tlsOnly = FakeClient.of(guard(ClientCertificates.tlsOnly()));
        tlsOnly.send(pay(boundTo(a)).remoteAddress(PROXY).header(HEADER, xfcc(a)))
                .assertStatus(401);
        tlsOnly.send(pay(boundTo(a)).clientCertificate(a)).assertAllowed();
    }

    @Test
    void forwardedHeaderNeedsTrustedProxiesAndTrustAnchors() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ClientCertificates.builder()
                        .forwardedHeader(HEADER)
                        .forwardedTrustAnchors(List.of(pki.ca()))
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("trustedProxies");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ClientCertificates.builder()
                        .forwardedHeader(HEADER)
                        .trustedProxies(TrustedProxies.of("10.0.0.1"))
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("forwardedTrustAnchors");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> ClientCertificates.builder().forwardedHeader("X Bad"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("forwardedHeader");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> ClientCertificates.builder().maxHeaderLength(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxHeaderLength");
    }

    @Test
    void trustAnchorsMayComeFromAKeyStore() throws Exception {
        java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setCertificateEntry("ca", pki.ca());
        FakeClient fromStore = FakeClient.of(guard(ClientCertificates.builder()
                .trustedProxies(TrustedProxies.of(PROXY))
                .forwardedHeader("Client-Cert")
                .forwardedTrustAnchors(store)
                .build()));
        fromStore
                .send(pay(boundTo(a)).remoteAddress(PROXY).header("client-cert", rfc9440(a)))
                .assertAllowed();
    }

    static byte[] sha256(byte[] d) {
        return digest("SHA-256", d);
    }

    static byte[] sha1(byte[] d) {
        return digest("SHA-1", d);
    }

    private static byte[] digest(String alg, byte[] d) {
        try {
            return MessageDigest.getInstance(alg).digest(d);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
