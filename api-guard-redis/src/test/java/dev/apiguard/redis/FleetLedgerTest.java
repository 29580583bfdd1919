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
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.inventory.CallerRecord;
import dev.apiguard.inventory.CredentialRecord;
import dev.apiguard.inventory.InventoryPolicy;
import dev.apiguard.inventory.InventoryReport;
import dev.apiguard.inventory.InventoryStep;
import dev.apiguard.inventory.LedgerStore;
import dev.apiguard.scope.RouteAuthorizationStep;
import dev.apiguard.scope.RouteRules;
import dev.apiguard.test.TestRequest;
import dev.apiguard.test.fixtures.MutableClock;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The inventory's ledger shared by the nodes of a fleet ({@link RedisLedgerStore}), several guards
 * in one JVM on one {@code redis-server}: a caller seen only by node B is in node A's report once B
 * flushed, counts add up, the least-privilege diff is computed over the fleet; when Redis is killed
 * reads fall back to the node's own view with the notice while requests are still answered; when
 * Redis is paused the buffer stays bounded, drops and counts, and no request waits; every key
 * expires; a full record's Redis memory is measured. Flushes are triggered by the test
 * ({@link RedisLedgerStore#flush()}), but for one test of the flush thread, awaited with a bounded
 * poll.
 */
@ExtendWith(RedisServerExtension.class)
class FleetLedgerTest {

    private static final Instant START = Instant.parse("2026-12-05T08:00:00Z");
    private static final String ISSUER = TwoNodesTest.ISSUER;

    private RedisServer server;
    private String prefix;
    private final List<RedisGuardState> states = new ArrayList<>();
    private final MutableClock clock = MutableClock.at(START);

    @BeforeEach
    void start(RedisServer redis) {
        server = redis;
        prefix = "fleet-" + UUID.randomUUID() + ":"; // each test its own ledger on the shared server
    }

    @AfterEach
    void stop() {
        states.forEach(RedisGuardState::close);
    }

    private RedisGuardState.Builder builder(RedisServer redis) {
        return RedisGuardState.builder(redis.uri())
                .listener(SecurityEventListener.NONE)
                .keyPrefix(prefix)
                .commandTimeout(Duration.ofMillis(500))
                // flushed by the test, unless a test says otherwise
                .ledgerFlushInterval(Duration.ofHours(1));
    }

    private RedisGuardState state(RedisGuardState.Builder b) {
        RedisGuardState s = b.build();
        states.add(s);
        return s;
    }

    /**
     * Authenticates the caller named by {@code X-Test-Caller} with the scopes of
     * {@code X-Test-Scopes}, as the token step would (a test fake; a real token is verified).
     */
    private static final GuardStep HEADER_CALLER = new GuardStep() {
        @Override
        public String name() {
            return "header-caller";
        }

        @Override
        public GuardPhase phase() {
            return GuardPhase.AUTHENTICATE;
        }

        @Override
        public Decision evaluate(GuardExchange exchange) {
            String id = exchange.request().header("X-Test-Caller");
            if (id != null) {
                String scopes = exchange.request().header("X-Test-Scopes");
                exchange.authenticate(Caller.builder(id, CredentialKind.BEARER_JWT)
                        .subject(id)
                        .issuer(ISSUER)
                        .scopes(scopes == null ? Set.of() : Set.of(scopes.split(" ")))
                        .issuedAt(exchange.now())
                        .expiresAt(exchange.now().plus(Duration.ofMinutes(10)))
                        .build());
            }
            return Decision.ALLOW;
        }
    };

    private record Node(ApiGuard guard, InventoryStep inventory, RedisLedgerStore ledger) {
        InventoryReport report() {
            return inventory.inventory().report();
        }
    }

    private Node node(RedisGuardState state) {
        LedgerStore store = state == null ? LedgerStore.inMemory(LedgerStore.DEFAULT_MAX_CALLERS) : state.ledgerStore();
        InventoryStep inventory = InventoryStep.of(InventoryPolicy.defaults(), store);
        ApiGuard guard = ApiGuard.builder()
                .clock(clock)
                .listener(SecurityEventListener.NONE)
                .step(HEADER_CALLER)
                .step(RouteAuthorizationStep.of(RouteRules.builder()
                        .route("GET", "/customers")
                        .requireScopes("customers:read")
                        .route("POST", "/payments")
                        .requireScopes("payments:write")
                        .build()))
                .step(inventory)
                .build();
        return new Node(guard, inventory, state == null ? null : state.ledgerStore());
    }

    /** One request of the caller with the scopes to the node; its status. */
    private int send(Node node, String caller, String scopes, String method, String path) {
        clock.advance(Duration.ofSeconds(1));
        TestRequest request = (method.equals("GET") ? TestRequest.get(path) : TestRequest.post(path))
                .header("X-Test-Caller", caller)
                .header("X-Test-Scopes", scopes);
        GuardExchange exchange = node.guard().exchange(request);
        Decision d = node.guard().evaluate(exchange);
        int status = d instanceof Decision.Deny deny ? deny.status() : 200;
        node.guard().completed(exchange, status);
        return status;
    }

    private static void until(BooleanSupplier condition, Duration within, String what) {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                StringBuilder dump = new StringBuilder();
                Thread.getAllStackTraces().forEach((t, st) -> {
                    if (t.getName().startsWith("apiguard-ledger")) {
                        dump.append(t).append('\n');
                        for (StackTraceElement e : st) {
                            dump.append("  ").append(e).append('\n');
                        }
                    }
                });
                throw new AssertionError(what + " not within " + within + "\n" + dump);
            }
            Thread.onSpinWait();
        }
    }

    @Test
    void aCallerSeenOnlyByNodeBIsInNodeAsReportOnceBFlushed() {
        Node a = node(state(builder(server)));
        Node b = node(state(builder(server)));
        String id = "only-b-" + UUID.randomUUID();
        assertThat(send(b, id, "customers:read", "GET", "/customers")).isEqualTo(200);
        assertThat(a.report().caller(id)).as("not sent yet").isEmpty();
        assertThat(b.report().caller(id))
                .as("a node sees its own deltas before they are sent")
                .isPresent();
        b.ledger().flush();
        InventoryReport.CallerReport seen = a.report().caller(id).orElseThrow();
        assertThat(seen.requestCount()).isEqualTo(1);
        assertThat(seen.scopesUsed()).containsExactly("customers:read");
        assertThat(a.report().notice()).isNull();
        assertThat(a.report().toJson()).contains("\"notice\":null").contains(id);
    }

    @Test
    void theFlushThreadSendsWithinTheFlushInterval() {
        Node a = node(state(builder(server)));
        Node b = node(state(builder(server).ledgerFlushInterval(Duration.ofMillis(100))));
        String id = "threaded-" + UUID.randomUUID();
        long t0 = System.nanoTime();
        send(b, id, "customers:read", "GET", "/customers");
        // no flush by hand: B's daemon thread sends within its interval; 5 s is the issue's bound
        until(() -> a.report().caller(id).isPresent(), Duration.ofSeconds(5), "B's caller in A's report");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        assertThat(b.ledger().sentDeltas()).isPositive();
    }

    @Test
    void countsAddUpAndLeastPrivilegeIsComputedOverTheFleet() {
        Node a = node(state(builder(server)));
        Node b = node(state(builder(server)));
        Node c = node(state(builder(server)));
        Node aloneA = node(null);
        Node aloneB = node(null);
        String id = "partner-" + UUID.randomUUID();
        String scopes = "customers:read payments:write";
        for (int i = 0; i < 3; i++) {
            send(a, id, scopes, "GET", "/customers");
            send(aloneA, id, scopes, "GET", "/customers");
        }
        for (int i = 0; i < 2; i++) {
            send(b, id, scopes, "POST", "/payments");
            send(aloneB, id, scopes, "POST", "/payments");
        }
        // alone, each node calls the scope the other saw used unused
        assertThat(aloneA.report().caller(id).orElseThrow().scopesUnused()).containsExactly("payments:write");
        assertThat(aloneB.report().caller(id).orElseThrow().scopesUnused()).containsExactly("customers:read");
        a.ledger().flush();
        b.ledger().flush();
        for (Node n : List.of(a, b, c)) {
            InventoryReport report = n.report();
            InventoryReport.CallerReport r = report.caller(id).orElseThrow();
            assertThat(r.requestCount()).as("3 on A and 2 on B").isEqualTo(5);
            assertThat(r.scopesGranted()).containsExactly("customers:read", "payments:write");
            assertThat(r.scopesUsed()).containsExactly("customers:read", "payments:write");
            assertThat(r.scopesUnused()).as("used on one node or the other").isEmpty();
            assertThat(r.flags()).doesNotContain(InventoryReport.UNUSED_SCOPES);
            assertThat(r.firstSeen()).isEqualTo(START.plusSeconds(1));
            assertThat(r.lastSeen()).isEqualTo(START.plusSeconds(9)); // B's last; the nodes alone had 10
            CredentialRecord credential = r.credentials().get(0).credential();
            assertThat(credential.requestCount()).isEqualTo(5);
        }
        // and what a node reads is the same, whichever asked
        assertThat(c.inventory().inventory().caller(TwoNodesTest.key(id)))
                .isEqualTo(a.inventory().inventory().caller(TwoNodesTest.key(id)));
    }

    @Test
    void redisKilledReadsFallBackToTheNodesOwnViewWithTheNotice() throws Exception {
        try (RedisServer own = RedisServer.start()) {
            RedisGuardState state = state(builder(own).commandTimeout(Duration.ofMillis(300)));
            Node a = node(state);
            Node b = node(state(builder(own)));
            String mine = "mine-" + UUID.randomUUID();
            String theirs = "theirs-" + UUID.randomUUID();
            send(a, mine, "customers:read", "GET", "/customers");
            send(b, theirs, "customers:read", "GET", "/customers");
            a.ledger().flush();
            b.ledger().flush();
            assertThat(a.report().callers()).hasSize(2);

            own.kill();
            long t0 = System.nanoTime();
            for (int i = 0; i < 50; i++) {
                assertThat(send(a, mine, "customers:read", "GET", "/customers"))
                        .as("requests are answered while Redis is gone")
                        .isEqualTo(200);
            }
            assertThat(Duration.ofNanos(System.nanoTime() - t0))
                    .as("50 requests never waited for Redis (waiting, each would take the 300 ms timeout: 15 s)")
                    .isLessThan(Duration.ofSeconds(5));
            a.ledger().flush(); // fails: the deltas are dropped and counted
            assertThat(a.ledger().droppedDeltas()).isPositive();
            InventoryReport report = a.report();
            assertThat(report.notice()).isEqualTo(InventoryReport.Notice.FLEET_VIEW_UNAVAILABLE);
            assertThat(a.ledger().isDegraded()).isTrue();
            assertThat(report.caller(mine).orElseThrow().requestCount())
                    .as("the node's own view: everything it saw")
                    .isEqualTo(51);
            assertThat(report.caller(theirs))
                    .as("another node's caller is not in this node's view")
                    .isEmpty();
            assertThat(report.toJson()).contains("\"notice\":\"fleet_view_unavailable\"");

            // Redis is back (empty: no persistence): the fleet view and no notice again
            own.launch();
            // each report reads Redis again (one read per back-off probes it)
            until(() -> a.report().notice() == null, Duration.ofSeconds(15), "recovery");
            assertThat(a.ledger().isDegraded()).isFalse();
            send(a, mine, "customers:read", "GET", "/customers");
            a.ledger().flush();
            assertThat(a.report().caller(mine).orElseThrow().requestCount()).isEqualTo(1);
        }
    }

    @Test
    void redisPausedTheBufferIsBoundedAndNoRequestWaits() throws Exception {
        RedisGuardState state = state(builder(server)
                .commandTimeout(Duration.ofMillis(300))
                .ledgerFlushInterval(Duration.ofMillis(50))
                .ledgerBuffer(50));
        Node a = node(state);
        Duration pause = Duration.ofSeconds(3);
        RedisClient client = RedisClient.create(server.uri());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            c.sync().clientPause(pause.toMillis());
            long t0 = System.nanoTime();
            for (int i = 0; i < 1_000; i++) {
                assertThat(send(a, "paused-" + i, "customers:read", "GET", "/customers"))
                        .isEqualTo(200);
                assertThat(a.ledger().pendingCallers()).isLessThanOrEqualTo(50);
            }
            assertThat(Duration.ofNanos(System.nanoTime() - t0))
                    .as("1,000 requests while Redis answers nothing return before it answers again")
                    .isLessThan(pause);
            assertThat(a.ledger().droppedDeltas()).isGreaterThanOrEqualTo(900);
        } finally {
            client.shutdown();
        }
        // Redis answers again: deltas flow (the caller's request is repeated until one is sent: a
        // delta that found the buffer full, or went in a flush still inside the pause, was dropped)
        String after = "after-" + UUID.randomUUID();
        until(
                () -> {
                    send(a, after, "customers:read", "GET", "/customers");
                    return a.ledger().sentDeltas() > 0;
                },
                Duration.ofSeconds(15),
                "deltas sent after the pause");
        a.ledger().flush();
        until(
                () -> a.report().notice() == null && a.report().caller(after).isPresent(),
                Duration.ofSeconds(15),
                "the fleet view after the pause");
    }

    @Test
    void theIndexIsBoundedAndTheRecordsItDropsAreDeleted() {
        RedisGuardState state = state(builder(server).ledgerMaxCallers(5));
        Node a = node(state);
        for (int i = 0; i < 8; i++) {
            send(a, "caller-" + i, "customers:read", "GET", "/customers");
            a.ledger().flush();
        }
        assertThat(a.ledger().size()).isEqualTo(5);
        assertThat(a.report().callers().stream().map(InventoryReport.CallerReport::id))
                .containsExactlyInAnyOrder("caller-3", "caller-4", "caller-5", "caller-6", "caller-7");
        withRedis(redis -> {
            assertThat(redis.zcard(prefix + "led:index")).isEqualTo(5);
            String dropped = TwoNodesTest.key("caller-0").hashTag();
            assertThat(redis.exists(prefix + "led:" + dropped, prefix + "led:" + dropped + ":c"))
                    .isZero();
        });
    }

    @Test
    void everyKeyExpiresAndAFullRecordStaysSmall() {
        RedisGuardState state = state(builder(server).ledgerTimeToLive(Duration.ofDays(90)));
        RedisLedgerStore ledger = state.ledgerStore();
        CallerKey caller = TwoNodesTest.key("full-" + UUID.randomUUID());
        // a full record: every scope map and the credentials at their bound, in realistic sizes
        Map<String, Instant> scopes = new HashMap<>();
        for (int i = 0; i < LedgerStore.MAX_SCOPES_PER_CALLER; i++) {
            scopes.put("orders.example/scope-" + i, START.plusSeconds(i));
        }
        LinkedHashMap<String, CredentialRecord> credentials = new LinkedHashMap<>();
        for (int i = 0; i < LedgerStore.MAX_CREDENTIALS_PER_CALLER; i++) {
            CredentialRecord c = new CredentialRecord(
                    CredentialRecord.Type.TOKEN,
                    ISSUER,
                    "client-" + i + "-" + caller.id(),
                    Set.of(CredentialKind.BEARER_JWT, CredentialKind.DPOP_BOUND_JWT),
                    START,
                    START.plusSeconds(i),
                    1_000 + i,
                    START.plus(Duration.ofDays(1)),
                    Duration.ofMinutes(10),
                    3,
                    1,
                    START.plusSeconds(i));
            credentials.put(c.key(), c);
        }
        ledger.record(new CallerRecord(
                caller,
                START,
                START.plusSeconds(300),
                123_456,
                Set.of(CredentialKind.BEARER_JWT, CredentialKind.DPOP_BOUND_JWT),
                scopes,
                scopes,
                credentials));
        ledger.flush();
        CallerRecord read = ledger.get(caller).orElseThrow();
        assertThat(read.scopesGranted()).hasSize(LedgerStore.MAX_SCOPES_PER_CALLER);
        assertThat(read.credentials()).hasSize(LedgerStore.MAX_CREDENTIALS_PER_CALLER);
        withRedis(redis -> {
            long bytes = 0;
            StringBuilder each = new StringBuilder();
            for (String suffix : new String[] {"", ":g", ":u", ":c"}) {
                String key = prefix + "led:" + caller.hashTag() + suffix;
                assertThat(redis.exists(key)).as(key).isEqualTo(1L);
                assertThat(redis.pttl(key))
                        .as("%s expires", key)
                        .isPositive()
                        .isLessThanOrEqualTo(Duration.ofDays(90).toMillis());
                long used = redis.memoryUsage(key);
                each.append(suffix.isEmpty() ? "record" : suffix)
                        .append('=')
                        .append(used)
                        .append(' ');
                bytes += used;
            }
            String index = prefix + "led:index";
            assertThat(redis.pttl(index)).as("the index expires").isPositive();
            List<String> all = redis.keys(prefix + "led:*");
            for (String key : all) {
                assertThat(redis.pttl(key)).as("%s expires", key).isPositive();
            }
            System.out.printf(
                    "FleetLedgerTest: Redis memory of a full ledger record (%d scopes granted and used, %d credentials): %d bytes (%s)%n",
                    LedgerStore.MAX_SCOPES_PER_CALLER,
                    LedgerStore.MAX_CREDENTIALS_PER_CALLER,
                    bytes,
                    each.toString().trim());
            assertThat(bytes).as("Redis memory of a full ledger record").isLessThanOrEqualTo(48 * 1024);
        });
    }

    private void withRedis(java.util.function.Consumer<RedisCommands<String, String>> check) {
        RedisClient client = RedisClient.create(server.uri());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            check.accept(c.sync());
        } finally {
            client.shutdown();
        }
    }
}
