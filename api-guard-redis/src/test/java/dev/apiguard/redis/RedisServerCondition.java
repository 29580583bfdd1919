package dev.apiguard.redis;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Disables a test class (or method) when no {@code redis-server} binary is on the PATH, so that
 * each of its tests is reported as skipped with the reason, unless the environment sets
 * {@code APIGUARD_REQUIRE_REDIS=1}: then the tests run and fail where they start a server.
 *
 * <p>{@link RedisServerExtension} applies it; a class that starts its own servers uses it alone:
 *
 * <pre>{@code
 * @ExtendWith(RedisServerCondition.class)
 * class MyFaultTest {
 *     @BeforeAll static void needsRedis() { RedisServerExtension.requireBinary(); } // the required case's message
 *     @Test void survivesARestart() throws Exception { try (RedisServer redis = RedisServer.start()) { ... } }
 * }
 * }</pre>
 *
 * <p>An assumption in {@code @BeforeAll} would skip the class without counting a single test
 * (surefire shows "Tests run: 0"); a condition counts each test as skipped.
 */
public final class RedisServerCondition implements ExecutionCondition {

    /** The reason a test is skipped without {@code redis-server}. */
    static final String MISSING =
            "redis-server not found on the PATH: Redis tests skipped (install redis-server, or set "
                    + RedisServer.REQUIRE_ENV + "=1 to make this a failure)";

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (RedisServer.binary() != null) {
            return ConditionEvaluationResult.enabled("redis-server found");
        }
        if (required()) {
            return ConditionEvaluationResult.enabled(RedisServer.REQUIRE_ENV + "=1: a missing redis-server fails");
        }
        return ConditionEvaluationResult.disabled(MISSING);
    }

    static boolean required() {
        return "1".equals(System.getenv(RedisServer.REQUIRE_ENV));
    }
}
