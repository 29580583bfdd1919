package dev.apiguard.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.ApiGuard;
import dev.apiguard.redis.RedisGuardState;
import dev.apiguard.redis.RedisServer;
import dev.apiguard.test.GuardTester;
import dev.apiguard.test.TestRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** apiguard.redis.*: two nodes configured alike share one caller's budget through one Redis. */
class RedisStateTest {

    static RedisServer redis;

    @BeforeAll
    static void start(@TempDir java.nio.file.Path dir) throws Exception {
        ApiGuardAutoConfigurationTest.keys(dir);
        Assumptions.assumeTrue(
                RedisServer.binary() != null || System.getenv(RedisServer.REQUIRE_ENV) != null, "no redis-server");
        redis = RedisServer.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (redis != null) {
            redis.close();
        }
    }

    final ApplicationContextRunner node = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ApiGuardAutoConfiguration.class))
            .withPropertyValues(ApiGuardAutoConfigurationTest.tokens(
                    "apiguard.rate-limit.enabled=true",
                    "apiguard.rate-limit.requests=1",
                    "apiguard.rate-limit.period=1m"));

    static String token(String clientId, String scopes) {
        return ApiGuardAutoConfigurationTest.issuer
                .token()
                .clientId(clientId)
                .scope(scopes)
                .sign();
    }

    /** The properties spell the library's defaults out (the metadata needs literals): they must agree. */
    @Test
    void theRedisPropertiesDefaultsAreTheLibrarys() {
        ApiGuardProperties.Redis redisProperties = new ApiGuardProperties().getRedis();
        assertThat(redisProperties.getEvidenceLinger()).isEqualTo(RedisGuardState.DEFAULT_EVIDENCE_LINGER);
        assertThat(redisProperties.getBucketLeases().getValidity()).isEqualTo(RedisGuardState.DEFAULT_LEASE_VALIDITY);
        assertThat(redisProperties.getBucketLeases().getRequests()).isEqualTo(1);
    }

    @Test
    void twoNodesShareOneBudget() {
        String token = token("two-nodes", "customers:read");
        node.withPropertyValues("apiguard.redis.uri=" + redis.uri(), "apiguard.redis.failure-policy=closed")
                .run(first -> node.withPropertyValues("apiguard.redis.uri=" + redis.uri())
                        .run(second -> {
                            assertThat(first).hasSingleBean(RedisGuardState.class);
                            GuardTester a = GuardTester.of(first.getBean(ApiGuard.class));
                            GuardTester b = GuardTester.of(second.getBean(ApiGuard.class));
                            assertThat(a.send(TestRequest.get("/customers/1").bearer(token))
                                            .status())
                                    .isEqualTo(200);
                            // the one request of the minute was spent on the other node
                            assertThat(b.send(TestRequest.get("/customers/1").bearer(token))
                                            .status())
                                    .isEqualTo(429);
                        }));
    }

    @Test
    void bucketLeasesCutTheScriptsOfABusyCaller() {
        ApplicationContextRunner busy = new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(ApiGuardAutoConfiguration.class))
                .withPropertyValues(ApiGuardAutoConfigurationTest.tokens(
                        "apiguard.rate-limit.enabled=true",
                        "apiguard.rate-limit.requests=1000",
                        "apiguard.rate-limit.period=1m",
                        "apiguard.redis.uri=" + redis.uri()));
        long exact = bucketScripts(busy, "exact");
        long leased = bucketScripts(
                busy.withPropertyValues(
                        "apiguard.redis.bucket-leases.requests=16", "apiguard.redis.bucket-leases.validity=10s"),
                "leased");
        assertThat(exact).as("every request counted in Redis").isEqualTo(50);
        assertThat(leased).as("leases of up to 16 requests").isLessThan(15);
    }

    @Test
    void bucketBatchesGatherTheRequestsThatFindTheirBucketsScriptsInTheAir() {
        ApplicationContextRunner runner = new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(ApiGuardAutoConfiguration.class))
                .withPropertyValues(ApiGuardAutoConfigurationTest.tokens(
                        "apiguard.rate-limit.enabled=true", "apiguard.redis.uri=" + redis.uri()));
        assertThat(batched(runner))
                .as("off by default: each request its own script")
                .isZero();
        assertThat(batched(runner.withPropertyValues("apiguard.redis.bucket-batches=true")))
                .as("four requests behind the first two's scripts")
                .isEqualTo(4);
    }

    /**
     * Six takes of one bucket sent while Redis holds every command for two seconds: the first
     * two's scripts are in the air while the others arrive. How many went in a batch.
     */
    private static long batched(ApplicationContextRunner runner) {
        long[] batched = new long[1];
        runner.run(context -> {
            var store = (dev.apiguard.redis.RedisBucketStore)
                    context.getBean(RedisGuardState.class).bucketStore();
            var plan = dev.apiguard.ratelimit.RateLimitPlan.simple("p", 100, java.time.Duration.ofMinutes(1))
                    .configuration();
            java.time.Instant now = java.time.Instant.now();
            store.tryConsume("warm-up", plan, 1000, now); // the server knows the script
            redis.pauseClients(java.time.Duration.ofSeconds(2));
            var pool = java.util.concurrent.Executors.newFixedThreadPool(6);
            try {
                var takes = new java.util.ArrayList<java.util.concurrent.Future<?>>();
                for (int i = 0; i < 6; i++) {
                    takes.add(pool.submit(() -> store.tryConsume("busy-caller", plan, 1000, now)));
                }
                for (var take : takes) {
                    take.get(30, java.util.concurrent.TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            batched[0] = store.batchedRequests();
        });
        return batched[0];
    }

    /** The bucket scripts Redis ran for one caller's 50 requests through a context of {@code runner}. */
    private static long bucketScripts(ApplicationContextRunner runner, String caller) {
        long[] scripts = new long[1];
        io.lettuce.core.RedisClient client = io.lettuce.core.RedisClient.create(redis.uri());
        try (var connection = client.connect()) {
            runner.run(context -> {
                GuardTester tester = GuardTester.of(context.getBean(ApiGuard.class));
                String token = token("scripts-" + caller, "customers:read");
                connection.sync().configResetstat();
                for (int i = 0; i < 50; i++) {
                    assertThat(tester.send(TestRequest.get("/customers/1").bearer(token))
                                    .status())
                            .isEqualTo(200);
                }
                String stats = connection.sync().info("commandstats");
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("cmdstat_evalsha:calls=(\\d+)")
                        .matcher(stats);
                scripts[0] = m.find() ? Long.parseLong(m.group(1)) : 0;
            });
        } finally {
            client.shutdown();
        }
        return scripts[0];
    }

    @Test
    void aLeaseOrLingerOutOfBoundsFailsTheStartNamingItsProperty() {
        String uri = "apiguard.redis.uri=" + redis.uri();
        for (String[] bad : new String[][] {
            {"apiguard.redis.bucket-leases.requests=0", "apiguard.redis.bucket-leases.requests"},
            {"apiguard.redis.bucket-leases.requests=1001", "apiguard.redis.bucket-leases.requests"},
            {"apiguard.redis.bucket-leases.validity=0ms", "apiguard.redis.bucket-leases.validity"},
            {"apiguard.redis.evidence-linger=2s", "apiguard.redis.evidence-linger"}
        }) {
            node.withPropertyValues(uri, bad[0]).run(context -> {
                Throwable t = context.getStartupFailure();
                while (t != null && !(t instanceof ApiGuardConfigurationException)) {
                    t = t.getCause();
                }
                assertThat(t)
                        .as(bad[0])
                        .isInstanceOfSatisfying(
                                ApiGuardConfigurationException.class,
                                e -> assertThat(e.property()).isEqualTo(bad[1]));
            });
        }
    }

    @Test
    void springDataRedisUrlIsUsedWhenApiguardRedisIsNotSet() {
        node.withPropertyValues("spring.data.redis.url=" + redis.uri()).run(context -> {
            assertThat(context).hasSingleBean(RedisGuardState.class);
            String token = token("spring-data-url", "customers:read");
            GuardTester tester = GuardTester.of(context.getBean(ApiGuard.class));
            tester.send(TestRequest.get("/customers/1").bearer(token));
            assertThat(tester.send(TestRequest.get("/customers/1").bearer(token))
                            .status())
                    .isEqualTo(429);
        });
    }

    @Test
    void withoutARedisUriOrWithoutTheModuleTheStateIsLocal() {
        node.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(RedisGuardState.class));
        node.withClassLoader(new FilteredClassLoader(RedisGuardState.class))
                .withPropertyValues("apiguard.redis.uri=" + redis.uri())
                .run(context -> assertThat(context)
                        .hasNotFailed()
                        .hasSingleBean(ApiGuard.class)
                        .doesNotHaveBean(RedisGuardState.class));
    }

    @Test
    void theFailurePolicyDecidesWhileRedisIsAway() throws Exception {
        assertThat(statusOnceRedisIsGone("closed")).isEqualTo(503);
        assertThat(statusOnceRedisIsGone("open")).isEqualTo(200);
    }

    static int statusOnceRedisIsGone(String policy) throws Exception {
        RedisServer lost = RedisServer.start();
        int[] status = new int[1];
        try {
            new ApplicationContextRunner()
                    .withConfiguration(AutoConfigurations.of(ApiGuardAutoConfiguration.class))
                    .withPropertyValues(ApiGuardAutoConfigurationTest.tokens(
                            "apiguard.rate-limit.enabled=true",
                            "apiguard.redis.uri=" + lost.uri(),
                            "apiguard.redis.failure-policy=" + policy))
                    .run(context -> {
                        GuardTester tester = GuardTester.of(context.getBean(ApiGuard.class));
                        String token = token("away-" + policy, "customers:read");
                        assertThat(tester.send(TestRequest.get("/customers/1").bearer(token))
                                        .status())
                                .isEqualTo(200);
                        lost.close();
                        status[0] = tester.send(TestRequest.get("/customers/1").bearer(token))
                                .status();
                    });
        } finally {
            lost.close();
        }
        return status[0];
    }

    @Test
    void theHealthReportsRedisAwayAsOutOfServiceUnderTheClosedPolicy() throws Exception {
        RedisServer lost = RedisServer.start();
        try {
            new ApplicationContextRunner()
                    .withConfiguration(AutoConfigurations.of(
                            ApiGuardAutoConfiguration.class, ApiGuardActuatorAutoConfiguration.class))
                    .withPropertyValues(ApiGuardAutoConfigurationTest.tokens(
                            "apiguard.rate-limit.enabled=true",
                            "apiguard.redis.uri=" + lost.uri(),
                            "apiguard.redis.failure-policy=closed"))
                    .run(context -> {
                        Object indicator = context.getBean(HealthIndicatorRegistrar.BEAN_NAME);
                        GuardTester tester = GuardTester.of(context.getBean(ApiGuard.class));
                        String token = token("health-closed", "customers:read");
                        assertThat(tester.send(TestRequest.get("/customers/1").bearer(token))
                                        .status())
                                .isEqualTo(200);
                        ActuatorTesting.Health up = ActuatorTesting.health(indicator);
                        assertThat(up.status()).isEqualTo("UP");
                        assertThat(up.details())
                                .containsEntry("redis", java.util.Map.of("available", true, "failurePolicy", "closed"));

                        lost.close();
                        assertThat(tester.send(TestRequest.get("/customers/1").bearer(token))
                                        .status())
                                .isEqualTo(503);
                        ActuatorTesting.Health away = ActuatorTesting.health(indicator);
                        assertThat(away.status()).isEqualTo("OUT_OF_SERVICE");
                        assertThat(away.details())
                                .containsEntry(
                                        "redis", java.util.Map.of("available", false, "failurePolicy", "closed"));
                        assertThat(away.details().toString()).doesNotContain(lost.uri());
                    });
        } finally {
            lost.close();
        }
    }

    @Test
    void aMalformedUriNamesTheProperty() {
        node.withPropertyValues("apiguard.redis.uri=http://not-redis")
                .run(context -> assertThat(new ApiGuardFailureAnalyzer()
                                .analyze(context.getStartupFailure())
                                .getDescription())
                        .contains("'apiguard.redis.uri'"));
    }
}
