package dev.apiguard.benchmarks;

import dev.apiguard.servlet.ApiGuardFilter;
import dev.apiguard.test.fixtures.IssuedCertificate;
import dev.apiguard.test.fixtures.LocalIssuer;
import dev.apiguard.test.fixtures.TestCertificates;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * Requests per second over HTTPS (TLS 1.3, keep-alive, HTTP/1.1) on embedded Jetty 12, the same
 * trivial servlet with and without {@link ApiGuardFilter} over {@link FullChain}, in one run on
 * one server (two contexts). The client is the JDK {@link HttpClient} presenting a client
 * certificate, with {@value #IN_FLIGHT} requests in flight at all times; each phase warms up for
 * {@value #WARM_UP_SECONDS} s and then counts 200 answers for {@value #MEASURE_SECONDS} s. The
 * token is bound to the client certificate and reused (the cached path, as a real client does
 * until its token expires). Client and server share the machine, so the figures are a ratio more
 * than an absolute.
 *
 * <pre>java -cp api-guard-benchmarks/target/benchmarks.jar dev.apiguard.benchmarks.HttpsThroughputBenchmark</pre>
 */
public final class HttpsThroughputBenchmark {

    static final int IN_FLIGHT = 16;
    static final int WARM_UP_SECONDS = 3;
    static final int MEASURE_SECONDS = 10;

    private HttpsThroughputBenchmark() {}

    /** The application: a short JSON answer. */
    static final class Hello extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            resp.setContentType("application/json");
            resp.getWriter().write("{\"ok\":true}");
        }
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : MEASURE_SECONDS;
        TestCertificates pki = TestCertificates.create();
        IssuedCertificate client = pki.client("partner-service");
        LocalIssuer issuer = LocalIssuer.rsa("https://issuer.example");
        String token = issuer.token()
                .scope(FullChain.SCOPE)
                .lifetime(Duration.ofMinutes(50))
                .boundToCertificate(client.certificate())
                .sign();

        Server server = new Server();
        SslContextFactory.Server tls = new SslContextFactory.Server();
        tls.setSslContext(pki.serverSslContext());
        tls.setWantClientAuth(true);
        HttpConfiguration http = new HttpConfiguration();
        // as the demo server: the guard reads Authorization as sent, not a case variant of an earlier line
        http.setHeaderCacheCaseSensitive(true);
        SecureRequestCustomizer secure = new SecureRequestCustomizer();
        secure.setSniHostCheck(false);
        http.addCustomizer(secure);
        ServerConnector connector =
                new ServerConnector(server, new SslConnectionFactory(tls, "http/1.1"), new HttpConnectionFactory(http));
        connector.setHost("127.0.0.1");
        server.addConnector(connector);

        ServletContextHandler plain = new ServletContextHandler("/plain");
        plain.addServlet(new ServletHolder(new Hello()), FullChain.PATH);
        ServletContextHandler guarded = new ServletContextHandler("/guarded");
        guarded.addFilter(
                new FilterHolder(new ApiGuardFilter(FullChain.guard(issuer, true))),
                "/*",
                EnumSet.of(DispatcherType.REQUEST));
        guarded.addServlet(new ServletHolder(new Hello()), FullChain.PATH);
        server.setHandler(new org.eclipse.jetty.server.handler.ContextHandlerCollection(plain, guarded));
        server.start();

        // the server certificate names localhost; the benchmark connects to the loopback address
        System.setProperty("jdk.internal.httpclient.disableHostnameVerification", "true");
        HttpClient httpClient = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .sslContext(pki.sslContext(client))
                .build();
        String base = "https://127.0.0.1:" + connector.getLocalPort();
        try {
            double plainRate = 0;
            double guardedRate = 0;
            // plain, guarded, plain, guarded: the second pair is reported, the first warms the JIT as well
            for (int round = 0; round < 2; round++) {
                plainRate = run(httpClient, URI.create(base + "/plain" + FullChain.PATH), token, seconds);
                guardedRate = run(httpClient, URI.create(base + "/guarded" + FullChain.PATH), token, seconds);
            }
            System.out.printf("HTTPS, %d in flight, %d s each:%n", IN_FLIGHT, seconds);
            System.out.printf("  without guard: %,.0f requests/s%n", plainRate);
            System.out.printf("  with guard:    %,.0f requests/s%n", guardedRate);
            System.out.printf("  ratio:         %.1f %%%n", 100 * guardedRate / plainRate);
        } finally {
            server.stop();
        }
    }

    /** Requests per second answered 200 over the measured seconds, after the warm-up. */
    static double run(HttpClient client, URI uri, String token, int seconds) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(uri)
                .header("Authorization", "Bearer " + token)
                .GET()
                .build();
        Semaphore slots = new Semaphore(IN_FLIGHT);
        AtomicLong ok = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long warmUpEnd = System.nanoTime() + WARM_UP_SECONDS * 1_000_000_000L;
        long end = warmUpEnd + seconds * 1_000_000_000L;
        long counted = 0;
        boolean measuring = false;
        while (System.nanoTime() < end) {
            slots.acquire();
            if (!measuring && System.nanoTime() >= warmUpEnd) {
                measuring = true;
                counted = ok.get();
            }
            client.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, error) -> {
                if (error == null && response.statusCode() == 200) {
                    ok.incrementAndGet();
                } else {
                    failed.incrementAndGet();
                }
                slots.release();
            });
        }
        slots.acquire(IN_FLIGHT);
        if (failed.get() > 0) {
            throw new IllegalStateException(failed.get() + " requests to " + uri + " failed");
        }
        return (ok.get() - counted) / (double) seconds;
    }
}
