package dev.apiguard.redis;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Starts a private {@link RedisServer} for a test class and hands it to test methods and
 * constructors as a parameter; stops it after the class.
 *
 * <p>Without a {@code redis-server} binary on the PATH each test is reported as skipped, with the
 * reason ({@link RedisServerCondition}), unless the environment sets {@code APIGUARD_REQUIRE_REDIS=1}
 * (as {@code .ci/run} does), then the class fails.
 *
 * <pre>{@code
 * @ExtendWith(RedisServerExtension.class)
 * class MyTest {
 *     @Test void works(RedisServer redis) { ... redis.uri() ... }
 * }
 * }</pre>
 */
public final class RedisServerExtension
        implements ExecutionCondition, BeforeAllCallback, AfterAllCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(RedisServerExtension.class);

    private final RedisServerCondition condition = new RedisServerCondition();

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        return condition.evaluateExecutionCondition(context);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        requireBinary();
        context.getStore(NS).put("server", RedisServer.start());
    }

    /**
     * Fails with {@code APIGUARD_REQUIRE_REDIS=1}, and skips otherwise, when {@code redis-server} is
     * missing. Behind {@link RedisServerCondition} (or this extension) only the failing case is left;
     * called alone from {@code @BeforeAll}, its skip counts no test ("Tests run: 0").
     */
    public static void requireBinary() {
        if (RedisServer.binary() != null) {
            return;
        }
        if (RedisServerCondition.required()) {
            throw new IllegalStateException("redis-server is not on the PATH and " + RedisServer.REQUIRE_ENV + "=1");
        }
        Assumptions.abort(RedisServerCondition.MISSING);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        RedisServer server = context.getStore(NS).remove("server", RedisServer.class);
        if (server != null) {
            server.close();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == RedisServer.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getRoot().getStore(NS).get("server", RedisServer.class) != null
                ? context.getRoot().getStore(NS).get("server", RedisServer.class)
                : findInParents(context);
    }

    private static RedisServer findInParents(ExtensionContext context) {
        for (ExtensionContext c = context; c != null; c = c.getParent().orElse(null)) {
            RedisServer s = c.getStore(NS).get("server", RedisServer.class);
            if (s != null) {
                return s;
            }
        }
        throw new IllegalStateException("no redis-server was started for this test class");
    }
}
