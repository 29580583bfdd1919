package dev.apiguard.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.SignedJWT;
import dev.apiguard.ApiGuard;
import dev.apiguard.Caller;
import dev.apiguard.CredentialKind;
import dev.apiguard.LocalReplayCache;
import dev.apiguard.LocalRevocations;
import dev.apiguard.binding.CertificateBindingStep;
import dev.apiguard.binding.ClientCertificates;
import dev.apiguard.binding.DpopPolicy;
import dev.apiguard.binding.DpopStep;
import dev.apiguard.event.SecurityEvent;
import dev.apiguard.event.SecurityEventType;
import dev.apiguard.fakes.FakeClient;
import dev.apiguard.fakes.FakeListener;
import dev.apiguard.fakes.FakeRequest;
import dev.apiguard.fakes.FakeResponse;
import dev.apiguard.ratelimit.AnonymousRateLimitStep;
import dev.apiguard.ratelimit.RateLimitPlan;
import dev.apiguard.ratelimit.RateLimitPolicy;
import dev.apiguard.test.fixtures.DpopKey;
import dev.apiguard.test.fixtures.IssuedCertificate;
import dev.apiguard.test.fixtures.MutableClock;
import dev.apiguard.test.fixtures.TestCertificates;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Opaque access tokens checked at a real RFC 7662 introspection endpoint on loopback, through the
 * token step: caching by the injected clock, outages, the call cap, client authentication, the
 * {@code cnf} of an answer, and JWT side by side.
 */
class IntrospectionTest {

    static final String ISSUER = "https://issuer.example";
    static final String AUDIENCE = "https://api.example";
    static final Instant NOW = Instant.parse("2030-03-01T12:00:00Z");

    final MutableClock clock = MutableClock.at(NOW);
    final FakeListener events = new FakeListener();
    final IntrospectionServer server;

