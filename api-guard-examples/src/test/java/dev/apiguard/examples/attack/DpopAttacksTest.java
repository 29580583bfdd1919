package dev.apiguard.examples.attack;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.util.JSONObjectUtils;
import dev.apiguard.ApiGuard;
import dev.apiguard.LocalReplayCache;
import dev.apiguard.binding.DpopPolicy;
import dev.apiguard.binding.DpopStep;
import dev.apiguard.test.GuardTester;
import dev.apiguard.test.TestRequest;
import dev.apiguard.test.fixtures.DpopKey;
import dev.apiguard.test.fixtures.DpopProofBuilder;
import dev.apiguard.token.AccessTokenStep;
import dev.apiguard.token.KeySource;
import dev.apiguard.token.TokenPolicy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * security-cases §D (docs/security-cases.md), DPoP (RFC 9449), against the demo server over real HTTPS: each proof is
 * built for the request URI the server sees ({@code https://127.0.0.1:PORT/payments}); the demo
 * accepts proofs whose {@code iat} is within 60 s and keeps seen {@code jti}s in a local replay
 * cache of 100,000 entries. The flood to the cache's capacity runs in process, with a small cache
 * behind the same steps.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DpopAttacksTest {

    AttackServer s;
    final DpopKey key = DpopKey.ec();
    String htu;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        s = AttackServer.start(dir);
        htu = s.htu("/payments");
    }

    @AfterAll
    void stop() throws Exception {
        s.close();
    }

    String token(DpopKey k) {
        return s.issuer
                .token()
                .clientId("partner-a")
                .scope("payments:write")
                .boundToDpopKey(k.publicJwk())
                .sign();
    }

    DpopProofBuilder proof(String token) {
        return key.proofFor("POST", htu).accessToken(token);
    }

    Answer pay(String authorization, String proof) throws Exception {
        return proof == null
                ? s.pay(s.clientA, "Authorization", authorization).assertDocumented(false, List.of(201))
                : s.pay(s.clientA, "Authorization", authorization, "DPoP", proof)
                        .assertDocumented(false, List.of(201));
    }

    void refused(String token, String proof) throws Exception {
        pay("DPoP " + token, proof).assertInvalidProof();
    }

    void accepted(String token, String proof) throws Exception {
        pay("DPoP " + token, proof).assertStatus(201);
    }

    @Test
    @DisplayName("D0 a DPoP-bound token with its proof creates a payment (so each refusal below is the attack's doing)")
    void d0_goodProofIsAccepted() throws Exception {
        String t = token(key);
        accepted(t, proof(t).sign());
    }

    // ---- D1 missing parts ----------------------------------------------------------------------

    @ParameterizedTest(name = "without {0}")
    @ValueSource(strings = {"typ", "alg", "jwk"})
    @DisplayName("D1 a proof without typ, alg or jwk in its header: invalid_dpop_proof")
    void d1_proofWithoutAHeaderMemberIsRefused(String member) throws Exception {
        String t = token(key);
        refused(t, proof(t).withoutHeader(member).sign());
    }

    @ParameterizedTest(name = "without {0}")
    @ValueSource(strings = {"jti", "htm", "htu", "iat", "ath"})
    @DisplayName("D1 a proof without jti, htm, htu, iat or ath: invalid_dpop_proof")
    void d1_proofWithoutAClaimIsRefused(String claim) throws Exception {
        String t = token(key);
        refused(t, proof(t).without(claim).sign());
    }

    // ---- D2 header ---------------------------------------------------------------------------

    @ParameterizedTest(name = "typ \"{0}\"")
    @ValueSource(strings = {"JWT", "jwt", "at+jwt", "dpop", "dpop+jwt ", "application/dpop+jwt", ""})
    @DisplayName("D2 typ not dpop+jwt: invalid_dpop_proof")
    void d2_typOtherThanDpopJwtIsRefused(String typ) throws Exception {
        String t = token(key);
        refused(t, proof(t).type(typ).sign());
    }

    @Test
    @DisplayName("D2 alg none, HS256 keyed with the public key, an alg the key does not sign with: invalid_dpop_proof")
    void d2_unsignedOrSymmetricProofIsRefused() throws Exception {
        String t = token(key);
        refused(t, proof(t).unsigned());
        refused(t, proof(t).header("alg", "none").sign());
        refused(t, proof(t).signedWithHs256(key.publicJwk().toJSONString().getBytes(StandardCharsets.UTF_8)));
        refused(t, proof(t).signedWithHs256(key.thumbprint().getBytes(StandardCharsets.US_ASCII)));
        refused(t, proof(t).header("alg", "ES384").sign());
        refused(t, proof(t).header("alg", "RS256").sign());
    }

    @Test
    @DisplayName(
            "D2 ES384 and ES512, correctly signed with keys of their curves, are outside the policy: invalid_dpop_proof")
    void d2_algorithmOutsideThePolicyIsRefused() throws Exception {
        for (Object[] pair : new Object[][] {{Curve.P_384, JWSAlgorithm.ES384}, {Curve.P_521, JWSAlgorithm.ES512}}) {
            ECKey k = new ECKeyGenerator((Curve) pair[0]).generate();
            String t = s.issuer
                    .token()
                    .clientId("partner-a")
                    .scope("payments:write")
                    .boundToDpopKey(k.toPublicJWK())
                    .sign();
            refused(t, signed(k, (JWSAlgorithm) pair[1], k.toPublicJWK().toJSONObject(), t));
        }
    }

    @Test
    @DisplayName(
            "D2 a bad signature, a private key in jwk, an oct or a 1024-bit RSA jwk (also behind zero bytes): invalid_dpop_proof")
    void d2_badSignatureOrUnfitKeyIsRefused() throws Exception {
        String t = token(key);
        refused(t, proof(t).signedBy(DpopKey.ec()));
        refused(t, proof(t).privateJwkInHeader().sign());
        Map<String, Object> withD = new LinkedHashMap<>(key.publicJwk().toJSONObject());
        withD.put("d", key.privateJwk().toJSONObject().get("d"));
        refused(t, proof(t).header("jwk", withD).sign());
        refused(
                t,
                proof(t).header("jwk", Map.of("kty", "oct", "k", "c2VjcmV0"))
                        .signedWithHs256("secret".getBytes(StandardCharsets.US_ASCII)));
        refused(t, proof(t).header("jwk", "not a key").sign());

        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(1024);
        var pair = g.generateKeyPair();
        RSAKey small = new RSAKey.Builder((RSAPublicKey) pair.getPublic())
                .privateKey((RSAPrivateKey) pair.getPrivate())
                .build();
        String smallToken = s.issuer
                .token()
                .clientId("partner-a")
                .scope("payments:write")
                .boundToDpopKey(small.toPublicJWK())
                .sign();
        refused(
                smallToken,
                signed(small, JWSAlgorithm.RS256, small.toPublicJWK().toJSONObject(), smallToken));

        // the same 1024-bit key with 128 zero bytes in front of n: Nimbus's RSAKey.size() counts 2048 bits
        Map<String, Object> padded = new LinkedHashMap<>(small.toPublicJWK().toJSONObject());
        byte[] n = small.getModulus().decode();
        byte[] withZeros = new byte[256];
        System.arraycopy(n, 0, withZeros, 128, n.length);
        padded.put("n", Base64.getUrlEncoder().withoutPadding().encodeToString(withZeros));
        assertThat(RSAKey.parse(padded).size()).isEqualTo(2048);
        String paddedToken = s.issuer
                .token()
                .clientId("partner-a")
                .scope("payments:write")
                .boundToDpopKey(RSAKey.parse(padded))
                .sign();
        refused(paddedToken, signed(small, JWSAlgorithm.RS256, padded, paddedToken));
    }

    @Test
    @DisplayName("D2 typ in another case is the same media type: accepted")
    void d2_typInAnotherCaseIsAccepted() throws Exception {
        String t = token(key);
        accepted(t, proof(t).type("DPoP+JWT").sign());
    }

    // ---- D3 htm and htu ----------------------------------------------------------------------

    @Test
    @DisplayName("D3 htm or htu that is not the request's: invalid_dpop_proof")
    void d3_htmOrHtuOfAnotherRequestIsRefused() throws Exception {
        String t = token(key);
        int port = s.server.port();
        for (DpopProofBuilder p : List.of(
                proof(t).htm("GET"),
                proof(t).htm("post"),
                proof(t).htm("POST "),
                proof(t).htu("https://localhost:" + port + "/payments"),
                proof(t).htu("http://127.0.0.1:" + port + "/payments"),
                proof(t).htu("https://127.0.0.1:" + (port + 1) + "/payments"),
                proof(t).htu("https://127.0.0.1/payments"),
                proof(t).htu(htu + "/"),
                proof(t).htu(htu.replace("/payments", "/PAYMENTS")),
                proof(t).htu(htu.replace("/payments", "/x/../payments")),
                proof(t).htu(htu.replace("https://", "https://user@")),
                proof(t).htu("/payments"),
                proof(t).htu("payments"),
                proof(t).htu(""),
                proof(t).htu("https://127.0.0.1:" + port + "/payments;x"),
                proof(t).htu(htu.replace("https", "wss")),
                proof(t).htu(htu + "\u0000"),
                proof(t).htu(htu.replace("127.0.0.1", "127.0.0.1.")),
                proof(t).claim("htu", List.of(htu)))) {
            refused(t, p.sign());
        }
    }

    @ParameterizedTest(name = "htu {0}")
    @ValueSource(strings = {"?ref=7", "#fragment", "?a=1#b", "?"})
    @DisplayName("D3 htu with a query or fragment names the same resource (RFC 9449 §4.3): accepted")
    void d3_htuWithQueryOrFragmentIsAccepted(String suffix) throws Exception {
        String t = token(key);
        accepted(t, proof(t).htu(htu + suffix).sign());
        accepted(
                t,
                proof(t).htu(htu.toUpperCase(java.util.Locale.ROOT).replace("/PAYMENTS", "/payments") + suffix)
                        .sign());
    }

    // ---- D4 iat -------------------------------------------------------------------------------

    @Test
    @DisplayName("D4 iat an hour off either way, or not an integer: invalid_dpop_proof; a few seconds off: accepted")
    void d4_iatWindow() throws Exception {
        String t = token(key);
        refused(t, proof(t).iatOffset(Duration.ofHours(-1)).sign());
        refused(t, proof(t).iatOffset(Duration.ofHours(1)).sign());
        refused(
                t,
                proof(t).claim("iat", String.valueOf(Instant.now().getEpochSecond()))
                        .sign());
        refused(t, proof(t).claim("iat", Instant.now().getEpochSecond() + 0.5).sign());
        refused(t, proof(t).claim("iat", Long.MAX_VALUE).sign());
        refused(t, proof(t).claim("iat", -1).sign());
        accepted(t, proof(t).iatOffset(Duration.ofSeconds(-5)).sign());
        accepted(t, proof(t).iatOffset(Duration.ofSeconds(5)).sign());
    }

    // ---- D5 replay -----------------------------------------------------------------------------

    @Test
    @DisplayName("D5 the same proof twice, or its jti in a new proof: the second is refused")
    void d5_replayIsRefused() throws Exception {
        String t = token(key);
        String jti = UUID.randomUUID().toString();
        String first = proof(t).jti(jti).sign();
        accepted(t, first);
        refused(t, first);
        refused(t, proof(t).jti(jti).iatOffset(Duration.ofSeconds(-1)).sign());
    }

    @Test
    @DisplayName("D5 a replay after the cache was flooded with 150 other jtis is still refused")
    void d5_replayAfterAFloodIsRefused() throws Exception {
        String t = token(key);
        String first = proof(t).sign();
        accepted(t, first);
        for (int i = 0; i < 150; i++) {
            accepted(t, proof(t).sign());
        }
        refused(t, first);
    }

    @Test
    @DisplayName("D5 a replay cache flooded to capacity refuses new proofs (fail closed) and still refuses replays")
    void d5_fullReplayCacheFailsClosed() {
        LocalReplayCache cache = LocalReplayCache.withMaximumSize(16);
        ApiGuard guard = ApiGuard.builder()
                .step(AccessTokenStep.of(TokenPolicy.builder()
                        .audience(AttackServer.AUDIENCE)
                        .issuer(AttackServer.ISSUER, KeySource.fixed(s.issuer.publicJwks()))
                        .build()))
                .step(DpopStep.of(DpopPolicy.defaults(), cache))
                .build();
        GuardTester tester = GuardTester.of(guard);
        String uri = "https://api.attack.test/payments";
        String t = token(key);
        String first = key.proof("POST", uri, t);
        List<String> proofs = new java.util.ArrayList<>();
        proofs.add(first);
        for (int i = 1; i < 16; i++) {
            proofs.add(key.proof("POST", uri, t));
        }
        for (String p : proofs) {
            tester.send(request(t, p)).assertAllowed();
        }
        assertThat(cache.size()).isEqualTo(16);
        String fresh = key.proof("POST", uri, t);
        tester.send(request(t, fresh)).assertDenied(401).assertNoEcho(t).assertNoEcho(fresh);
        tester.send(request(t, first)).assertDenied(401).assertNoEcho(t).assertNoEcho(first);
    }

    static TestRequest request(String token, String proof) {
        return TestRequest.post("/payments")
                .scheme("https")
                .host("api.attack.test")
                .port(443)
                .dpop(token, proof);
    }

    // ---- D6 ath and the token's key -----------------------------------------------------------

    @Test
    @DisplayName("D6 ath of another token, or a proof key that is not the token's cnf.jkt: refused")
    void d6_athAndJktMustMatch() throws Exception {
        String t = token(key);
        String other = token(key);
        refused(t, proof(other).sign());
        refused(t, proof(t).ath(DpopProofBuilder.athOf(other)).sign());
        refused(t, proof(t).ath(DpopProofBuilder.athOf(t) + "=").sign());
        refused(
                t,
                proof(t).ath(Base64.getUrlEncoder().encodeToString(new byte[32]))
                        .sign());
        DpopKey thief = DpopKey.ec();
        refused(t, thief.proof("POST", htu, t));
    }

    // ---- D7 downgrade ---------------------------------------------------------------------------

    @Test
    @DisplayName("D7 a DPoP-bound token sent as Bearer (with or without a proof): 401 Bearer invalid_token")
    void d7_dpopBoundTokenAsBearerIsRefused() throws Exception {
        String t = token(key);
        pay("Bearer " + t, null).assertInvalidToken();
        pay("Bearer " + t, proof(t).sign()).assertInvalidToken();
    }

    @Test
    @DisplayName("D7 an unbound token sent with the DPoP scheme and a proof: 401 DPoP invalid_token")
    void d7_unboundTokenAsDpopIsRefused() throws Exception {
        String plain =
                s.issuer.token().clientId("partner-a").scope("payments:write").sign();
        pay("DPoP " + plain, key.proof("POST", htu, plain))
                .assertRefused(401, "DPoP error=\"invalid_token\", " + Answer.DPOP_ALGS);
    }

    // ---- D8 no credential ---------------------------------------------------------------------

    @Test
    @DisplayName("D8 no credential (and a proof alone): 401 with both Bearer and DPoP algs challenges")
    void d8_noCredentialIsOfferedBothSchemes() throws Exception {
        s.pay(s.noCertificate).assertUnauthenticated();
        s.pay(s.noCertificate, "DPoP", key.proof("POST", htu, null)).assertUnauthenticated();
    }

    // ---- variants over the raw client -------------------------------------------------------------

    @Test
    @DisplayName("D+ two DPoP headers, an empty one, or a 9 KB proof: refused, never 500")
    void dRaw_duplicateEmptyOrOversizedProofIsRefused() throws Exception {
        String t = token(key);
        rawPay(t, "DPoP: " + proof(t).sign(), "DPoP: " + proof(t).sign()).assertInvalidProof();
        rawPay(t, "DPoP: " + proof(t).sign() + ", " + proof(t).sign()).assertInvalidProof();
        rawPay(t, "DPoP:").assertInvalidProof();
        Answer big = rawPay(
                t, "DPoP: " + proof(t).claim("padding", "p".repeat(9_000)).sign());
        assertThat(big.status()).isIn(0, 401, 431);
    }

    @Test
    @DisplayName("D+ the proof as the access token, the token as the proof: refused")
    void dSwap_proofAndTokenSwappedAreRefused() throws Exception {
        String t = token(key);
        String p = proof(t).sign();
        Answer a = pay("DPoP " + p, t);
        assertThat(a.status()).isEqualTo(401);
        refused(t, t);
    }

    @Test
    @DisplayName("D+ a proof for another origin is refused at this server's own origin")
    void dHost_proofForAnotherOriginIsRefusedHere() throws Exception {
        String t = token(key);
        for (String origin :
                List.of("https://other-api.example", "https://127.0.0.1", "https://localhost:" + s.server.port())) {
            refused(t, key.proofFor("POST", origin + "/payments").accessToken(t).sign());
        }
    }

    @Test
    @DisplayName(
            "D3+ a proof made for another origin, sent with that origin in Host: accepted by default, refused with --dpop-origin")
    void dHost_configuredOriginRefusesAProofForTheOriginInTheHostHeader(@TempDir Path dir) throws Exception {
        String t = token(key);
        String foreignProof = key.proofFor("POST", "https://other-api.example/payments")
                .accessToken(t)
                .sign();
        // the default takes the origin from the Host header, as RFC 9449 §4.3 reads the request URI
        hostedAt(s, "other-api.example", t, foreignProof).assertStatus(201);
        try (AttackServer fixed = s.sibling(dir, "--dpop-origin", "https://api.attack.test")) {
            hostedAt(
                            fixed,
                            "other-api.example",
                            t,
                            key.proofFor("POST", "https://other-api.example/payments")
                                    .accessToken(t)
                                    .sign())
                    .assertDocumentedRefusal()
                    .assertInvalidProof();
            hostedAt(fixed, "127.0.0.1:" + fixed.server.port(), t, proof(t).sign())
                    .assertInvalidProof();
            hostedAt(
                            fixed,
                            "other-api.example",
                            t,
                            key.proofFor("POST", "https://api.attack.test/payments")
                                    .accessToken(t)
                                    .sign())
                    .assertStatus(201);
        }
    }

    /** A raw payment with the given Host header. */
    static Answer hostedAt(AttackServer server, String host, String token, String proof) throws Exception {
        return server.raw(server.rawRequest(
                                "POST",
                                "/payments",
                                "Authorization: DPoP " + token,
                                "DPoP: " + proof,
                                "Content-Type: application/json",
                                "Content-Length: 2")
                        .replace("Host: 127.0.0.1:" + server.server.port(), "Host: " + host)
                        .replace("\r\n\r\n", "\r\n\r\n{}"))
                .assertDocumented(false, List.of(201));
    }

    Answer rawPay(String token, String... proofLines) throws Exception {
        String[] lines = new String[proofLines.length + 3];
        lines[0] = "Authorization: DPoP " + token;
        System.arraycopy(proofLines, 0, lines, 1, proofLines.length);
        lines[lines.length - 2] = "Content-Type: application/json";
        lines[lines.length - 1] = "Content-Length: 2";
        return s.raw(s.rawRequest("POST", "/payments", lines).replace("\r\n\r\n", "\r\n\r\n{}"))
                .assertDocumented(true, List.of());
    }

    /** A proof signed with any key and algorithm, the JWK given as the header's jwk. */
    String signed(JWK privateKey, JWSAlgorithm alg, Map<String, Object> jwk, String token) throws Exception {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("typ", "dpop+jwt");
        header.put("alg", alg.getName());
        header.put("jwk", jwk);
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("jti", UUID.randomUUID().toString());
        claims.put("htm", "POST");
        claims.put("htu", htu);
        claims.put("iat", Instant.now().getEpochSecond());
        claims.put("ath", DpopProofBuilder.athOf(token));
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String input = b64.encodeToString(JSONObjectUtils.toJSONString(header).getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(JSONObjectUtils.toJSONString(claims).getBytes(StandardCharsets.UTF_8));
        byte[] bytes = input.getBytes(StandardCharsets.US_ASCII);
        String sig = privateKey instanceof ECKey ec
                ? new ECDSASigner(ec).sign(new JWSHeader(alg), bytes).toString()
                : new RSASSASigner((RSAKey) privateKey, true)
                        .sign(new JWSHeader(alg), bytes)
                        .toString();
        return input + "." + sig;
    }
}
