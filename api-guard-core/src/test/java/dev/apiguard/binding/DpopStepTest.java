package dev.apiguard.binding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import dev.apiguard.ApiGuard;
import dev.apiguard.CredentialKind;
import dev.apiguard.LocalReplayCache;
import dev.apiguard.ReplayCache;
import dev.apiguard.TrustedProxies;
import dev.apiguard.event.SecurityEvent;
import dev.apiguard.event.SecurityEventType;
import dev.apiguard.fakes.FakeClient;
import dev.apiguard.fakes.FakeListener;
import dev.apiguard.fakes.FakeRequest;
import dev.apiguard.fakes.FakeResponse;
import dev.apiguard.scope.RouteAuthorizationStep;
import dev.apiguard.scope.RouteRules;
import dev.apiguard.test.fixtures.DpopKey;
import dev.apiguard.test.fixtures.DpopProofBuilder;
import dev.apiguard.test.fixtures.LocalIssuer;
import dev.apiguard.test.fixtures.MutableClock;
import dev.apiguard.token.AccessTokenStep;
import dev.apiguard.token.KeySource;
import dev.apiguard.token.TokenPolicy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The DPoP step of RFC 9449 §4.3 and §7 against docs/security-cases.md.md section D (D1-D8). */
class DpopStepTest {

    static final Instant NOW = Instant.parse("2030-03-01T12:00:00Z");
    // the requests name host localhost (FakeRequest.host), the origin of the proofs' htu
    static final String URI = "https://localhost/payments";
    static final String ALGS = "ES256 PS256 RS256 EdDSA";
    static final String INVALID_PROOF = "DPoP error=\"invalid_dpop_proof\", algs=\"" + ALGS + "\"";
    static final String INVALID_TOKEN = "Bearer error=\"invalid_token\"";

    static final MutableClock CLOCK = MutableClock.at(NOW);
    static final LocalIssuer ISSUER = LocalIssuer.ec("https://issuer.example").clock(CLOCK);
    static final DpopKey KEY = DpopKey.ec().clock(CLOCK);
    static final DpopKey OTHER = DpopKey.ec().clock(CLOCK);

    final MutableClock clock = MutableClock.at(NOW);
    final FakeListener events = new FakeListener();

    static String boundToken() {
        return boundToken(KEY);
    }

    static String boundToken(DpopKey key) {
        return ISSUER.token()
                .clientId("partner-a")
                .scope("payments:write customers:read")
                .boundToDpopKey(key.publicJwk())
                .sign();
    }

    FakeClient tester(DpopPolicy policy) {
        return tester(policy, LocalReplayCache.defaults());
    }

    FakeClient tester(DpopPolicy policy, ReplayCache replayCache) {
        TokenPolicy tokens = TokenPolicy.builder()
                .issuer(ISSUER.issuer(), KeySource.fixed(ISSUER.publicJwks()))
                .audience(ISSUER.defaultAudience())
                .build();
        RouteRules routes = RouteRules.builder()
                .route("POST", "/payments")
                .senderConstrained()
                .requireScopes("payments:write")
                .route("GET", "/customers/{tag}")
                .requireScopes("customers:read")
                .build();
        return FakeClient.of(ApiGuard.builder()
                .clock(clock)
                .listener(events)
                .step(AccessTokenStep.of(tokens))
                .step(DpopStep.of(policy, replayCache))
                .step(RouteAuthorizationStep.of(routes))
                .build());
    }

    FakeClient tester() {
        return tester(DpopPolicy.defaults());
    }

    static FakeRequest payment(String token, String proof) {
        return FakeRequest.post("/payments").host("localhost").dpop(token, proof);
    }

    // ---- happy paths ---------------------------------------------------------------------------

    @Test
    void validProofBindsTheCallerAndPassesTheSenderConstrainedRoute() {
        String token = boundToken();
        FakeResponse r =
                tester().send(payment(token, KEY.proof("POST", URI, token))).assertAllowed();

        assertThat(r.caller()).hasValueSatisfying(c -> {
            assertThat(c.id()).isEqualTo("partner-a");
            assertThat(c.kind()).isEqualTo(CredentialKind.DPOP_BOUND_JWT);
        });
        assertThat(events.events()).extracting(SecurityEvent::type).contains(SecurityEventType.DPOP_PROOF_ACCEPTED);
    }

