package dev.apiguard.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.ApiGuard;
import dev.apiguard.Caller;
import dev.apiguard.CallerKey;
import dev.apiguard.CredentialKind;
import dev.apiguard.Decision;
import dev.apiguard.GuardExchange;
import dev.apiguard.GuardPhase;
import dev.apiguard.GuardStep;
import dev.apiguard.LocalQuarantineStore;
import dev.apiguard.QuarantineStore;
import dev.apiguard.anomaly.AnomalyMode;
import dev.apiguard.anomaly.AnomalyPolicy;
import dev.apiguard.anomaly.AnomalyScore;
import dev.apiguard.anomaly.AnomalyScoringStep;
import dev.apiguard.anomaly.Evidence;
import dev.apiguard.anomaly.EvidenceStore;
import dev.apiguard.anomaly.FleetProfile;
import dev.apiguard.anomaly.Signal;
import dev.apiguard.anomaly.internal.CallerProfile;
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.test.TestRequest;
import dev.apiguard.test.fixtures.MutableClock;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Anomaly evidence pooled by the nodes of a fleet ({@link RedisEvidenceStore}): a caller whose
 * requests alternate between nodes is scored as one node would score it, whether an id is new is
 * decided over the fleet, a scraper spread over the nodes is quarantined after about as many
 * records as on one node, and when Redis is gone evidence is dropped and counted while each node
 * scores on its own. Each request's evidence is awaited before the next, so that the comparison is
 * with the fleet's view, not with how fast a reply came back.
 */
@ExtendWith(RedisServerExtension.class)
class FleetEvidenceTest {

    private static final Instant START = Instant.parse("2026-12-05T08:00:00Z");
    private static final Duration EVERY = Duration.ofMillis(200);

    private RedisServer server;
    private final List<RedisGuardState> states = new ArrayList<>();
    private final MutableClock clock = MutableClock.at(START);

    @BeforeEach
    void start(RedisServer redis) {
        server = redis;
    }

    @AfterEach
    void stop() {
        states.forEach(RedisGuardState::close);
    }

    private RedisGuardState state() {
        RedisGuardState s = RedisGuardState.builder(server.uri())
                .listener(SecurityEventListener.NONE)
                .commandTimeout(Duration.ofMillis(500))
                .evidenceLinger(Duration.ZERO) // each request's evidence awaited before the next
                .build();
        states.add(s);
        return s;
    }

    /** Authenticates one caller and matches {@code /customers/{id}}, as the token and route steps would. */
    private static GuardStep caller(String id) {
        return new GuardStep() {
            @Override
            public String name() {
                return "fixed-caller";
            }

            @Override
            public GuardPhase phase() {
                return GuardPhase.AUTHENTICATE;
            }

            @Override
            public Decision evaluate(GuardExchange exchange) {
                exchange.authenticate(Caller.builder(id, CredentialKind.BEARER_JWT)
                        .subject(id)
                        .issuer(TwoNodesTest.ISSUER)
                        .build());
                String path = exchange.request().path();
                if (path.startsWith("/customers/")) {
                    exchange.matchRoute("/customers/{id}", Map.of("id", path.substring("/customers/".length())), false);
                } else {
                    exchange.matchRoute("/customers", Map.of(), false);
                }
                return Decision.ALLOW;
            }
        };
    }

    private static final AnomalyPolicy POLICY =
            AnomalyPolicy.builder().mode(AnomalyMode.ENFORCE).build();

    private record Node(
            ApiGuard guard,
            AnomalyScoringStep anomaly,
            RedisEvidenceStore evidence,
            QuarantineStore quarantine,
            CallerKey key) {}

    private Node node(String callerId, RedisGuardState state) {
        AnomalyScoringStep.Builder b = AnomalyScoringStep.builder(POLICY);
        QuarantineStore quarantine = state != null ? state.quarantineStore() : LocalQuarantineStore.defaults();
        b.quarantineStore(quarantine);
        if (state != null) {
            b.evidenceStore(state.evidenceStore());
        }
        AnomalyScoringStep anomaly = b.build();
        ApiGuard guard = ApiGuard.builder()
                .clock(clock)
                .listener(SecurityEventListener.NONE)
                .step(caller(callerId))
                .step(anomaly)
                .build();
        return new Node(
                guard,
                anomaly,
                state == null ? null : state.evidenceStore(),
                quarantine,
                CallerKey.token(TwoNodesTest.ISSUER, callerId));
    }

    /** Sends request {@code i} to the node, answered with {@code status} when let through; its status. */
    private static int send(Node node, TestRequest request, int status) {
        GuardExchange exchange = node.guard().exchange(request);
        Decision d = node.guard().evaluate(exchange);
        int answered = d instanceof Decision.Deny deny ? deny.status() : status;
        long before = node.evidence() == null
                ? 0
                : node.evidence().sentEvidence() + node.evidence().droppedEvidence();
        node.guard().completed(exchange, answered);
        if (node.evidence() != null && !(d instanceof Decision.Deny)) {
            awaitEvidence(node.evidence(), before + 1);
        }
        return answered;
    }

