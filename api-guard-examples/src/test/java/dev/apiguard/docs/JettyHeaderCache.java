package dev.apiguard.docs;

// tag::connectors[]
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Server;

public final class JettyHeaderCache {

    /** Makes every connector's header cache case-sensitive: HTTP/1.1, TLS and h2c alike. */
    public static void caseSensitive(Server server) {
        for (Connector connector : server.getConnectors()) {
            connector.getConnectionFactories().stream()
                    .filter(HttpConfiguration.ConnectionFactory.class::isInstance)
                    .map(HttpConfiguration.ConnectionFactory.class::cast)
                    .forEach(f -> f.getHttpConfiguration().setHeaderCacheCaseSensitive(true));
        }
    }
}
// end::connectors[]
