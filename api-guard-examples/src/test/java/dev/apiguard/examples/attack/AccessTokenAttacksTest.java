package dev.apiguard.examples.attack;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.sun.net.httpserver.HttpServer;
import dev.apiguard.test.fixtures.BrokenTokens;
import dev.apiguard.test.fixtures.IssuedCertificate;
import dev.apiguard.test.fixtures.PublicKeyForm;
import dev.apiguard.test.fixtures.TokenBuilder;
import dev.apiguard.token.JwksOptions;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.interfaces.ECPrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * security-cases §A (docs/security-cases.md), access tokens, against the demo server over real HTTPS, and the variants an
 * attacker tries next. The issuer's keys come from a JWKS URL served by a local HTTP server that
 * counts its fetches; the same server plays the attacker's key endpoints ({@code jku},
 * {@code x5u}) and counts any call the guard would make to them (there must be none).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AccessTokenAttacksTest {

    static final String SECOND_ISSUER = "https://second-issuer.attack.test";

    AttackServer s;
    final dev.apiguard.test.fixtures.LocalIssuer second =
            dev.apiguard.test.fixtures.LocalIssuer.ec(SECOND_ISSUER).audience(AttackServer.AUDIENCE);
    HttpServer keys;
    final AtomicInteger jwksFetches = new AtomicInteger();
    /** {@code System.nanoTime()} before the key set could first be fetched, which opens Nimbus' first rate-limit window. */
    long beforeFirstFetch;

    final AtomicInteger attackerCalls = new AtomicInteger();
    String attackerUrl;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        beforeFirstFetch = System.nanoTime();
        keys = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        String[] jwks = new String[1];
        keys.createContext("/jwks", exchange -> {
            jwksFetches.incrementAndGet();
            byte[] body = jwks[0].getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        keys.createContext("/second-jwks", exchange -> {
            byte[] body = second.jwksJson().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        keys.createContext("/attacker", exchange -> {
            attackerCalls.incrementAndGet();
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
        });
        keys.start();
        String base = "http://127.0.0.1:" + keys.getAddress().getPort();
        attackerUrl = base + "/attacker/jwks.json";
        // two accepted issuers, each with its own key set
        s = AttackServer.start(
                dir, "--jwks", base + "/jwks", "--issuer", SECOND_ISSUER, "--jwks", base + "/second-jwks");
        jwks[0] = s.issuer.jwksJson();
    }

    @AfterAll
    void stop() throws Exception {
        s.close();
        keys.stop(0);
    }

    TokenBuilder reader() {
        return s.issuer.token().clientId("partner-a").scope("customers:read");
    }

    Answer call(String token) throws Exception {
        return s.bearer("/customers/" + s.tag, token).assertDocumented(false, List.of(200));
    }

    void refused(String token) throws Exception {
        call(token).assertInvalidToken();
    }

    void accepted(String token) throws Exception {
        call(token).assertStatus(200);
    }

    @Test
    @DisplayName("A0 a well-formed token is accepted (so every refusal below is the attack's doing)")
    void a0_wellFormedTokenIsAccepted() throws Exception {
        accepted(reader().sign());
    }

    // ---- A1 alg none ---------------------------------------------------------------------------

    @ParameterizedTest(name = "alg \"{0}\"")
    @ValueSource(strings = {"none", "None", "NONE", "nOnE", "none ", " none", "none\u0000", "nonE\t"})
    @DisplayName("A1 alg none in any spelling is 401")
    void a1_algNoneInAnySpellingIs401(String spelling) throws Exception {
        refused(reader().unsigned(spelling));
    }

    @Test
    @DisplayName("A1 alg none with the signature of a good token kept is 401")
    void a1_algNoneWithARealSignatureIs401() throws Exception {
        String good = reader().sign();
        String none = reader().unsigned();
        refused(none + good.substring(good.lastIndexOf('.') + 1));
    }

    static Stream<Arguments> algOfTheWrongType() {
        return Stream.of(
                Arguments.of("null", null),
                Arguments.of("number", 256),
                Arguments.of("empty", ""),
                Arguments.of("array", List.of("RS256")),
                Arguments.of("object", Map.of("name", "RS256")),
                Arguments.of("lower case", "rs256"),
                Arguments.of("padded", "RS256 "));
    }

    @ParameterizedTest(name = "alg {0}")
    @MethodSource("algOfTheWrongType")
    @DisplayName("A1 alg that is not an allowed algorithm's exact name is 401 (signature made with RS256)")
    void a1_algOfTheWrongTypeOrSpellingIs401(String name, Object alg) throws Exception {
        refused(reader().header("alg", alg).sign());
    }

    // ---- A2 signature ---------------------------------------------------------------------------

    @Test
    @DisplayName("A2 truncated, empty, flipped, borrowed or removed signature, altered payload: 401")
    void a2_brokenSignaturesAre401() throws Exception {
        String good = reader().sign();
        String other =
                s.issuer.token().clientId("partner-b").scope("customers:read").sign();
        String headerAndPayload = good.substring(0, good.lastIndexOf('.'));
        for (String token : List.of(
                reader().truncatedSignature(),
                reader().emptySignature(),
                reader().tamperedSignature(),
                headerAndPayload + other.substring(other.lastIndexOf('.')),
                headerAndPayload,
                headerAndPayload + ".AAAA",
                reader().alteredPayload(),
                reader().alteredPayload("client_id", "partner-b"),
                reader().alteredPayload(
                                "exp",
                                Instant.now().plus(Duration.ofMinutes(30)).getEpochSecond()))) {
            refused(token);
        }
    }

    // ---- A3 key confusion ----------------------------------------------------------------------

    @ParameterizedTest(name = "HS256 keyed with the public key as {0}")
    @ValueSource(strings = {"PEM", "DER", "JWK_N", "JWK_N_DECODED"})
    @DisplayName("A3 HS256 signed with the issuer's RSA public key is 401")
    void a3_hs256WithThePublicKeyIs401(String form) throws Exception {
        refused(reader().signedWithHs256UsingPublicKey(PublicKeyForm.valueOf(form)));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"HS384", "HS512"})
    @DisplayName("A3 HS384 and HS512 keyed with the public key PEM are 401")
    void a3_otherHmacAlgorithmsWithThePublicKeyAre401(String alg) throws Exception {
        TokenBuilder b = reader().header("alg", alg);
        String input = b64(b.headerJson()) + "." + b64(b.payloadJson());
        Mac mac = Mac.getInstance("Hmac" + alg.replace("HS", "SHA"));
        mac.init(new SecretKeySpec(s.issuer.publicKeyBytes(PublicKeyForm.PEM), mac.getAlgorithm()));
        refused(input + "."
                + Base64.getUrlEncoder()
                        .withoutPadding()
                        .encodeToString(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII))));
    }

    // ---- A4 algorithm outside the policy --------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"RS384", "RS512", "PS384", "PS512"})
    @DisplayName("A4 the issuer's own key with an algorithm outside the policy (RS256 PS256 ES256 EdDSA) is 401")
    void a4_validKeyWithAnAlgorithmOutsideThePolicyIs401(String alg) throws Exception {
        refused(reader().algorithm(alg).sign());
        accepted(reader().algorithm("PS256").sign());
    }

    // ---- A5 kid and embedded keys ---------------------------------------------------------------

    static Stream<Arguments> hostileKids() {
        return Stream.of(
                Arguments.of("unknown", UUID.randomUUID().toString()),
                Arguments.of("path traversal", "../../../../etc/passwd"),
                Arguments.of("file URL", "file:///dev/random"),
                Arguments.of("SQL", "' OR '1'='1' --"),
                Arguments.of("4 KB", "k".repeat(4096)),
                Arguments.of("NUL", "kid\u0000"),
                Arguments.of("empty", ""),
                Arguments.of("number", 7),
                Arguments.of("object", Map.of("$ne", "")));
    }

    @ParameterizedTest(name = "kid {0}")
    @MethodSource("hostileKids")
    @DisplayName("A5 a kid that names no key of the issuer is 401, whatever it holds")
    void a5_hostileKidIs401(String name, Object kid) throws Exception {
        refused(reader().header("kid", kid).signedWith(s.impostor));
        refused(reader().header("kid", kid).sign());
    }

    @Test
    @DisplayName("A5 a token signed by another key under the issuer's kid is 401")
    void a5_impostorKeyUnderTheIssuersKidIs401() throws Exception {
        refused(reader().signedWith(s.impostor));
    }

    @Test
    @DisplayName("A5 a token of the second accepted issuer, with its own key, is accepted")
    void a5_secondIssuerWithItsOwnKeyIsAccepted() throws Exception {
        accepted(second.token().clientId("partner-b").scope("customers:read").sign());
    }

    @Test
    @DisplayName("A5 a token naming the first issuer but signed by the second issuer's key, with that key's kid: 401")
    void a5_anotherTrustedIssuersKeyDoesNotSignForThisIssuer() throws Exception {
        refused(second.token()
                .issuer(AttackServer.ISSUER)
                .clientId("partner-a")
                .scope("customers:read")
                .sign());
        refused(reader().keyId(second.keyId()).signedWith(second));
    }

    @Test
    @DisplayName("A5 a flood of random kids fetches the key set at most twice (Nimbus: two per 30 s interval)")
    void a5_floodOfRandomKidsFetchesTheKeySetAtMostTwice() throws Exception {
        accepted(reader().sign()); // the key set is loaded
        int before = jwksFetches.get();
        for (int i = 0; i < 150; i++) {
            refused(s.impostor
                    .token()
                    .clientId("partner-a")
                    .scope("customers:read")
                    .keyId(UUID.randomUUID().toString())
                    .sign());
        }
        // Nimbus' rate limit: two fetches per window of at least 30 s, counted from before the first
        // fetch (which opened the first window; plus a millisecond: Nimbus reads the wall clock in ms).
        // Not "at most two during the flood": a window opened by an earlier test, with a fetch left, may
        // close during the flood, and the next allows two more (three fetches in a flood of seconds)
        long windows = (System.nanoTime() - beforeFirstFetch + 1_000_000)
                        / JwksOptions.defaults().minRefreshInterval().toNanos()
                + 1;
        assertThat(jwksFetches.get())
                .as("fetches in %d window(s), %d before the flood", windows, before)
                .isLessThanOrEqualTo((int) (2 * windows));
        accepted(reader().sign());
    }

    @Test
    @DisplayName("A5 a key embedded in the header (jwk) is never trusted")
    void a5_embeddedJwkIsNotTrusted() throws Exception {
        Map<String, Object> attackerKey = s.impostor.publicJwk().toJSONObject();
        refused(s.impostor
                .token()
                .clientId("partner-a")
                .scope("customers:read")
                .header("jwk", attackerKey)
                .sign());
        refused(reader().header("jwk", attackerKey).signedWith(s.impostor));
    }

    @Test
    @DisplayName("A5 jku and x5u pointing at the attacker: 401, and the guard never calls them")
    void a5_jkuAndX5uAreNeverFetched() throws Exception {
        for (String member : List.of("jku", "x5u")) {
            refused(s.impostor
                    .token()
                    .clientId("partner-a")
                    .scope("customers:read")
                    .header(member, attackerUrl)
                    .sign());
            refused(reader().header(member, attackerUrl).signedWith(s.impostor));
        }
        assertThat(attackerCalls.get()).isZero();
    }

    @Test
    @DisplayName("A5 a certificate chain embedded in the header (x5c) is never trusted")
    void a5_embeddedX5cIsNotTrusted() throws Exception {
        IssuedCertificate attacker = s.pki.selfSigned("attacker");
        TokenBuilder b = reader().header("alg", "ES256")
                .withoutHeader("kid")
                .header(
                        "x5c",
                        List.of(Base64.getEncoder()
                                .encodeToString(attacker.certificate().getEncoded())));
        String input = b64(b.headerJson()) + "." + b64(b.payloadJson());
        String sig = new ECDSASigner((ECPrivateKey) attacker.privateKey())
                .sign(new JWSHeader(JWSAlgorithm.ES256), input.getBytes(StandardCharsets.US_ASCII))
                .toString();
        refused(input + "." + sig);
    }

    // ---- A6 typ ---------------------------------------------------------------------------------

    static Stream<Arguments> refusedTypes() {
        return Stream.of(
                Arguments.of("JWT"),
                Arguments.of("jwt"),
                Arguments.of("application/jwt"),
                Arguments.of("at+jwt "),
                Arguments.of("at+jwt;v=1"),
                Arguments.of("dpop+jwt"),
                Arguments.of(""),
                Arguments.of((Object) null),
                Arguments.of(1));
    }

    @ParameterizedTest(name = "typ {0}")
    @MethodSource("refusedTypes")
    @DisplayName("A6 typ that is not at+jwt (an ID token's JWT among them) is 401")
    void a6_typOtherThanAtJwtIs401(Object typ) throws Exception {
        refused(reader().header("typ", typ).sign());
    }

    @Test
    @DisplayName("A6 typ absent is 401")
    void a6_typAbsentIs401() throws Exception {
        refused(reader().withoutType().sign());
    }

    @ParameterizedTest(name = "typ {0}")
    @ValueSource(strings = {"at+jwt", "AT+JWT", "At+Jwt", "application/at+jwt", "APPLICATION/AT+JWT"})
    @DisplayName("A6 at+jwt and application/at+jwt in any case are accepted")
    void a6_atJwtInAnyCaseIsAccepted(String typ) throws Exception {
        accepted(reader().type(typ).sign());
    }

    // ---- A7 iss and aud ------------------------------------------------------------------------

    static Stream<Arguments> refusedIssuersAndAudiences() {
        return Stream.of(
                Arguments.of("iss missing", "iss", null),
                Arguments.of("iss foreign", "iss", "https://evil.example"),
                Arguments.of("iss with a trailing slash", "iss", AttackServer.ISSUER + "/"),
                Arguments.of("iss upper case", "iss", AttackServer.ISSUER.toUpperCase(java.util.Locale.ROOT)),
                Arguments.of("iss with a Cyrillic e", "iss", AttackServer.ISSUER.replace("e", "\u0435")),
                Arguments.of("iss as array", "iss", List.of(AttackServer.ISSUER)),
                Arguments.of("aud missing", "aud", null),
                Arguments.of("aud foreign", "aud", "https://another-api.example"),
                Arguments.of("aud with a trailing slash", "aud", AttackServer.AUDIENCE + "/"),
                Arguments.of("aud empty array", "aud", List.of()),
                Arguments.of("aud array without ours", "aud", List.of("https://a.example", "https://b.example")),
                Arguments.of("aud object", "aud", Map.of("aud", AttackServer.AUDIENCE)),
                Arguments.of("aud number", "aud", 1));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedIssuersAndAudiences")
    @DisplayName("A7 iss missing or not accepted, aud missing or not ours: 401")
    void a7_wrongIssuerOrAudienceIs401(String name, String claim, Object value) throws Exception {
        TokenBuilder b = reader();
        refused((value == null ? b.without(claim).claim(claim, null) : b.claim(claim, value)).sign());
        if (value == null) {
            refused(reader().without(claim).sign());
        }
    }

    @Test
    @DisplayName("A7 aud array that contains ours is accepted")
    void a7_audArrayContainingOursIsAccepted() throws Exception {
        accepted(reader().audience("https://another-api.example", AttackServer.AUDIENCE)
                .sign());
    }

    @Test
    @DisplayName("A7 iss spelt with JSON unicode escapes is the same string: accepted; an escaped look-alike is not")
    void a7_unicodeEscapesInIss() throws Exception {
        TokenBuilder b = reader();
        String escaped = b.payloadJson().replace("\"iss\":\"https", "\"iss\":\"\\u0068ttps");
        assertThat(escaped).contains("\\u0068ttps");
        accepted(s.issuer.signRaw(b.headerJson(), escaped));
        String lookalike = b.payloadJson().replace("\"iss\":\"https", "\"iss\":\"\\u04bbttps");
        refused(s.issuer.signRaw(b.headerJson(), lookalike));
    }

    // ---- A8 time ------------------------------------------------------------------------------

    @Test
    @DisplayName("A8 no exp, expired beyond the 60 s skew, nbf or iat beyond the skew in the future: 401")
    void a8_timeClaimsOutsideTheSkewAre401() throws Exception {
        Instant now = Instant.now();
        refused(reader().without("exp").sign());
        refused(reader().issuedAt(now.minusSeconds(600))
                .expiresAt(now.minusSeconds(120))
                .sign());
        refused(reader().notBefore(now.plusSeconds(600)).sign());
        refused(reader().issuedAt(now.plusSeconds(600)).sign());
        refused(reader().without("iat").sign());
    }

    @Test
    @DisplayName("A8 expired within the skew, nbf within the skew: accepted")
    void a8_timeClaimsWithinTheSkewAreAccepted() throws Exception {
        Instant now = Instant.now();
        accepted(reader().issuedAt(now.minusSeconds(600))
                .expiresAt(now.minusSeconds(20))
                .sign());
        accepted(reader().notBefore(now.plusSeconds(20)).sign());
    }

    // ---- A9 lifetime and absurd dates ----------------------------------------------------------

    static Stream<Arguments> absurdDates() {
        return Stream.of(
                Arguments.of("exp", Long.MAX_VALUE),
                Arguments.of("exp", Long.MIN_VALUE),
                Arguments.of("exp", 1e30),
                Arguments.of("exp", 9.2233720368547758E18),
                Arguments.of("exp", 1L << 53),
                Arguments.of("exp", 253_402_300_800L),
                Arguments.of("exp", -1),
                Arguments.of("exp", 0),
                Arguments.of("exp", Instant.now().getEpochSecond() + 60.5),
                Arguments.of("exp", Double.MAX_VALUE),
                Arguments.of("iat", -1),
                Arguments.of("iat", 1e30),
                Arguments.of("nbf", -1e300),
                Arguments.of("exp", new java.math.BigInteger("1" + "0".repeat(400))));
    }

    @ParameterizedTest(name = "{0} = {1}")
    @MethodSource("absurdDates")
    @DisplayName("A9 exp, iat, nbf near 2^63, 1e30, negative, fractional or huge: 401")
    void a9_absurdNumericDatesAre401(String claim, Object value) throws Exception {
        refused(reader().claim(claim, value).sign());
    }

    @Test
    @DisplayName("A9 lifetime over the policy's 1 h (exp − iat, or exp far from now) is 401")
    void a9_lifetimeOverPolicyIs401() throws Exception {
        Instant now = Instant.now();
        refused(reader().lifetime(Duration.ofHours(2)).sign());
        refused(reader().lifetime(Duration.ofDays(3650)).sign());
        refused(reader().issuedAt(now.minusSeconds(30))
                .expiresAt(now.plus(Duration.ofHours(3)))
                .sign());
        accepted(reader().lifetime(Duration.ofMinutes(59)).sign());
    }

    // ---- A10 claim types -----------------------------------------------------------------------

    static Stream<Arguments> wrongTypes() {
        return Stream.of(
                Arguments.of("exp", "4102444800"),
                Arguments.of("aud", Map.of("x", "y")),
                Arguments.of("scope", 42),
                Arguments.of("scope", List.of("customers:read")),
                Arguments.of("iat", "now"),
                Arguments.of("nbf", true),
                Arguments.of("client_id", 42),
                Arguments.of("sub", Map.of()),
                Arguments.of("jti", 1),
                Arguments.of("cnf", "bound"),
                Arguments.of("cnf", Map.of()),
                Arguments.of("cnf", Map.of("x5t#S256", 42)),
                Arguments.of("cnf", Map.of("x5u", "https://evil.example")),
                Arguments.of("client_id", ""),
                Arguments.of("aud", List.of(AttackServer.AUDIENCE, 7)));
    }

    @ParameterizedTest(name = "{0} = {1}")
    @MethodSource("wrongTypes")
    @DisplayName("A10 claims of the wrong JSON type are 401")
    void a10_claimsOfTheWrongTypeAre401(String claim, Object value) throws Exception {
        refused(reader().claim(claim, value).sign());
    }

    // ---- A11 malformed --------------------------------------------------------------------------

    @Test
    @DisplayName("A11 2 or 4 segments, empty segments, bad base64url, trailing garbage, JSON array: 401")
    void a11_malformedTokensAre401() throws Exception {
        String good = reader().sign();
        String[] p = good.split("\\.");
        for (String token : List.of(
                BrokenTokens.twoSegments(good),
                BrokenTokens.fourSegments(good),
                BrokenTokens.emptyHeader(good),
                BrokenTokens.emptyPayload(good),
                BrokenTokens.onlyDots(),
                "...",
                BrokenTokens.badBase64Url(good),
                BrokenTokens.withTrailingGarbage(good),
                BrokenTokens.withTrailingGarbage(good, "."),
                BrokenTokens.withTrailingGarbage(good, ".."),
                BrokenTokens.withTrailingGarbage(good, "=="),
                BrokenTokens.topLevelJsonArray(s.issuer),
                p[0] + "=." + p[1] + "." + p[2],
                p[0] + "." + p[1] + "==." + p[2],
                p[0] + "." + p[1] + "." + standardBase64(p[2]),
                "." + good,
                good.replace(".", ".."))) {
            refused(token);
        }
    }

    @Test
    @DisplayName("A11 header or payload that is not a JSON object, not UTF-8, or nested 2,000 deep: 401")
    void a11_oddJsonIs401() throws Exception {
        TokenBuilder b = reader();
        // deep enough to overflow a recursive parser, small enough for the 8 KiB header limit
        String deep = "[".repeat(2000) + "]".repeat(2000);
        for (String[] hp : List.of(
                new String[] {"[]", b.payloadJson()},
                new String[] {b.headerJson(), "null"},
                new String[] {b.headerJson(), "\"claims\""},
                new String[] {b.headerJson(), "{}"},
                new String[] {b.headerJson(), b.payloadJson().replace("}", ",\"x\":" + deep + "}")},
                new String[] {b.headerJson(), b.payloadJson() + "{}"})) {
            refused(s.issuer.signRaw(hp[0], hp[1]));
        }
        String input = b64(b.headerJson()) + "."
                + Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[] {(byte) 0xC3, (byte) 0x28, '{', '}'
                });
        refused(input + ".AAAA");
    }

    @Test
    @DisplayName("A11 duplicate members in header or claims never widen what is accepted")
    void a11_duplicateJsonMembersAre401() throws Exception {
        TokenBuilder b = reader();
        // the first alg is none; the last RS256 matches the signature
        refused(s.issuer.signRaw(b.headerJson().replace("{", "{\"alg\":\"none\","), b.payloadJson()));
        // two audiences: a foreign one last, then ours last
        refused(s.issuer.signRaw(b.headerJson(), b.payloadJson().replace("}", ",\"aud\":\"https://evil.example\"}")));
        refused(s.issuer.signRaw(b.headerJson(), b.payloadJson().replace("{", "{\"aud\":\"https://evil.example\",")));
        // a second scope granting more
        refused(s.issuer.signRaw(b.headerJson(), b.payloadJson().replace("}", ",\"scope\":\"guard:admin\"}")));
    }

    @Test
    @DisplayName("A11 crit with unknown or b64 parameters, unencoded payload (b64:false), nested JWT: 401")
    void a11_critB64AndNestedJwtAre401() throws Exception {
        refused(reader().header("crit", List.of("exp")).header("exp", 1).sign());
        refused(reader().header("crit", List.of()).sign());
        refused(reader().header("crit", List.of("b64")).header("b64", false).sign());
        TokenBuilder b = reader().header("b64", false).header("crit", List.of("b64"));
        String unencoded = b64(b.headerJson()) + "." + b.payloadJson() + ".AAAA";
        refused(unencoded);
        // nested: the payload is another (valid) token, announced by cty JWT
        String inner = reader().sign();
        TokenBuilder outer = reader().header("cty", "JWT");
        refused(s.issuer.signRaw(outer.headerJson(), inner));
    }

    @Test
    @DisplayName("A11 whitespace inside or after the token: 401")
    void a11_whitespaceInsideTheTokenIs401() throws Exception {
        String good = reader().sign();
        int cut = good.length() / 2;
        call(good.substring(0, cut) + " " + good.substring(cut)).assertInvalidToken();
        s.rawGet("Authorization: Bearer " + good.substring(0, cut) + "\t" + good.substring(cut))
                .assertDocumentedRefusal()
                .assertInvalidToken();
        call(good + " x").assertInvalidToken();
    }

    // ---- A12 size --------------------------------------------------------------------------------

    @Test
    @DisplayName("A12 a 100 KB token is refused before parsing: 431 from the container (or the connection closed)")
    void a12_hundredKilobyteTokenIsRefused() throws Exception {
        Answer a = s.rawGet("Authorization: Bearer " + BrokenTokens.oversized(100_000));
        a.assertDocumented(true, List.of());
        assertThat(a.status()).isIn(0, 400, 401, 431);
    }

    @Test
    @DisplayName("A12 a 7 KB token that fits the header limit is parsed no further than its signature: 401")
    void a12_largeJunkTokenUnderTheHeaderLimitIs401() throws Exception {
        refused(BrokenTokens.oversized(7_000));
        refused(reader().claim("padding", "x".repeat(5_000)).signedWith(s.impostor));
    }

    // ---- A13 JWE -------------------------------------------------------------------------------

    @Test
    @DisplayName("A13 a 5-segment JWE, and a JWS that says enc, are 401")
    void a13_jweIs401() throws Exception {
        refused(BrokenTokens.fiveSegmentsJwe());
        String dir = b64("{\"alg\":\"dir\",\"enc\":\"A128CBC-HS256\",\"typ\":\"at+jwt\"}");
        refused(dir + "..AAAAAAAAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA");
        refused(reader().header("enc", "A256GCM").sign());
    }

    // ---- A14 token elsewhere -------------------------------------------------------------------

    @Test
    @DisplayName("A14 a token in the query string or the form body is not used")
    void a14_tokenInQueryOrFormIsNotUsed() throws Exception {
        String token = reader().sign();
        s.get("/customers/" + s.tag + "?access_token=" + token, null).assertUnauthenticated();
        String pay = s.issuer
                .token()
                .clientId("partner-a")
                .scope("payments:write")
                .boundToCertificate(s.partnerA.certificate())
                .sign();
        String form = "access_token=" + pay;
        Answer a = s.send(
                s.clientA,
                s.request("/payments")
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(form))
                        .build(),
                pay);
        a.assertUnauthenticated();
        assertThat(a.first("Connection")).contains("close");
    }

    // ---- A15 two Authorization headers ---------------------------------------------------------

    @Test
    @DisplayName("A15 two Authorization headers, whatever their case and schemes: 400 invalid_request")
    void a15_twoAuthorizationHeadersAre400() throws Exception {
        String good = reader().sign();
        String other = s.issuer
                .token()
                .clientId("partner-b")
                .scope("customers:read guard:admin")
                .sign();
        for (String[] lines : List.of(
                new String[] {"Authorization: Bearer " + good, "Authorization: Bearer " + good},
                new String[] {"Authorization: Bearer " + good, "authorization: Bearer " + other},
                new String[] {"AUTHORIZATION: Bearer " + good, "Authorization: Basic dXNlcjpwYXNz"},
                new String[] {"Authorization: Basic dXNlcjpwYXNz", "Authorization: Bearer " + good},
                new String[] {"Authorization: Bearer " + good, "Authorization: DPoP " + other},
                new String[] {"Authorization: Bearer " + good, "Authorization:"})) {
            s.rawGet(lines).assertDocumentedRefusal().assertRefused(400, Answer.INVALID_REQUEST);
        }
    }

    @Test
    @DisplayName("A15 two tokens in one Authorization header: 401")
    void a15_twoTokensInOneHeaderAre401() throws Exception {
        String good = reader().sign();
        s.get("/customers/" + s.tag, "Bearer " + good + ", Bearer " + good).assertInvalidToken();
        s.get("/customers/" + s.tag, "Bearer " + good + ",Bearer " + good).assertInvalidToken();
    }

    // ---- scheme spellings and header abuse (raw) ------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"bearer ", "BEARER ", "bEaReR ", "Bearer  ", "Bearer     "})
    @DisplayName("A-scheme the scheme name in any case, then one or more spaces: accepted (RFC 9110 §11.1)")
    void aScheme_caseInsensitiveSchemeIsAccepted(String prefix) throws Exception {
        s.rawGet("Authorization: " + prefix + reader().sign())
                .assertDocumented(false, List.of(200))
                .assertStatus(200);
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(
            strings = {
                "Bearer\t{t}",
                "Bearer \t{t}",
                "Bearer",
                "Bearer ",
                "Bearer ,",
                "Bearer \"{t}\"",
                "Bearer %20{t}",
                "Bearer {t},"
            })
    @DisplayName("A-scheme Bearer without a token68 after spaces (tab, nothing, quotes): 401 invalid_token")
    void aScheme_bearerWithoutAProperTokenIs401(String value) throws Exception {
        s.rawGet("Authorization: " + value.replace("{t}", reader().sign()))
                .assertDocumentedRefusal()
                .assertInvalidToken();
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"Bearer:", "Bearer=", "Bearertoken", "Token ", "Basic ", "JWT ", "B\u00e9arer "})
    @DisplayName("A-scheme another scheme (or none) with a good token is no credential: 401 without error")
    void aScheme_otherSchemeIsNoCredential(String prefix) throws Exception {
        s.rawGet("Authorization: " + prefix + reader().sign())
                .assertDocumentedRefusal()
                .assertUnauthenticated();
    }

    @Test
    @DisplayName(
            "A-header obs-fold, NUL, CR and other control bytes, DEL, non-ASCII in the Authorization header: refused, never 500")
    void aHeader_controlBytesAndFoldingAreRefused() throws Exception {
        String good = reader().sign();
        int cut = good.length() / 2;
        String head = good.substring(0, cut);
        String tail = good.substring(cut);
        for (String line : List.of(
                "Authorization: Bearer\r\n " + good,
                "Authorization: Bearer " + head + "\r\n\t" + tail,
                "Authorization: Bearer " + head + "\u0000" + tail,
                "Authorization: Bearer " + good + "\u0000",
                "Authorization: Bearer " + head + "\u0001" + tail,
                "Authorization: Bearer " + head + "\u007f" + tail,
                "Authorization: Bearer " + head + "\u00e9" + tail,
                "Authorization: Bearer " + head + "\r" + tail,
                "Authorization : Bearer " + good,
                " Authorization: Bearer " + good,
                "Authorization\u0000: Bearer " + good)) {
            Answer a = s.rawGet(line).assertDocumentedRefusal();
            assertThat(a.status()).as(line).isIn(400, 401);
        }
    }

    @Test
    @DisplayName("A-header a 20 KB header, and 500 headers: 431 or 400, never 500")
    void aHeader_oversizedHeadersAreRefused() throws Exception {
        s.rawGet("Authorization: Bearer " + reader().sign(), "X-Padding: " + "p".repeat(20_000))
                .assertDocumented(true, List.of());
        String[] many = new String[500];
        for (int i = 0; i < many.length; i++) {
            many[i] = "X-H" + i + ": v";
        }
        s.rawGet(many).assertDocumented(true, List.of());
    }

    // ---- several requests over one connection (raw keep-alive) ---------------------------------

    @Test
    @DisplayName(
            "A-keepalive a token that differs from the one before it on the connection only in the case of a letter is read as sent: 401, and the token after it 200")
    void aKeepAlive_caseVariantOfTheConnectionsPreviousTokenIsReadAsSent() throws Exception {
        // Jetty's header cache, case-insensitive by default, handed such a line the previous
        // request's value: the variant was answered 200 after the token, the token 401 after the
        // variant (issue 13; DemoServer sets HttpConfiguration.setHeaderCacheCaseSensitive(true))
        String good = reader().sign();
        String variant = caseFlipped(good);
        List<String> tags = dev.apiguard.examples.CustomerDirectory.demo().all().stream()
                .skip(100)
                .limit(8)
                .map(dev.apiguard.examples.CustomerDirectory.Customer::serviceTag)
                .toList();

        List<Answer> goodFirst = s.rawOverOneConnection(
                keepAliveGet(tags.get(0), "Authorization: Bearer " + good),
                keepAliveGet(tags.get(1), "Authorization: Bearer " + variant),
                keepAliveGet(tags.get(2), "Authorization: Bearer " + good));
        List<Answer> variantFirst = s.rawOverOneConnection(
                keepAliveGet(tags.get(3), "Authorization: Bearer " + variant),
                keepAliveGet(tags.get(4), "Authorization: Bearer " + good),
                keepAliveGet(tags.get(5), "Authorization: Bearer " + variant));
        // the header name and the scheme in other letters as well
        List<Answer> otherSpelling = s.rawOverOneConnection(
                keepAliveGet(tags.get(6), "Authorization: Bearer " + good),
                keepAliveGet(tags.get(7), "authorization: bearer " + variant));

        assertThat(Stream.of(goodFirst, variantFirst, otherSpelling)
                        .flatMap(List::stream)
                        .map(Answer::status))
                .as("three connections: token, variant, token | variant, token, variant | token, variant")
                .containsExactly(200, 401, 200, 401, 200, 401, 200, 401);
        ownRecord(goodFirst.get(0), tags.get(0));
        goodFirst.get(1).assertDocumentedRefusal().assertInvalidToken();
        ownRecord(goodFirst.get(2), tags.get(2));
        variantFirst.get(0).assertDocumentedRefusal().assertInvalidToken();
        ownRecord(variantFirst.get(1), tags.get(4));
        variantFirst.get(2).assertDocumentedRefusal().assertInvalidToken();
        ownRecord(otherSpelling.get(0), tags.get(6));
        otherSpelling.get(1).assertDocumentedRefusal().assertInvalidToken();
    }

    String keepAliveGet(String tag, String... headerLines) {
        return s.keepAliveRequest("GET", "/customers/" + tag, headerLines);
    }

    static void ownRecord(Answer answer, String tag) {
        answer.assertStatus(200);
        assertThat(answer.body()).as("the record asked for").contains("\"serviceTag\":\"" + tag + "\"");
    }

    /** The token with the case of one letter of its signature flipped ({@code a} to {@code A} or back). */
    static String caseFlipped(String token) {
        int signature = token.lastIndexOf('.') + 1;
        for (int i = signature + 8; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
                char flipped = Character.isUpperCase(c) ? Character.toLowerCase(c) : Character.toUpperCase(c);
                return token.substring(0, i) + flipped + token.substring(i + 1);
            }
        }
        throw new IllegalStateException("no letter in the signature");
    }

    /** The base64url segment in the standard alphabet ({@code +/}), which it must then contain. */
    static String standardBase64(String segment) {
        String std = segment.replace('-', '+').replace('_', '/');
        assertThat(std).as("a segment with - or _").isNotEqualTo(segment);
        return std;
    }

    static String b64(String text) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
