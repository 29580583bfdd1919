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
 * Starts a private {@link RedisCluster} for a test class and hands it to test methods and
 * constructors as a parameter; stops it after the class. {@code @ExtendWith} gives 3 masters
 * without replicas; a static {@code @RegisterExtension} field chooses the size.
 *
 * <p>Without {@code redis-server} or {@code redis-cli} on the PATH each test is reported as
 * skipped, with the reason, unless the environment sets {@code APIGUARD_REQUIRE_REDIS=1}, then the
 * class fails.
 *
 * <pre>{@code
 * class MyClusterTest {
 *     @RegisterExtension
 *     static final RedisClusterExtension CLUSTER = new RedisClusterExtension(3, 1);
 *
 *     @Test void works(RedisCluster cluster) { ... cluster.seedUris() ... }
 * }
 * }</pre>
 */
public final class RedisClusterExtension
        implements ExecutionCondition, BeforeAllCallback, AfterAllCallback, ParameterResolver {

    /** The reason a test is skipped without the binaries. */
    static final String MISSING =
            "redis-server or redis-cli not found on the PATH: Redis Cluster tests skipped (install redis-server "
                    + "and redis-tools, or set " + RedisServer.REQUIRE_ENV + "=1 to make this a failure)";

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(RedisClusterExtension.class);

    private final int masters;
    private final int replicasPerMaster;

    /** 3 masters without replicas. */
    public RedisClusterExtension() {
        this(3, 0);
    }

    /** {@code masters} masters (at least 3) with {@code replicasPerMaster} replicas each. */
    public RedisClusterExtension(int masters, int replicasPerMaster) {
        this.masters = masters;
        this.replicasPerMaster = replicasPerMaster;
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (found()) {
            return ConditionEvaluationResult.enabled("redis-server and redis-cli found");
        }
        if (RedisServerCondition.required()) {
            return ConditionEvaluationResult.enabled(RedisServer.REQUIRE_ENV + "=1: a missing binary fails");
        }
        return ConditionEvaluationResult.disabled(MISSING);
    }

    /**
     * Fails with {@code APIGUARD_REQUIRE_REDIS=1}, and skips otherwise, when {@code redis-server}
     * or {@code redis-cli} is missing: for a class that starts its own clusters behind this
     * extension's condition.
     */
    public static void requireBinaries() {
        if (found()) {
            return;
        }
        if (RedisServerCondition.required()) {
            throw new IllegalStateException(
                    "redis-server or redis-cli is not on the PATH and " + RedisServer.REQUIRE_ENV + "=1");
        }
        Assumptions.abort(MISSING);
    }

    private static boolean found() {
        return RedisServer.binary() != null && RedisCluster.cliBinary() != null;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        requireBinaries();
        context.getStore(NS).put("cluster", RedisCluster.start(masters, replicasPerMaster));
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        RedisCluster cluster = context.getStore(NS).remove("cluster", RedisCluster.class);
        if (cluster != null) {
            cluster.close();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == RedisCluster.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        for (ExtensionContext c = context; c != null; c = c.getParent().orElse(null)) {
            RedisCluster cluster = c.getStore(NS).get("cluster", RedisCluster.class);
            if (cluster != null) {
                return cluster;
            }
        }
        throw new IllegalStateException("no Redis Cluster was started for this test class");
    }
}