    IntrospectionTest() throws Exception {
        server = new IntrospectionServer();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    IntrospectionPolicy.Builder policy() {
        return IntrospectionPolicy.builder(ISSUER, server.endpoint())
                .clientSecretBasic("api-guard", "s3cret")
                .audiences(AUDIENCE);
    }

    FakeClient tester(IntrospectionPolicy policy) {
        return FakeClient.of(ApiGuard.builder()
                .clock(clock)
                .listener(events)
                .step(AccessTokenStep.builder().introspection(policy).build())
                .build());
    }

    FakeClient tester() {
        return tester(policy().build());
    }

    Map<String, Object> claims(String clientId, Duration expiresIn) {
        return Map.of(
                "client_id",
                clientId,
                "scope",
                "customers:read payments:write",
                "iss",
                ISSUER,
                "aud",
                AUDIENCE,
                "exp",
                clock.instant().plus(expiresIn).getEpochSecond(),
                "iat",
                clock.instant().getEpochSecond(),
                "jti",
                "jti-" + clientId,
                "tenant",
                "acme");
    }

    static String opaque(String name) {
        return "op_" + name + "_Zm9vYmFyYmF6cXV4";
    }

    String reason() {
        return events.last(SecurityEventType.TOKEN_REJECTED)
                .map(e -> e.detail("reason"))
                .orElse(null);
    }

    // ---- active answers and the cache -----------------------------------------------------------

    @Test
    void activeAnswerAuthenticatesTheCallerAndIsAskedOnceForManyRequests() {
        String token = opaque("a");
        server.active(token, claims("partner-a", Duration.ofMinutes(30)));
        FakeClient tester = tester();

        for (int i = 0; i < 20; i++) {
            tester.send(FakeRequest.get().bearer(token)).assertAllowed().assertCaller("partner-a");
        }

        assertThat(server.callCount()).isEqualTo(1);
        Caller caller = tester.send(FakeRequest.get().bearer(token)).caller().orElseThrow();
        assertThat(caller.kind()).isEqualTo(CredentialKind.BEARER_JWT);
        assertThat(caller.issuer()).isEqualTo(ISSUER);
        assertThat(caller.scopes()).containsExactlyInAnyOrder("customers:read", "payments:write");
        assertThat(caller.tokenId()).isEqualTo("jti-partner-a");
        assertThat(caller.expiresAt()).isEqualTo(NOW.plus(Duration.ofMinutes(30)));
        assertThat(caller.claims().asMap()).containsEntry("tenant", "acme").doesNotContainKey("active");
        IntrospectionServer.Call call = server.calls.get(0);
        assertThat(call.form()).containsEntry("token", token).containsEntry("token_type_hint", "access_token");
        assertThat(events.types()).contains(SecurityEventType.TOKEN_ACCEPTED);
    }

    @Test
    void activeAnswerIsUsedForCacheForWhenItsExpIsLater() {
        String token = opaque("b");
        server.active(token, claims("partner-b", Duration.ofHours(1)));
        FakeClient tester = tester(policy().cacheFor(Duration.ofSeconds(60)).build());

        tester.send(FakeRequest.get().bearer(token)).assertAllowed();
        clock.advance(Duration.ofSeconds(59));
        tester.send(FakeRequest.get().bearer(token)).assertAllowed();
        assertThat(server.callCount()).isEqualTo(1);

        clock.advance(Duration.ofSeconds(2));
        tester.send(FakeRequest.get().bearer(token)).assertAllowed();
        assertThat(server.callCount()).isEqualTo(2);
    }

    @Test
    void activeAnswerIsNeverUsedBeyondItsExp() {
        String token = opaque("c");
        server.active(token, claims("partner-c", Duration.ofSeconds(10)));
        FakeClient tester = tester(policy().cacheFor(Duration.ofSeconds(60)).build());

        tester.send(FakeRequest.get().bearer(token)).assertAllowed();
        clock.advance(Duration.ofSeconds(9));
        tester.send(FakeRequest.get().bearer(token)).assertAllowed();
        clock.advance(Duration.ofSeconds(1));

        // at exp: the cached answer is gone, and the server's stale "active" is not believed
        tester.send(FakeRequest.get().bearer(token)).assertStatus(401);
        assertThat(reason()).isEqualTo("expired");
        assertThat(server.callCount()).isEqualTo(2);
    }

    @Test
    void inactiveAnswerIsRefusedAndKeptBrieflyForItsDigestOnly() {
        FakeClient tester =
                tester(policy().inactiveCacheFor(Duration.ofSeconds(5)).build());

        FakeResponse refused = tester.send(FakeRequest.get().bearer(opaque("junk")));
        refused.assertStatus(401).assertChallenge("Bearer error=\"invalid_token\"");
        assertThat(reason()).isEqualTo("inactive");
        tester.send(FakeRequest.get().bearer(opaque("junk"))).assertStatus(401);
        assertThat(server.callCount()).isEqualTo(1);

        tester.send(FakeRequest.get().bearer(opaque("other-junk"))).assertStatus(401);
        assertThat(server.callCount()).isEqualTo(2);

        clock.advance(Duration.ofSeconds(6));
        tester.send(FakeRequest.get().bearer(opaque("junk"))).assertStatus(401);
        assertThat(server.callCount()).isEqualTo(3);
    }

    @Test
    void revocationAtTheServerTakesEffectWhenTheCachedAnswerEnds() {
        String token = opaque("d");
        server.active(token, claims("partner-d", Duration.ofHours(1)));
        FakeClient tester = tester(policy().cacheFor(Duration.ofSeconds(5)).build());
        tester.send(FakeRequest.get().bearer(token)).assertAllowed();

        server.revoke(token);
        clock.advance(Duration.ofSeconds(4));
        tester.send(FakeRequest.get().bearer(token)).assertAllowed();
        clock.advance(Duration.ofSeconds(2));

        tester.send(FakeRequest.get().bearer(token)).assertStatus(401);
        assertThat(reason()).isEqualTo("inactive");
    }

    @Test
    void revocationListAppliesToIntrospectedCallers() {
        String token = opaque("e");
        server.active(token, claims("partner-e", Duration.ofHours(1)));
        LocalRevocations revocations = LocalRevocations.of(Duration.ofHours(2));
        FakeClient tester = FakeClient.of(ApiGuard.builder()
                .clock(clock)
                .listener(events)
                .step(AccessTokenStep.builder()
                        .introspection(policy().build())
                        .revocations(revocations)
                        .build())
                .build());
        tester.send(FakeRequest.get().bearer(token)).assertAllowed();

        revocations.revokeToken(ISSUER, "jti-partner-e", clock.instant());

        tester.send(FakeRequest.get().bearer(token)).assertStatus(401);
        assertThat(events.types()).contains(SecurityEventType.CREDENTIAL_REVOKED);
    }

    // ---- answers refused ------------------------------------------------------------------------

    static Stream<Arguments> refusedAnswers() {
        long exp = NOW.plus(Duration.ofMinutes(5)).getEpochSecond();
        return Stream.of(
                Arguments.of(
                        "other issuer",
                        Map.of("client_id", "x", "iss", "https://evil.example", "exp", exp),
                        "unknown_issuer"),
                Arguments.of(
                        "other audience",
                        Map.of("client_id", "x", "aud", "https://other.example", "exp", exp),
                        "wrong_audience"),
                Arguments.of("no identity", Map.of("scope", "customers:read", "exp", exp), "missing_claim"),
                Arguments.of("exp past", Map.of("client_id", "x", "exp", NOW.getEpochSecond() - 1), "expired"),
                Arguments.of("exp a string", Map.of("client_id", "x", "exp", "tomorrow"), "bad_claim_type"),
                Arguments.of(
                        "cnf without a known member",
                        Map.of("client_id", "x", "cnf", Map.of("x5t", "abc")),
                        "bad_claim_type"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedAnswers")
    void activeAnswerThatBreaksARuleIsRefused(String name, Map<String, Object> claims, String expected) {
        String token = opaque("refused");
        server.active(token, claims);

        tester().send(FakeRequest.get().bearer(token)).assertStatus(401).assertNoEcho(token);

        assertThat(reason()).isEqualTo(expected);
    }

    // ---- outages --------------------------------------------------------------------------------

    static Stream<Arguments> outages() {
        return Stream.of(
                Arguments.of("500", (Consumer<IntrospectionServer>) s -> s.fail(500, "{}"), "http_500"),
                Arguments.of("redirect", (Consumer<IntrospectionServer>) s -> s.fail(302, ""), "redirect"),
                Arguments.of("not JSON", (Consumer<IntrospectionServer>) s -> s.fail(200, "<html>"), "not_json"),
                Arguments.of(
                        "active not a boolean",
                        (Consumer<IntrospectionServer>) s -> s.fail(200, "{\"active\":\"true\"}"),
                        "not_json"),
                Arguments.of(
                        "oversized",
                        (Consumer<IntrospectionServer>)
                                s -> s.fail(200, "{\"active\":true,\"x\":\"" + "a".repeat(70_000) + "\"}"),
                        "too_large"),
                Arguments.of("client refused", (Consumer<IntrospectionServer>) s -> s.check(call -> "no"), "http_401"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("outages")
    void endpointFaultAnswers503OnceAnEventAndRecovers(String name, Consumer<IntrospectionServer> fault, String code) {
        String token = opaque("f");
        server.active(token, claims("partner-f", Duration.ofHours(1)));
        fault.accept(server);
        FakeClient tester = tester();

        tester.send(FakeRequest.get().bearer(token)).assertStatus(503).assertNoEcho(token);
        tester.send(FakeRequest.get().bearer(token)).assertStatus(503);

        assertThat(reason()).isEqualTo("introspection_unavailable");
        List<SecurityEvent> failed = events.events().stream()
                .filter(e -> e.type() == SecurityEventType.KEY_SOURCE_FAILED)
                .toList();
        assertThat(failed).hasSize(1);
        assertThat(failed.get(0).details())
                .containsEntry("introspection", server.endpoint().toString())
                .containsEntry("fault", code);
        // an outage is never cached: the next request asks again, and the recovery is told
        server.heal().check(call -> null);
        tester.send(FakeRequest.get().bearer(token)).assertAllowed();
        assertThat(events.types()).contains(SecurityEventType.KEY_SOURCE_REFRESHED);
    }

    @Test
    void outageAnswers401WhenConfiguredSo() {
        server.fail(503, "");
        tester(policy().onOutage(IntrospectionPolicy.OnOutage.INVALID_TOKEN).build())
                .send(FakeRequest.get().bearer(opaque("g")))
                .assertStatus(401)
                .assertChallenge("Bearer error=\"invalid_token\"");
        assertThat(reason()).isEqualTo("introspection_unavailable");
    }

    @Test
    void endpointDownAnswers503() {
        FakeClient tester = tester();
        server.close();

        tester.send(FakeRequest.get().bearer(opaque("h"))).assertStatus(503);

        assertThat(events.last(SecurityEventType.KEY_SOURCE_FAILED)).isPresent();
    }

    @Test
    void slowEndpointIsGivenUpAtTheDeadlineWithoutHoldingTheThread() {
        server.hold();
        FakeClient tester = tester(policy().timeout(Duration.ofMillis(300)).build());

        FakeResponse r = assertTimeoutPreemptively(
                Duration.ofSeconds(10), () -> tester.send(FakeRequest.get().bearer(opaque("i"))));

        r.assertStatus(503);
        assertThat(events.last(SecurityEventType.KEY_SOURCE_FAILED)
                        .orElseThrow()
                        .detail("fault"))
                .isEqualTo("timeout");
    }

    @Test
    void callsBeyondTheCapAreNotQueuedButAnsweredAtOnce() throws Exception {
        server.hold();
        FakeClient tester = tester(
                policy().maxConcurrentCalls(2).timeout(Duration.ofSeconds(20)).build());
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            List<Future<FakeResponse>> held = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                String token = opaque("held" + i);
                held.add(threads.submit(() -> tester.send(FakeRequest.get().bearer(token))));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (server.inFlight.get() < 2 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(server.inFlight.get()).isEqualTo(2);

            List<Future<FakeResponse>> others = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                String token = opaque("other" + i);
                others.add(threads.submit(() -> tester.send(FakeRequest.get().bearer(token))));
            }
            // answered while both slots are still held: nobody waits behind them
            for (Future<FakeResponse> f : others) {
                assertThat(f.get(10, TimeUnit.SECONDS).status()).isEqualTo(503);
            }
            assertThat(server.callCount()).isEqualTo(2);
            server.release();
            for (Future<FakeResponse> f : held) {
                assertThat(f.get(10, TimeUnit.SECONDS).status()).isEqualTo(401);
            }
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void aBurstOfRequestsWithOneNewTokenMakesOneCall() throws Exception {
        String token = opaque("burst");
        server.active(token, claims("partner-burst", Duration.ofHours(1)));
        server.hold();
        FakeClient tester = tester(policy().timeout(Duration.ofSeconds(20)).build());
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            List<Future<FakeResponse>> burst = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                burst.add(threads.submit(() -> tester.send(FakeRequest.get().bearer(token))));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (server.inFlight.get() < 1 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            server.release();
            for (Future<FakeResponse> f : burst) {
                assertThat(f.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
            }
            // the first request's call served every other, waiting for it or from the cache after it
            assertThat(server.callCount()).isEqualTo(1);
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void aFloodOfJunkFromOnePeerCostsAtMostItsAnonymousBudgetInCalls() {
        RateLimitPolicy limits = RateLimitPolicy.builder()
                .anonymousPlan(RateLimitPlan.simple("anonymous", 5, Duration.ofMinutes(1)))
                .build();
        FakeClient tester = FakeClient.of(ApiGuard.builder()
                .clock(clock)
                .listener(events)
                .step(AnonymousRateLimitStep.of(limits))
                .step(AccessTokenStep.builder().introspection(policy().build()).build())
                .build());

        int limited = 0;
        for (int i = 0; i < 100; i++) {
            int status = tester.send(
                            FakeRequest.get().remoteAddress("203.0.113.7").bearer(opaque("flood" + i)))
                    .status();
            limited += status == 429 ? 1 : 0;
        }

        assertThat(server.callCount()).isEqualTo(5);
        assertThat(limited).isEqualTo(95);
    }

    // ---- client authentication ------------------------------------------------------------------

    @Test
    void clientSecretBasicFormEncodesIdAndSecretBeforeBase64() {
        server.check(call -> null);
        IntrospectionPolicy policy = IntrospectionPolicy.builder(ISSUER, server.endpoint())
                .clientSecretBasic("api guard:1", "p@ss:wörd+")
                .build();

        tester(policy).send(FakeRequest.get().bearer(opaque("j")));

        String expected = "Basic "
                + Base64.getEncoder()
                        .encodeToString("api+guard%3A1:p%40ss%3Aw%C3%B6rd%2B".getBytes(StandardCharsets.UTF_8));
        assertThat(server.calls.get(0).authorization()).isEqualTo(expected);
        assertThat(server.calls.get(0).form()).doesNotContainKeys("client_id", "client_secret");
        assertThat(policy.toString()).doesNotContain("p@ss");
    }

    @Test
    void clientSecretPostSendsIdAndSecretInTheForm() {
        IntrospectionPolicy policy = IntrospectionPolicy.builder(ISSUER, server.endpoint())
                .clientSecretPost("api-guard", "s3cret&x=y")
                .build();

        tester(policy).send(FakeRequest.get().bearer(opaque("k")));

        assertThat(server.calls.get(0).authorization()).isNull();
        assertThat(server.calls.get(0).form())
                .containsEntry("client_id", "api-guard")
                .containsEntry("client_secret", "s3cret&x=y")
                .doesNotContainKey("x");
    }

    @Test
    void privateKeyJwtSendsAFreshAssertionTheServerVerifies() throws Exception {
        ECKey key = new ECKeyGenerator(Curve.P_256).keyID("guard-1").generate();
        ECDSAVerifier verifier = new ECDSAVerifier(key.toPublicJWK());
        server.check(call -> {
            try {
                SignedJWT jwt = SignedJWT.parse(call.form().get("client_assertion"));
                boolean ok = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
                                .equals(call.form().get("client_assertion_type"))
                        && jwt.verify(verifier)
                        && "api-guard".equals(jwt.getJWTClaimsSet().getIssuer())
                        && "api-guard".equals(jwt.getJWTClaimsSet().getSubject())
                        && jwt.getJWTClaimsSet()
                                .getAudience()
                                .equals(List.of(server.endpoint().toString()))
                        && jwt.getJWTClaimsSet().getExpirationTime().after(Date.from(NOW))
                        && !jwt.getJWTClaimsSet().getExpirationTime().after(Date.from(NOW.plusSeconds(60)))
                        && jwt.getJWTClaimsSet().getJWTID() != null;
                return ok ? null : "bad assertion";
            } catch (Exception e) {
                return e.toString();
            }
        });
        String token = opaque("l");
        server.active(token, claims("partner-l", Duration.ofHours(1)));
        IntrospectionPolicy policy = IntrospectionPolicy.builder(ISSUER, server.endpoint())
                .privateKeyJwt("api-guard", key, JWSAlgorithm.ES256)
                .build();
        FakeClient tester = tester(policy);

        tester.send(FakeRequest.get().bearer(token)).assertAllowed();
        tester.send(FakeRequest.get().bearer(opaque("m")));

        assertThat(server.calls.get(0).form().get("client_assertion"))
                .isNotEqualTo(server.calls.get(1).form().get("client_assertion"));
    }

    @Test
    void httpsEndpointWithAPrivateCaAndTlsClientAuth() throws Exception {
        TestCertificates pki = TestCertificates.create();
        IssuedCertificate guardCertificate = pki.client("api-guard");
        try (IntrospectionServer https = new IntrospectionServer(pki.serverSslContext())) {
            String token = opaque("n");
            https.active(token, claims("partner-n", Duration.ofHours(1)));
            IntrospectionPolicy policy = IntrospectionPolicy.builder(ISSUER, https.endpoint())
                    .tlsClientAuth("api-guard")
                    .sslContext(pki.sslContext(guardCertificate))
                    .build();

            tester(policy).send(FakeRequest.get().bearer(token)).assertAllowed();

            assertThat(https.calls.get(0).form()).containsEntry("client_id", "api-guard");
        }
    }

    // ---- cnf in the answer ----------------------------------------------------------------------

    @Test
    void certificateBoundAnswerNeedsTheRightClientCertificate() {
        TestCertificates pki = TestCertificates.create(clock);
        IssuedCertificate right = pki.client("partner-o");
        IssuedCertificate wrong = pki.client("partner-x");
        String token = opaque("o");
        Map<String, Object> claims = new java.util.HashMap<>(claims("partner-o", Duration.ofHours(1)));
        claims.put("cnf", Map.of("x5t#S256", right.thumbprint()));
        server.active(token, claims);
        FakeClient tester = FakeClient.of(ApiGuard.builder()
                .clock(clock)
                .listener(events)
                .step(AccessTokenStep.builder().introspection(policy().build()).build())
                .step(CertificateBindingStep.of(ClientCertificates.tlsOnly()))
                .build());

        FakeResponse ok = tester.send(FakeRequest.get().bearer(token).clientCertificate(right));
        ok.assertAllowed();
        assertThat(ok.caller().orElseThrow().kind()).isEqualTo(CredentialKind.MTLS_BOUND_JWT);
        tester.send(FakeRequest.get().bearer(token).clientCertificate(wrong)).assertStatus(401);
        tester.send(FakeRequest.get().bearer(token)).assertStatus(401);
        assertThat(server.callCount()).isEqualTo(1);
    }

    @Test
    void dpopBoundAnswerNeedsAProofOfItsKey() {
        DpopKey key = DpopKey.ec().clock(clock);
        DpopKey other = DpopKey.ec().clock(clock);
        String token = opaque("p");
        Map<String, Object> claims = new java.util.HashMap<>(claims("partner-p", Duration.ofHours(1)));
        claims.put("cnf", Map.of("jkt", key.thumbprint()));
        server.active(token, claims);
        FakeClient tester = FakeClient.of(ApiGuard.builder()
                .clock(clock)
                .listener(events)
                .step(AccessTokenStep.builder().introspection(policy().build()).build())
                .step(DpopStep.of(DpopPolicy.defaults(), LocalReplayCache.defaults()))
                .build());
        String uri = "https://localhost/payments";

        FakeResponse ok =
                tester.send(FakeRequest.post("/payments").host("localhost").dpop(token, key.proof("POST", uri, token)));
        ok.assertAllowed();
        assertThat(ok.caller().orElseThrow().kind()).isEqualTo(CredentialKind.DPOP_BOUND_JWT);
        tester.send(FakeRequest.post("/payments").host("localhost").dpop(token, other.proof("POST", uri, token)))
                .assertStatus(401);
        // a DPoP-bound token sent as a bearer token is a downgrade
        tester.send(FakeRequest.post("/payments").host("localhost").bearer(token))
                .assertStatus(401);
    }

    // ---- JWT and opaque side by side ------------------------------------------------------------

    @Test
    void jwtAndOpaqueTokensAreAcceptedSideBySide() {
        TestIssuer issuer = TestIssuer.named(ISSUER);
        String opaque = opaque("q");
        server.active(opaque, claims("partner-q", Duration.ofHours(1)));
        FakeClient tester = FakeClient.of(ApiGuard.builder()
                .clock(Clock())
                .listener(events)
                .step(AccessTokenStep.builder()
                        .jwt(issuer.policy().build())
                        .introspection(policy().build())
                        .build())
                .build());

        tester.send(FakeRequest.get().bearer(issuer.token().sign()))
                .assertAllowed()
                .assertCaller("client-1");
        assertThat(server.callCount()).isZero();
        tester.send(FakeRequest.get().bearer(opaque)).assertAllowed().assertCaller("partner-q");
        assertThat(server.callCount()).isEqualTo(1);
        // a forged JWT is refused by the verifier, never sent to the endpoint
        tester.send(FakeRequest.get().bearer(issuer.token().sign() + "x")).assertStatus(401);
        assertThat(server.callCount()).isEqualTo(1);
    }

    /** The JWT issuer's clock: its tokens are minted at {@link TestIssuer#NOW}. */
    private MutableClock Clock() {
        clock.set(TestIssuer.NOW);
        return clock;
    }

    @Test
    void tokensThatAreNoB64tokenOrTooLongAreRefusedUnasked() {
        FakeClient tester = tester(policy().maxTokenLength(64).build());

        tester.send(FakeRequest.get().header("Authorization", "Bearer a\"b")).assertStatus(401);
        tester.send(FakeRequest.get().bearer("a".repeat(65))).assertStatus(401);

        assertThat(server.callCount()).isZero();
    }

    // ---- configuration --------------------------------------------------------------------------

    @Test
    void configurationIsCheckedAndNamesTheSetting() {
        assertThatThrownBy(() -> IntrospectionPolicy.builder(ISSUER, URI.create("http://as.example/introspect")))
                .hasMessageContaining("endpoint");
        assertThatThrownBy(() -> IntrospectionPolicy.builder(ISSUER, URI.create("https://u:p@as.example/i")))
                .hasMessageContaining("endpoint")
                .hasMessageNotContaining("u:p");
        assertThatThrownBy(() ->
                        IntrospectionPolicy.builder(ISSUER, server.endpoint()).build())
                .hasMessageContaining("client authentication");
        assertThatThrownBy(() -> policy().clientSecretPost("a", "b")).hasMessageContaining("set twice");
        assertThatThrownBy(() -> policy().cacheFor(Duration.ofHours(2))).hasMessageContaining("cacheFor");
        assertThatThrownBy(() -> policy().maxConcurrentCalls(0)).hasMessageContaining("maxConcurrentCalls");
        assertThatThrownBy(() -> IntrospectionPolicy.builder(ISSUER, server.endpoint())
                        .tlsClientAuth("x")
                        .build())
                .hasMessageContaining("sslContext");
        assertThatThrownBy(() -> AccessTokenStep.builder().build()).hasMessageContaining("jwt or introspection");
        IntrospectionPolicy defaults = policy().build();
        assertThat(defaults.cacheFor()).isEqualTo(Duration.ofSeconds(60));
        assertThat(defaults.onOutage()).isEqualTo(IntrospectionPolicy.OnOutage.UNAVAILABLE);
        assertThat(defaults.toString()).doesNotContain("s3cret");
    }

    @Test
    void introspectorOutsideTheGuardCachesToo() {
        String token = opaque("r");
        server.active(token, claims("partner-r", Duration.ofHours(1)));
        TokenIntrospector introspector = TokenIntrospector.of(policy().build());

        assertThat(introspector.introspect(token, NOW).isVerified()).isTrue();
        assertThat(introspector.introspect(token, NOW).isVerified()).isTrue();
        assertThat(introspector.introspect(null, NOW))
                .isEqualTo(new TokenVerification.Rejected(TokenVerification.Reason.MALFORMED));

        assertThat(server.callCount()).isEqualTo(1);
        assertThat(introspector.cachedActive()).isEqualTo(1);
    }
}
