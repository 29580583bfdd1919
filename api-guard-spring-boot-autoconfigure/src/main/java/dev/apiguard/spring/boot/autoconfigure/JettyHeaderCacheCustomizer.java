package dev.apiguard.spring.boot.autoconfigure;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Arrays;
import java.util.Optional;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Server;
import org.springframework.boot.web.server.WebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;

/**
 * On Jetty, makes the header cache of every connector of the application's server
 * case-sensitive (docs/containers.md): with Jetty's default, an {@code Authorization} line that
 * differs only in letter case from the one before it on the connection is handed to the guard as
 * that previous value.
 *
 * <p>Spring Boot 4 and 3.5 keep Jetty's factory and server customizer in different packages, so
 * this customizer finds the factory's {@code addServerCustomizers} method and hands it a
 * customizer of whatever type it takes.
 */
public final class JettyHeaderCacheCustomizer implements WebServerFactoryCustomizer<WebServerFactory> {

    @Override
    public void customize(WebServerFactory factory) {
        serverCustomizers(factory).ifPresent(add -> {
            Class<?> type = add.getParameterTypes()[0].getComponentType();
            Object customizer = Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (p, m, args) -> {
                if (m.getDeclaringClass() == Object.class) {
                    return switch (m.getName()) {
                        case "equals" -> p == args[0];
                        case "hashCode" -> System.identityHashCode(p);
                        default -> "JettyHeaderCacheCustomizer";
                    };
                }
                caseSensitive((Server) args[0]);
                return null;
            });
            Object array = java.lang.reflect.Array.newInstance(type, 1);
            java.lang.reflect.Array.set(array, 0, customizer);
            try {
                add.invoke(factory, array);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot add the header cache customizer to " + factory, e);
            }
        });
    }

    /** The factory's {@code addServerCustomizers(X...)} whose {@code X} takes a Jetty {@link Server}. */
    static Optional<Method> serverCustomizers(WebServerFactory factory) {
        return Arrays.stream(factory.getClass().getMethods())
                .filter(m -> m.getName().equals("addServerCustomizers"))
                .filter(m -> m.getParameterCount() == 1 && m.getParameterTypes()[0].isArray())
                .filter(m -> {
                    Class<?> type = m.getParameterTypes()[0].getComponentType();
                    return type.isInterface()
                            && Arrays.stream(type.getMethods())
                                    .anyMatch(c -> c.getName().equals("customize")
                                            && Arrays.equals(c.getParameterTypes(), new Class<?>[] {Server.class}));
                })
                .findFirst();
    }

    /** Makes every connector's header cache case-sensitive: HTTP/1.1, TLS and h2c alike. */
    static void caseSensitive(Server server) {
        for (Connector connector : server.getConnectors()) {
            connector.getConnectionFactories().stream()
                    .filter(HttpConfiguration.ConnectionFactory.class::isInstance)
                    .map(HttpConfiguration.ConnectionFactory.class::cast)
                    .forEach(f -> f.getHttpConfiguration().setHeaderCacheCaseSensitive(true));
        }
    }
}
