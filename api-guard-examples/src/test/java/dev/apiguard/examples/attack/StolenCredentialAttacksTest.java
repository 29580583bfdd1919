package dev.apiguard.examples.attack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.test.fixtures.DpopKey;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bound token in a thief's hands (issue 13, item 1, and the binding part of item 3), against
 * demo servers over real HTTPS with client certificates, anomaly scoring enforcing. The thief has
 * partner-a's token, bound to partner-a's certificate ({@code cnf.x5t#S256}) or DPoP key
 * ({@code cnf.jkt}), but not the certificate's or the key's private half.
 *
 * <p>Before 7e143f0 each refusal counted against the owner: some 20 of them got partner-a
 * quarantined by the anomaly scorer ({@code failures}), and its own next request was answered 429
 * for 15 minutes. Now a binding refusal withdraws the caller: the request counts against the
 * sender's address (the anonymous per-peer limit), a {@code credential.misused} event names the
 * owner, and the inventory counts the misuse on the owner's token credential.
 *
 * <p>Each test runs a demo server of its own (about 0.2 s to start), so that counts are exact.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StolenCredentialAttacksTest {

    static final String OWNER = "partner-a";

    EventLog events;
    AttackServer base;
    Path dir;
    int servers;

    @BeforeAll
    void start(@TempDir Path tmp) throws Exception {
        events = EventLog.capture();
        dir = tmp;
        base = AttackServer.start(Files.createDirectories(dir.resolve("base")));
    }

    @AfterAll
    void stop() throws Exception {
        base.close();
        events.close();
    }

    /** A fresh demo server (same CA and issuer) with the flags. */
    AttackServer server(String... flags) throws Exception {
        return base.sibling(Files.createDirectories(dir.resolve("s" + ++servers)), flags);
    }

    String certificateBound(AttackServer s) {
        return s.issuer
                .token()
                .clientId(OWNER)
                .scope("payments:write")
                .boundToCertificate(s.partnerA.certificate())
                .sign();
    }

    String dpopBound(AttackServer s, DpopKey key) {
        return s.issuer
                .token()
                .clientId(OWNER)
                .scope("payments:write")
                .boundToDpopKey(key.publicJwk())
                .sign();
    }

    static String admin(AttackServer s) {
        return s.issuer.token().clientId("guard-admin").scope("guard:admin").sign();
    }

    /** {@code POST /payments} with {@code Authorization: scheme token} and, when not null, the proof. */
    static Answer pay(AttackServer s, HttpClient client, String scheme, String token, String proof) throws Exception {
        Answer a = proof == null
                ? s.pay(client, "Authorization", scheme + " " + token)
                : s.pay(client, "Authorization", scheme + " " + token, "DPoP", proof);
        return a.assertDocumented(false, List.of(201));
    }

    /** Asserts the owner's token credential in the inventory: misuses, lastMisused and the flag. */
    static Map<String, Object> assertMisused(Inventory inventory, String issuer, long misuses, Instant from) {
        Map<String, Object> owner = inventory.caller(OWNER, issuer);
        Map<String, Object> token = Inventory.credential(owner, "token");
        assertThat(token.get("id")).isEqualTo(OWNER);
        assertThat(token.get("issuer")).isEqualTo(issuer);
        assertThat(Inventory.number(token.get("misuses"))).isEqualTo(misuses);
        assertThat(Instant.parse((String) token.get("lastMisused")))
                .isBetween(from, Instant.now().plusSeconds(1));
        assertThat(Inventory.list(token.get("flags"))).contains("misused");
        return owner;
    }

    // ---- item 1: the owner is no longer punished for the thief ------------------------------------

    @Test
    @DisplayName("S1 a certificate-bound token sent 60 times without its certificate or over partner-b's: 401 each, "
            + "credential.misused names the owner; the owner is then served 201 (before: quarantined, 429), "
            + "and its budget of 4 is whole")
    void s1_stolenCertificateBoundTokenNeverGetsItsOwnerQuarantined() throws Exception {
        try (AttackServer s = server("--anomaly", "enforce", "--rate-limit", "4/10m")) {
            String token = certificateBound(s);
            String admin = admin(s);
            Instant from = Instant.now().truncatedTo(ChronoUnit.SECONDS);
            int mark = events.mark();
            pay(s, s.clientA, "Bearer", token, null).assertStatus(201);

            for (int i = 0; i < 30; i++) {
                pay(s, s.noCertificate, "Bearer", token, null).assertInvalidToken();
                pay(s, s.clientB, "Bearer", token, null).assertInvalidToken();
            }

            // 20 refusals charged to partner-a quarantined it before; now it is served
            pay(s, s.clientA, "Bearer", token, null).assertStatus(201);

            assertThat(events.since(
                            mark,
                            "credential.misused",
                            "caller",
                            OWNER,
                            "reason",
                            "no_certificate",
                            "kind",
                            "bearer_jwt",
                            "method",
                            "POST",
                            "path",
                            "/payments"))
                    .hasSize(30);
            assertThat(events.since(
                            mark,
                            "credential.misused",
                            "caller",
                            OWNER,
                            "reason",
                            "thumbprint_mismatch",
                            "kind",
                            "bearer_jwt",
                            "method",
                            "POST",
                            "path",
                            "/payments"))
                    .hasSize(30);
            assertThat(events.since(mark, "certificate.binding_failed", "caller", OWNER))
                    .hasSize(60);
            assertThat(events.since(mark))
                    .as("no anomaly event about the owner")
                    .noneMatch(e -> e.type().startsWith("anomaly.") && OWNER.equals(e.field("caller")));

            Inventory inventory = Inventory.read(s, admin);
            Map<String, Object> owner = assertMisused(inventory, AttackServer.ISSUER, 60, from);
            // the thief's 60 requests are not the owner's: its two payments only
            assertThat(Inventory.number(owner.get("requestCount"))).isEqualTo(2);
            assertThat(owner.get("anomalyScore"))
                    .satisfiesAnyOf(
                            score -> assertThat(score).isNull(),
                            score -> assertThat(Inventory.number(score)).isZero());
            Map<String, Object> certificate = Inventory.credential(owner, "certificate");
            assertThat(Inventory.number(certificate.get("misuses"))).isZero();
            assertThat(Inventory.list(certificate.get("flags"))).doesNotContain("misused");
            assertThat(inventory.summary("misusedCredentials")).isEqualTo(1);

            // nor did they spend the owner's budget: payments 3 and 4 pass, the fifth is limited
            pay(s, s.clientA, "Bearer", token, null).assertStatus(201);
            pay(s, s.clientA, "Bearer", token, null).assertStatus(201);
            Answer limited = pay(s, s.clientA, "Bearer", token, null).assertRefused(429);
            assertThat(limited.first("RateLimit-Policy")).hasValue("\"burst\";q=4;w=600");
            assertThat(limited.body()).contains("rate-limited");
        }
    }

    @Test
    @DisplayName("S2 a DPoP-bound token sent 40 times as Bearer, without a proof, with the thief's own proof, with the "
            + "owner's proof replayed: 401 each, credential.misused names the owner; the owner is served 201 "
            + "(before: quarantined, 429)")
    void s2_stolenDpopBoundTokenNeverGetsItsOwnerQuarantined() throws Exception {
        try (AttackServer s = server("--anomaly", "enforce")) {
            DpopKey key = DpopKey.ec();
            DpopKey thief = DpopKey.ec();
            String token = dpopBound(s, key);
            String htu = s.htu("/payments");
            Instant from = Instant.now().truncatedTo(ChronoUnit.SECONDS);
            int mark = events.mark();
            String captured = key.proof("POST", htu, token);
            pay(s, s.clientA, "DPoP", token, captured).assertStatus(201);

            for (int i = 0; i < 10; i++) {
                pay(s, s.clientB, "Bearer", token, null).assertInvalidToken();
                pay(s, s.clientB, "DPoP", token, null).assertInvalidProof();
                pay(s, s.clientB, "DPoP", token, thief.proof("POST", htu, token))
                        .assertInvalidProof();
                pay(s, s.clientB, "DPoP", token, captured).assertInvalidProof();
            }

            pay(s, s.clientA, "DPoP", token, key.proof("POST", htu, token)).assertStatus(201);

            for (String reason : List.of("bound_token_as_bearer", "missing", "jkt_mismatch", "replayed")) {
                assertThat(events.since(mark, "credential.misused", "caller", OWNER, "reason", reason))
                        .as("credential.misused reason=%s", reason)
                        .hasSize(10);
            }
            assertThat(events.since(mark))
                    .as("no anomaly event about the owner")
                    .noneMatch(e -> e.type().startsWith("anomaly.") && OWNER.equals(e.field("caller")));

            Map<String, Object> owner = assertMisused(Inventory.read(s, admin(s)), AttackServer.ISSUER, 40, from);
            assertThat(Inventory.number(owner.get("requestCount"))).isEqualTo(2);
        }
    }

    // ---- item 3: the thief's refusals count against the thief's address ---------------------------

    @Test
    @DisplayName("S3 stolen bound tokens (no certificate, DPoP-bound as Bearer, a forged proof) from one address: "
            + "5 × 401, then 429 by the anonymous limit (before: 401 without end); the owners are still served 201 "
            + "from that address")
    void s3_bindingRefusalsCountAgainstTheSendersAddress() throws Exception {
        try (AttackServer s = server("--anonymous-rate-limit", "5/10m", "--anomaly", "enforce")) {
            String certificateToken = certificateBound(s);
            DpopKey key = DpopKey.ec();
            String dpopToken = dpopBound(s, key);
            String htu = s.htu("/payments");
            int mark = events.mark();
            // the owners, first: a credential that authenticated is let past the per-address gate
            pay(s, s.clientA, "Bearer", certificateToken, null).assertStatus(201);
            pay(s, s.clientA, "DPoP", dpopToken, key.proof("POST", htu, dpopToken))
                    .assertStatus(201);

            DpopKey thief = DpopKey.ec();
            List<Attempt> attempts = List.of(
                    () -> pay(s, s.noCertificate, "Bearer", certificateToken, null),
                    () -> pay(s, s.noCertificate, "Bearer", dpopToken, null),
                    () -> pay(s, s.noCertificate, "DPoP", dpopToken, thief.proof("POST", htu, dpopToken)));
            attempts.get(0).send().assertInvalidToken();
            attempts.get(1).send().assertInvalidToken();
            attempts.get(2).send().assertInvalidProof();
            attempts.get(0).send().assertInvalidToken();
            attempts.get(1).send().assertInvalidToken();
            for (Attempt attempt : attempts) {
                Answer limited = attempt.send().assertRefused(429);
                assertThat(limited.first("RateLimit-Policy")).hasValue("\"burst\";q=5;w=600");
                assertThat(limited.first("Retry-After"))
                        .hasValueSatisfying(v -> assertThat(Long.parseLong(v)).isBetween(1L, 600L));
            }

            pay(s, s.clientA, "Bearer", certificateToken, null).assertStatus(201);
            pay(s, s.clientA, "DPoP", dpopToken, key.proof("POST", htu, dpopToken))
                    .assertStatus(201);
            assertThat(events.since(mark, "credential.misused", "caller", OWNER))
                    .hasSize(5);
            assertThat(events.since(mark, "ratelimit.limited", "bucket", "peer"))
                    .hasSize(3);
        }
    }

    interface Attempt {
        Answer send() throws Exception;
    }
}
