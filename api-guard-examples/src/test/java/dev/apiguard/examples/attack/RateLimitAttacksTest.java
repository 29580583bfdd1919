package dev.apiguard.examples.attack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.ratelimit.LocalBucketStore;
import dev.apiguard.ratelimit.RateLimitPlan;
import dev.apiguard.redis.RedisServer;
import dev.apiguard.redis.RedisServerExtension;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * security-cases §E (docs/security-cases.md), rate limits and abuse (OWASP API4, API6), against demo servers over real
 * HTTPS. Every request comes from one TCP peer (127.0.0.1), so the per-peer limit is tested on a
 * server of its own ({@code peers}: 4 failures a minute) and the per-caller limit on another
 * ({@code callers}: 3 requests a minute, anomaly scoring enforcing). The shared-state cases run
 * against a private {@code redis-server} (skipped without the binary unless
 * {@code APIGUARD_REQUIRE_REDIS=1}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RateLimitAttacksTest {

    AttackServer callers;
    AttackServer peers;
    Path dir;

    @BeforeAll
    void start(@TempDir Path tmp) throws Exception {
        dir = tmp;
        Files.createDirectories(dir.resolve("callers"));
        Files.createDirectories(dir.resolve("peers"));
        callers = AttackServer.start(dir.resolve("callers"), "--rate-limit", "3/1m", "--anomaly", "enforce");
        peers = callers.sibling(dir.resolve("peers"), "--anonymous-rate-limit", "4/1m", "--anomaly", "enforce");
    }

    @AfterAll
    void stop() throws Exception {
        callers.close();
        peers.close();
    }

    String tokenFor(String clientId) {
        return callers.issuer.token().clientId(clientId).scope("customers:read").sign();
    }

    // ---- E1 keyed on the verified caller ----------------------------------------------------------

    @Test
    @Order(1)
    @DisplayName("E1 60 invalid tokens naming a client's id touch neither its bucket nor its score")
    void e1_invalidTokensNamingAClientDoNotTouchItsBucketOrScore() throws Exception {
        String victim = tokenFor("victim");
        Instant now = Instant.now();
        for (int i = 0; i < 60; i++) {
            String forged = switch (i % 3) {
                case 0 ->
                    callers.issuer
                            .token()
                            .clientId("victim")
                            .scope("customers:read guard:admin")
                            .signedWith(callers.impostor);
                case 1 ->
                    callers.issuer
                            .token()
                            .clientId("victim")
                            .scope("customers:read")
                            .unsigned();
                default ->
                    callers.issuer
                            .token()
                            .clientId("victim")
                            .scope("customers:read")
                            .issuedAt(now.minusSeconds(3600))
                            .lifetime(Duration.ofMinutes(10))
                            .sign();
            };
            String path = i % 2 == 0 ? "/customers/" + callers.tag : "/internal/export/" + i;
            callers.bearer(path, forged).assertDocumentedRefusal().assertInvalidToken();
        }
        for (int i = 0; i < 3; i++) {
            callers.bearer("/customers/" + callers.tag, victim).assertStatus(200);
        }
        Answer limited = callers.bearer("/customers/" + callers.tag, victim).assertDocumentedRefusal();
        limited.assertRefused(429);
        assertThat(limited.first("Retry-After"))
                .hasValueSatisfying(v -> assertThat(Long.parseLong(v)).isBetween(1L, 60L));
        assertThat(limited.first("RateLimit-Policy")).hasValue("\"burst\";q=3;w=60");
        assertThat(limited.body()).contains("rate-limited");
    }

    // ---- E2 before authentication: per peer, X-Forwarded-For ignored -----------------------------

    @Test
    @Order(2)
    @DisplayName(
            "E2 failures before authentication are limited per TCP peer; spoofed X-Forwarded-For from an untrusted peer changes nothing")
    void e2_preAuthenticationFailuresAreLimitedPerPeer() throws Exception {
        String known = tokenFor("e2-known");
        peers.bearer("/customers/" + peers.tag, known).assertStatus(200);
        int refusedAsInvalid = 0;
        Answer a;
        int i = 0;
        do {
            String ip = "198.51.100." + (++i);
            a = peers.send(
                            peers.clientA,
                            peers.request("/customers/" + peers.tag)
                                    .header(
                                            "Authorization",
                                            "Bearer "
                                                    + callers.issuer
                                                            .token()
                                                            .clientId("e2-known")
                                                            .signedWith(callers.impostor))
                                    .header("X-Forwarded-For", ip)
                                    .header("Forwarded", "for=" + ip)
                                    .header("X-Real-IP", ip)
                                    .GET()
                                    .build())
                    .assertDocumentedRefusal();
            if (a.status() == 401) {
                refusedAsInvalid++;
            }
        } while (a.status() == 401 && i < 12);
        assertThat(refusedAsInvalid).isLessThanOrEqualTo(4);
        a.assertRefused(429);
        assertThat(a.first("RateLimit-Policy")).hasValue("\"burst\";q=4;w=60");
        // a forwarded header over 16 KB is no way around it either
        peers.rawGet("Authorization: Bearer junk", "X-Forwarded-For: " + "203.0.113.9, ".repeat(1_300) + "203.0.113.9")
                .assertDocumented(true, List.of());
        peers.get("/health", null).assertStatus(200);
        peers.bearer("/customers/" + peers.tag, known).assertStatus(200);
    }

    // ---- E4 the 429 reveals nothing ----------------------------------------------------------------

    @Test
    @Order(3)
    @DisplayName(
            "E4 once the peer is limited, a valid token never seen, an invalid, an expired one and none get the same 429")
    void e4_the429DoesNotRevealWhetherATokenIsValid() throws Exception {
        List<Answer> answers = new ArrayList<>();
        for (String authorization : new String[] {
            "Bearer " + tokenFor("e4-fresh"),
            "Bearer " + callers.issuer.token().clientId("e4-fresh").signedWith(callers.impostor),
            "Bearer "
                    + callers.issuer
                            .token()
                            .clientId("e4-fresh")
                            .issuedAt(Instant.now().minusSeconds(7200))
                            .sign(),
            "Bearer " + "x".repeat(40),
            null
        }) {
            answers.add(peers.get("/customers/" + peers.tag, authorization).assertDocumentedRefusal());
        }
        Answer first = answers.get(0);
        first.assertRefused(429);
        for (Answer a : answers) {
            assertThat(a.status()).isEqualTo(429);
            assertThat(shape(a)).isEqualTo(shape(first));
            assertThat(a.body()).isEqualTo(first.body());
            assertThat(a.challenges()).isEmpty();
            assertThat(a.first("Retry-After"))
                    .hasValueSatisfying(v -> assertThat(Long.parseLong(v)).isPositive());
        }
    }

    /** Header names and the values that are not clocks. */
    static Map<String, List<String>> shape(Answer a) {
        Map<String, List<String>> out = new HashMap<>(a.headers());
        out.remove("date");
        out.remove("retry-after");
        out.remove("ratelimit");
        return out;
    }

    // ---- E3 bounded state --------------------------------------------------------------------------

    @Test
    @Order(4)
    @DisplayName("E3 distinct caller ids 30 times the bound: the local bucket store stays at its bound")
    void e3_manyCallerIdsStayBounded() {
        // the default bound is 100,000; a store bounded at 10,000 shows the same with 300,000 ids
        // in a tenth of the time one million would take against the default
        LocalBucketStore store = LocalBucketStore.withMaximumSize(10_000);
        java.time.Instant now = java.time.Instant.now();
        var configuration =
                RateLimitPlan.simple("default", 50, Duration.ofSeconds(1)).configuration();
        for (int i = 0; i < 300_000; i++) {
            store.tryConsume("caller:attacker-" + i, configuration, 1, now);
        }
        assertThat(store.size()).isLessThanOrEqualTo(10_000);
        assertThat(store.tryConsume("caller:attacker-299999", configuration, 1, now)
                        .status())
                .isEqualTo(dev.apiguard.ratelimit.BucketStore.Status.CONSUMED);
    }

    // ---- shared state in Redis ---------------------------------------------------------------------

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    @ExtendWith(RedisServerExtension.class)
    @DisplayName("with a shared redis-server")
    class SharedRedis {

        RedisServer redis;
        AttackServer nodeA;
        AttackServer nodeB;
        AttackServer failClosed;

        @BeforeAll
        void startNodes(RedisServer server) throws Exception {
            redis = server;
            for (String n : List.of("a", "b", "closed")) {
                Files.createDirectories(dir.resolve("redis-" + n));
            }
            nodeA = callers.sibling(dir.resolve("redis-a"), "--redis", redis.uri(), "--rate-limit", "5/1m");
            nodeB = callers.sibling(dir.resolve("redis-b"), "--redis", redis.uri(), "--rate-limit", "5/1m");
            failClosed = callers.sibling(
                    dir.resolve("redis-closed"),
                    "--redis",
                    redis.uri(),
                    "--rate-limit",
                    "5/1m",
                    "--redis-failure",
                    "closed");
        }

        @AfterAll
        void stopNodes() throws Exception {
            nodeA.close();
            nodeB.close();
            failClosed.close();
        }

        @Test
        @Order(1)
        @DisplayName("E6 a concurrent burst across two nodes sharing Redis admits no more than the capacity")
        void e6_burstAcrossNodesAdmitsNoMoreThanTheCapacity() throws Exception {
            String token = tokenFor("e6-burst");
            List<CompletableFuture<HttpResponse<String>>> burst = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                AttackServer node = i % 2 == 0 ? nodeA : nodeB;
                burst.add(node.clientA.sendAsync(
                        node.request("/customers/" + node.tag)
                                .header("Authorization", "Bearer " + token)
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            int admitted = 0;
            for (CompletableFuture<HttpResponse<String>> f : burst) {
                Answer a = Answer.of(f.get(30, TimeUnit.SECONDS));
                Leaks.assertNotEchoed(a, List.of(token));
                a.assertDocumented(false, List.of(200));
                assertThat(a.status()).isIn(200, 429);
                if (a.status() == 200) {
                    admitted++;
                }
            }
            // 5 a minute: at most one more unit can refill while the burst runs
            assertThat(admitted).isBetween(5, 6);
        }

        @Test
        @Order(2)
        @DisplayName("E3 the buckets Redis keeps for callers expire by themselves")
        void e3_redisKeysExpire() throws Exception {
            nodeA.bearer("/customers/" + nodeA.tag, tokenFor("e3-expiring")).assertStatus(200);
            RedisClient client = RedisClient.create(redis.uri());
            try (StatefulRedisConnection<String, String> c = client.connect()) {
                List<String> keys = c.sync().keys("*");
                assertThat(keys).isNotEmpty();
                for (String k : keys) {
                    assertThat(c.sync().pttl(k)).as("TTL of %s", k).isPositive();
                }
            } finally {
                client.shutdown();
            }
        }

        @Test
        @Order(3)
        @DisplayName("D5 a DPoP proof used on one node is refused on the other")
        void d5_replayAcrossNodesSharingRedisIsRefused() throws Exception {
            dev.apiguard.test.fixtures.DpopKey key = dev.apiguard.test.fixtures.DpopKey.ec();
            String token = callers.issuer
                    .token()
                    .clientId("d5-nodes")
                    .scope("payments:write")
                    .boundToDpopKey(key.publicJwk())
                    .sign();
            // both nodes listen on 127.0.0.1 with their own port: one proof names one of them, and
            // the other node is told the same URI by a Host header, as behind one load balancer
            String proof = key.proof("POST", nodeA.htu("/payments"), token);
            nodeA.pay(nodeA.clientA, "Authorization", "DPoP " + token, "DPoP", proof)
                    .assertStatus(201);
            String replay = nodeB.rawRequest(
                            "POST",
                            "/payments",
                            "Authorization: DPoP " + token,
                            "DPoP: " + proof,
                            "Content-Type: application/json",
                            "Content-Length: 2")
                    .replace("Host: 127.0.0.1:" + nodeB.server.port(), "Host: 127.0.0.1:" + nodeA.server.port())
                    .replace("\r\n\r\n", "\r\n\r\n{}");
            nodeB.raw(replay).assertDocumentedRefusal().assertInvalidProof();
        }

        @Test
        @Order(4)
        @DisplayName(
                "E5 Redis unreachable: the fail-open node serves unlimited, the fail-closed node answers 503 with Retry-After")
        void e5_redisUnreachableFailsAsConfigured() throws Exception {
            String token = tokenFor("e5-outage");
            redis.kill();
            try {
                for (int i = 0; i < 7; i++) {
                    nodeA.bearer("/customers/" + nodeA.tag, token)
                            .assertDocumented(false, List.of(200))
                            .assertStatus(200);
                }
                Answer closed =
                        failClosed.bearer("/customers/" + failClosed.tag, token).assertDocumentedRefusal();
                closed.assertRefused(503);
                assertThat(closed.first("Retry-After")).isPresent();
            } finally {
                redis.launch();
            }
        }
    }
}
