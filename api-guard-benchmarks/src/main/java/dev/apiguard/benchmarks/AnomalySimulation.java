package dev.apiguard.benchmarks;

import dev.apiguard.ApiGuard;
import dev.apiguard.CallerKey;
import dev.apiguard.QuarantineStore;
import dev.apiguard.ThrottleControl;
import dev.apiguard.anomaly.AnomalyPolicy;
import dev.apiguard.anomaly.AnomalyScoringStep;
import dev.apiguard.anomaly.Evidence;
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.redis.RedisEvidenceStore;
import dev.apiguard.redis.RedisGuardState;
import dev.apiguard.redis.RedisServer;
import dev.apiguard.scope.RouteAuthorizationStep;
import dev.apiguard.scope.RouteRules;
import dev.apiguard.test.GuardTester;
import dev.apiguard.test.TestRequest;
import dev.apiguard.test.TestResponse;
import dev.apiguard.test.fixtures.LocalIssuer;
import dev.apiguard.test.fixtures.MutableClock;
import dev.apiguard.token.AccessTokenStep;
import dev.apiguard.token.KeySource;
import dev.apiguard.token.TokenPolicy;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The anomaly-scoring simulation: four scrapers and 1,000 legitimate partners over one simulated
 * day, driven through the real guard pipeline (access tokens from a local issuer with the
 * verified-token cache on, the demo's route rules, {@link AnomalyScoringStep} with
 * {@link AnomalyPolicy#defaults()}), on a simulated clock with a fixed seed, so every run prints
 * the same table. The fake application answers from a copy of the demo's customer directory
 * (10,000 customers keyed by 7-character tags): 200 for a known tag, 404 otherwise; pages of at
 * most 100.
 *
 * <p>Run: {@code java -cp api-guard-benchmarks/target/benchmarks.jar dev.apiguard.benchmarks.AnomalySimulation}
 * (add {@code -Dsim.verbose=true} to print each caller as it is first throttled, with its reasons).
 * Exits 1 when a target is not met.
 */
public final class AnomalySimulation {

    static final long SEED = 20_240_509L;
    static final String ISSUER = "https://issuer.sim.api-guard.dev";
    static final String AUDIENCE = "https://api.sim.api-guard.dev";
    static final Instant START = Instant.parse("2026-01-05T00:00:00Z");
    static final long DAY = Duration.ofDays(1).toMillis();
    static final int PARTNERS = 1000;

    private final MutableClock clock = MutableClock.at(START);
    private final LocalIssuer issuer = LocalIssuer.ec(ISSUER).audience(AUDIENCE).clock(clock);
    private final Directory directory = Directory.demo();
    private final Map<String, Instant> firstQuarantine = new ConcurrentHashMap<>();
    private final Set<String> throttled = ConcurrentHashMap.newKeySet();
    private final List<GuardTester> nodes = new ArrayList<>();
    private final List<RedisEvidenceStore> evidence = new ArrayList<>();
    private final List<RedisGuardState> states = new ArrayList<>();
    private final Balancing balancing;
    private final SplittableRandom balancer = new SplittableRandom(SEED ^ 0x5DEECE66DL);
    private long balanced;
    private AnomalyScoringStep anomaly;
    private final PriorityQueue<Scheduled> queue = new PriorityQueue<>();
    private long sequence;

    /** How a load balancer spreads requests over the nodes. */
    enum Balancing {
        /** One node. */
        SINGLE,
        /** Each request to the next node. */
        ROUND_ROBIN,
        /** Each request to a node drawn at random. */
        RANDOM
    }

    /** One guard in this JVM. */
    AnomalySimulation(AnomalyPolicy policy) {
        this(policy, Balancing.SINGLE, null, 1);
    }

    /**
     * {@code count} guards, each with its own connection to the Redis at {@code redisUri} (its
     * quarantine list and the evidence store), or one guard with local state when
     * {@code balancing} is {@link Balancing#SINGLE}.
     */
    AnomalySimulation(AnomalyPolicy policy, Balancing balancing, String redisUri, int count) {
        this.balancing = balancing;
        QuarantineStore local = new LocalQuarantine();
        for (int n = 0; n < count; n++) {
            AnomalyScoringStep.Builder builder = AnomalyScoringStep.builder(policy);
            QuarantineStore quarantine = local;
            if (balancing != Balancing.SINGLE) {
                RedisGuardState state = RedisGuardState.builder(redisUri)
                        .listener(SecurityEventListener.NONE)
                        // every quarantine look-up asks Redis: the simulation runs far faster than
                        // the clock it simulates, faster than a quarantine's message to the nodes
                        .nearCache(Duration.ZERO)
                        // the simulated callers' requests are 50 ms apart or more, so in a real
                        // fleet a 5 ms linger never holds their evidence back; the simulation runs
                        // faster than its clock and would wait it out: none unless asked
                        // (-DevidenceLinger=<ms>)
                        .evidenceLinger(Duration.ofMillis(Long.getLong("evidenceLinger", 0)))
                        .build();
                states.add(state);
                evidence.add(state.evidenceStore());
                quarantine = state.quarantineStore();
                builder.evidenceStore(state.evidenceStore());
            }
            AnomalyScoringStep step = builder.quarantineStore(new RecordingStore(quarantine))
                    .throttleControl(new ThrottleControl() {
                        @Override
                        public void throttle(CallerKey caller, double factor, Instant until, Instant now) {
                            if (throttled.add(caller.id()) && Boolean.getBoolean("sim.verbose")) {
                                System.out.println("throttled " + caller.id() + " at " + clock.instant());
                            }
                        }

                        @Override
                        public void clear(CallerKey caller) {}
                    })
                    .build();
            if (anomaly == null) {
                anomaly = step;
            }
            TokenPolicy tokens = TokenPolicy.builder()
                    .issuer(ISSUER, KeySource.fixed(issuer.publicJwks()))
                    .audience(AUDIENCE)
                    .build();
            ApiGuard guard = ApiGuard.builder()
                    .clock(clock)
                    .listener(SecurityEventListener.NONE)
                    .step(AccessTokenStep.of(tokens))
                    .step(step)
                    .step(RouteAuthorizationStep.of(routes()))
                    .build();
            nodes.add(GuardTester.of(guard));
        }
    }

    /**
     * Sends the request to the node the load balancer picks; with a fleet, waits until that node's
     * evidence reached Redis. The simulated callers send at most 20 requests a second, 50 ms apart:
     * in a real fleet each request's evidence is in Redis (a round trip of about a millisecond)
     * long before the caller's next request, which the simulation, running faster than the clock
     * it simulates, must wait for to be faithful.
     */
    private TestResponse send(TestRequest request, int appStatus) {
        int n = switch (balancing) {
            case SINGLE -> 0;
            case ROUND_ROBIN -> (int) (balanced++ % nodes.size());
            case RANDOM -> balancer.nextInt(nodes.size());
        };
        TestResponse response = nodes.get(n).send(request, appStatus);
        if (!evidence.isEmpty()) {
            RedisEvidenceStore store = evidence.get(n);
            while (store.queuedEvidence() > 0 || store.decisionsPending() > 0) {
                Thread.onSpinWait();
            }
        }
        return response;
    }

    private void close() {
        states.forEach(RedisGuardState::close);
    }

    /** The demo's route rules. */
    static RouteRules routes() {
        return RouteRules.builder()
                .route("GET", "/health")
                .permitAll()
                .route("GET", "/customers/{serviceTag}")
                .requireScopes("customers:read")
                .route("GET", "/customers")
                .requireScopes("customers:read")
                .route("POST", "/payments")
                .requireScopes("payments:write")
                .build();
    }

    /** Guards of the fleet runs. */
    static final int FLEET = 4;

    /**
     * Runs the simulation on one guard and prints its table; then, unless {@code single} is given
     * and when {@code redis-server} is on the PATH, on {@value #FLEET} guards sharing one Redis,
     * balanced round robin and at random, and prints the three side by side.
     */
    public static void main(String[] args) throws Exception {
        Result single = new AnomalySimulation(AnomalyPolicy.defaults()).run();
        single.print(System.out);
        boolean met = single.meetsTargets();
        if (args.length == 0 || !args[0].equals("single")) {
            if (RedisServer.binary() == null) {
                System.out.println("redis-server is not on the PATH: no fleet runs");
            } else {
                List<Result> fleet = new ArrayList<>();
                for (Balancing b : List.of(Balancing.ROUND_ROBIN, Balancing.RANDOM)) {
                    try (RedisServer redis = RedisServer.start()) {
                        AnomalySimulation sim = new AnomalySimulation(AnomalyPolicy.defaults(), b, redis.uri(), FLEET);
                        try {
                            fleet.add(sim.run());
                        } finally {
                            sim.close();
                        }
                    }
                }
                System.out.println();
                met &= printFleet(System.out, single, fleet.get(0), fleet.get(1));
            }
        }
        System.out.println(met ? "targets: met" : "targets: NOT MET");
        if (!met) {
            System.exit(1);
        }
    }

    /** The single-node and fleet runs side by side; whether the fleet runs meet their targets. */
    static boolean printFleet(PrintStream out, Result single, Result roundRobin, Result random) {
        out.println("fleet: " + FLEET + " guards sharing one redis-server (evidence and quarantine list), "
                + "the same simulated day; records before the first quarantine (target; fleet within 1.2 x one node)");
        out.println();
        out.println("| caller | one node | " + FLEET + " nodes, round robin | " + FLEET + " nodes, random | target |");
        out.println("|---|---|---|---|---|");
        boolean met = roundRobin.meetsTargets() && random.meetsTargets();
        for (int i = 0; i < single.attackers.size(); i++) {
            long one = single.attackers.get(i).recordsBeforeQuarantine;
            long rr = roundRobin.attackers.get(i).recordsBeforeQuarantine;
            long rnd = random.attackers.get(i).recordsBeforeQuarantine;
            for (long f : new long[] {rr, rnd}) {
                met &= f >= 0 && one >= 0 && f <= Math.ceil(one * 1.2);
            }
            out.printf(
                    "| %s | %s | %s | %s | <= %d |%n",
                    single.attackers.get(i).name,
                    Result.records(one),
                    Result.records(rr),
                    Result.records(rnd),
                    Result.TARGETS[i]);
        }
        out.printf(
                "| legitimate partners quarantined / throttled | %d / %d | %d / %d | %d / %d | 0 / <= %d |%n",
                single.quarantinedPartners,
                single.throttledPartners,
                roundRobin.quarantinedPartners,
                roundRobin.throttledPartners,
                random.quarantinedPartners,
                random.throttledPartners,
                single.partners / 1000);
        return met;
    }

    // ---------------------------------------------------------------- the run

    Result run() {
        Attacker sequential = new SequentialScraper("scraper-sequential", at(10, 0));
        Attacker paging = new PagingScraper("scraper-paging", at(11, 0));
        Attacker slow = new LowAndSlowScraper("scraper-low-and-slow", at(0, 30));
        Attacker interleaved = new InterleavedScraper("scraper-interleaved", at(12, 0));
        for (Attacker a : List.of(sequential, paging, slow, interleaved)) {
            schedule(a.start, a);
        }
        List<Partner> partners = new ArrayList<>();
        for (int i = 0; i < PARTNERS; i++) {
            Partner p = new Partner(i, new SplittableRandom(SEED * 31 + i));
            partners.add(p);
            if (!p.plan.isEmpty()) {
                schedule(p.plan.get(0).at, p);
            }
        }
        long requests = 0;
        long end = START.toEpochMilli() + DAY;
        while (!queue.isEmpty()) {
            Scheduled s = queue.poll();
            if (s.at >= end) {
                break;
            }
            clock.set(Instant.ofEpochMilli(s.at));
            s.actor.act(s.at);
            requests++;
        }
        long partnerRequests = partners.stream().mapToLong(p -> p.sent).sum();
        int quarantinedPartners = 0;
        int throttledPartners = 0;
        for (Partner p : partners) {
            if (firstQuarantine.containsKey(p.id)) {
                quarantinedPartners++;
            }
            if (throttled.contains(p.id)) {
                throttledPartners++;
            }
        }
        return new Result(
                List.of(sequential, paging, slow, interleaved),
                partners.size(),
                partnerRequests,
                quarantinedPartners,
                throttledPartners,
                requests);
    }

    private long at(int hour, int minute) {
        return START.toEpochMilli() + Duration.ofHours(hour).plusMinutes(minute).toMillis();
    }

    private void schedule(long at, Actor actor) {
        queue.add(new Scheduled(at, sequence++, actor));
    }

    private record Scheduled(long at, long seq, Actor actor) implements Comparable<Scheduled> {
        @Override
        public int compareTo(Scheduled o) {
            return at != o.at ? Long.compare(at, o.at) : Long.compare(seq, o.seq);
        }
    }

    private interface Actor {
        void act(long now);
    }

    /** Sends one request as the client, with a token it re-mints when the last one nears expiry. */
    private final class Client {
        final String id;
        final String scope;
        String token;
        long tokenExpires;

        Client(String id, String scope) {
            this.id = id;
            this.scope = scope;
        }

        TestResponse send(TestRequest request, int appStatus) {
            long now = clock.millis();
            if (token == null || now > tokenExpires - 60_000) {
                token = issuer.token()
                        .clientId(id)
                        .scope(scope)
                        .lifetime(Duration.ofHours(1))
                        .sign();
                tokenExpires = now + Duration.ofHours(1).toMillis();
            }
            return AnomalySimulation.this.send(request.bearer(token), appStatus);
        }

        TestResponse lookup(String tag) {
            return send(TestRequest.get("/customers/" + tag), directory.contains(tag) ? 200 : 404);
        }

        TestResponse page(int page, int size) {
            return send(TestRequest.get("/customers").query("page=" + page + "&size=" + size), size > 100 ? 400 : 200);
        }
    }

    // ---------------------------------------------------------------- attackers

    /** A scraper; it honours Retry-After and goes on after a quarantine ends. */
    abstract class Attacker implements Actor {
        final String name;
        final long start;
        final Client client;
        long sent;
        long recordsBeforeQuarantine = -1;
        long records;
        long refused;

        Attacker(String name, long start) {
            this.name = name;
            this.start = start;
            this.client = new Client(name, "customers:read");
        }

        @Override
        public void act(long now) {
            TestResponse r = step();
            sent++;
            if (r.status() == 429) {
                refused++;
                if (recordsBeforeQuarantine < 0) {
                    recordsBeforeQuarantine = records;
                }
                long wait = Long.parseLong(r.header("Retry-After")) * 1000;
                retry();
                schedule(now + wait, this);
                return;
            }
            records += returned(r);
            if (!done()) {
                schedule(now + pause(), this);
            }
        }

        /** Records before the first quarantine, or every record when it never came. */
        long beforeQuarantine() {
            return recordsBeforeQuarantine < 0 ? records : recordsBeforeQuarantine;
        }

        abstract TestResponse step();

        abstract void retry();

        abstract int returned(TestResponse r);

        abstract long pause();

        abstract boolean done();

        abstract String behaviour();
    }

    /** A scraper of single records by tag, 20 requests a second: a record for each 200. */
    abstract class TagScraper extends Attacker {
        TagScraper(String name, long start) {
            super(name, start);
        }

        @Override
        int returned(TestResponse r) {
            return r.status() == 200 ? 1 : 0;
        }

        @Override
        long pause() {
            return 50;
        }
    }

    /** Walks the tags in lexicographic order, guessing each tag's successor too: 20 requests a second. */
    final class SequentialScraper extends TagScraper {
        int index;
        boolean guess;

        SequentialScraper(String name, long start) {
            super(name, start);
        }

        @Override
        TestResponse step() {
            String tag = directory.sorted.get(index);
            TestResponse r = client.lookup(guess ? Directory.successor(tag) : tag);
            if (guess) {
                index++;
            }
            guess = !guess;
            return r;
        }

        @Override
        void retry() {
            guess = !guess;
            if (!guess) {
                index--;
            }
        }

        @Override
        boolean done() {
            return index >= directory.sorted.size();
        }

        @Override
        String behaviour() {
            return "GET /customers/{tag}, tags in order + each successor guessed, 20/s";
        }
    }

    /**
     * The sequential scraper's walk spread over more ranges than the sequential signal follows:
     * {@value #RANGES} tags in order, then each one's successor guessed in the same order, so that
     * {@value Evidence#WALKS} other ranges come between a tag and its successor. Every walk is
     * forgotten before its next step: what stops it is the rest of the score. 20 requests a second.
     */
    final class InterleavedScraper extends TagScraper {
        static final int RANGES = Evidence.WALKS + 1;
        int group; // the first tag of the group in directory.sorted
        int at; // 0 .. 2 * RANGES - 1: the group's tags, then their successors

        InterleavedScraper(String name, long start) {
            super(name, start);
        }

        @Override
        TestResponse step() {
            String tag = directory.sorted.get(group + at % RANGES);
            TestResponse r = client.lookup(at < RANGES ? tag : Directory.successor(tag));
            if (++at == 2 * RANGES) {
                at = 0;
                group += RANGES;
            }
            return r;
        }

        @Override
        void retry() {
            if (at == 0) {
                at = 2 * RANGES;
                group -= RANGES;
            }
            at--;
        }

        @Override
        boolean done() {
            return group + RANGES > directory.sorted.size();
        }

        @Override
        String behaviour() {
            return "GET /customers/{tag}, " + RANGES + " tags in order, then each one's successor guessed, 20/s";
        }
    }

    /** Pages through the collection with size=100, one page a second. */
    final class PagingScraper extends Attacker {
        int page;

        PagingScraper(String name, long start) {
            super(name, start);
        }

        @Override
        TestResponse step() {
            return client.page(page++, 100);
        }

        @Override
        void retry() {
            page--;
        }

        @Override
        int returned(TestResponse r) {
            return r.status() == 200 ? directory.page(page - 1, 100) : 0;
        }

        @Override
        long pause() {
            return 1000;
        }

        @Override
        boolean done() {
            return page * 100 >= directory.sorted.size();
        }

        @Override
        String behaviour() {
            return "GET /customers?page=N&size=100, 1 page/s";
        }
    }

    /** Knows valid tags (no misses), asks them in random order every 10 s, far below any rate limit. */
    final class LowAndSlowScraper extends Attacker {
        final List<String> order;
        int index;

        LowAndSlowScraper(String name, long start) {
            super(name, start);
            order = new ArrayList<>(directory.sorted);
            SplittableRandom random = new SplittableRandom(SEED + 7);
            for (int i = order.size() - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                String t = order.get(i);
                order.set(i, order.get(j));
                order.set(j, t);
            }
        }

        @Override
        TestResponse step() {
            return client.lookup(order.get(index++));
        }

        @Override
        void retry() {
            index--;
        }

        @Override
        int returned(TestResponse r) {
            return r.status() == 200 ? 1 : 0;
        }

        @Override
        long pause() {
            return 10_000;
        }

        @Override
        boolean done() {
            return index >= order.size();
        }

        @Override
        String behaviour() {
            return "GET /customers/{tag}, known tags in random order, 1 every 10 s (360/h)";
        }
    }

    // ---------------------------------------------------------------- partners

    private enum Kind {
        LOOKUP,
        PAGE,
        PAYMENT
    }

    private record Planned(long at, Kind kind, String tag, int page) {}

    /**
     * A legitimate partner: a portfolio of its own customers (20 to 250, a few stale), looked up
     * through the working day with a skew towards its busiest records; retries; bursts; a nightly
     * batch job over the whole portfolio (half of them sorted by tag); a few pages of the list; after
     * the 14:00 deployment, some start to page or to post payments; a few typos and stale tags (404).
     */
    final class Partner implements Actor {
        final String id;
        final Client client;
        final List<Planned> plan = new ArrayList<>();
        int next;
        long sent;

        Partner(int n, SplittableRandom random) {
            this.id = String.format("partner-%04d", n);
            boolean pays = random.nextDouble() < 0.3;
            this.client = new Client(id, pays ? "customers:read payments:write" : "customers:read");
            double u = random.nextDouble();
            int size = 20 + (int) (u * u * 230);
            List<String> portfolio = new ArrayList<>(size);
            Set<String> chosen = new HashSet<>();
            while (portfolio.size() < size) {
                String tag = random.nextDouble() < 0.03
                        ? Directory.randomTag(random)
                        : directory.sorted.get(random.nextInt(directory.sorted.size()));
                if (chosen.add(tag)) {
                    portfolio.add(tag);
                }
            }
            long day = START.toEpochMilli();
            // working day: 08:00 to 20:00
            int lookups = 100 + random.nextInt(1500);
            for (int i = 0; i < lookups; i++) {
                long t = day
                        + Duration.ofHours(8).toMillis()
                        + (long) (random.nextDouble() * Duration.ofHours(12).toMillis());
                double typo = random.nextDouble();
                String tag = typo < 0.01
                        ? Directory.randomTag(random)
                        : portfolio.get((int) (Math.pow(random.nextDouble(), 2) * portfolio.size()));
                plan.add(new Planned(t, Kind.LOOKUP, tag, 0));
                if (random.nextDouble() < 0.02) {
                    // client-side retries of the same lookup (a timeout on their side)
                    int retries = 1 + random.nextInt(3);
                    for (int r = 1; r <= retries; r++) {
                        plan.add(new Planned(t + r * 1000L, Kind.LOOKUP, tag, 0));
                    }
                }
            }
            if (random.nextDouble() < 0.2) {
                int bursts = 1 + random.nextInt(3);
                for (int b = 0; b < bursts; b++) {
                    long t0 = day
                            + Duration.ofHours(9).toMillis()
                            + (long) (random.nextDouble() * Duration.ofHours(9).toMillis());
                    int burst = 50 + random.nextInt(250);
                    for (int i = 0; i < burst; i++) {
                        plan.add(new Planned(
                                t0 + i * 250L, Kind.LOOKUP, portfolio.get(random.nextInt(portfolio.size())), 0));
                    }
                }
            }
            if (random.nextDouble() < 0.6) {
                long t0 = day
                        + Duration.ofHours(2).toMillis()
                        + (long) (random.nextDouble() * Duration.ofHours(2).toMillis());
                List<String> batch = new ArrayList<>(portfolio);
                if (random.nextBoolean()) {
                    batch.sort(null);
                }
                long gap = 50 + random.nextInt(200);
                for (int i = 0; i < batch.size(); i++) {
                    plan.add(new Planned(t0 + i * gap, Kind.LOOKUP, batch.get(i), 0));
                }
            }
            if (random.nextDouble() < 0.1) {
                long t0 = day
                        + Duration.ofHours(8).toMillis()
                        + (long) (random.nextDouble() * Duration.ofHours(5).toMillis());
                for (int pg = 0; pg < 3; pg++) {
                    plan.add(new Planned(t0 + pg * 2000L, Kind.PAGE, null, pg));
                }
            }
            if (random.nextDouble() < 0.3) {
                // after the 14:00 deployment: a route the partner never used
                long t0 = day
                        + Duration.ofHours(14).toMillis()
                        + (long) (random.nextDouble() * Duration.ofHours(4).toMillis());
                for (int i = 0; i < 5; i++) {
                    plan.add(
                            pays
                                    ? new Planned(t0 + i * 60_000L, Kind.PAYMENT, null, 0)
                                    : new Planned(t0 + i * 60_000L, Kind.PAGE, null, 0));
                }
            }
            if (random.nextDouble() < 0.01) {
                // a misconfigured client posts a payment without the scope, once
                plan.add(new Planned(day + Duration.ofHours(15).toMillis(), Kind.PAYMENT, null, -1));
            }
            plan.sort((a, b) -> Long.compare(a.at(), b.at()));
        }

        @Override
        public void act(long now) {
            Planned p = plan.get(next++);
            switch (p.kind()) {
                case LOOKUP -> client.lookup(p.tag());
                case PAGE -> client.page(p.page(), 20);
                case PAYMENT -> client.send(TestRequest.post("/payments"), 201);
            }
            sent++;
            if (next < plan.size()) {
                schedule(Math.max(now, plan.get(next).at()), this);
            }
        }
    }

    // ---------------------------------------------------------------- the directory

    /** A copy of the demo's directory scheme: 10,000 distinct 7-character tags from a fixed seed. */
    static final class Directory {
        static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        final List<String> inOrder;
        final List<String> sorted;
        final Set<String> tags;

        private Directory(List<String> inOrder) {
            this.inOrder = inOrder;
            this.tags = new HashSet<>(inOrder);
            List<String> s = new ArrayList<>(inOrder);
            s.sort(null);
            this.sorted = List.copyOf(s);
        }

        static Directory demo() {
            SplittableRandom random = new SplittableRandom(49_000_000L);
            List<String> list = new ArrayList<>();
            Set<String> seen = new HashSet<>();
            while (list.size() < 10_000) {
                String tag = randomTag(random);
                if (seen.add(tag)) {
                    list.add(tag);
                    random.nextInt(8); // the demo's city and plan draws, to keep its sequence
                    random.nextInt(4);
                }
            }
            return new Directory(list);
        }

        static String randomTag(SplittableRandom random) {
            char[] c = new char[7];
            for (int i = 0; i < c.length; i++) {
                c[i] = ALPHABET.charAt(random.nextInt(ALPHABET.length()));
            }
            return new String(c);
        }

        /** The next tag in the alphabet's order (the last character incremented, with carry). */
        static String successor(String tag) {
            char[] c = tag.toCharArray();
            for (int i = c.length - 1; i >= 0; i--) {
                int k = ALPHABET.indexOf(c[i]);
                if (k + 1 < ALPHABET.length()) {
                    c[i] = ALPHABET.charAt(k + 1);
                    return new String(c);
                }
                c[i] = ALPHABET.charAt(0);
            }
            return new String(c);
        }

        boolean contains(String tag) {
            return tags.contains(tag);
        }

        int page(int page, int size) {
            long from = (long) page * size;
            return (int) Math.max(0, Math.min(inOrder.size(), from + size) - from);
        }
    }

    /** A quarantine store that notes each caller's first quarantine, over the real one. */
    private final class RecordingStore implements QuarantineStore {
        private final QuarantineStore store;

        RecordingStore(QuarantineStore store) {
            this.store = store;
        }

        @Override
        public void quarantine(CallerKey caller, Instant end, Instant now) {
            firstQuarantine.putIfAbsent(caller.id(), clock.instant());
            store.quarantine(caller, end, now);
        }

        @Override
        public Optional<Instant> quarantinedUntil(CallerKey caller, Instant now) {
            return store.quarantinedUntil(caller, now);
        }

        @Override
        public void release(CallerKey caller) {
            store.release(caller);
        }
    }

    /** The one node's quarantine list: a plain map, the simulation is single-threaded. */
    private static final class LocalQuarantine implements QuarantineStore {
        private final Map<CallerKey, Instant> until = new HashMap<>();

        @Override
        public void quarantine(CallerKey caller, Instant end, Instant now) {
            until.put(caller, end);
        }

        @Override
        public Optional<Instant> quarantinedUntil(CallerKey caller, Instant now) {
            Instant end = until.get(caller);
            return end != null && end.isAfter(now) ? Optional.of(end) : Optional.empty();
        }

        @Override
        public void release(CallerKey caller) {
            until.remove(caller);
        }
    }

    // ---------------------------------------------------------------- the table

    /** What one run found. */
    final class Result {
        final List<Attacker> attackers;
        final int partners;
        final long partnerRequests;
        final int quarantinedPartners;
        final int throttledPartners;
        final long requests;

        Result(
                List<Attacker> attackers,
                int partners,
                long partnerRequests,
                int quarantinedPartners,
                int throttledPartners,
                long requests) {
            this.attackers = attackers;
            this.partners = partners;
            this.partnerRequests = partnerRequests;
            this.quarantinedPartners = quarantinedPartners;
            this.throttledPartners = throttledPartners;
            this.requests = requests;
        }

        // the last is not the issue's: a bound against regression, twice the sequential scraper's (its walk
        // hidden from the sequential signal, the misses and the enumeration stop it)
        static final long[] TARGETS = {100, 1000, 1000, 200};

        static String records(long beforeQuarantine) {
            return beforeQuarantine < 0 ? "never quarantined" : Long.toString(beforeQuarantine);
        }

        boolean meetsTargets() {
            for (int i = 0; i < attackers.size(); i++) {
                if (attackers.get(i).recordsBeforeQuarantine < 0
                        || attackers.get(i).recordsBeforeQuarantine > TARGETS[i]) {
                    return false;
                }
            }
            return quarantinedPartners == 0 && throttledPartners * 1000L <= partners;
        }

        void print(PrintStream out) {
            out.println("anomaly simulation: seed " + SEED + ", one simulated day from " + START
                    + ", default AnomalyPolicy, " + requests + " requests through the guard");
            out.println();
            out.println(
                    "| caller | behaviour | records before quarantine (target) | quarantined after | records in the day |");
            out.println("|---|---|---|---|---|");
            for (int i = 0; i < attackers.size(); i++) {
                Attacker a = attackers.get(i);
                Instant q = firstQuarantine.get(a.name);
                out.printf(
                        "| %s | %s | %s (<= %d) | %s | %d |%n",
                        a.name,
                        a.behaviour(),
                        a.recordsBeforeQuarantine < 0
                                ? "never quarantined, " + a.records
                                : Long.toString(a.recordsBeforeQuarantine),
                        TARGETS[i],
                        q == null
                                ? "-"
                                : Duration.between(Instant.ofEpochMilli(a.start), q)
                                                .toSeconds() + " s",
                        a.records);
            }
            out.println();
            out.println("| legitimate partners | requests | quarantined (target 0) | throttled (target <= 0.1 %) |");
            out.println("|---|---|---|---|");
            out.printf(
                    "| %d | %d | %d | %d (%.1f %%) |%n",
                    partners,
                    partnerRequests,
                    quarantinedPartners,
                    throttledPartners,
                    throttledPartners * 100.0 / partners);
        }
    }
}
