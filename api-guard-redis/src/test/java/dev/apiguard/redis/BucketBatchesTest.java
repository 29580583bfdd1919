package dev.apiguard.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.ratelimit.BucketStore;
import dev.apiguard.ratelimit.BucketStore.Outcome;
import dev.apiguard.ratelimit.BucketStore.Status;
import dev.apiguard.ratelimit.RateLimitPlan;
import io.github.bucket4j.BucketConfiguration;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Bucket batches ({@link RedisGuardState.Builder#bucketBatches}): a caller's takes that find two
 * scripts of its bucket in the air go together in the next one, every take counted exactly once,
 * each answer its own. A Redis held by {@code CLIENT PAUSE} keeps scripts in the air for as long as
 * a case needs to gather a batch behind them. Time is the guard's, handed to every call.
 */
@ExtendWith(RedisServerExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BucketBatchesTest {

    private static final Instant NOW = BucketStoreContract.NOW;
    /** 5 requests a day: the batches below run past it. */
    private static final BucketConfiguration FIVE =
            RateLimitPlan.simple("five", 5, Duration.ofDays(1)).configuration();

    private static final BucketConfiguration OTHER_PLAN =
            RateLimitPlan.simple("other", 50, Duration.ofDays(1)).configuration();
    /** A request's tokens under a {@link RateLimitPlan}. */
    private static final long COST = 1000;
    /** Longer than any pause below: the script in the air waits for the pause, not for a timeout. */
    private static final Duration PATIENT = Duration.ofSeconds(20);

    private RedisServer redis;
    private RedisGuardState nodeA;
    private RedisGuardState nodeB;

    @BeforeAll
    void connect(RedisServer server) {
        redis = server;
        nodeA = batching(server);
        nodeB = batching(server);
    }

    private static RedisGuardState batching(RedisServer server) {
        return RedisGuardState.builder(server.uri())
                .listener(SecurityEventListener.NONE)
                .commandTimeout(PATIENT)
                .bucketBatches(true)
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
        return "caller:batch-" + UUID.randomUUID();
    }

    private static BucketBatches batches(RedisGuardState node) {
        BucketBatches batches = ((RedisBucketStore) node.bucketStore()).batches();
        assertThat(batches).as("batches on").isNotNull();
        return batches;
    }

    /**
     * Two scripts of a bucket in the air ({@link BucketBatches#DEPTH}), ten takes behind them: one
     * script for the ten when the first answers, each take counted once with its own answer.
     */
    @Test
    void takesThatFindTheScriptsInTheAirGoInOneScriptEachCountedOnce() throws Exception {
        String key = key();
        BucketStore store = nodeA.bucketStore();
        BucketBatches batches = batches(nodeA);
        // the server knows the script: each script below is one EVALSHA, never NOSCRIPT and EVAL
        store.tryConsume(key(), FIVE, COST, NOW);
        long scriptsBefore = scriptCalls();
        long aloneBefore = batches.alone();
        ExecutorService pool = Executors.newFixedThreadPool(13); // a thread for each take below
        try {
            redis.pauseClients(Duration.ofSeconds(3));
            Future<Outcome> first = pool.submit(() -> store.tryConsume(key, FIVE, COST, NOW));
            assertThat(Eventually.holds(PATIENT, () -> batches.inAir(key) == 1)).isTrue();
            // nobody waits yet: the second goes at once, in the air beside the first
            Future<Outcome> second = pool.submit(() -> store.tryConsume(key, FIVE, COST, NOW));
            assertThat(Eventually.holds(PATIENT, () -> batches.inAir(key) == 2)).isTrue();
            List<Future<Outcome>> waiters = new ArrayList<>();
            for (int i = 1; i <= 10; i++) {
                Instant at = NOW.plusMillis(i); // the batch goes at its latest request's time
                waiters.add(pool.submit(() -> store.tryConsume(key, FIVE, COST, at)));
            }
            assertThat(Eventually.holds(PATIENT, () -> batches.waiting(key) == 10))
                    .isTrue();
            // a request of another plan does not join the batch: it sends its own script, which
            // Redis runs after the first one's (one connection, in order), before the batch
            Future<Outcome> otherPlan = pool.submit(() -> store.tryConsume(key, OTHER_PLAN, COST, NOW));
            assertThat(Eventually.holds(PATIENT, () -> batches.alone() == aloneBefore + 1))
                    .isTrue();

            Outcome lead = first.get(30, TimeUnit.SECONDS);
            assertThat(lead.status()).isEqualTo(Status.CONSUMED);
            assertThat(lead.remainingTokens()).isEqualTo(4 * COST);
            List<Outcome> batched = new ArrayList<>();
            for (Future<Outcome> f : waiters) {
                batched.add(f.get(30, TimeUnit.SECONDS));
            }
            // the second take and the other plan's (whose bucket keeps the tokens it found, up to
            // its own capacity) ran after the first, in the order their scripts were written
            assertThat(List.of(
                            second.get(30, TimeUnit.SECONDS).remainingTokens(),
                            otherPlan.get(30, TimeUnit.SECONDS).remainingTokens()))
                    .containsExactlyInAnyOrder(3 * COST, 2 * COST);

            // 2 of the 10 found tokens, each seeing what its own take left; 8 are refused
            assertThat(batched.stream().filter(o -> o.status() == Status.CONSUMED))
                    .extracting(Outcome::remainingTokens)
                    .containsExactlyInAnyOrder(COST, 0L);
            List<Outcome> refused =
                    batched.stream().filter(o -> o.status() == Status.REJECTED).toList();
            assertThat(refused).hasSize(8).allSatisfy(o -> {
                assertThat(o.remainingTokens()).isZero();
                // a request's tokens come back in a fifth of a day
                assertThat(o.nanosToWaitForRefill())
                        .isBetween(
                                Duration.ofHours(4).toNanos(),
                                Duration.ofMinutes(4 * 60 + 49).toNanos());
            });
            // four scripts: the first take's, the second's, the other plan's, the batch's
            assertThat(scriptCalls() - scriptsBefore).isEqualTo(4);
            assertThat(batches.inFlight()).isZero();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void twoNodesHammeringOneBucketAdmitExactlyItsCapacityAndEachAnswerIsItsOwn() throws Exception {
        String key = key();
        int capacity = 3_000;
        BucketConfiguration plan = RateLimitPlan.simple("three-thousand", capacity, Duration.ofDays(1))
                .configuration();
        int threads = 16;
        int perThread = 400;
        long batchedBefore = batches(nodeA).batched() + batches(nodeB).batched();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<List<Outcome>>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                BucketStore node = (t % 2 == 0 ? nodeA : nodeB).bucketStore();
                results.add(pool.submit(() -> {
                    go.await();
                    List<Outcome> mine = new ArrayList<>();
                    for (int i = 0; i < perThread; i++) {
                        mine.add(node.tryConsume(key, plan, COST, NOW));
                    }
                    return mine;
                }));
            }
            go.countDown();
            Set<Long> remaining = new TreeSet<>();
            int admitted = 0;
            for (Future<List<Outcome>> f : results) {
                for (Outcome o : f.get(60, TimeUnit.SECONDS)) {
                    if (o.status() == Status.CONSUMED) {
                        admitted++;
                        // two answers with the same count would be one token handed out twice
                        assertThat(remaining.add(o.remainingTokens()))
                                .as("remaining %d answered twice", o.remainingTokens())
                                .isTrue();
                    } else {
                        assertThat(o.status()).isEqualTo(Status.REJECTED);
                    }
                }
            }
            assertThat(admitted).isEqualTo(capacity);
            assertThat(remaining)
                    .containsExactlyElementsOf(LongStream.range(0, capacity)
                            .map(n -> n * COST)
                            .boxed()
                            .toList());
            long batched = batches(nodeA).batched() + batches(nodeB).batched() - batchedBefore;
            System.out.printf("BucketBatchesTest: %d of %d takes went in batches%n", batched, threads * perThread);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * The two takes in the air time out with four takes waiting behind them; Redis is in its
     * back-off: the batch is never sent, and once the pause ends Redis has run the two takes'
     * scripts only.
     */
    @Test
    void whenTheScriptInTheAirFailsTheBatchBehindItAnswersPerThePolicyAndIsNeverSent() throws Exception {
        for (RedisFailurePolicy policy : RedisFailurePolicy.values()) {
            Outcome after = failing(policy, Duration.ofSeconds(30), 2);
            assertThat(after.remainingTokens()).as("the two takes' tokens only").isEqualTo(3 * COST);
        }
    }

    /**
     * The same, but the back-off is over when the first take fails: the batch is sent and times out
     * too; its requests answer per the policy, and Redis, once the pause ends, counts them (a request
     * answered per the policy may have been counted: never one admitted without being counted).
     */
    @Test
    void whenTheBatchItselfFailsItsRequestsAnswerPerThePolicyAndRedisStillCountsThem() throws Exception {
        for (RedisFailurePolicy policy : RedisFailurePolicy.values()) {
            Outcome after = failing(policy, Duration.ofNanos(1), 3);
            assertThat(after.remainingTokens()).as("all five tokens taken").isZero();
        }
    }

    /**
     * Six takes of one bucket while Redis holds every command for 3 s, with a 300 ms command
     * timeout and the given back-off: every take answers per the policy; then, once Redis has run
     * {@code scripts} scripts, what the bucket holds.
     */
    private Outcome failing(RedisFailurePolicy policy, Duration backoff, int scripts) throws Exception {
        try (RedisGuardState node = RedisGuardState.builder(redis.uri())
                .listener(SecurityEventListener.NONE)
                .commandTimeout(Duration.ofMillis(300))
                .backoff(backoff)
                .failurePolicy(policy)
                .bucketBatches(true)
                .build()) {
            String key = key();
            BucketStore store = node.bucketStore();
            BucketBatches batches = batches(node);
            store.tryConsume(key(), FIVE, COST, NOW); // the server knows the script
            ExecutorService pool = Executors.newFixedThreadPool(6);
            try {
                long scriptsBefore = scriptCalls();
                redis.pauseClients(Duration.ofSeconds(3));
                Future<Outcome> first = pool.submit(() -> store.tryConsume(key, FIVE, COST, NOW));
                assertThat(Eventually.holds(PATIENT, () -> batches.inFlight() > 0))
                        .isTrue();
                List<Future<Outcome>> waiters = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    waiters.add(pool.submit(() -> store.tryConsume(key, FIVE, COST, NOW)));
                }
                Status expected = policy == RedisFailurePolicy.OPEN ? Status.BYPASSED : Status.UNAVAILABLE;
                assertThat(first.get(30, TimeUnit.SECONDS).status()).isEqualTo(expected);
                for (Future<Outcome> f : waiters) {
                    assertThat(f.get(30, TimeUnit.SECONDS).status()).isEqualTo(expected);
                }
                assertThat(Eventually.holds(PATIENT, () -> scriptCalls() - scriptsBefore == scripts))
                        .as("scripts Redis ran")
                        .isTrue();
                assertThat(batches.inFlight()).isZero();
                return nodeA.bucketStore().estimate(key, FIVE, COST, NOW);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void offByDefaultEveryTakeSendsItsOwnScript() {
        try (RedisGuardState node = RedisGuardState.builder(redis.uri())
                .listener(SecurityEventListener.NONE)
                .build()) {
            assertThat(((RedisBucketStore) node.bucketStore()).batches()).isNull();
        }
    }

    private long scriptCalls() {
        return RedisBucketStoreContractTest.scriptCalls(redis);
    }

    /** The bucket-store contract with batches on (sixteen threads released at once make batches). */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class On extends BucketStoreContract {
        private RedisGuardState node;

        @BeforeAll
        void connect() {
            node = RedisGuardState.builder(redis.uri())
                    .listener(SecurityEventListener.NONE)
                    .bucketBatches(true)
                    .build();
        }

        @AfterAll
        void close() {
            node.close();
        }

        @Override
        protected BucketStore store() {
            return node.bucketStore();
        }
    }
}
