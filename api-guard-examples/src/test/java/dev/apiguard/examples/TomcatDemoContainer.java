package dev.apiguard.examples;

import dev.apiguard.ApiGuard;
import dev.apiguard.servlet.ApiGuardFilter;
import dev.apiguard.servlet.InventoryServlet;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.apache.tomcat.util.net.SSLHostConfig;
import org.apache.tomcat.util.net.SSLHostConfigCertificate;

/**
 * The demo API on embedded Tomcat 11: one HTTPS connector (JSSE) with the options' PKCS#12
 * keystore and the {@code --client-ca} certificates as truststore, {@code certificateVerification
 * ="optional"}; the demo servlets and {@link ApiGuardFilter} for REQUEST dispatch registered
 * through {@link FilterDef} and {@link FilterMap}. Tomcat exposes the TLS client certificate as
 * {@code jakarta.servlet.request.X509Certificate}, as Jetty does. Redis options are not supported
 * here: the state stays in this JVM.
 */
final class TomcatDemoContainer implements DemoContainer {

    @Override
    public Running start(DemoOptions options) throws Exception {
        if (options.redis != null) {
            throw new IllegalArgumentException("the Tomcat container runs the demo with local state only");
        }
        ApiGuard guard = DemoServer.guard(options);
        Path base = Files.createTempDirectory("api-guard-tomcat");

        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(base.toString());
        Connector connector = new Connector("org.apache.coyote.http11.Http11NioProtocol");
        connector.setPort(options.port);
        connector.setProperty("address", "127.0.0.1");
        connector.setScheme("https");
        connector.setSecure(true);
        connector.setProperty("SSLEnabled", "true");
        connector.setProperty("server", "api-guard-demo");
        SSLHostConfig tls = new SSLHostConfig();
        SSLHostConfigCertificate certificate =
                new SSLHostConfigCertificate(tls, SSLHostConfigCertificate.Type.UNDEFINED);
        certificate.setCertificateKeystoreFile(
                options.tlsKeystore.toAbsolutePath().toString());
        certificate.setCertificateKeystorePassword(options.tlsPassword);
        certificate.setCertificateKeystoreType("PKCS12");
        tls.addCertificate(certificate);
        if (options.clientCa != null) {
            tls.setTrustStore(DemoServer.trustStore(options.clientCa));
            // TLS asks for a client certificate but does not require one: routes decide
            tls.setCertificateVerification("optional");
        }
        connector.addSslHostConfig(tls);
        tomcat.getService().addConnector(connector);
        tomcat.setConnector(connector);
        // the container's own error pages: no report, no server version
        ErrorReportValve errors = new ErrorReportValve();
        errors.setShowReport(false);
        errors.setShowServerInfo(false);
        tomcat.getHost().getPipeline().addValve(errors);

        Context context = tomcat.addContext("", base.toString());
        FilterDef filter = new FilterDef();
        filter.setFilterName("api-guard");
        filter.setFilter(new ApiGuardFilter(guard));
        context.addFilterDef(filter);
        FilterMap mapping = new FilterMap();
        mapping.setFilterName("api-guard");
        mapping.addURLPattern("/*");
        mapping.setDispatcher("REQUEST");
        context.addFilterMap(mapping);
        servlet(context, "health", new DemoServlets.Health(), "/health");
        servlet(
                context,
                "customers",
                new DemoServlets.Customers(CustomerDirectory.demo()),
                "/customers",
                "/customers/*");
        servlet(context, "payments", new DemoServlets.Payments(), "/payments");
        servlet(context, "inventory", new InventoryServlet(DemoServer.inventory(guard)), "/admin/inventory");
        // Tomcat runs no filter for a path no servlet maps (Jetty has a default 404 servlet): without
        // a default servlet an anonymous caller would learn which paths exist (404, not 401)
        servlet(context, "not-found", new NotFound(), "/");

        tomcat.start();
        return new Running() {
            @Override
            public int port() {
                return connector.getLocalPort();
            }

            @Override
            public void close() throws Exception {
                tomcat.stop();
                tomcat.destroy();
                try (var files = Files.walk(base)) {
                    files.sorted(java.util.Comparator.reverseOrder())
                            .forEach(p -> p.toFile().delete());
                }
            }
        };
    }

    /** The default servlet: 404 as problem JSON, reached only through the guard. */
    static final class NotFound extends HttpServlet {
        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            DemoServlets.problem(resp, 404, "not-found", "Not found", "No resource here.");
        }
    }

    private static void servlet(Context context, String name, Servlet servlet, String... patterns) {
        Tomcat.addServlet(context, name, servlet);
        for (String pattern : patterns) {
            context.addServletMappingDecoded(pattern, name);
        }
    }
}
