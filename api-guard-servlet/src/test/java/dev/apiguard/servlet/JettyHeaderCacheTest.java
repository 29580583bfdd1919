package dev.apiguard.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.ApiGuard;
import dev.apiguard.Decision;
import dev.apiguard.GuardExchange;
import dev.apiguard.GuardStep;
import dev.apiguard.event.SecurityEventListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;

/**
 * Why every Jetty server of this project sets {@code HttpConfiguration.setHeaderCacheCaseSensitive(true)}
 * (issue 13). Jetty keeps the cacheable header lines of a connection's earlier requests
 * ({@code Authorization} among them, not {@code DPoP} or {@code X-API-Key}) and, by default,
 * matches a new line against them case-insensitively: a request whose {@code Authorization} differs
 * from the previous one on the same connection only in the case of letters is handed the previous
 * value. A token is base64url, case-sensitive: the guard must read the bytes the client sent.
 *
 * <p>Here the guard's own view of the header ({@code GuardExchange.request().header}) is recorded per
 * request, three requests over one kept-alive plain HTTP connection: the token, the token with one
 * letter's case flipped, the token again. If Jetty ever stops doing this by default, the first test
 * fails, and the setting and the note in docs/containers.md can be revisited.
 */
class JettyHeaderCacheTest {

    static final String ID_HEADER = "X-Request-Id";
    static final String TOKEN =
            "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwYXJ0bmVyLWEifQ.c2lnbmF0dXJlLW9mLXRoZS1pc3N1ZXI";
    /** {@link #TOKEN} with the case of one signature letter flipped ({@code c2ln} to {@code C2ln}). */
    static final String VARIANT = TOKEN.replace(".c2ln", ".C2ln");

    @Test
    void byDefaultACaseVariantOnAReusedConnectionIsHandedTheEarlierAuthorization() throws Exception {
        assertThat(new HttpConfiguration().isHeaderCacheCaseSensitive()).isFalse();
        assertThat(VARIANT).isNotEqualTo(TOKEN).isEqualToIgnoringCase(TOKEN);

        assertThat(seenByTheGuard(new HttpConfiguration(), TOKEN, VARIANT, TOKEN))
                .containsExactly(TOKEN, TOKEN, TOKEN);
        assertThat(seenByTheGuard(new HttpConfiguration(), VARIANT, TOKEN, VARIANT))
                .containsExactly(VARIANT, VARIANT, VARIANT);
    }

    @Test
    void withACaseSensitiveHeaderCacheTheGuardSeesWhatWasSent() throws Exception {
        HttpConfiguration http = new HttpConfiguration();
        http.setHeaderCacheCaseSensitive(true);

        assertThat(seenByTheGuard(http, TOKEN, VARIANT, TOKEN)).containsExactly(TOKEN, VARIANT, TOKEN);
        assertThat(seenByTheGuard(http, VARIANT, TOKEN, VARIANT)).containsExactly(VARIANT, TOKEN, VARIANT);
    }

    @Test
    void theServletTestAppSetsIt() throws Exception {
        try (TestApp app = new TestApp((context, guard) -> TestApp.addFilter(context, new ApiGuardFilter(guard)))) {
            assertThat(app.httpConfiguration().isHeaderCacheCaseSensitive()).isTrue();
        }
    }

    /**
     * Starts Jetty with the configuration and {@link ApiGuardFilter}, sends one request per
     * {@code Authorization} value over one connection (each after the answer to the one before),
     * and returns the values the guard read, in order.
     */
    private static List<String> seenByTheGuard(HttpConfiguration http, String... authorizations) throws Exception {
        Map<String, String> seen = new ConcurrentHashMap<>();
        ApiGuard guard = ApiGuard.builder()
                .listener(SecurityEventListener.NONE)
                .step(new GuardStep() {
                    @Override
                    public String name() {
                        return "record-authorization";
                    }

                    @Override
                    public Decision evaluate(GuardExchange exchange) {
                        seen.put(
                                exchange.request().header(ID_HEADER),
                                exchange.request().header("Authorization"));
                        return Decision.ALLOW;
                    }
                })
                .build();
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.addFilter(new FilterHolder(new ApiGuardFilter(guard)), "/*", EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(
                new ServletHolder(new HttpServlet() {
                    @Override
                    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                        resp.setContentType("text/plain");
                        resp.setContentLength(2);
                        resp.getWriter().write("ok");
                    }
                }),
                "/*");
        server.setHandler(context);
        server.start();
        try (Socket socket = new Socket("127.0.0.1", connector.getLocalPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            List<String> result = new ArrayList<>();
            for (int i = 0; i < authorizations.length; i++) {
                out.write(("GET /thing HTTP/1.1\r\nHost: 127.0.0.1\r\n" + ID_HEADER + ": r" + i + "\r\nAuthorization: "
                                + authorizations[i] + "\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                assertThat(readAnswer(in))
                        .as("answer %d", i)
                        .startsWith("HTTP/1.1 200 ")
                        .doesNotContain("Connection: close");
                result.add(seen.get("r" + i));
            }
            return result;
        } finally {
            server.stop();
        }
    }

    /** Reads one answer with a {@code Content-Length} body; the connection stays open. */
    private static String readAnswer(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed after " + head.toString(StandardCharsets.ISO_8859_1));
            }
            head.write(b);
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?i)\r\nContent-Length: *(\\d+)")
                .matcher(text);
        assertThat(length.find()).as("Content-Length in %s", text).isTrue();
        byte[] body = in.readNBytes(Integer.parseInt(length.group(1)));
        return text + new String(body, StandardCharsets.ISO_8859_1);
    }
}
