package dev.apiguard.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.ApiGuard;
import dev.apiguard.Caller;
import dev.apiguard.CallerKey;
import dev.apiguard.CredentialKind;
import dev.apiguard.Decision;
import dev.apiguard.GuardExchange;
import dev.apiguard.GuardStep;
import dev.apiguard.ReplayCache;
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.ratelimit.RateLimitPlan;
import dev.apiguard.ratelimit.RateLimitPolicy;
import dev.apiguard.ratelimit.RateLimitStep;
import dev.apiguard.test.TestRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** docs/security-cases.md E6: a burst across several app nodes sharing Redis admits no more than the plan allows. */
@ExtendWith(RedisServerExtension.class)
class TwoNodesTest {

    static final String ISSUER = "https://issuer.test";

    /** The key of the caller {@link #authenticatesAs} authenticates. */
    static CallerKey key(String id) {
        return CallerKey.token(ISSUER, id);
    }

    static GuardStep authenticatesAs(String id) {
        return new GuardStep() {
            @Override
            public String name() {
                return "fixed-caller";
            }

            @Override
            public Decision evaluate(GuardExchange exchange) {
                exchange.authenticate(Caller.builder(id, CredentialKind.BEARER_JWT)
                        .subject(id)
                        .issuer(ISSUER)
                        .build());
                return Decision.ALLOW;
            }
        };
    }

    static ApiGuard node(RedisGuardState state, RateLimitPlan plan, String caller) {
        RateLimitPolicy policy = RateLimitPolicy.builder().plan(plan).build();
        return ApiGuard.builder()
                .listener(SecurityEventListener.NONE)
                .step(authenticatesAs(caller))
                .step(RateLimitStep.builder(policy).store(state.bucketStore()).build())
                .build();
    }

    @Test
    void twoNodesUnderConcurrentLoadAdmitNoMoreThanCapacityPlusRefill(RedisServer redis) throws Exception {
        RateLimitPlan plan = RateLimitPlan.simple("p", 40, Duration.ofSeconds(10)); // 4 per second refill
        try (RedisGuardState a = RedisGuardState.builder(redis.uri())
                        .listener(SecurityEventListener.NONE)
                        .build();
                RedisGuardState b = RedisGuardState.builder(redis.uri())
                        .listener(SecurityEventListener.NONE)
                        .build()) {
            List<ApiGuard> nodes = List.of(node(a, plan, "burst-partner"), node(b, plan, "burst-partner"));
            AtomicInteger admitted = new AtomicInteger();
            AtomicInteger refused = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(16);
            long start = System.nanoTime();
            long end = start + Duration.ofMillis(1500).toNanos();
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                ApiGuard node = nodes.get(t % 2);
                futures.add(pool.submit(() -> {
                    while (System.nanoTime() < end) {
                        GuardExchange ex = node.exchange(TestRequest.get("/customers"));
                        if (node.evaluate(ex).isAllowed()) {
                            admitted.incrementAndGet();
                        } else {
                            refused.incrementAndGet();
                        }
                    }
                }));
            }
            for (Future<?> f : futures) {
                f.get(30, TimeUnit.SECONDS);
            }
            pool.shutdownNow();
            double seconds = (System.nanoTime() - start) / 1e9;
            long bound = 40 + (long) Math.ceil(4 * seconds);
            assertThat(refused.get()).as("the load went past the limit").isPositive();
            assertThat(admitted.get())
                    .as("admitted in %.2f s by two nodes", seconds)
                    .isBetween(40, (int) bound);
        }
    }

    @Test
    void twoNodesSharingRedisAdmitExactlyTheCapacityToSixteenThreadsReleasedAtOnce(RedisServer redis) throws Exception {
        RateLimitPlan plan = RateLimitPlan.simple("p", 50, Duration.ofHours(1)); // a refill of one takes 72 s
        try (RedisGuardState a = RedisGuardState.builder(redis.uri())
                        .listener(SecurityEventListener.NONE)
                        .build();
                RedisGuardState b = RedisGuardState.builder(redis.uri())
                        .listener(SecurityEventListener.NONE)
                        .build()) {
            String caller = "exact-" + UUID.randomUUID();
            List<ApiGuard> nodes = List.of(node(a, plan, caller), node(b, plan, caller));
            int threads = 16;
            AtomicInteger admitted = new AtomicInteger();
            AtomicInteger refused = new AtomicInteger();
            CyclicBarrier start = new CyclicBarrier(threads);
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    ApiGuard node = nodes.get(t % 2);
                    futures.add(pool.submit(() -> {
                        start.await(30, TimeUnit.SECONDS);
                        for (int i = 0; i < 10; i++) {
                            boolean ok = node.evaluate(node.exchange(TestRequest.get("/customers")))
                                    .isAllowed();
                            (ok ? admitted : refused).incrementAndGet();
                        }
                        return null;
                    }));
                }
                for (Future<?> f : futures) {
                    f.get(60, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(admitted.get()).isEqualTo(50);
            assertThat(refused.get()).isEqualTo(threads * 10 - 50);
        }
    }

    @Test
    void ofSixteenThreadsOnTwoNodesRacingOneJtiExactlyOneWins(RedisServer redis) throws Exception {
        try (RedisGuardState a = RedisGuardState.builder(redis.uri())
                        .listener(SecurityEventListener.NONE)
                        .build();
                RedisGuardState b = RedisGuardState.builder(redis.uri())
                        .listener(SecurityEventListener.NONE)
                        .build()) {
            List<ReplayCache> nodes = List.of(a.replayCache(), b.replayCache());
            String jti = "dpop:" + UUID.randomUUID();
            Instant now = Instant.now();
            int threads = 16;
            AtomicInteger first = new AtomicInteger();
            AtomicInteger replayed = new AtomicInteger();
            CyclicBarrier start = new CyclicBarrier(threads);
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    ReplayCache node = nodes.get(t % 2);
                    futures.add(pool.submit(() -> {
                        start.await(30, TimeUnit.SECONDS);
                        ReplayCache.Outcome o = node.firstUse(jti, now.plus(Duration.ofMinutes(2)), now);
                        (o == ReplayCache.Outcome.FIRST_USE ? first : replayed).incrementAndGet();
                        return null;
                    }));
                }
                for (Future<?> f : futures) {
                    f.get(60, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(first.get()).isEqualTo(1);
            assertThat(replayed.get()).isEqualTo(threads - 1);
        }
    }
}