    /** Waits until the evidence is sent (or dropped) and the decision on the view it brought is taken. */
    private static void awaitEvidence(RedisEvidenceStore store, long handled) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (store.sentEvidence() + store.droppedEvidence() < handled || store.decisionsPending() > 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("evidence not sent within 10 s");
            }
            Thread.onSpinWait();
        }
    }

    /** Runs {@code n} requests over the nodes round robin; the index of the first refusal, or -1. */
    private int run(List<Node> nodes, int n, IntFunction<TestRequest> request) {
        return run(nodes, n, request, i -> 200);
    }

    /** As above, the app answering request {@code i} with {@code status.applyAsInt(i)}. */
    private int run(List<Node> nodes, int n, IntFunction<TestRequest> request, IntUnaryOperator status) {
        for (int i = 0; i < n; i++) {
            clock.advance(EVERY);
            int answer = status.applyAsInt(i);
            Node node = nodes.get(i % nodes.size());
            if (send(node, request.apply(i), answer) != answer) {
                return i;
            }
            awaitQuarantineEverywhere(node, nodes);
        }
        return -1;
    }

    /**
     * When the node just quarantined the caller, waits until every node has dropped its copy of the
     * caller's quarantine state (the invalidation message of the write, a few milliseconds on
     * loopback): as the evidence is awaited, the scraper is modelled as slower than the fleet's
     * messages, and the test measures the decision, not the pub/sub latency. Without it a next
     * request could reach a node before the message and pass on a copy read a moment before.
     */
    private void awaitQuarantineEverywhere(Node node, List<Node> nodes) {
        if (node.evidence() == null
                || node.quarantine()
                        .quarantinedUntil(node.key(), clock.instant())
                        .isEmpty()) {
            return;
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        for (Node other : nodes) {
            while (other.quarantine()
                    .quarantinedUntil(other.key(), clock.instant())
                    .isEmpty()) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the quarantine did not reach every node within 10 s");
                }
                Thread.onSpinWait();
            }
        }
    }

    /** 2,000 random tags of 7 letters and digits, sorted: neighbours in this list are not neighbour ids. */
    private static List<String> tags() {
        java.util.Random random = new java.util.Random(20261206);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        java.util.TreeSet<String> tags = new java.util.TreeSet<>();
        while (tags.size() < 2_000) {
            StringBuilder tag = new StringBuilder();
            for (int i = 0; i < 7; i++) {
                tag.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            tags.add(tag.toString());
        }
        return List.copyOf(tags);
    }

    /** The next tag in the alphabet A-Z, 0-9: the last character incremented, with carry. */
    private static String successor(String tag) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        char[] c = tag.toCharArray();
        for (int i = c.length - 1; i >= 0; i--) {
            int k = alphabet.indexOf(c[i]);
            if (k + 1 < alphabet.length()) {
                c[i] = alphabet.charAt(k + 1);
                return new String(c);
            }
            c[i] = alphabet.charAt(0);
        }
        return new String(c);
    }

    private Map<Signal, Double> reasons(Node node, String callerId) {
        return node.anomaly()
                .scoreOf(CallerKey.token(TwoNodesTest.ISSUER, callerId), clock.instant())
                .map(AnomalyScore::reasons)
                .orElse(Map.of());
    }

    @Test
    void aSequentialScraperSpreadOverThreeNodesIsStoppedAsOnOne() {
        String id = "scraper-" + UUID.randomUUID();
        IntFunction<TestRequest> walk = i -> TestRequest.get("/customers/" + (100_000 + i));
        int alone = run(List.of(node(id, null)), 2_000, walk);
        String fleetId = "fleet-" + id;
        RedisGuardState shared = state();
        List<Node> fleet = List.of(node(fleetId, shared), node(fleetId, state()), node(fleetId, state()));
        clock.set(START);
        int spread = run(fleet, 2_000, walk);
        assertThat(alone).as("one node stops the scraper").isPositive();
        assertThat(spread)
                .as("three nodes sharing evidence stop it after about as many records as one (%d)", alone)
                .isPositive()
                .isLessThanOrEqualTo((int) Math.ceil(alone * 1.2) + 3);
    }

    @Test
    void aScraperGuessingEachSuccessorIsStoppedAsOnOneWhenItsGuessesGoToTheOtherNode() {
        // request 2k reads tag k, request 2k+1 guesses its successor (a miss): with two nodes round
        // robin, one node sees only the tags and the other only the guesses, and neither sees two
        // neighbour ids in a row; the fleet does, in the order the ids reach Redis
        List<String> tags = tags();
        IntFunction<TestRequest> walk =
                i -> TestRequest.get("/customers/" + (i % 2 == 0 ? tags.get(i / 2) : successor(tags.get(i / 2))));
        IntUnaryOperator found = i -> i % 2 == 0 ? 200 : 404;
        String id = "guesser-" + UUID.randomUUID();
        int alone = run(List.of(node(id, null)), 4_000, walk, found);
        clock.set(START);
        String fleetId = "fleet-" + id;
        int spread = run(List.of(node(fleetId, state()), node(fleetId, state())), 4_000, walk, found);
        clock.set(START);
        int separate = run(List.of(node(id + "-a", null), node(id + "-a", null)), 4_000, walk, found);
        assertThat(alone).as("one node stops the scraper").isPositive();
        assertThat(spread)
                .as("two nodes sharing evidence stop it after about as many requests as one (%d)", alone)
                .isPositive()
                .isLessThanOrEqualTo((int) Math.ceil(alone * 1.2) + 3);
        assertThat(separate == -1 || separate > Math.ceil(alone * 1.2) + 3)
                .as("two nodes alone take more than that (%d)", separate)
                .isTrue();
    }

    @Test
    void aPagingScraperSpreadOverFourNodesIsStoppedAsOnOne() {
        // a page of 100 records is a large step: a node deciding on its next request would see the
        // fleet's view three pages late on four nodes; it decides when the view arrives
        IntFunction<TestRequest> pages = i -> TestRequest.get("/customers").query("page=" + i + "&size=100");
        String id = "pager-" + UUID.randomUUID();
        int alone = run(List.of(node(id, null)), 200, pages);
        assertThat(alone).as("one node stops the pager").isPositive();
        clock.set(START);
        String fleetId = "fleet-" + id;
        List<Node> fleet =
                List.of(node(fleetId, state()), node(fleetId, state()), node(fleetId, state()), node(fleetId, state()));
        int spread = run(fleet, 200, pages);
        assertThat(spread)
                .as("four nodes stop it within a page of one node (%d)", alone)
                .isPositive()
                .isLessThanOrEqualTo(alone + 1);
    }

    @Test
    void aNodeRestartedMidStreamTakesUpTheFleetsView() {
        // node B is replaced half-way to the one-node figure (a deploy): its own profile starts
        // empty, the fleet's does not, and the scraper is still stopped as on one node
        String id = "restart-" + UUID.randomUUID();
        IntFunction<TestRequest> walk = i -> TestRequest.get("/customers/" + (100_000 + i));
        int alone = run(List.of(node(id, null)), 2_000, walk);
        assertThat(alone).isPositive();
        clock.set(START);
        String fleetId = "fleet-" + id;
        Node a = node(fleetId, state());
        int first = run(List.of(a, node(fleetId, state())), alone / 2, walk);
        assertThat(first).as("not stopped before the restart").isEqualTo(-1);
        Node restarted = node(fleetId, state());
        int rest = run(List.of(a, restarted), 2_000, i -> walk.apply(alone / 2 + i));
        assertThat(rest).as("stopped after the restart").isPositive();
        assertThat(alone / 2 + rest)
                .as("within 1.2 times one node's %d requests", alone)
                .isLessThanOrEqualTo((int) Math.ceil(alone * 1.2) + 3);
    }

    @Test
    void withoutSharedEvidenceThreeNodesLetTheScraperTakeMore() {
        // the measurement above is only worth something if three separate nodes would do worse
        String id = "scraper-" + UUID.randomUUID();
        IntFunction<TestRequest> walk = i -> TestRequest.get("/customers/" + (100_000 + i));
        int alone = run(List.of(node(id, null)), 2_000, walk);
        clock.set(START);
        int separate = run(List.of(node(id + "-a", null), node(id + "-a", null), node(id + "-a", null)), 3_000, walk);
        assertThat(separate).isGreaterThan((int) Math.ceil(alone * 1.2) + 3);
    }

    @Test
    void anIdReadOnSeveralNodesIsNewOnlyOnce() {
        String id = "partner-" + UUID.randomUUID();
        List<Node> fleet = List.of(node(id, state()), node(id, state()));
        // 100 records, each read once on each node: 100 new ids (under the enumeration allowance
        // of 120), where adding up each node's new ids would make 200 (far over it)
        run(fleet, 200, i -> TestRequest.get("/customers/" + Integer.toHexString((i / 2 + 1) * 0x9E3779B1)));
        assertThat(reasons(fleet.get(0), id)).doesNotContainKey(Signal.ENUMERATION);
        assertThat(reasons(fleet.get(1), id)).doesNotContainKey(Signal.ENUMERATION);
        // and 200 different records are enumeration, whichever node saw them
        String other = "reader-" + id;
        List<Node> fleet2 = List.of(node(other, state()), node(other, state()));
        run(fleet2, 200, i -> TestRequest.get("/customers/" + Integer.toHexString((i + 1) * 0x9E3779B1)));
        assertThat(reasons(fleet2.get(0), other)).containsKey(Signal.ENUMERATION);
    }

    @Test
    void theFleetProfileSumsWhatEachNodeSaw() {
        // 30 look-ups, nine in ten missing: each node alone sees 15, under the 20 look-ups the
        // misses signal needs; the fleet sees 30
        IntFunction<Integer> status = i -> i % 10 == 0 ? 200 : 404;
        String id = "misses-" + UUID.randomUUID();
        List<Node> fleet = List.of(node(id, state()), node(id, state()));
        String apart = "apart-" + id;
        List<Node> separate = List.of(node(apart, null), node(apart, null));
        for (int i = 0; i < 30; i++) {
            clock.advance(EVERY);
            TestRequest request = TestRequest.get("/customers/" + (7_000 + 37 * i));
            send(fleet.get(i % 2), request, status.apply(i));
            send(separate.get(i % 2), request, status.apply(i));
        }
        assertThat(reasons(separate.get(0), apart)).doesNotContainKey(Signal.MISSES);
        assertThat(reasons(fleet.get(0), id)).containsKey(Signal.MISSES);
        assertThat(reasons(fleet.get(1), id)).containsKey(Signal.MISSES);
    }

    @Test
    void whenRedisIsGoneEvidenceIsDroppedAndCountedAndEachNodeScoresAlone() throws Exception {
        try (RedisServer own = RedisServer.start();
                RedisGuardState state = RedisGuardState.builder(own.uri())
                        .listener(SecurityEventListener.NONE)
                        .commandTimeout(Duration.ofMillis(300))
                        .build()) {
            String id = "alone-" + UUID.randomUUID();
            Node node = node(id, state);
            own.kill();
            IntFunction<TestRequest> walk = i -> TestRequest.get("/customers/" + (300_000 + i));
            for (int i = 0; i < 300; i++) {
                clock.advance(EVERY);
                GuardExchange exchange = node.guard().exchange(walk.apply(i));
                Decision d = node.guard().evaluate(exchange);
                node.guard().completed(exchange, d instanceof Decision.Deny deny ? deny.status() : 200);
            }
            // the shared quarantine list is gone too (failure policy open: nobody is refused), but
            // the node's own profile decided
            assertThat(node.anomaly()
                            .scoreOf(CallerKey.token(TwoNodesTest.ISSUER, id), clock.instant())
                            .map(AnomalyScore::action))
                    .contains(dev.apiguard.anomaly.AnomalyAction.QUARANTINE);
            assertThat(state.evidenceStore().droppedEvidence()).isPositive();
            assertThat(state.evidenceStore().sentEvidence()).isZero();
        }
    }

    @Test
    void whileRedisIsPausedEvidenceIsBoundedAndNeverWaitedFor() throws Exception {
        try (RedisGuardState state = RedisGuardState.builder(server.uri())
                .listener(SecurityEventListener.NONE)
                .commandTimeout(Duration.ofMillis(300))
                .evidenceQueue(50)
                .build()) {
            RedisEvidenceStore store = state.evidenceStore();
            dev.apiguard.anomaly.EvidenceStore.Link link = store.link(POLICY);
            dev.apiguard.anomaly.Evidence evidence =
                    new dev.apiguard.anomaly.Evidence(START.toEpochMilli(), false, false, 0, false, false, 0, 0, 0, 0);
            Duration pause = Duration.ofSeconds(3);
            RedisClient client = RedisClient.create(server.uri());
            try (StatefulRedisConnection<String, String> c = client.connect()) {
                c.sync().clientPause(pause.toMillis());
                long t0 = System.nanoTime();
                for (int i = 0; i < 1_000; i++) {
                    link.offer(CallerKey.token(TwoNodesTest.ISSUER, "paused-" + i), evidence);
                    assertThat(store.queuedEvidence()).isLessThanOrEqualTo(50);
                }
                assertThat(Duration.ofNanos(System.nanoTime() - t0))
                        .as("1,000 offers while Redis answers nothing return before it answers again")
                        .isLessThan(pause);
                assertThat(store.droppedEvidence()).isGreaterThanOrEqualTo(950);
            } finally {
                client.shutdown();
            }
            // Redis answers again: evidence flows
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (store.sentEvidence() == 0 && System.nanoTime() < deadline) {
                link.offer(CallerKey.token(TwoNodesTest.ISSUER, "after-pause"), evidence);
                Thread.onSpinWait();
            }
            assertThat(store.sentEvidence()).isPositive();
        }
    }

    /**
     * The script folds evidence as {@link CallerProfile#record} folds requests, field by field: a
     * random day of one caller (idle gaps of minutes and hours, more routes than are remembered,
     * look-ups repeated and walked, misses, failures, pages), each request's evidence sent alone and
     * the fleet's view compared with the node's own profile after every one. Breaks on any field
     * packed or read in the wrong place.
     */
    @Test
    void theScriptFoldsEvidenceAsANodeFoldsItsRequests() {
        EvidenceStore.Link link = state().evidenceStore().link(POLICY);
        RedisEvidenceStore store = states.get(0).evidenceStore();
        CallerKey caller = CallerKey.token(TwoNodesTest.ISSUER, "parity-" + UUID.randomUUID());
        Random random = new Random(20261206);
        long now = START.toEpochMilli();
        CallerProfile local = new CallerProfile(now); // the first request comes at START
        int walk = 1_000;
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < 1_500; i++) {
            int gap = random.nextInt(100);
            now += i == 0 ? 0 : gap < 90 ? random.nextInt(3_000) : gap < 99 ? random.nextInt(600_000) : 3_600_000;
            int r = random.nextInt(24);
            String route = r < 20 ? "/r" + r + "/{id}" : null;
            String id = null;
            if (route != null && random.nextBoolean()) {
                if (seen.isEmpty() || random.nextBoolean()) {
                    // a new id in one of 10 ranges (more than the walks followed), half walked down
                    int range = random.nextInt(10);
                    id = (char) ('A' + range) + "BC" + (range % 2 == 0 ? walk : 9_999 - walk);
                    walk++;
                    seen.add(id);
                } else {
                    id = seen.get(random.nextInt(seen.size()));
                }
            }
            int status = new int[] {200, 200, 200, 404, 401, 403, 400}[random.nextInt(7)];
            int page = random.nextInt(4) == 0 ? random.nextInt(50) : -1;
            Evidence evidence = local.record(
                    now,
                    new CallerProfile.Observation(
                            "GET", route, id, status, page, 1 + random.nextInt(200), page % 2 == 0),
                    POLICY);
            long before = store.sentEvidence();
            link.offer(caller, evidence);
            awaitEvidence(store, before + 1);
            FleetProfile fleet = link.view(caller).orElseThrow();
            FleetProfile node = local.fleetProfile();
            assertThat(fleet)
                    .as("after request %d", i)
                    .usingRecursiveComparison()
                    .withComparatorForType(
                            (a, b) -> Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)) ? 0 : Double.compare(a, b),
                            Double.class)
                    .isEqualTo(node);
        }
    }

    /**
     * A node gathers a busy caller's evidence for the linger, so the nodes' batches reach Redis out
     * of the requests' order: here each successor guessed on node B arrives before the tag it
     * follows, read on node A, with the other guesses between. The fleet follows each walk as one
     * node seeing the requests in order would (with the last id alone it saw two steps of five).
     */
    @Test
    void aWalkOverTwoNodesIsFollowedWhenTheirBatchesArriveOutOfOrder() {
        AtomicLong nanos = new AtomicLong();
        RedisGuardState lingering = lingering(nanos::get);
        RedisEvidenceStore onA = lingering.evidenceStore();
        EvidenceStore.Link a = onA.link(POLICY);
        RedisEvidenceStore onB = state().evidenceStore();
        EvidenceStore.Link b = onB.link(POLICY);
        CallerKey caller = CallerKey.token(TwoNodesTest.ISSUER, "reordered-" + UUID.randomUUID());
        long now = START.toEpochMilli();
        CallerProfile nodeA = new CallerProfile(now);
        CallerProfile nodeB = new CallerProfile(now);
        CallerProfile inOrder = new CallerProfile(now); // one node seeing every request in turn
        List<String> tags = tags();
        int pairs = 5;
        try {
            for (int i = 0; i < pairs; i++) {
                // the first tag goes at once (no script of the caller yet); the others wait
                CallerProfile.Observation tag =
                        new CallerProfile.Observation("GET", "/customers/{id}", tags.get(i), 200, -1, 0, false);
                inOrder.record(now, tag, POLICY);
                a.offer(caller, nodeA.record(now, tag, POLICY));
                if (i == 0) {
                    awaitEvidence(onA, 1);
                }
                CallerProfile.Observation guess = new CallerProfile.Observation(
                        "GET", "/customers/{id}", successor(tags.get(i)), 404, -1, 0, false);
                inOrder.record(now, guess, POLICY);
                long before = onB.sentEvidence();
                b.offer(caller, nodeB.record(now, guess, POLICY));
                awaitEvidence(onB, before + 1);
            }
            assertThat(onA.sentEvidence())
                    .as("four tags wait for node A's linger")
                    .isEqualTo(1);
        } finally {
            lingering.close(); // sends what waits
        }
        assertThat(onA.sentEvidence()).isEqualTo(pairs);
        assertThat(inOrder.fleetProfile().sequentialSteps()).isEqualTo(pairs);
        assertThat(a.view(caller))
                .map(FleetProfile::sequentialSteps)
                .as("the fleet's steps, Redis having seen t0 g0 g1 g2 g3 g4 t1 t2 t3 t4")
                .contains((double) pairs);
    }

    /**
     * The script finds a walk by searching the stored walks for the neighbourhood's 8 bytes: one
     * found across two fields (the last 7 bytes of a walk's neighbourhood and the first of its
     * suffix, little-endian) is not a walk, and the search goes on.
     */
    @Test
    void aNeighbourhoodFoundAcrossTwoFieldsIsNotTakenForAWalk() {
        RedisEvidenceStore store = state().evidenceStore();
        EvidenceStore.Link link = store.link(POLICY);
        CallerKey caller = CallerKey.token(TwoNodesTest.ISSUER, "across-" + UUID.randomUUID());
        long hood = 0x0102030405060708L;
        long across = hood >>> 8; // the hood's last 7 bytes, then the first byte of 5.0 (0)
        fold(link, store, caller, lookup(1, 1_000, hood, 5));
        fold(link, store, caller, lookup(2, 2_000, across, 6));
        assertThat(link.view(caller)).map(FleetProfile::sequentialSteps).contains(0.0);
        fold(link, store, caller, lookup(3, 3_000, hood, 6));
        assertThat(link.view(caller))
                .map(FleetProfile::sequentialSteps)
                .as("the first walk is still followed")
                .contains(1.0);
    }

    private static void fold(EvidenceStore.Link link, RedisEvidenceStore store, CallerKey caller, Evidence e) {
        long before = store.sentEvidence();
        link.offer(caller, e);
        awaitEvidence(store, before + 1);
    }

    /** The {@code i}-th evidence, a look-up of a new id ({@code idHash}) in a neighbourhood. */
    private static Evidence lookup(int i, long idHash, long neighbourhood, long suffix) {
        return new Evidence(START.toEpochMilli() + i, false, true, 7, true, false, idHash, neighbourhood, suffix, 0);
    }

    @Test
    void aValueThatIsNotAProfileIsStartedAfreshNotFailedOnEveryBatch() {
        RedisEvidenceStore store = state().evidenceStore();
        EvidenceStore.Link link = store.link(POLICY);
        CallerKey caller = CallerKey.token(TwoNodesTest.ISSUER, "foreign-" + UUID.randomUUID());
        RedisClient client = RedisClient.create(server.uri());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            c.sync()
                    .set(
                            RedisGuardState.DEFAULT_KEY_PREFIX + "ev:" + caller.hashTag() + RedisEvidenceStore.PROFILE,
                            "x".repeat(RedisEvidenceStore.PROFILE_BYTES + 4));
        } finally {
            client.shutdown();
        }
        link.offer(caller, evidence(1));
        awaitEvidence(store, 1);
        assertThat(store.droppedEvidence()).isZero();
        assertThat(link.view(caller)).map(FleetProfile::requests).contains(1L);
    }

    @Test
    void aReplyThatIsNotAPackedProfileGivesNoView() {
        assertThat(RedisEvidenceStore.parse(null)).isNull();
        assertThat(RedisEvidenceStore.parse(new byte[RedisEvidenceStore.PROFILE_BYTES - 1]))
                .isNull();
        byte[] profile = new byte[RedisEvidenceStore.PROFILE_BYTES];
        ByteBuffer.wrap(profile).order(ByteOrder.LITTLE_ENDIAN).putDouble(2 * 8, 42);
        assertThat(RedisEvidenceStore.parse(profile))
                .extracting(FleetProfile::requests)
                .isEqualTo(42L);
        ByteBuffer.wrap(profile).order(ByteOrder.LITTLE_ENDIAN).putDouble(4 * 8, Double.NaN);
        assertThat(RedisEvidenceStore.parse(profile)).as("NaN sequential steps").isNull();
    }

    @Test
    void aCallersEvidenceIsBoundedInRedisAndExpires() {
        RedisGuardState s = state();
        String id = "bounded-" + UUID.randomUUID();
        Node node = node(id, s);
        // more ids than two Bloom generations hold, over more routes than are remembered
        for (int i = 0; i < 1_200; i++) {
            clock.advance(Duration.ofSeconds(30));
            send(node, TestRequest.get("/customers/" + (900_000 + 7 * i)), 200);
        }
        String tag = CallerKey.token(TwoNodesTest.ISSUER, id).hashTag();
        RedisClient client = RedisClient.create(server.uri());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            RedisCommands<String, String> redis = c.sync();
            long bytes = 0;
            for (String suffix : new String[] {RedisEvidenceStore.PROFILE, ":b0", ":b1"}) {
                String key = RedisGuardState.DEFAULT_KEY_PREFIX + "ev:" + tag + suffix;
                assertThat(redis.exists(key)).as(key).isEqualTo(1L);
                assertThat(redis.pttl(key))
                        .as("%s expires", key)
                        .isPositive()
                        .isLessThanOrEqualTo(POLICY.idleExpiry().toMillis());
                bytes += redis.memoryUsage(key);
            }
            assertThat(bytes).as("Redis memory of one caller's evidence").isLessThanOrEqualTo(4096);
        } finally {
            client.shutdown();
        }
    }

    private static final Duration LONG_LINGER = Duration.ofSeconds(1);

    private static Evidence evidence(int i) {
        return new Evidence(START.toEpochMilli() + i, false, false, 0, false, false, 0, 0, 0, 0);
    }

    private RedisGuardState lingering() {
        return lingering(com.github.benmanes.caffeine.cache.Ticker.systemTicker());
    }

    /** A state with the 1 s linger timed by {@code ticker}. */
    private RedisGuardState lingering(com.github.benmanes.caffeine.cache.Ticker ticker) {
        return RedisGuardState.builder(server.uri())
                .listener(SecurityEventListener.NONE)
                .commandTimeout(Duration.ofMillis(500))
                .evidenceLinger(LONG_LINGER)
                .evidenceTicker(ticker)
                .build();
    }

    // The three tests below offer in a loop of microseconds and count scripts at once: each
    // assumes less than the 1 s linger passes between a caller's first script and its last offer.

    @Test
    void aQuietCallerIsSentAtOnceABusyOnesEvidenceGathersOverTheLinger() throws Exception {
        try (RedisGuardState state = lingering()) {
            RedisEvidenceStore store = state.evidenceStore();
            EvidenceStore.Link link = store.link(POLICY);
            CallerKey busy = CallerKey.token(TwoNodesTest.ISSUER, "busy-" + UUID.randomUUID());
            link.offer(busy, evidence(0));
            assertThat(store.evidenceScripts())
                    .as("no script of the caller within the linger: sent at once")
                    .isEqualTo(1);
            for (int i = 1; i <= 20; i++) {
                link.offer(busy, evidence(i));
            }
            CallerKey quiet = CallerKey.token(TwoNodesTest.ISSUER, "quiet-" + UUID.randomUUID());
            link.offer(quiet, evidence(0));
            assertThat(store.evidenceScripts())
                    .as("the busy caller's 20 wait for the linger, the quiet caller goes at once")
                    .isEqualTo(2);
            assertThat(Eventually.holds(Duration.ofSeconds(10), () -> store.sentEvidence() == 22))
                    .isTrue();
            assertThat(store.evidenceScripts()).as("the 20 in one script").isEqualTo(3);
            assertThat(link.view(busy)).map(FleetProfile::requests).contains(21L);
            assertThat(store.droppedEvidence()).isZero();
        }
    }

    @Test
    void aFullBatchGoesWithoutWaitingForTheLinger() throws Exception {
        try (RedisGuardState state = lingering()) {
            RedisEvidenceStore store = state.evidenceStore();
            EvidenceStore.Link link = store.link(POLICY);
            CallerKey caller = CallerKey.token(TwoNodesTest.ISSUER, "full-" + UUID.randomUUID());
            link.offer(caller, evidence(0));
            assertThat(Eventually.holds(Duration.ofSeconds(10), () -> store.sentEvidence() == 1))
                    .isTrue();
            for (int i = 1; i < RedisEvidenceStore.MAX_BATCH; i++) {
                link.offer(caller, evidence(i));
            }
            assertThat(store.evidenceScripts()).as("waiting for the linger").isEqualTo(1);
            link.offer(caller, evidence(RedisEvidenceStore.MAX_BATCH));
            assertThat(store.evidenceScripts())
                    .as("%d waiting fill a batch: sent at once", RedisEvidenceStore.MAX_BATCH)
                    .isEqualTo(2);
            link.offer(caller, evidence(RedisEvidenceStore.MAX_BATCH + 1));
            assertThat(store.evidenceScripts())
                    .as("the one after waits for the linger")
                    .isEqualTo(2);
            assertThat(Eventually.holds(
                            Duration.ofSeconds(10), () -> store.sentEvidence() == RedisEvidenceStore.MAX_BATCH + 2))
                    .isTrue();
            assertThat(store.droppedEvidence()).isZero();
            assertThat(link.view(caller)).map(FleetProfile::requests).contains(RedisEvidenceStore.MAX_BATCH + 2L);
        }
    }

    /**
     * A busy caller's evidence that waits for the linger goes with the caller's first request after
     * it, on that request's thread: no timer wakes for it. The linger's time is a ticker the test
     * moves; the sweeper, which would send it too, sleeps the 1 s linger in real time.
     */
    @Test
    void aBusyCallersRequestAfterTheLingerSendsWhatWaited() throws Exception {
        AtomicLong nanos = new AtomicLong();
        try (RedisGuardState state = lingering(nanos::get)) {
            RedisEvidenceStore store = state.evidenceStore();
            EvidenceStore.Link link = store.link(POLICY);
            CallerKey caller = CallerKey.token(TwoNodesTest.ISSUER, "after-" + UUID.randomUUID());
            link.offer(caller, evidence(0));
            assertThat(Eventually.holds(Duration.ofSeconds(10), () -> store.sentEvidence() == 1))
                    .isTrue();
            for (int i = 1; i <= 3; i++) {
                link.offer(caller, evidence(i));
            }
            nanos.addAndGet(LONG_LINGER.toNanos() - 1);
            link.offer(caller, evidence(4));
            assertThat(store.evidenceScripts())
                    .as("a nanosecond before the linger ends, the 4 wait")
                    .isEqualTo(1);
            nanos.incrementAndGet();
            link.offer(caller, evidence(5));
            assertThat(store.evidenceScripts())
                    .as("the linger passed: the request's own thread sent the 5, at once")
                    .isEqualTo(2);
            assertThat(Eventually.holds(Duration.ofSeconds(10), () -> store.sentEvidence() == 6))
                    .isTrue();
            assertThat(link.view(caller)).map(FleetProfile::requests).contains(6L);
            assertThat(store.droppedEvidence()).isZero();
        }
    }

    /**
     * The view is decided on where the reply was read, without a handoff (most views change
     * nothing); only what a decision starts goes to the store's thread, which may block. A decider
     * that throws loses no evidence and stops no later decision.
     */
    @Test
    void aViewIsDecidedOnWhereItArrivesAndOnlyAChangeIsHandedOver() throws Exception {
        RedisEvidenceStore store = state().evidenceStore();
        EvidenceStore.Link link = store.link(POLICY);
        CallerKey caller = CallerKey.token(TwoNodesTest.ISSUER, "decided-" + UUID.randomUUID());
        java.util.concurrent.ConcurrentLinkedQueue<String> threads = new java.util.concurrent.ConcurrentLinkedQueue<>();
        List<EvidenceStore.Decider> deciders = List.of(
                view -> {
                    threads.add("decided " + Thread.currentThread().getName());
                    return null;
                },
                view -> {
                    throw new IllegalStateException("a decider's bug");
                },
                view -> {
                    threads.add("decided " + Thread.currentThread().getName());
                    return () ->
                            threads.add("carried out " + Thread.currentThread().getName());
                });
        for (int i = 0; i < deciders.size(); i++) {
            long sent = i + 1;
            link.offer(caller, evidence(i), deciders.get(i)); // each in a script of its own
            assertThat(Eventually.holds(
                            Duration.ofSeconds(10),
                            () -> store.sentEvidence() == sent && store.decisionsPending() == 0))
                    .isTrue();
        }
        assertThat(Eventually.holds(Duration.ofSeconds(10), () -> threads.size() == 3))
                .isTrue();
        List<String> seen = List.copyOf(threads);
        // Lettuce's thread, or this one when the reply was there before the store listened for it
        assertThat(seen.subList(0, 2))
                .as("decided, the one after the failed decider as well, without a handoff")
                .allSatisfy(decided ->
                        assertThat(decided).startsWith("decided ").doesNotContain("apiguard-fleet-decisions"));
        assertThat(seen.get(2)).isEqualTo("carried out apiguard-fleet-decisions");
        assertThat(store.droppedEvidence()).isZero();
        assertThat(store.droppedDecisions()).isZero();
    }

    @Test
    void closingSendsWhatWaitsForTheLinger() throws Exception {
        RedisGuardState state = lingering();
        RedisEvidenceStore store = state.evidenceStore();
        EvidenceStore.Link link = store.link(POLICY);
        CallerKey caller = CallerKey.token(TwoNodesTest.ISSUER, "closing-" + UUID.randomUUID());
        link.offer(caller, evidence(0));
        assertThat(Eventually.holds(Duration.ofSeconds(10), () -> store.sentEvidence() == 1))
                .isTrue();
        for (int i = 1; i <= 5; i++) {
            link.offer(caller, evidence(i));
        }
        assertThat(store.evidenceScripts()).as("the 5 wait for the linger").isEqualTo(1);
        state.close();
        assertThat(store.sentEvidence()).as("sent by close, not lost").isEqualTo(6);
        assertThat(store.evidenceScripts()).isEqualTo(2);
        assertThat(link.view(caller)).map(FleetProfile::requests).contains(6L);
    }
}
