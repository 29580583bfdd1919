package dev.apiguard.benchmarks;

import dev.apiguard.ApiGuard;
import dev.apiguard.GuardExchange;
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.redis.RedisGuardState;
import dev.apiguard.redis.RedisServer;
import dev.apiguard.test.TestRequest;
import dev.apiguard.test.fixtures.LocalIssuer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.UnaryOperator;

/**
 * One busy caller on one node: {@value #THREADS} threads send its requests through the whole chain
 * (as {@link RoundTripBenchmark}'s), each its next as soon as the last was answered, with the
 * shared bucket in Redis counted three ways: a script per request (the default), bucket batches
 * ({@link RedisGuardState.Builder#bucketBatches}) and bucket leases of 16 requests. For Redis on
 * the same host and behind links that add a round-trip time: requests per second, latency (median
 * and 99th percentile) and the bucket scripts Redis ran per request ({@code INFO commandstats}).
 *
 * <pre>java -cp api-guard-benchmarks/target/benchmarks.jar dev.apiguard.benchmarks.BusyCallerBenchmark [seconds] [delay-ms ...]</pre>
 */
public final class BusyCallerBenchmark {

    static final int THREADS = 16;
    private static final int MOST_SAMPLES = 2_000_000;

    /** One way of counting the shared bucket. */
    record Mode(String name, UnaryOperator<RedisGuardState.Builder> configure) {}

    private static final List<Mode> MODES = List.of(
            new Mode("a script per request", b -> b),
            new Mode("bucket batches", b -> b.bucketBatches(true)),
            new Mode("bucket leases of 16", b -> b.bucketLeases(16, Duration.ofSeconds(1))));

    private BusyCallerBenchmark() {}

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        List<Long> delays = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            delays.add(Long.parseLong(args[i]));
        }
        if (delays.isEmpty()) {
            delays.addAll(List.of(1L, 20L));
        }
        if (RedisServer.binary() == null) {
            System.out.println("redis-server is not on the PATH: nothing measured");
            return;
        }
        LocalIssuer issuer = LocalIssuer.rsa("https://issuer.bench");
        TestRequest request = FullChain.partnerRequest(issuer);
        System.out.printf(
                "one caller, %d threads, each request sent when the last was answered, %d s a row%n", THREADS, seconds);
        System.out.printf(
                "%-18s %-22s %10s %12s %12s %18s%n",
                "redis", "bucket", "req/s", "median (µs)", "p99 (µs)", "scripts/request");
        try (RedisServer redis = RedisServer.start()) {
            run(redis, redis.port(), "same host", issuer, request, seconds);
            for (long delay : delays) {
                try (DelayProxy link = DelayProxy.start(redis.port(), delay)) {
                    run(redis, link.port(), "link +" + delay + " ms", issuer, request, seconds);
                }
            }
        }
    }

    private static void run(
            RedisServer redis, int port, String where, LocalIssuer issuer, TestRequest request, int seconds)
            throws Exception {
        for (Mode mode : MODES) {
            try (RedisGuardState state = mode.configure()
                    .apply(RedisGuardState.builder("redis://127.0.0.1:" + port)
                            .listener(SecurityEventListener.NONE)
                            .commandTimeout(Duration.ofSeconds(5))
                            .connectTimeout(Duration.ofSeconds(5)))
                    .build()) {
                ApiGuard guard = RoundTripBenchmark.chain(issuer, state);
                load(guard, request, 1); // warm-up: the JIT, the connection
                long scriptsBefore = scripts(redis);
                long[] micros = load(guard, request, seconds);
                long scripts = scripts(redis) - scriptsBefore;
                Arrays.sort(micros);
                System.out.printf(
                        "%-18s %-22s %,10d %,12d %,12d %18.3f%n",
                        where,
                        mode.name(),
                        micros.length / seconds,
                        micros[micros.length / 2],
                        micros[(int) (micros.length * 0.99)],
                        (double) scripts / micros.length);
            }
        }
    }

    /** Every request's latency in µs, {@value #THREADS} threads for {@code seconds}. */
    private static long[] load(ApiGuard guard, TestRequest request, int seconds) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        CountDownLatch go = new CountDownLatch(1);
        long[] end = {0};
        try {
            List<Future<long[]>> results = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                results.add(pool.submit(() -> {
                    long[] mine = new long[MOST_SAMPLES / THREADS];
                    int n = 0;
                    go.await();
                    while (n < mine.length) {
                        long t0 = System.nanoTime();
                        if (t0 - end[0] >= 0) {
                            break;
                        }
                        GuardExchange exchange = guard.exchange(request);
                        if (!guard.evaluate(exchange).isAllowed()) {
                            throw new IllegalStateException("the benchmark's request was refused");
                        }
                        guard.completed(exchange, 200);
                        mine[n++] = (System.nanoTime() - t0) / 1000;
                    }
                    return Arrays.copyOf(mine, n);
                }));
            }
            end[0] = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
            go.countDown();
            List<long[]> all = new ArrayList<>();
            int total = 0;
            for (Future<long[]> f : results) {
                long[] r = f.get();
                all.add(r);
                total += r.length;
            }
            long[] micros = new long[total];
            int at = 0;
            for (long[] r : all) {
                System.arraycopy(r, 0, micros, at, r.length);
                at += r.length;
            }
            return micros;
        } finally {
            pool.shutdownNow();
        }
    }

    /** Scripts Redis has run ({@code EVALSHA} and {@code EVAL}). */
    private static long scripts(RedisServer redis) {
        Map<String, Long> calls = RedisInfo.calls(RedisInfo.info(redis, "commandstats"));
        return calls.getOrDefault("evalsha", 0L) + calls.getOrDefault("eval", 0L);
    }
}
