package dev.apiguard.redis;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Starts a private {@link RedisServer} for a test class and hands it to test methods and
 * constructors as a parameter; stops it after the class.
 *
 * <p>Without a {@code redis-server} binary on the PATH the tests are skipped with a message,
 * unless the environment sets {@code APIGUARD_REQUIRE_REDIS=1} (as {@code .ci/run} does), then
 * they fail.
 *
 * <pre>{@code
 * @ExtendWith(RedisServerExtension.class)
 * class MyTest {
 *     @Test void works(RedisServer redis) { ... redis.uri() ... }
 * }
 * }</pre>
 */
public final class RedisServerExtension implements BeforeAllCallback, AfterAllCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(RedisServerExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        requireBinary();
        context.getStore(NS).put("server", RedisServer.start());
    }

    /** Skips (or, with {@code APIGUARD_REQUIRE_REDIS=1}, fails) when {@code redis-server} is missing. */
    public static void requireBinary() {
        if (RedisServer.binary() != null) {
            return;
        }
        String message = "redis-server is not on the PATH: Redis tests skipped (install redis-server, or set "
                + RedisServer.REQUIRE_ENV + "=1 to make this a failure)";
        if ("1".equals(System.getenv(RedisServer.REQUIRE_ENV))) {
            throw new IllegalStateException("redis-server is not on the PATH and " + RedisServer.REQUIRE_ENV + "=1");
        }
        Assumptions.abort(message);
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
