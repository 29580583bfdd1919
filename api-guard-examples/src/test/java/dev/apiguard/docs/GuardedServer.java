package dev.apiguard.docs;

// tag::jetty[]
import dev.apiguard.ApiGuard;
import dev.apiguard.servlet.ApiGuardFilter;
import jakarta.servlet.DispatcherType;
import java.util.EnumSet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

public final class GuardedServer {

    /** Jetty 12 (ee10) with the guard in front of every servlet; any Servlet 6 container works alike. */
    public static Server start(ApiGuard guard, int port) throws Exception {
        ServletContextHandler context = new ServletContextHandler();
        context.addFilter(new FilterHolder(new ApiGuardFilter(guard)), "/*", EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(new ServletHolder(new CustomerServlet()), "/customers/*");

        HttpConfiguration http = new HttpConfiguration();
        http.setHeaderCacheCaseSensitive(true); // the guard must see the token as sent: docs/containers.md
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setPort(port);
        server.addConnector(connector);
        server.setHandler(context);
        server.start();
        return server;
    }
}
// end::jetty[]
