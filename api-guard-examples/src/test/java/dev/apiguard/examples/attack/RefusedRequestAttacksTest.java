package dev.apiguard.examples.attack;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.apiguard.test.fixtures.DpopProofBuilder;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Refused requests that escaped the rate limits, or cost the guard work for nobody (issue 13,
 * item 3), against demo servers over real HTTPS with client certificates: {@code budget} gives
 * each caller 5 requests per 10 minutes (anomaly scoring observing), {@code s} has the suite's
 * unlimited defaults.
 *
 * <p>Before 7e143f0 route authorization ran before the rate limit: a verified caller's 404, 405
 * and 403 never reached its bucket (600 requests to an unmapped route in 0.22 s, all 404, at a
 * limit of 50 a second); a token sent to the public {@code /health} was verified (an RSA check per
 * junk token, 401); and a DPoP proof could carry an RSA key of up to 8,192 bits. The binding
 * refusals' side (a stolen bound token against the sender's address) is in
 * {@link StolenCredentialAttacksTest}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RefusedRequestAttacksTest {

    EventLog events;
    AttackServer s;
    AttackServer budget;
    AttackServer peers;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        events = EventLog.capture();
        s = AttackServer.start(Files.createDirectories(dir.resolve("unlimited")));
        budget = s.sibling(Files.createDirectories(dir.resolve("budget")), "--rate-limit", "5/10m");
        peers = s.sibling(Files.createDirectories(dir.resolve("peers")), "--anonymous-rate-limit", "5/10m");
    }

    @AfterAll
    void stop() throws Exception {
        s.close();
        budget.close();
        peers.close();
        events.close();
    }

    // ---- a verified caller's refusals count against its budget -----------------------------------

    @ParameterizedTest(name = "{0} {1}: {2}")
    @CsvSource({"GET, /nope, 404", "DELETE, /customers/TAG, 405", "GET, /admin/inventory, 403"})
    @DisplayName("R1 a verified caller's 404, 405 or 403, 5 times: then 429 on it and on the caller's own route "
            + "(before: refused without end, and 200)")
    void r1_refusalsOfAVerifiedCallerCountAgainstItsBucket(String method, String path, int refused) throws Exception {
        String token = budget.issuer
                .token()
                .clientId("r1-" + refused)
                .scope("customers:read")
                .sign();
        HttpRequest request = budget.request(path.replace("TAG", budget.tag))
                .header("Authorization", "Bearer " + token)
                .method(method, HttpRequest.BodyPublishers.noBody())
                .build();
        int mark = events.mark();
        for (int i = 0; i < 5; i++) {
            Answer a = budget.send(budget.clientA, request).assertDocumentedRefusal();
            if (refused == 403) {
                a.assertRefused(403, "Bearer error=\"insufficient_scope\", scope=\"guard:admin\"");
            } else {
                a.assertRefused(refused);
            }
            if (refused == 405) {
                assertThat(a.first("Allow")).hasValue("GET, HEAD");
            }
        }
        assertLimited(budget.send(budget.clientA, request));
        assertLimited(budget.bearer("/customers/" + budget.tag, token));
        assertThat(events.since(
                        mark, "ratelimit.limited", "caller", "r1-" + refused, "bucket", "caller", "plan", "default"))
                .hasSize(2);
    }

    static void assertLimited(Answer a) {
        a.assertDocumentedRefusal().assertRefused(429);
        assertThat(a.first("RateLimit-Policy")).hasValue("\"burst\";q=5;w=600");
        assertThat(a.first("Retry-After"))
                .hasValueSatisfying(v -> assertThat(Long.parseLong(v)).isBetween(1L, 600L));
        assertThat(a.body()).contains("rate-limited");
    }

    // ---- a public route reads no credential --------------------------------------------------------

    @Test
    @DisplayName("R2 a badly signed token (or a junk API key) sent 20 times to the public GET /health: 200, no "
            + "token.rejected event (before: 401, an RSA check each); the same on /customers: 401 and the event")
    void r2_publicRouteNeverVerifiesACredential() throws Exception {
        String forged =
                s.issuer.token().clientId("r2-forger").scope("customers:read").signedWith(s.impostor);
        String junkKey = "agk_" + "0".repeat(52);
        int mark = events.mark();
        for (int i = 0; i < 20; i++) {
            Answer health = s.get("/health", "Bearer " + forged).assertStatus(200);
            assertThat(health.challenges()).isEmpty();
            assertThat(health.body()).isEqualTo("{\"status\":\"ok\"}");
        }
        s.send(
                        s.clientA,
                        s.request("/health").header("X-API-Key", junkKey).GET().build())
                .assertStatus(200);
        s.bearer("/customers/" + s.tag, forged).assertDocumentedRefusal().assertInvalidToken();
        s.send(
                        s.clientA,
                        s.request("/customers/" + s.tag)
                                .header("X-API-Key", junkKey)
                                .GET()
                                .build())
                .assertDocumentedRefusal()
                .assertRefused(401, "Bearer");
        // the controls show the log is read: the refusals on /customers are there, none on /health
        events.await(mark, 1, "token.rejected", "path", "/customers/" + s.tag, "reason", "bad_signature");
        events.await(mark, 1, "apikey.rejected", "path", "/customers/" + s.tag);
        assertThat(events.since(mark)).as("events of /health").noneMatch(e -> "/health".equals(e.field("path")));
    }

    @Test
    @DisplayName("R4 forged tokens POSTed to /health (a path exempt from the anonymous limit, not a public route "
            + "for POST): 5 × 401 then 429, each refusal counted against the peer; before: 401 without end, each a "
            + "signature check")
    void r4_forgedTokensToAnExemptPathWithAnotherMethodEscapeTheAnonymousLimit() throws Exception {
        // only this test uses the peers server: its peer budget (5 per 10 minutes) is whole here
        assertThat(forgedPosts("/health")).as("POST /health").containsExactly(401, 401, 401, 401, 401, 429, 429, 429);
        // the five refusals of POST /health spent the peer's budget: the control path is refused at once
        assertThat(forgedPosts("/payments")).as("POST /payments after").containsOnly(429);
    }

    /** The answers to 8 forged tokens POSTed to the path, with the number of signatures checked. */
    private List<Integer> forgedPosts(String path) throws Exception {
        int mark = events.mark();
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            String forged = peers.issuer
                    .token()
                    .clientId("r4-forger")
                    .scope("payments:write")
                    .signedWith(peers.impostor);
            statuses.add(peers.send(
                            peers.clientA,
                            peers.request(path)
                                    .header("Authorization", "Bearer " + forged)
                                    .header("Content-Type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString(AttackServer.PAYMENT))
                                    .build())
                    .assertDocumentedRefusal()
                    .status());
        }
        int verified = events.since(mark, "token.rejected", "path", path, "reason", "bad_signature")
                .size();
        assertThat(verified).as("signatures checked on %s", path).isEqualTo((int)
                statuses.stream().filter(x -> x == 401).count());
        return statuses;
    }

    // ---- DPoP proof keys ---------------------------------------------------------------------------

    @Test
    @DisplayName("R3 a DPoP proof signed with a 4,097-bit RSA key: 401 invalid_dpop_proof (before: 201, keys up to "
            + "8,192 bits); with a 4,096-bit key: 201")
    void r3_dpopProofRsaKeyOver4096BitsIsRefused() throws Exception {
        CompletableFuture<RSAKey> largest = CompletableFuture.supplyAsync(() -> rsa(4096));
        RSAKey over = rsa(4097);
        assertThat(over.getModulus().decodeToBigInteger().bitLength()).isEqualTo(4097);
        String tooLarge = boundTo(over);
        int mark = events.mark();
        s.pay(s.clientA, "Authorization", "DPoP " + tooLarge, "DPoP", rsaProof(over, tooLarge))
                .assertDocumentedRefusal()
                .assertInvalidProof();
        assertThat(events.since(mark, "dpop.proof_rejected", "caller", "r3-rsa", "reason", "bad_jwk"))
                .hasSize(1);
        RSAKey fits = largest.join();
        assertThat(fits.getModulus().decodeToBigInteger().bitLength()).isEqualTo(4096);
        String token = boundTo(fits);
        s.pay(s.clientA, "Authorization", "DPoP " + token, "DPoP", rsaProof(fits, token))
                .assertStatus(201);
    }

    static RSAKey rsa(int bits) {
        try {
            return new RSAKeyGenerator(bits).generate();
        } catch (com.nimbusds.jose.JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    String boundTo(RSAKey key) {
        return s.issuer
                .token()
                .clientId("r3-rsa")
                .scope("payments:write")
                .boundToDpopKey(key.toPublicJWK())
                .sign();
    }

    /** A good RS256 proof for {@code POST /payments} made with the key. */
    String rsaProof(RSAKey key, String token) throws Exception {
        SignedJWT proof = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.RS256)
                        .type(new JOSEObjectType("dpop+jwt"))
                        .jwk(key.toPublicJWK())
                        .build(),
                new JWTClaimsSet.Builder()
                        .jwtID(UUID.randomUUID().toString())
                        .claim("htm", "POST")
                        .claim("htu", s.htu("/payments"))
                        .issueTime(new Date())
                        .claim("ath", DpopProofBuilder.athOf(token))
                        .build());
        proof.sign(new RSASSASigner(key));
        return proof.serialize();
    }
}