    @ParameterizedTest
    @ValueSource(strings = {"rsa", "ed25519"})
    void rsaAndEd25519ProofKeysAreAccepted(String kind) {
        DpopKey key = (kind.equals("rsa") ? DpopKey.rsa() : DpopKey.ed25519()).clock(CLOCK);
        String token = boundToken(key);
        tester().send(payment(token, key.proof("POST", URI, token))).assertAllowed();
    }

    @Test
    void plainBearerTokenIsRefusedOnTheSenderConstrainedRoute() {
        String token =
                ISSUER.token().clientId("partner-a").scope("payments:write").sign();
        tester().send(FakeRequest.post("/payments").host("localhost").bearer(token))
                .assertStatus(401)
                .assertChallenge(INVALID_TOKEN);
    }

    @Test
    void unboundBearerTokenWithAStrayDpopHeaderIsLeftAlone() {
        String token =
                ISSUER.token().clientId("partner-a").scope("customers:read").sign();
        tester().send(FakeRequest.get("/customers/ABC")
                        .host("localhost")
                        .bearer(token)
                        .header("DPoP", "junk"))
                .assertAllowed();
    }

    // ---- D1, D2, D3, D6: one broken proof each --------------------------------------------------

    /** The reason each broken proof must be refused for: one failing check per row, not another by accident. */
    static final Map<String, String> REASON = Map.ofEntries(
            Map.entry("typ missing", "bad_type"),
            Map.entry("alg missing", "alg_not_allowed"),
            Map.entry("jwk missing", "bad_jwk"),
            Map.entry("jti missing", "missing_claim"),
            Map.entry("htm missing", "missing_claim"),
            Map.entry("htu missing", "missing_claim"),
            Map.entry("iat missing", "missing_claim"),
            Map.entry("ath missing", "missing_claim"),
            Map.entry("typ JWT", "bad_type"),
            Map.entry("typ at+jwt", "bad_type"),
            Map.entry("alg none", "malformed"),
            Map.entry("alg none with a signature", "alg_not_allowed"),
            Map.entry("alg HS256", "alg_not_allowed"),
            Map.entry("alg outside policy (ES384)", "alg_not_allowed"),
            Map.entry("alg outside policy (RS512)", "alg_not_allowed"),
            Map.entry("bad signature (other key)", "bad_signature"),
            Map.entry("private jwk in header", "private_jwk"),
            Map.entry("jwk of another key type", "bad_jwk"),
            Map.entry("jwk symmetric", "private_jwk"),
            Map.entry("jwk not an object", "bad_jwk"),
            Map.entry("crit header", "malformed"),
            Map.entry("htm GET", "htm_mismatch"),
            Map.entry("htm lower case", "htm_mismatch"),
            Map.entry("htu other host", "htu_mismatch"),
            Map.entry("htu other path", "htu_mismatch"),
            Map.entry("htu path prefix", "htu_mismatch"),
            Map.entry("htu http", "htu_mismatch"),
            Map.entry("htu other port", "htu_mismatch"),
            Map.entry("htu dot segments", "htu_mismatch"),
            Map.entry("htu relative", "htu_mismatch"),
            Map.entry("htu with user info", "htu_mismatch"),
            Map.entry("htu not a string", "bad_claim_type"),
            Map.entry("iat one hour ago", "iat_out_of_window"),
            Map.entry("iat in one hour", "iat_out_of_window"),
            Map.entry("iat 61 s ago", "iat_out_of_window"),
            Map.entry("iat a string", "bad_claim_type"),
            Map.entry("iat fractional", "bad_claim_type"),
            Map.entry("ath wrong", "ath_mismatch"),
            Map.entry("ath of another token", "ath_mismatch"),
            Map.entry("jti empty", "bad_claim_type"),
            Map.entry("jti a number", "bad_claim_type"));

