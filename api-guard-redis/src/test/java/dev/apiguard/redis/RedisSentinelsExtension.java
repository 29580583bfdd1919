package dev.apiguard.redis;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Starts private {@link RedisSentinels} (a master, a replica, three Sentinels) for a test class
 * and hands them to test methods and constructors as a parameter; stops them after the class.
 * A test that kills the master leaves the next tests a promoted replica without a replica of its
 * own: such a test starts its own {@link RedisSentinels} instead.
 *
 * <p>Without a {@code redis-server} binary on the PATH each test is reported as skipped, with the
 * reason ({@link RedisServerCondition}), unless the environment sets
 * {@code APIGUARD_REQUIRE_REDIS=1}, then the class fails.
 *
 * <pre>{@code
 * @ExtendWith(RedisSentinelsExtension.class)
 * class MySentinelTest {
 *     @Test void works(RedisSentinels sentinels) { ... RedisClient.create(sentinels.uri()) ... }
 * }
 * }</pre>
 */
public final class RedisSentinelsExtension
        implements ExecutionCondition, BeforeAllCallback, AfterAllCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NS =
            ExtensionContext.Namespace.create(RedisSentinelsExtension.class);

    private final RedisServerCondition condition = new RedisServerCondition();

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        return condition.evaluateExecutionCondition(context);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        RedisServerExtension.requireBinary();
        context.getStore(NS).put("sentinels", RedisSentinels.start());
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        RedisSentinels sentinels = context.getStore(NS).remove("sentinels", RedisSentinels.class);
        if (sentinels != null) {
            sentinels.close();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == RedisSentinels.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        for (ExtensionContext c = context; c != null; c = c.getParent().orElse(null)) {
            RedisSentinels sentinels = c.getStore(NS).get("sentinels", RedisSentinels.class);
            if (sentinels != null) {
                return sentinels;
            }
        }
        throw new IllegalStateException("no Redis Sentinels were started for this test class");
    }
}
