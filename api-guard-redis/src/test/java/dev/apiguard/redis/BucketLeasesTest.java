package dev.apiguard.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.ratelimit.BucketStore;
import dev.apiguard.ratelimit.BucketStore.Outcome;
import dev.apiguard.ratelimit.BucketStore.Status;
import dev.apiguard.ratelimit.RateLimitPlan;
import io.github.bucket4j.BucketConfiguration;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Bucket leases ({@link RedisGuardState.Builder#bucketLeases}): a busy caller costs one round trip
 * per lease, the fleet never admits more than the bucket holds, and what a node may hold back is
 * bounded. Two nodes are two states on one real {@code redis-server}; time is the guard's, handed
 * to every call.
 */
@ExtendWith(RedisServerExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BucketLeasesTest {

    private static final Instant NOW = BucketStoreContract.NOW;
    private static final Duration VALIDITY = Duration.ofMillis(100);
    private static final int SIZE = 16;
    /** Never runs dry in these tests unless they say so: a million requests a day. */
    private static final RateLimitPlan ROOMY = RateLimitPlan.simple("roomy", 1_000_000, Duration.ofDays(1));
    /** The plan a caller moves to in the plan-change cases. */
    private static final BucketConfiguration OTHER_PLAN =
            RateLimitPlan.simple("other", 5_000, Duration.ofDays(1)).configuration();
    /** What Redis answers a top-up, where the case does not depend on it. */
    private static final Outcome ANY_OUTCOME = new Outcome(Status.CONSUMED, 100, 0, 0);

    private RedisServer redis;
    private RedisGuardState nodeA;
    private RedisGuardState nodeB;

    @BeforeAll
    void connect(RedisServer server) {
        redis = server;
        nodeA = leased(server);
        nodeB = leased(server);
    }

    private static RedisGuardState leased(RedisServer server) {
        return RedisGuardState.builder(server.uri())
                .listener(SecurityEventListener.NONE)
                .bucketLeases(SIZE, VALIDITY)
                .build();
    }

    @AfterAll
    void close() {
        for (RedisGuardState s : new RedisGuardState[] {nodeA, nodeB}) {
            if (s != null) {
                s.close();
            }
        }
    }

    private static String key() {
        return "caller:lease-" + UUID.randomUUID();
    }

    private long scriptCalls() {
        return RedisBucketStoreContractTest.scriptCalls(redis);
    }

    @Test
    void aBusyCallersTakesCostOneRoundTripPerLease() {
        String key = key();
        BucketStore store = nodeA.bucketStore();
        long before = scriptCalls();
        long last = Long.MAX_VALUE;
        for (int i = 0; i < 1_000; i++) {
            Outcome o = store.tryConsume(key, ROOMY.configuration(), 1000, NOW);
            assertThat(o.status()).isEqualTo(Status.CONSUMED);
            // what a caller can still spend counts down by one request, leased or not
            assertThat(o.remainingTokens()).isEqualTo(1_000_000_000L - 1000L * (i + 1));
            last = o.remainingTokens();
        }
        long calls = scriptCalls() - before;
        // the lease grows 1, 2, 4, 8, 16, then each top-up brings it back from 3 to 16: about
        // 1000 / 13 calls, and far fewer than 1000
        assertThat(calls).isBetween(1_000L / SIZE, 1_000L / (SIZE - 3) + 8);
        assertThat(last).isEqualTo(999_000_000L);
    }

    @Test
    void twoNodesNeverAdmitMoreThanTheBucketAndNearTheLimitCountEachRequest() {
        String key = key();
        RateLimitPlan hundred = RateLimitPlan.simple("hundred", 100, Duration.ofDays(1));
        long before = scriptCalls();
        int admitted = 0;
        int refusedInARow = 0;
        for (int i = 0; refusedInARow < 4 && i < 1_000; i++) {
            BucketStore node = (i % 2 == 0 ? nodeA : nodeB).bucketStore();
            if (node.tryConsume(key, hundred.configuration(), 1000, NOW).status() == Status.CONSUMED) {
                admitted++;
                refusedInARow = 0;
            } else {
                refusedInARow++;
            }
        }
        // within the leases' validity every leased token is handed out: exactly the capacity
        assertThat(admitted).isEqualTo(100);
        // leases come only from the upper half: the lower 50 requests were each counted in Redis
        assertThat(scriptCalls() - before).isGreaterThanOrEqualTo(50);
        // and the bucket in Redis is empty: nothing was admitted past it
        assertThat(nodeA.bucketStore()
                        .estimate(key, hundred.configuration(), 1000, NOW)
                        .remainingTokens())
                .isZero();
    }

    /** A limit of fewer than 32 requests is counted request by request: no node holds any of it ahead. */
    @Test
    void aSmallPlanIsCountedRequestByRequest() {
        String key = key();
        RateLimitPlan small = RateLimitPlan.simple("thirty-one", 31, Duration.ofDays(1));
        long before = scriptCalls();
        for (int i = 0; i < 31; i++) {
            assertThat(nodeA.bucketStore()
                            .tryConsume(key, small.configuration(), 1000, NOW)
                            .status())
                    .isEqualTo(Status.CONSUMED);
        }
        assertThat(scriptCalls() - before).as("one script per request").isEqualTo(31);
        assertThat(nodeB.bucketStore()
                        .tryConsume(key, small.configuration(), 1000, NOW)
                        .status())
                .as("the other node: nothing left, nothing lost")
                .isEqualTo(Status.REJECTED);
    }

    /**
     * A node never holds more than a sixteenth of a limit ahead of use: of a plan of 160 requests, at
     * most 10 leased at once (topped up to no more), so at most 10 lost to the caller when it stops.
     */
    @Test
    void aNodeHoldsAtMostASixteenthOfTheCapacity() {
        String key = key();
        RateLimitPlan plan = RateLimitPlan.simple("one-sixty", 160, Duration.ofDays(1));
        long before = scriptCalls();
        for (int used = 1; used <= 60; used++) {
            assertThat(nodeA.bucketStore()
                            .tryConsume(key, plan.configuration(), 1000, NOW)
                            .status())
                    .isEqualTo(Status.CONSUMED);
            long inRedis = nodeB.bucketStore()
                            .estimate(key, plan.configuration(), 1000, NOW)
                            .remainingTokens()
                    / 1000;
            assertThat(inRedis).as("after %d requests", used).isBetween(160L - used - 10, 160L - used);
        }
        // estimates went to Redis too: the 60 takes needed far fewer than 60 scripts
        assertThat(scriptCalls() - before - 60).isLessThan(60);
    }

    @Test
    void eightThreadsOnTwoNodesAdmitExactlyTheBucketAndEachAnswerIsItsOwn() throws Exception {
        String key = key();
        RateLimitPlan plan = RateLimitPlan.simple("five-hundred", 500, Duration.ofDays(1));
        int threads = 8;
        int attempts = 300; // per thread: 2,400 in all against 500 tokens
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
        try {
            java.util.List<java.util.concurrent.Future<long[]>> results = new java.util.ArrayList<>();
            for (int t = 0; t < threads; t++) {
                BucketStore node = (t % 2 == 0 ? nodeA : nodeB).bucketStore();
                results.add(pool.submit(() -> {
                    start.await();
                    long admitted = 0;
                    long wrong = 0;
                    for (int i = 0; i < attempts; i++) {
                        Outcome o = node.tryConsume(key, plan.configuration(), 1000, NOW);
                        if (o.status() == Status.CONSUMED) {
                            admitted++;
                            // an admitted request never reports more than the bucket could hold
                            wrong += o.remainingTokens() > 499_000 || o.remainingTokens() < 0 ? 1 : 0;
                        } else {
                            // a refusal says so and waits for a refill, never "0 left, go on"
                            wrong += o.status() != Status.REJECTED || o.nanosToWaitForRefill() <= 0 ? 1 : 0;
                        }
                    }
                    return new long[] {admitted, wrong};
                }));
            }
            start.countDown();
            long admitted = 0;
            long wrong = 0;
            for (java.util.concurrent.Future<long[]> r : results) {
                long[] v = r.get(60, java.util.concurrent.TimeUnit.SECONDS);
                admitted += v[0];
                wrong += v[1];
            }
            // the guard's clock stands still: no refill, no lease expires, so every leased token
            // is handed out by a node that goes on asking, and none beyond the bucket
            assertThat(admitted).isEqualTo(500);
            assertThat(wrong).isZero();
            assertThat(nodeB.bucketStore()
                            .estimate(key, plan.configuration(), 1000, NOW)
                            .remainingTokens())
                    .isZero();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aLeaseIsNeverUsedPastItsValidityAndWhatItHeldIsBounded() {
        String key = key();
        RateLimitPlan thousand = RateLimitPlan.simple("thousand", 1_000, Duration.ofDays(1));
        // node A grows its lease: 1, 2, 4, 8, 16 requests
        for (int i = 0; i < 40; i++) {
            assertThat(nodeA.bucketStore()
                            .tryConsume(key, thousand.configuration(), 1000, NOW)
                            .status())
                    .isEqualTo(Status.CONSUMED);
        }
        // node B drains the bucket in Redis
        int drained = 0;
        while (nodeB.bucketStore()
                                .tryConsume(key, thousand.configuration(), 1000, NOW)
                                .status()
                        == Status.CONSUMED
                && drained < 2_000) {
            drained++;
        }
        // A held at most SIZE requests' tokens back from B (a lease topped up to its size)
        assertThat(40 + drained).isBetween(1_000 - SIZE, 1_000);
        int held = 1_000 - 40 - drained;
        // A may still hand out what it leased, within the validity, and not one more
        int fromLease = 0;
        while (nodeA.bucketStore()
                                .tryConsume(key, thousand.configuration(), 1000, NOW.plusMillis(50))
                                .status()
                        == Status.CONSUMED
                && fromLease < 100) {
            fromLease++;
        }
        assertThat(fromLease).isEqualTo(held);
        // past its validity a lease is gone: A asks Redis, which refuses
        assertThat(nodeA.bucketStore()
                        .tryConsume(
                                key,
                                thousand.configuration(),
                                1000,
                                NOW.plus(VALIDITY).plusMillis(1))
                        .status())
                .isEqualTo(Status.REJECTED);
    }

    /** A lease grown to two requests whose next fetch is in progress: {@code fetcher}'s asked for 2. */
    private static BucketLeases.Lease fetching(BucketLeases leases, BucketConfiguration plan) {
        BucketLeases.Lease lease = leases.of("caller:fetching");
        assertThat(lease.take(plan, 1, NOW)).isEqualTo(-1); // a lease starts at one request
        lease.granted(1, 1, 1, new Outcome(Status.CONSUMED, 99, 0, 0), NOW);
        assertThat(lease.take(plan, 1, NOW.plusMillis(1)))
                .as("used up at once: doubled")
                .isEqualTo(-2);
        return lease;
    }

    /** Runs {@code take} on another thread and waits until it waits for the fetch (or ended). */
    private static CompletableFuture<Long> waiting(Callable<Long> take) throws InterruptedException {
        CompletableFuture<Long> answer = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                answer.complete(take.call());
            } catch (Exception e) {
                answer.completeExceptionally(e);
            }
        });
        t.start();
        while (t.getState() != Thread.State.TIMED_WAITING && !answer.isDone()) {
            Thread.onSpinWait();
        }
        return answer;
    }

    /**
     * Once its lease has grown, a busy caller's requests never wait for Redis: each lease down to a
     * quarter is topped up in the background (here each top-up lands before the next request).
     */
    @Test
    void aBusyCallersRequestsDoNotWaitForRedisOnceItsLeaseHasGrown() throws InterruptedException {
        String key = key();
        RedisBucketStore store = (RedisBucketStore) nodeA.bucketStore();
        BucketLeases leases = java.util.Objects.requireNonNull(store.leases());
        for (int i = 0; i < 100; i++) {
            takeAndSettle(store, leases, key);
        }
        long own = leases.ownFetches();
        long topUps = leases.topUps();
        long before = scriptCalls();
        for (int i = 0; i < 1_000; i++) {
            takeAndSettle(store, leases, key);
        }
        assertThat(leases.ownFetches() - own)
                .as("requests that waited for Redis")
                .isZero();
        // each top-up brings the lease from 3 back to 16: 13 requests' tokens a script
        assertThat(leases.topUps() - topUps).isBetween(1_000L / (SIZE - 3) - 1, 1_000L / (SIZE - 3) + 1);
        assertThat(scriptCalls() - before).isEqualTo(leases.topUps() - topUps);
        assertThat(nodeB.bucketStore()
                        .estimate(key, ROOMY.configuration(), 1000, NOW)
                        .remainingTokens())
                .as("taken in Redis: what was served and what the lease holds, no more")
                .isBetween(1_000_000_000L - 1_100_000L - SIZE * 1000L, 1_000_000_000L - 1_100_000L);
    }

    /** One take at {@link #NOW}, then until the top-up it started (if any) has landed. */
    private static void takeAndSettle(RedisBucketStore store, BucketLeases leases, String key)
            throws InterruptedException {
        assertThat(store.tryConsume(key, ROOMY.configuration(), 1000, NOW).status())
                .isEqualTo(Status.CONSUMED);
        BucketLeases.Lease lease = leases.of(key);
        assertThat(Eventually.holds(Duration.ofSeconds(10), () -> !lease.isFetching()))
                .isTrue();
    }

    /**
     * A lease grown by requests of {@code cost} tokens at {@link #NOW} (leases of 1, 2 and 4
     * requests, each used up at once), holding one request's tokens of four: the next take empties it.
     */
    private static BucketLeases.Lease downToAQuarterOfFour(BucketConfiguration plan, long cost) {
        BucketLeases.Lease lease = new BucketLeases(SIZE, Duration.ofMinutes(1)).of("caller:grown");
        growToAQuarterOfFour(lease, plan, cost);
        return lease;
    }

    /** {@link #downToAQuarterOfFour} on a lease that is new or whose plan was another. */
    private static void growToAQuarterOfFour(BucketLeases.Lease lease, BucketConfiguration plan, long cost) {
        assertThat(lease.take(plan, cost, NOW)).isEqualTo(-1);
        lease.granted(1, 1, cost, ANY_OUTCOME, NOW);
        assertThat(lease.take(plan, cost, NOW)).isEqualTo(-2);
        lease.granted(2, 2, cost, ANY_OUTCOME, NOW);
        assertThat(lease.take(plan, cost, NOW))
                .as("a lease of two is not topped up")
                .isZero();
        assertThat(lease.take(plan, cost, NOW)).isEqualTo(-4);
        lease.granted(4, 4, cost, ANY_OUTCOME, NOW);
        assertThat(lease.take(plan, cost, NOW)).isZero(); // 2 left
        assertThat(lease.take(plan, cost, NOW))
                .as("1 left: a quarter, not below")
                .isZero();
    }

    @Test
    void aLeaseDownToAQuarterAsksForATopUpWithinASixteenthOfThePlan() {
        // 160 requests of 1000 tokens: a grant brings at most 10
        BucketConfiguration plan =
                RateLimitPlan.simple("one-sixty", 160, Duration.ofDays(1)).configuration();
        BucketLeases.Lease lease = downToAQuarterOfFour(plan, 1000);
        assertThat(lease.take(plan, 1000, NOW))
                .as("empty: doubled to 8, topped up with 8")
                .isEqualTo(8);
        assertThat(lease.isFetching()).isTrue();
        lease.toppedUp(plan, 8, 1000, ANY_OUTCOME, NOW);
        for (int i = 0; i < 6; i++) {
            assertThat(lease.take(plan, 1000, NOW)).isZero();
        }
        assertThat(lease.take(plan, 1000, NOW))
                .as("1 left of 8: doubled to 16, but a grant brings at most 10: 9 asked")
                .isEqualTo(9);
        lease.topUpFailed(plan);
        assertThat(lease.isFetching()).isFalse();
        assertThat(lease.take(plan, 1000, NOW))
                .as("the last one held, and another top-up asked for")
                .isEqualTo(10);
        lease.topUpFailed(plan);
        assertThat(lease.take(plan, 1000, NOW)).as("empty: asks Redis itself").isNegative();
    }

    @Test
    void aTopUpThatLandsAfterThePlanChangedIsDropped() {
        BucketConfiguration plan = ROOMY.configuration();
        BucketLeases.Lease lease = downToAQuarterOfFour(plan, 1);
        assertThat(lease.take(plan, 1, NOW)).isEqualTo(8);
        assertThat(lease.take(OTHER_PLAN, 1, NOW))
                .as("another plan: asks for itself, without waiting for the old plan's top-up")
                .isNegative();
        assertThat(lease.isFetching()).isFalse();
        lease.toppedUp(plan, 8, 1, ANY_OUTCOME, NOW);
        assertThat(lease.take(OTHER_PLAN, 1, NOW))
                .as("the old plan's top-up serves nobody")
                .isNegative();
    }

    /** A top-up of the old plan that lands late leaves the new plan's own top-up alone. */
    @Test
    void aLateTopUpOfTheOldPlanLeavesTheNewPlansTopUpAlone() {
        BucketConfiguration plan = ROOMY.configuration();
        BucketLeases.Lease lease = downToAQuarterOfFour(plan, 1);
        assertThat(lease.take(plan, 1, NOW)).isEqualTo(8);
        // the plan changes, and the new plan's lease grows to a top-up of its own before the old lands
        growToAQuarterOfFour(lease, OTHER_PLAN, 1);
        assertThat(lease.take(OTHER_PLAN, 1, NOW)).isEqualTo(8);
        lease.toppedUp(plan, 8, 1, ANY_OUTCOME, NOW);
        lease.topUpFailed(plan);
        assertThat(lease.isFetching())
                .as("the new plan's top-up still on its way")
                .isTrue();
        lease.toppedUp(OTHER_PLAN, 8, 1, ANY_OUTCOME, NOW);
        assertThat(lease.isFetching()).isFalse();
        for (int i = 0; i < 8; i++) {
            assertThat(lease.take(OTHER_PLAN, 1, NOW))
                    .as("served by the new plan's top-up")
                    .isNotNegative();
        }
    }

    @Test
    void requestsArrivingWhileALeaseIsFetchedTakeFromItInsteadOfAskingRedis() throws Exception {
        BucketConfiguration plan = ROOMY.configuration();
        BucketLeases.Lease lease = fetching(new BucketLeases(SIZE, Duration.ofMinutes(1)), plan);
        CompletableFuture<Long> second = waiting(() -> lease.take(plan, 1, NOW.plusMillis(2)));
        assertThat(second).as("waits for the fetch in progress").isNotDone();
        // the fetch brings two requests' tokens: one for the fetcher, one for the request waiting
        lease.granted(2, 2, 1, new Outcome(Status.CONSUMED, 97, 0, 0), NOW.plusMillis(1));
        assertThat(second.get(10, TimeUnit.SECONDS)).as("served by the lease").isZero();
        // a third finds the lease used up and fetches (the size adapts as before: doubled)
        assertThat(lease.take(plan, 1, NOW.plusMillis(3))).isEqualTo(-4);
    }

    @Test
    void whenTheFetchFailsOrBringsTooLittleTheWaitingRequestAsksRedisForItself() throws Exception {
        BucketConfiguration plan = ROOMY.configuration();
        BucketLeases.Lease failing = fetching(new BucketLeases(SIZE, Duration.ofMinutes(1)), plan);
        CompletableFuture<Long> afterFailure = waiting(() -> failing.take(plan, 1, NOW.plusMillis(2)));
        failing.failed(2);
        assertThat(afterFailure.get(10, TimeUnit.SECONDS)).isEqualTo(-1);

        BucketLeases.Lease short_ = fetching(new BucketLeases(SIZE, Duration.ofMinutes(1)), plan);
        CompletableFuture<Long> afterOne = waiting(() -> short_.take(plan, 1, NOW.plusMillis(2)));
        // near half the capacity Redis grants the fetcher's own request only
        short_.granted(2, 1, 1, new Outcome(Status.CONSUMED, 50, 0, 0), NOW.plusMillis(1));
        assertThat(afterOne.get(10, TimeUnit.SECONDS)).isEqualTo(-1);
    }

    /**
     * A waiter waits for the fetch it found, not for the next one: with many requests of one caller
     * on a node, another fetch often begins before the waiter has the lease back, and a waiter
     * that waited for that one too could miss fetch after fetch until its validity ran out.
     */
    @Test
    void aRequestWaitsForTheFetchItFoundNotForTheNextOne() throws Exception {
        BucketConfiguration plan = ROOMY.configuration();
        // a validity far longer than the test may wait: a waiter still waiting would time out the test
        BucketLeases.Lease lease = fetching(new BucketLeases(SIZE, Duration.ofSeconds(10)), plan);
        CompletableFuture<Long> waiter = waiting(() -> lease.take(plan, 1, NOW.plusMillis(2)));
        assertThat(waiter).as("waits for the fetch in progress").isNotDone();
        synchronized (lease) {
            // the fetch ends with the fetcher's request only, and another request, before the waiter
            // has the lease back, finds it empty and begins the next fetch
            lease.granted(2, 1, 1, new Outcome(Status.CONSUMED, 97, 0, 0), NOW.plusMillis(1));
            assertThat(lease.take(plan, 1, NOW.plusMillis(3))).isEqualTo(-4);
            assertThat(lease.isFetching()).isTrue();
        }
        // the waiter's fetch brought nothing for it: it asks Redis for itself, while the next goes on
        assertThat(waiter.get(5, TimeUnit.SECONDS)).isEqualTo(-1);
        assertThat(lease.isFetching()).isTrue();
    }

    @Test
    void aRequestWaitsForAFetchAtMostTheValidity() throws Exception {
        BucketConfiguration plan = ROOMY.configuration();
        // a fetch that never ends (a fetcher stuck past its command timeout): real time passes
        BucketLeases.Lease lease = fetching(new BucketLeases(SIZE, Duration.ofMillis(20)), plan);
        long start = System.nanoTime();
        assertThat(lease.take(plan, 1, NOW.plusMillis(2))).isEqualTo(-1);
        assertThat(System.nanoTime() - start)
                .isGreaterThanOrEqualTo(Duration.ofMillis(20).toNanos());
    }

    @Test
    void anExpiredLeaseIsLostAndTheNextOneIsSmaller() {
        String key = key();
        RateLimitPlan thousand = RateLimitPlan.simple("thousand", 1_000, Duration.ofDays(1));
        for (int i = 0; i < 20; i++) { // grows to 16: the last lease holds unused tokens
            nodeA.bucketStore().tryConsume(key, thousand.configuration(), 1000, NOW);
        }
        Instant later = NOW.plus(VALIDITY).plusMillis(1);
        long before = scriptCalls();
        nodeA.bucketStore().tryConsume(key, thousand.configuration(), 1000, later);
        assertThat(scriptCalls() - before).as("an expired lease serves nothing").isEqualTo(1);
        // leases of 1 + 2 + 4 requests, the last topped up with 8 and that with 15 (to 16), then 8
        // after the expiry: 38 requests taken from Redis for 21 served; the 10 left when the lease
        // of 16 expired are lost, never handed to anyone (a day's refill gives one token back in
        // 100 ms)
        long remaining = nodeB.bucketStore()
                .estimate(key, thousand.configuration(), 1000, later)
                .remainingTokens();
        assertThat(remaining).isBetween(1_000_000L - 38_000L, 1_000_000L - 38_000L + 2);
        // the next lease is half the last: 8 requests, topped up once down to a quarter
        long calls = scriptCalls();
        for (int i = 0; i < 8; i++) {
            nodeA.bucketStore().tryConsume(key, thousand.configuration(), 1000, later);
        }
        assertThat(scriptCalls() - calls).isEqualTo(1);
    }

    @Test
    void requestsOfAnotherCostTakeFromTheSameLease() {
        String key = key();
        long before = scriptCalls();
        long spent = 0;
        for (int i = 0; i < 300; i++) {
            long cost = i % 3 == 0 ? 2000 : 1000; // a route that costs two requests, between cheaper ones
            Outcome o = nodeA.bucketStore().tryConsume(key, ROOMY.configuration(), cost, NOW);
            assertThat(o.status()).isEqualTo(Status.CONSUMED);
            spent += cost;
            // what is left counts what the caller spent, and what this node holds for it
            assertThat(o.remainingTokens()).isLessThanOrEqualTo(1_000_000_000L - spent);
        }
        long calls = scriptCalls() - before;
        assertThat(calls).as("a change of cost keeps the lease").isLessThan(60);
        // Redis was charged what was spent, what the last lease holds, and what each new lease
        // dropped: less than one request's cost each time
        long charged = 1_000_000_000L
                - nodeB.bucketStore()
                        .estimate(key, ROOMY.configuration(), 1000, NOW)
                        .remainingTokens();
        assertThat(charged).isBetween(spent, spent + calls * 2000 + SIZE * 2000L);
    }

    @Test
    void anotherPlanDropsTheLease() {
        String key = key();
        for (int i = 0; i < 40; i++) {
            nodeA.bucketStore().tryConsume(key, ROOMY.configuration(), 1000, NOW);
        }
        RateLimitPlan tight = RateLimitPlan.simple("tight", 3, Duration.ofDays(1));
        long before = scriptCalls();
        Outcome o = nodeA.bucketStore().tryConsume(key, tight.configuration(), 1000, NOW);
        assertThat(scriptCalls() - before).isEqualTo(1);
        // the bucket keeps its tokens up to the new capacity, which is then counted per request
        assertThat(o.remainingTokens()).isEqualTo(2000);
    }

    @Test
    void aSlowCallerIsCountedInRedisOnEveryRequest() {
        String key = key();
        long before = scriptCalls();
        for (int i = 0; i < 20; i++) {
            // one request per validity: the lease never grows past one request
            nodeA.bucketStore().tryConsume(key, ROOMY.configuration(), 1000, NOW.plus(VALIDITY.multipliedBy(i)));
        }
        assertThat(scriptCalls() - before).isEqualTo(20);
    }

    @Test
    void whileRedisIsGoneANodeHandsOutWhatItHoldsThenAnswersPerThePolicy() throws Exception {
        RedisServer own = RedisServer.start();
        RedisGuardState node = RedisGuardState.builder(own.uri())
                .listener(SecurityEventListener.NONE)
                .failurePolicy(RedisFailurePolicy.CLOSED)
                .bucketLeases(SIZE, VALIDITY)
                .build();
        try {
            String key = key();
            // leases of 1, 2 and 4, topped up to 8, then to 16 at the 14th request: 14 held after the 16th
            for (int i = 0; i < 16; i++) {
                assertThat(node.bucketStore()
                                .tryConsume(key, ROOMY.configuration(), 1000, NOW)
                                .status())
                        .isEqualTo(Status.CONSUMED);
            }
            own.kill();
            int served = 0;
            Status status;
            while ((status = node.bucketStore()
                                    .tryConsume(key, ROOMY.configuration(), 1000, NOW)
                                    .status())
                            == Status.CONSUMED
                    && served < 100) {
                served++;
            }
            assertThat(served).isEqualTo(14);
            assertThat(status).isEqualTo(Status.UNAVAILABLE);
        } finally {
            node.close();
            own.close();
        }
    }

    @Test
    void theSettingsAreChecked() {
        RedisGuardState.Builder b = RedisGuardState.builder("redis://127.0.0.1:6379");
        assertThatThrownBy(() -> b.bucketLeases(0, VALIDITY))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bucketLeases requests");
        assertThatThrownBy(() -> b.bucketLeases(1_001, VALIDITY))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bucketLeases requests");
        assertThatThrownBy(() -> b.bucketLeases(8, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bucketLeases validity");
        assertThatThrownBy(() -> b.bucketLeases(8, Duration.ofSeconds(11)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bucketLeases validity");
    }

    /** Every promise of a bucket store holds with leases on, on one node. */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class Contract extends BucketStoreContract {
        @Override
        protected BucketStore store() {
            return nodeA.bucketStore();
        }
    }
}