    static Stream<Arguments> brokenProofs() {
        Function<Function<DpopProofBuilder, String>, Function<String, String>> with =
                f -> token -> f.apply(KEY.proofFor("POST", URI).accessToken(token));
        return Stream.of(
                // D1: each required member missing
                Arguments.of(
                        "typ missing", with.apply(b -> b.withoutHeader("typ").sign())),
                Arguments.of(
                        "alg missing", with.apply(b -> b.withoutHeader("alg").sign())),
                Arguments.of(
                        "jwk missing", with.apply(b -> b.withoutHeader("jwk").sign())),
                Arguments.of("jti missing", with.apply(b -> b.without("jti").sign())),
                Arguments.of("htm missing", with.apply(b -> b.without("htm").sign())),
                Arguments.of("htu missing", with.apply(b -> b.without("htu").sign())),
                Arguments.of("iat missing", with.apply(b -> b.without("iat").sign())),
                Arguments.of("ath missing", with.apply(b -> b.without("ath").sign())),
                // D2: typ, alg, signature, jwk
                Arguments.of("typ JWT", with.apply(b -> b.type("JWT").sign())),
                Arguments.of("typ at+jwt", with.apply(b -> b.type("at+jwt").sign())),
                Arguments.of("alg none", with.apply(DpopProofBuilder::unsigned)),
                Arguments.of(
                        "alg none with a signature",
                        with.apply(b -> b.header("alg", "none").sign())),
                Arguments.of(
                        "alg HS256",
                        with.apply(b -> b.signedWithHs256(
                                "secret-secret-secret-secret-1234".getBytes(StandardCharsets.US_ASCII)))),
                Arguments.of(
                        "alg outside policy (ES384)",
                        with.apply(b -> b.header("alg", "ES384").sign())),
                Arguments.of(
                        "alg outside policy (RS512)",
                        with.apply(b -> b.header("alg", "RS512").sign())),
                Arguments.of("bad signature (other key)", with.apply(b -> b.signedBy(OTHER))),
                Arguments.of(
                        "private jwk in header",
                        with.apply(b -> b.privateJwkInHeader().sign())),
                Arguments.of(
                        "jwk of another key type",
                        with.apply(
                                b -> b.header("jwk", DpopKey.rsa().publicJwk().toJSONObject())
                                        .sign())),
                Arguments.of(
                        "jwk symmetric",
                        with.apply(b -> b.header("jwk", Map.of("kty", "oct", "k", "c2VjcmV0"))
                                .sign())),
                Arguments.of(
                        "jwk not an object",
                        with.apply(b -> b.header("jwk", "key").sign())),
                Arguments.of(
                        "crit header",
                        with.apply(
                                b -> b.header("crit", java.util.List.of("exp")).sign())),
                // D3: htm and htu
                Arguments.of("htm GET", with.apply(b -> b.htm("GET").sign())),
                Arguments.of("htm lower case", with.apply(b -> b.htm("post").sign())),
                Arguments.of(
                        "htu other host",
                        with.apply(b -> b.htu("https://evil.example/payments").sign())),
                Arguments.of(
                        "htu other path",
                        with.apply(b -> b.htu("https://localhost/customers").sign())),
                Arguments.of(
                        "htu path prefix",
                        with.apply(b -> b.htu("https://localhost/payments/x").sign())),
                Arguments.of(
                        "htu http",
                        with.apply(b -> b.htu("http://localhost/payments").sign())),
                Arguments.of(
                        "htu other port",
                        with.apply(b -> b.htu("https://localhost:8443/payments").sign())),
                Arguments.of(
                        "htu dot segments",
                        with.apply(b -> b.htu("https://localhost/a/../payments").sign())),
                Arguments.of("htu relative", with.apply(b -> b.htu("/payments").sign())),
                Arguments.of(
                        "htu with user info",
                        with.apply(b -> b.htu("https://u@localhost/payments").sign())),
                Arguments.of(
                        "htu not a string", with.apply(b -> b.claim("htu", 42).sign())),
                // D4: iat far off
                Arguments.of(
                        "iat one hour ago",
                        with.apply(b -> b.iatOffset(Duration.ofHours(-1)).sign())),
                Arguments.of(
                        "iat in one hour",
                        with.apply(b -> b.iatOffset(Duration.ofHours(1)).sign())),
                Arguments.of(
                        "iat 61 s ago",
                        with.apply(b -> b.iatOffset(Duration.ofSeconds(-61)).sign())),
                Arguments.of(
                        "iat a string", with.apply(b -> b.claim("iat", "now").sign())),
                Arguments.of(
                        "iat fractional",
                        with.apply(
                                b -> b.claim("iat", NOW.getEpochSecond() + 0.5).sign())),
                // D6: ath
                Arguments.of(
                        "ath wrong",
                        with.apply(b -> b.ath("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
                                .sign())),
                Arguments.of(
                        "ath of another token",
                        with.apply(b -> b.accessToken(boundToken()).sign())),
                Arguments.of("jti empty", with.apply(b -> b.jti("").sign())),
                Arguments.of("jti a number", with.apply(b -> b.claim("jti", 7).sign())));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenProofs")
    void brokenProofIsRefusedWithInvalidDpopProof(String name, Function<String, String> proofFor) {
        String token = boundToken();
        FakeResponse r = tester().send(payment(token, proofFor.apply(token)));

        r.assertStatus(401).assertChallenge(INVALID_PROOF).assertNoEcho(token);
        // the sender did not prove the key: the caller is withdrawn, and the owner's credential flagged
        assertThat(r.caller()).isEmpty();
        assertThat(events.events())
                .extracting(SecurityEvent::type)
                .contains(SecurityEventType.DPOP_PROOF_REJECTED, SecurityEventType.CREDENTIAL_MISUSED);
        assertThat(events.last(SecurityEventType.CREDENTIAL_MISUSED)).hasValueSatisfying(e -> {
            assertThat(e.callerId()).isEqualTo("partner-a");
            assertThat(e.detail("reason")).isEqualTo(REASON.get(name));
        });
        assertThat(events.events())
                .filteredOn(e -> e.type() == SecurityEventType.DPOP_PROOF_REJECTED)
                .extracting(e -> e.detail("reason"))
                .containsExactly(REASON.get(name));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "HTTPS://LOCALHOST/payments",
                "https://LocalHost:443/payments",
                "https://localhost/payments?amount=12",
                "https://localhost/payments#top",
                "https://localhost/paym%65nts"
            })
    void htuIsComparedAfterNormalisation(String htu) {
        String token = boundToken();
        tester().send(payment(
                        token, KEY.proofFor("POST", htu).accessToken(token).sign()))
                .assertAllowed();
    }

    @Test
    void htuKeepsANonDefaultPort() {
        String token = boundToken();
        FakeRequest request = payment(token, KEY.proof("POST", "https://localhost:8443/payments", token))
                .port(8443);
        tester().send(request).assertAllowed();
        tester().send(payment(token, KEY.proof("POST", URI, token)).port(8443)).assertStatus(401);
    }

    @ParameterizedTest
    @ValueSource(ints = {-60, -5, 5, 60})
    void iatAFewSecondsOffIsAccepted(int seconds) {
        String token = boundToken();
        String proof = KEY.proofFor("POST", URI)
                .accessToken(token)
                .iatOffset(Duration.ofSeconds(seconds))
                .sign();
        tester().send(payment(token, proof)).assertAllowed();
    }

    /** A jti is at most 1024 characters: the cap itself passes, one more is refused. */
    @Test
    void jtiUpToTheCapIsAcceptedAndOneCharacterMoreIsRefused() {
        String token = boundToken();
        tester().send(payment(
                        token,
                        KEY.proofFor("POST", URI)
                                .accessToken(token)
                                .jti("j".repeat(1024))
                                .sign()))
                .assertAllowed();
        tester().send(payment(
                        token,
                        KEY.proofFor("POST", URI)
                                .accessToken(token)
                                .jti("k".repeat(1025))
                                .sign()))
                .assertStatus(401)
                .assertChallenge(INVALID_PROOF);
    }

    // ---- D5: replay ------------------------------------------------------------------------------

    @Test
    void sameProofTwiceIsRefusedTheSecondTime() {
        FakeClient tester = tester();
        String token = boundToken();
        String proof = KEY.proof("POST", URI, token);
        tester.send(payment(token, proof)).assertAllowed();

        tester.send(payment(token, proof)).assertStatus(401).assertChallenge(INVALID_PROOF);
        assertThat(events.events())
                .filteredOn(e -> e.type() == SecurityEventType.DPOP_REPLAYED)
                .singleElement()
                .satisfies(e -> assertThat(e.detail("reason")).isEqualTo("replayed"));
    }

    @Test
    void sameJtiInAFreshlySignedProofIsAReplayToo() {
        FakeClient tester = tester();
        String token = boundToken();
        tester.send(payment(
                        token,
                        KEY.proofFor("POST", URI)
                                .accessToken(token)
                                .jti("fixed")
                                .sign()))
                .assertAllowed();
        clock.advance(Duration.ofSeconds(10));
        String again = KEY.proofFor("POST", URI)
                .accessToken(token)
                .jti("fixed")
                .iatOffset(Duration.ofSeconds(10))
                .sign();
        tester.send(payment(token, again)).assertStatus(401).assertChallenge(INVALID_PROOF);
    }

    @Test
    void replayIsRefusedAlsoAfterTheCacheWasFloodedWithOtherJtis() {
        FakeClient tester = tester(DpopPolicy.defaults(), LocalReplayCache.withMaximumSize(8));
        String token = boundToken();
        String original = KEY.proof("POST", URI, token);
        tester.send(payment(token, original)).assertAllowed();

        int refused = 0;
        for (int i = 0; i < 20; i++) {
            if (tester.send(payment(token, KEY.proof("POST", URI, token))).status() == 401) {
                refused++;
            }
        }
        assertThat(refused).as("proofs refused once the cache is full").isEqualTo(13);

        tester.send(payment(token, original)).assertStatus(401).assertChallenge(INVALID_PROOF);
        assertThat(events.events())
                .filteredOn(e -> e.type() == SecurityEventType.DPOP_REPLAYED)
                .extracting(e -> e.detail("reason"))
                .contains("replay_cache_full");
    }

    @Test
    void aCallerOverItsShareOfTheReplayCacheIs429AndAnotherCallerStillGetsIn() {
        FakeClient tester =
                tester(DpopPolicy.builder().replayQuotaPerCaller(5).build(), LocalReplayCache.withMaximumSize(100));
        String greedy = boundToken(KEY);
        for (int i = 0; i < 5; i++) {
            tester.send(payment(greedy, KEY.proof("POST", URI, greedy))).assertAllowed();
        }
        FakeResponse over =
                tester.send(payment(greedy, KEY.proof("POST", URI, greedy))).assertStatus(429);
        // its own refusal: a valid proof, so the caller stays (its budget pays), nothing is misused
        assertThat(over.caller()).hasValueSatisfying(c -> assertThat(c.id()).isEqualTo("partner-a"));
        assertThat(Long.parseLong(over.header("Retry-After"))).isBetween(1L, 120L);
        assertThat(events.events())
                .extracting(SecurityEvent::type)
                .doesNotContain(SecurityEventType.CREDENTIAL_MISUSED);
        String other = ISSUER.token()
                .clientId("partner-b")
                .scope("payments:write")
                .boundToDpopKey(OTHER.publicJwk())
                .sign();
        tester.send(payment(other, OTHER.proof("POST", URI, other))).assertAllowed();
        // a new slot two proof lifetimes later frees the share
        clock.advance(Duration.ofMinutes(4));
        String later = KEY.proofFor("POST", URI)
                .accessToken(greedy)
                .iatOffset(Duration.ofMinutes(4))
                .sign();
        tester.send(payment(greedy, later)).assertAllowed();
    }

    @Test
    void replayedProofIsAcceptedAgainNeverButExpiresFromTheCacheAfterItsWindow() {
        LocalReplayCache cache = LocalReplayCache.withMaximumSize(1);
        FakeClient tester = tester(DpopPolicy.defaults(), cache);
        String token = boundToken();
        tester.send(payment(token, KEY.proof("POST", URI, token))).assertAllowed();
        clock.advance(Duration.ofSeconds(61));
        // the old entry has expired and is purged; a fresh proof fits again
        String fresh = KEY.proofFor("POST", URI)
                .accessToken(token)
                .iatOffset(Duration.ofSeconds(61))
                .sign();
        tester.send(payment(token, fresh)).assertAllowed();
    }

    // ---- D6: jkt -------------------------------------------------------------------------------

    @Test
    void proofByAnotherKeyThanTheTokensJktIsRefused() {
        String token = boundToken(KEY);
        tester().send(payment(token, OTHER.proof("POST", URI, token)))
                .assertStatus(401)
                .assertChallenge(INVALID_PROOF);
        assertThat(events.events())
                .filteredOn(e -> e.type() == SecurityEventType.DPOP_PROOF_REJECTED)
                .extracting(e -> e.detail("reason"))
                .containsExactly("jkt_mismatch");
    }

    // ---- D7: downgrade ----------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"/payments", "/customers/ABC"})
    void dpopBoundTokenSentAsBearerIsRefused(String path) {
        String token = boundToken();
        FakeRequest request = path.equals("/payments")
                ? FakeRequest.post(path).host("localhost")
                : FakeRequest.get(path).host("localhost");
        tester().send(request.bearer(token)
                        .header("DPoP", KEY.proof(request.method(), "https://localhost" + path, token)))
                .assertStatus(401)
                .assertChallenge(INVALID_TOKEN);
        assertThat(events.events()).extracting(SecurityEvent::type).contains(SecurityEventType.DPOP_DOWNGRADE);
    }

    @Test
    void unboundTokenSentWithTheDpopSchemeIsRefused() {
        String token =
                ISSUER.token().clientId("partner-a").scope("payments:write").sign();
        tester().send(payment(token, KEY.proof("POST", URI, token)))
                .assertStatus(401)
                .assertChallenge("DPoP error=\"invalid_token\", algs=\"" + ALGS + "\"");
        assertThat(events.last(SecurityEventType.DPOP_DOWNGRADE))
                .hasValueSatisfying(e -> assertThat(e.detail("reason")).isEqualTo("unbound_token_as_dpop"));
    }

    // ---- D8: challenges ---------------------------------------------------------------------------

    @Test
    void requestWithoutCredentialIsOfferedBothSchemes() {
        tester().send(FakeRequest.post("/payments").host("localhost"))
                .assertStatus(401)
                .assertChallenge("Bearer", "DPoP algs=\"" + ALGS + "\"");
    }

    @Test
    void algsParameterFollowsThePolicy() {
        FakeClient tester =
                tester(DpopPolicy.builder().algorithms(JWSAlgorithm.ES256).build());
        tester.send(FakeRequest.post("/payments").host("localhost")).assertChallenge("Bearer", "DPoP algs=\"ES256\"");
        String token = boundToken();
        DpopKey rsa = DpopKey.rsa().clock(CLOCK);
        String rsaToken = boundToken(rsa);
        tester.send(payment(rsaToken, rsa.proof("POST", URI, rsaToken)))
                .assertStatus(401)
                .assertChallenge("DPoP error=\"invalid_dpop_proof\", algs=\"ES256\"");
        tester.send(payment(token, KEY.proof("POST", URI, token))).assertAllowed();
    }

    // ---- hostile input -----------------------------------------------------------------------------

    static Stream<Arguments> hostileProofs() {
        String good = KEY.proof("POST", URI, "x");
        String[] parts = good.split("\\.");
        String b64 = java.util.Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString("{\"typ\":\"dpop+jwt\"}".getBytes(StandardCharsets.UTF_8));
        return Stream.of(
                Arguments.of("oversized", "a".repeat(9000) + "." + "b.c"),
                Arguments.of("two segments", parts[0] + "." + parts[1]),
                Arguments.of("four segments", good + ".AAAA"),
                Arguments.of("five segments (JWE)", good + ".AAAA.BBBB"),
                Arguments.of("bad base64", parts[0] + ".!!!." + parts[2]),
                Arguments.of("padded base64", parts[0] + "=." + parts[1] + "." + parts[2]),
                Arguments.of("empty", ""),
                Arguments.of("header not JSON", "bm90LWpzb24." + parts[1] + "." + parts[2]),
                Arguments.of("signature only header", b64 + "." + parts[1] + "." + parts[2]),
                Arguments.of("comma-joined proofs", good + "," + good));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileProofs")
    void hostileProofIsRefusedWithoutFault(String name, String proof) {
        String token = boundToken();
        tester().send(payment(token, proof)).assertStatus(401).assertChallenge(INVALID_PROOF);
        assertThat(events.events()).extracting(SecurityEvent::type).doesNotContain(SecurityEventType.STEP_FAILED);
    }

    @Test
    void jsonArrayPayloadIsRefused() {
        String token = boundToken();
        String header = KEY.proofFor("POST", URI).headerJson();
        tester().send(payment(token, KEY.proofFor("POST", URI).signRaw(header, "[1,2,3]")))
                .assertStatus(401)
                .assertChallenge(INVALID_PROOF);
    }

    @Test
    void hugeJwkIsRefused() {
        String token = boundToken();
        Map<String, Object> jwk = new java.util.LinkedHashMap<>(KEY.publicJwk().toJSONObject());
        jwk.put("x5c", java.util.List.of("A".repeat(7000)));
        tester().send(payment(
                        token,
                        KEY.proofFor("POST", URI)
                                .accessToken(token)
                                .header("jwk", jwk)
                                .sign()))
                .assertStatus(401)
                .assertChallenge(INVALID_PROOF);
        Map<String, Object> rsa = Map.of("kty", "RSA", "e", "AQAB", "n", "A".repeat(2000));
        tester().send(payment(
                        token,
                        KEY.proofFor("POST", URI)
                                .accessToken(token)
                                .header("jwk", rsa)
                                .header("alg", "RS256")
                                .sign()))
                .assertStatus(401)
                .assertChallenge(INVALID_PROOF);
    }

    @Test
    void missingOrDuplicateProofHeaderIsRefused() {
        String token = boundToken();
        tester().send(FakeRequest.post("/payments").host("localhost").header("Authorization", "DPoP " + token))
                .assertStatus(401)
                .assertChallenge(INVALID_PROOF);
        String proof = KEY.proof("POST", URI, token);
        tester().send(payment(token, proof).header("DPoP", KEY.proof("POST", URI, token)))
                .assertStatus(401)
                .assertChallenge(INVALID_PROOF);
        assertThat(events.events())
                .filteredOn(e -> e.type() == SecurityEventType.DPOP_PROOF_REJECTED)
                .extracting(e -> e.detail("reason"))
                .containsExactly("missing", "multiple_proofs");
    }

    /** A malformed X-Forwarded-Proto from the trusted proxy leaves no URI a proof could name. */
    @Test
    void aRequestWithoutACanonicalUriMatchesNoProof() {
        FakeClient tester = tester(DpopPolicy.builder()
                .trustedProxies(TrustedProxies.of("10.0.0.1"))
                .build());
        String token = boundToken();
        tester.send(payment(token, KEY.proof("POST", URI, token))
                        .remoteAddress("10.0.0.1")
                        .header("X-Forwarded-Proto", "gopher"))
                .assertStatus(401)
                .assertChallenge(INVALID_PROOF);
        assertThat(events.last(SecurityEventType.DPOP_PROOF_REJECTED))
                .hasValueSatisfying(e -> assertThat(e.detail("reason")).isEqualTo("htu_mismatch"));
    }

    // ---- server nonces and trusted proxies ------------------------------------------------------------

    @Test
    void serverNonceIsDemandedThenAccepted() {
        FakeClient tester =
                tester(DpopPolicy.builder().serverNonces(Duration.ofMinutes(5)).build());
        String token = boundToken();
        FakeResponse first = tester.send(payment(token, KEY.proof("POST", URI, token)));
        first.assertStatus(401).assertChallenge("DPoP error=\"use_dpop_nonce\", algs=\"" + ALGS + "\"");
        String nonce = first.header("DPoP-Nonce");
        assertThat(events.last(SecurityEventType.DPOP_NONCE_REQUIRED))
                .hasValueSatisfying(e -> assertThat(e.detail("reason")).isEqualTo("nonce_missing"));
        assertThat(nonce).matches("[A-Za-z0-9_-]+");

        tester.send(payment(
                        token,
                        KEY.proofFor("POST", URI)
                                .accessToken(token)
                                .nonce(nonce)
                                .sign()))
                .assertAllowed();
        tester.send(payment(
                        token,
                        KEY.proofFor("POST", URI)
                                .accessToken(token)
                                .nonce(nonce + "x")
                                .sign()))
                .assertStatus(401)
                .assertChallenge("DPoP error=\"use_dpop_nonce\", algs=\"" + ALGS + "\"");
        tester.send(payment(
                        token,
                        KEY.proofFor("POST", URI)
                                .accessToken(token)
                                .nonce("forged")
                                .sign()))
                .assertStatus(401);

        clock.advance(Duration.ofMinutes(11));
        Instant later = NOW.plus(Duration.ofMinutes(11));
        String laterToken = ISSUER.token()
                .clientId("partner-a")
                .scope("payments:write")
                .issuedAt(later)
                .boundToDpopKey(KEY.publicJwk())
                .sign();
        String late = KEY.proofFor("POST", URI)
                .accessToken(laterToken)
                .nonce(nonce)
                .issuedAt(later)
                .sign();
        FakeResponse expired = tester.send(payment(laterToken, late));
        expired.assertStatus(401).assertChallenge("DPoP error=\"use_dpop_nonce\", algs=\"" + ALGS + "\"");
        assertThat(expired.header("DPoP-Nonce")).isNotEqualTo(nonce);
    }

    @Test
    void sharedNonceSecretLetsAnotherNodeAcceptTheNonce() {
        byte[] secret = new byte[32];
        FakeClient a = tester(
                DpopPolicy.builder().serverNonces(Duration.ofMinutes(1), secret).build());
        FakeClient b = tester(
                DpopPolicy.builder().serverNonces(Duration.ofMinutes(1), secret).build());
        String token = boundToken();
        String nonce = a.send(payment(token, KEY.proof("POST", URI, token))).header("DPoP-Nonce");
        b.send(payment(
                        token,
                        KEY.proofFor("POST", URI)
                                .accessToken(token)
                                .nonce(nonce)
                                .sign()))
                .assertAllowed();
    }

    @Test
    void forwardedHostAndProtoBuildHtuOnlyFromATrustedProxy() {
        FakeClient tester = tester(DpopPolicy.builder()
                .trustedProxies(TrustedProxies.of("10.0.0.1"))
                .build());
        String token = boundToken();
        String publicUri = "https://api.example.com/payments";
        Function<String, FakeRequest> behindProxy = proof -> payment(token, proof)
                .scheme("http")
                .port(8080)
                .header("X-Forwarded-Host", "api.example.com")
                .header("X-Forwarded-Proto", "https");

        tester.send(behindProxy.apply(KEY.proof("POST", publicUri, token)).remoteAddress("10.0.0.1"))
                .assertAllowed();
        tester.send(behindProxy.apply(KEY.proof("POST", publicUri, token)).remoteAddress("192.0.2.9"))
                .assertStatus(401)
                .assertChallenge(INVALID_PROOF);
        tester.send(behindProxy
                        .apply(KEY.proof("POST", "http://localhost:8080/payments", token))
                        .remoteAddress("192.0.2.9"))
                .assertAllowed();
    }

    @Test
    void configuredOriginsFixTheHtuWhateverTheHostHeaderSays() {
        FakeClient tester = tester(DpopPolicy.builder()
                .origins("HTTPS://API.example.com:443/", "https://api2.example.com")
                .build());
        String token = boundToken();
        // the request names another host: only the configured origins count
        tester.send(payment(token, KEY.proof("POST", "https://api.example.com/payments", token))
                        .host("other.example"))
                .assertAllowed();
        tester.send(payment(token, KEY.proof("POST", "https://api2.example.com/payments?x=1", token))
                        .host("other.example"))
                .assertAllowed();
        // a proof made for another origin, replayed with that origin in Host: refused
        tester.send(payment(token, KEY.proof("POST", "https://other.example/payments", token))
                        .host("other.example"))
                .assertStatus(401)
                .assertChallenge(INVALID_PROOF);
        tester.send(payment(token, KEY.proof("POST", URI, token)))
                .assertStatus(401)
                .assertChallenge(INVALID_PROOF);
        tester.send(payment(token, KEY.proof("POST", "https://api.example.com/other", token))
                        .host("api.example.com"))
                .assertStatus(401)
                .assertChallenge(INVALID_PROOF);
    }

    @Test
    void withoutOriginsTheHostHeaderNamesTheOrigin() {
        String token = boundToken();
        tester().send(payment(token, KEY.proof("POST", "https://other.example/payments", token))
                        .host("other.example"))
                .assertAllowed();
    }

    @Test
    void originsMustBeBareHttpOrigins() {
        for (String bad : List.of(
                "api.example.com",
                "https://api.example.com/v1",
                "https://api.example.com?x",
                "https://u@api.example.com",
                "ftp://api.example.com",
                "https://api.example.com#f",
                "")) {
            assertThatThrownBy(() -> DpopPolicy.builder().origins(bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("origins:");
        }
        assertThat(DpopPolicy.builder()
                        .origins("https://API.example.com:443", "http://a.example:8080/")
                        .build()
                        .origins())
                .containsExactly("https://api.example.com", "http://a.example:8080");
    }

    @Test
    void verifierAloneChecksAProofWithoutTokenAsAtATokenEndpoint() {
        DpopProofVerifier verifier = DpopProofVerifier.of(DpopPolicy.defaults());
        String endpoint = "https://auth.example/token";
        String proof = KEY.proof("POST", endpoint, null);

        assertThat(verifier.verify(proof, "POST", "HTTPS://AUTH.EXAMPLE:443/token", null, null, NOW))
                .isEqualTo(new DpopVerification.Verified(KEY.thumbprint()));
        assertThat(verifier.verify(proof, "POST", endpoint, null, null, NOW))
                .isEqualTo(new DpopVerification.Rejected(DpopVerification.Reason.REPLAYED));
        assertThat(verifier.verify(KEY.proof("POST", endpoint, null), "POST", endpoint, "some-token", null, NOW))
                .isEqualTo(new DpopVerification.Rejected(DpopVerification.Reason.MISSING_CLAIM));
    }

    @Test
    void policyRefusesSymmetricAlgorithmsAndBadSettings() {
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> DpopPolicy.builder().algorithms(JWSAlgorithm.HS256))
                .hasMessageContaining("algorithms");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> DpopPolicy.builder().iatWindow(Duration.ofHours(1)))
                .hasMessageContaining("iatWindow");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> DpopPolicy.builder().serverNonces(Duration.ofMinutes(1), new byte[8]))
                .hasMessageContaining("secret");
    }
}
