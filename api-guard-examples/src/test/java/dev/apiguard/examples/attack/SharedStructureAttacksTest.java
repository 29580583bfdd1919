package dev.apiguard.examples.attack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.ApiGuard;
import dev.apiguard.LocalReplayCache;
import dev.apiguard.binding.DpopPolicy;
import dev.apiguard.binding.DpopStep;
import dev.apiguard.test.GuardTester;
import dev.apiguard.test.TestRequest;
import dev.apiguard.test.TestResponse;
import dev.apiguard.test.fixtures.DpopKey;
import dev.apiguard.token.AccessTokenStep;
import dev.apiguard.token.KeySource;
import dev.apiguard.token.TokenPolicy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * One partner against a structure every partner shares (issue 13, item 2): the DPoP replay
 * cache. The demo keeps seen {@code jti}s in a local cache of 100,000 entries; before 7e143f0 one
 * client sending 101,000 fresh valid proofs (to an unmapped route, say) filled it, and every other
 * partner's valid proof was refused ({@code replay_cache_full}) for as long as it kept sending.
 * Now each caller may hold at most {@link DpopPolicy#DEFAULT_REPLAY_QUOTA_PER_CALLER} entries
 * (counted over two slots of 120 s) and is answered 429 beyond them.
 *
 * <p>The flood to the quota goes through the demo server's own guard, in process: 12,000 proofs
 * over HTTPS took 20 s on the 2-core machine (1.7 ms a request over 4 pooled connections, ES256 or
 * Ed25519 alike), in process 8 s (0.7 ms with Ed25519 on two threads). The answers that matter, the
 * flooder's 429 and another partner's 201, come over HTTPS from that same server and cache. The
 * lock-out itself (a full cache) is shown in process with a cache of 16 entries and a quota of 8
 * behind the same steps, as 101,000 proofs would take over a minute even in process.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SharedStructureAttacksTest {

    static final int QUOTA = DpopPolicy.DEFAULT_REPLAY_QUOTA_PER_CALLER;

    EventLog events;
    AttackServer s;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        events = EventLog.capture();
        s = AttackServer.start(dir);
    }

    @AfterAll
    void stop() throws Exception {
        s.close();
        events.close();
    }

    static DpopStep dpopStep(ApiGuard guard) {
        return guard.steps().stream()
                .filter(DpopStep.class::isInstance)
                .map(DpopStep.class::cast)
                .findFirst()
                .orElseThrow();
    }

    @Test
    @DisplayName("Q1 one partner's 12,000 valid DPoP proofs fill its quota of the demo's replay cache: its next valid "
            + "proof is 429 with Retry-After (before: accepted, on to 100,000 and everyone locked out), the cache "
            + "grows no more, and another partner's proof is 201")
    void q1_oneCallerOverItsReplayQuotaIsRefusedAndNobodyElse() throws Exception {
        LocalReplayCache cache =
                (LocalReplayCache) dpopStep(s.server.guard()).verifier().replayCache();
        assertThat(dpopStep(s.server.guard()).verifier().policy().replayQuotaPerCaller())
                .isEqualTo(QUOTA);
        DpopKey floodKey = DpopKey.ed25519();
        String flooder = s.issuer
                .token()
                .clientId("flooder")
                .scope("customers:read payments:write")
                .boundToDpopKey(floodKey.publicJwk())
                .sign();
        int before = cache.size();
        int mark = events.mark();

        // the flood, in process through the server's own guard: GET /nope, each proof fresh and valid
        GuardTester tester = GuardTester.of(s.server.guard());
        List<Integer> statuses = flood(tester, floodKey, flooder, QUOTA);
        assertThat(statuses).as("answers to the flood").containsOnly(404).hasSize(QUOTA);
        assertThat(cache.size()).isEqualTo(before + QUOTA);

        // the flooder's next valid proof, over HTTPS: its own 429, no challenge
        Answer limited = s.pay(
                        s.clientB,
                        "Authorization",
                        "DPoP " + flooder,
                        "DPoP",
                        floodKey.proof("POST", s.htu("/payments"), flooder))
                .assertDocumentedRefusal()
                .assertRefused(429);
        assertThat(limited.first("Retry-After"))
                .hasValueSatisfying(v -> assertThat(Long.parseLong(v)).isBetween(1L, 120L));
        assertThat(limited.body()).contains("rate-limited");
        events.await(mark, 1, "ratelimit.limited", "caller", "flooder", "bucket", "dpop_proofs");

        // and on: 200 more are refused and recorded nowhere
        List<Integer> more = flood(tester, floodKey, flooder, 200);
        assertThat(more).containsOnly(429);
        assertThat(cache.size()).isEqualTo(before + QUOTA);

        // another partner's valid proof, over HTTPS: accepted
        DpopKey otherKey = DpopKey.ec();
        String other = s.issuer
                .token()
                .clientId("partner-b")
                .scope("payments:write")
                .boundToDpopKey(otherKey.publicJwk())
                .sign();
        s.pay(s.clientB, "Authorization", "DPoP " + other, "DPoP", otherKey.proof("POST", s.htu("/payments"), other))
                .assertStatus(201);
        assertThat(cache.size()).isEqualTo(before + QUOTA + 1);
        // the flooder's refusals are its own, not a misuse of its token
        assertThat(events.since(mark, "credential.misused", "caller", "flooder"))
                .isEmpty();
    }

    /** {@code count} fresh valid proofs for {@code GET /nope} through the tester, on two threads; their statuses. */
    List<Integer> flood(GuardTester tester, DpopKey key, String token, int count) throws Exception {
        String htu = s.htu("/nope");
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            List<Future<List<Integer>>> halves = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                int share = count / 2 + (t == 0 ? count % 2 : 0);
                halves.add(threads.submit(() -> {
                    List<Integer> out = new ArrayList<>(share);
                    for (int i = 0; i < share; i++) {
                        out.add(tester.send(
                                        TestRequest.get("/nope")
                                                .scheme("https")
                                                .host("127.0.0.1")
                                                .port(s.server.port())
                                                .dpop(token, key.proof("GET", htu, token)),
                                        404)
                                .status());
                    }
                    return out;
                }));
            }
            List<Integer> all = new ArrayList<>(count);
            for (Future<List<Integer>> half : halves) {
                all.addAll(half.get());
            }
            return all;
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    @DisplayName("Q2 in process, a replay cache of 16 and a quota of 8: one partner's 20 valid proofs get 8 accepted "
            + "and 12 × 429, never a full cache; another partner's proof is accepted (before: the flooder filled "
            + "the cache and both were refused 401)")
    void q2_aCallerOverItsQuotaNeverFillsTheCacheOthersNeed() {
        LocalReplayCache cache = LocalReplayCache.withMaximumSize(16);
        ApiGuard guard = ApiGuard.builder()
                .step(AccessTokenStep.of(TokenPolicy.builder()
                        .audience(AttackServer.AUDIENCE)
                        .issuer(AttackServer.ISSUER, KeySource.fixed(s.issuer.publicJwks()))
                        .build()))
                .step(DpopStep.of(DpopPolicy.builder().replayQuotaPerCaller(8).build(), cache))
                .build();
        GuardTester tester = GuardTester.of(guard);
        String uri = "https://api.attack.test/payments";
        DpopKey floodKey = DpopKey.ec();
        String flooder = s.issuer
                .token()
                .clientId("flooder")
                .scope("payments:write")
                .boundToDpopKey(floodKey.publicJwk())
                .sign();
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String proof = floodKey.proof("POST", uri, flooder);
            TestResponse r =
                    tester.send(payment(flooder, proof)).assertNoEcho(flooder).assertNoEcho(proof);
            statuses.add(r.status());
            if (r.status() == 429) {
                assertThat(r.header("Retry-After")).isNotNull();
                assertThat(r.header("WWW-Authenticate")).isNull();
            }
        }
        assertThat(statuses.subList(0, 8)).containsOnly(200);
        assertThat(statuses.subList(8, 20)).containsOnly(429);
        assertThat(cache.size()).isEqualTo(8);

        DpopKey otherKey = DpopKey.ec();
        String other = s.issuer
                .token()
                .clientId("partner-b")
                .scope("payments:write")
                .boundToDpopKey(otherKey.publicJwk())
                .sign();
        tester.send(payment(other, otherKey.proof("POST", uri, other))).assertAllowed();
    }

    static TestRequest payment(String token, String proof) {
        return TestRequest.post("/payments")
                .scheme("https")
                .host("api.attack.test")
                .port(443)
                .dpop(token, proof);
    }
}
