package dev.apiguard.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.GuardRequest;
import dev.apiguard.QueryParameters;
import dev.apiguard.servlet.ServletGuardRequest;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The guard's query reading ({@link QueryParameters}, through {@link ServletGuardRequest}) against
 * the real containers' {@code getParameterMap()} for the same request: embedded Jetty 12.1 and
 * Tomcat 11 with their default limits, plain HTTP on loopback, each request target sent byte for
 * byte over a socket. A servlet records, for each request, what the container reads and what the
 * guard reads; the test then asserts, wherever the container gives a definite answer:
 * <ul>
 *   <li>the container serves the parameters: the guard reads every one of them with the same first
 *       value (cut to {@value GuardRequest#MAX_QUERY_VALUE_LENGTH} characters) and counts as many
 *       values; it refuses the query only for more than 1,000 parameters, which Jetty serves
 *       (it has no cap on the query; {@code maxFormKeys} is for form bodies) and Tomcat does
 *       not;</li>
 *   <li>{@code getParameterMap()} throws (Jetty: {@code BadMessageException} "Unable to parse URI
 *       query"; Tomcat: {@code InvalidParameterException}): the guard finds the query unreadable,
 *       except an empty name ({@code =x}), which Tomcat refuses and Jetty serves as a parameter
 *       named {@code ""}, and the guard reads as Jetty does;</li>
 *   <li>the container answers before any servlet runs (400 for raw bytes Tomcat does not accept
 *       in a request target, 414 or 400 for a request line over 8 KiB): no answer to compare.</li>
 * </ul>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QueryAgreementTest {

    /** What one container and the guard read for one request. */
    record Reading(
            String rawQuery, Map<String, List<String>> container, String containerFailure, QueryParameters guard) {}

    static final Map<String, Reading> READINGS = new ConcurrentHashMap<>();
    static final AtomicLong IDS = new AtomicLong();

    /** Records both readings under the request's {@code X-Probe} id. */
    static final class Probe extends HttpServlet {
        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            QueryParameters guard = new ServletGuardRequest(req).queryParameters();
            Map<String, List<String>> container = new LinkedHashMap<>();
            String failure = null;
            try {
                req.getParameterMap().forEach((name, values) -> container.put(name, List.of(values)));
            } catch (RuntimeException e) {
                failure = e.getClass().getSimpleName();
            }
            READINGS.put(req.getHeader("X-Probe"), new Reading(req.getQueryString(), container, failure, guard));
            resp.setStatus(204);
        }
    }

    Server jetty;
    int jettyPort;
    Tomcat tomcat;
    int tomcatPort;
    Path tomcatBase;

    @BeforeAll
    void start() throws Exception {
        jetty = new Server();
        ServerConnector connector = new ServerConnector(jetty);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        jetty.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.addServlet(new ServletHolder(new Probe()), "/probe");
        jetty.setHandler(context);
        jetty.start();
        jettyPort = connector.getLocalPort();

        tomcatBase = Files.createTempDirectory("api-guard-query-agreement");
        tomcat = new Tomcat();
        tomcat.setBaseDir(tomcatBase.toString());
        Connector tc = new Connector("org.apache.coyote.http11.Http11NioProtocol");
        tc.setPort(0);
        tc.setProperty("address", "127.0.0.1");
        tomcat.getService().addConnector(tc);
        tomcat.setConnector(tc);
        Context root = tomcat.addContext("", tomcatBase.toString());
        Tomcat.addServlet(root, "probe", new Probe());
        root.addServletMappingDecoded("/probe", "probe");
        tomcat.start();
        tomcatPort = tc.getLocalPort();
    }

    @AfterAll
    void stop() throws Exception {
        jetty.stop();
        tomcat.stop();
        tomcat.destroy();
        try (Stream<Path> files = Files.walk(tomcatBase)) {
            files.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        }
    }

    /**
     * Query strings: characters up to U+00FF go on the wire as one byte each (so {@code \u00c3\u00a9}
     * is a raw UTF-8 {@code é}, {@code \u00ff} a raw invalid byte).
     */
    static Stream<String> queries() {
        List<String> q = new ArrayList<>(List.of(
                "page=1&size=2",
                "page=%2B5&size=%2B100",
                "page=%2b5",
                "page=1&page=2",
                "&&page=1&&",
                "page",
                "page=",
                "x&page",
                "=x&page=1",
                "=&page=1",
                "page=1&=",
                "a=b=c&page=1",
                "page=a+b%20c",
                "pa+ge=5",
                "%70age=3",
                "p%61ge=4",
                "access%5Ftoken=x",
                "page=1;size=2",
                "page=1%26size=2",
                "PAGE=1",
                "page=%252B5",
                "%26=1&page=3",
                "page%3D7=1",
                "page=1&%3D=2",
                "page=%00",
                "page=%0D%0A",
                "page=%7F",
                "page=%EF%BF%BF",
                "page=%EF%BF%BD",
                "page=%F0%9F%98%80",
                "page=%F4%8F%BF%BF",
                "page=%C3%A9",
                "page=%",
                "page=%4",
                "page=%4&x=1",
                "page=%G0",
                "page=%0G",
                "page=%:0",
                "page=%@0",
                "page=%`1",
                "page=%u0041",
                "page=%%41",
                "%4=1",
                "page=%C3%28",
                "page=%C3",
                "%C3=1",
                "page=%C3x",
                "page=%E2%82",
                "page=%C3%A9%A9",
                "page=%80",
                "page=%FF",
                "page=1&%FF",
                "page=1&%FF=",
                "page=%C0%AF",
                "page=%E0%80%AF",
                "page=%F0%80%80%AF",
                "page=%ED%A0%80",
                "page=%F4%90%80%80",
                "page=%F5%80%80%80",
                "b=%zz&access_token=1",
                "page=1&page=%zz",
                "page=\u00c3\u00a9",
                "p\u00c3\u00a9ge=1",
                "page=\u00ff",
                "p\u00ffge=1",
                "page=\u00ed\u00a0\u0080",
                "page=\u00c0\u00af",
                "page=|^`{}",
                "page=\"<>",
                "page=[1]",
                "x&".repeat(999) + "page=9",
                "x&".repeat(1000) + "page=8",
                "a=1&".repeat(1000) + "access_token=x",
                "page=" + "9".repeat(300),
                "page=" + "%41".repeat(300),
                "page=" + "a".repeat(255) + "%F0%9F%98%80"));
        // and pseudo-random ones from the pieces above, the same on every run
        String[] pieces = {
            "page",
            "size",
            "access_token",
            "api_key",
            "=",
            "=",
            "&",
            "&",
            "&&",
            "%",
            "%2",
            "%2B",
            "%2b",
            "%3D",
            "%26",
            "%25",
            "+",
            "a",
            "5",
            "%C3",
            "%A9",
            "%E2%82%AC",
            "%FF",
            "%80",
            "%00",
            "%G",
            "%ED%A0%80",
            "%F0%9F%98%80",
            "\u00c3\u00a9",
            ";",
            "%61"
        };
        Random random = new Random(13);
        for (int i = 0; i < 300; i++) {
            StringBuilder b = new StringBuilder();
            for (int k = 1 + random.nextInt(8); k > 0; k--) {
                b.append(pieces[random.nextInt(pieces.length)]);
            }
            q.add(b.toString());
        }
        return q.stream();
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("queries")
    void theGuardReadsWhatTheContainersServe(String query) throws Exception {
        for (String container : List.of("jetty", "tomcat")) {
            int port = container.equals("jetty") ? jettyPort : tomcatPort;
            String id = container + "-" + IDS.incrementAndGet();
            int status = send(port, id, query);
            Reading r = READINGS.remove(id);
            if (r == null) {
                // answered before any servlet ran: raw bytes Tomcat refuses, an over-long request line
                assertThat(status)
                        .as("%s answered without the servlet", container)
                        .isIn(400, 414);
                count(container + " refused the request itself");
                continue;
            }
            count(container
                    + (r.containerFailure() != null ? " refused the parameters" : " served the parameters")
                    + (r.guard().readable() ? ", the guard reads them" : ", the guard refuses them"));
            assertThat(status).isEqualTo(204);
            agree(container, r);
        }
    }

    private static void agree(String container, Reading r) {
        QueryParameters guard = r.guard();
        String what = container + " [" + r.rawQuery() + "]";
        if (r.containerFailure() != null) {
            boolean emptyName = ("&" + r.rawQuery()).contains("&=");
            if (container.equals("tomcat") && emptyName && guard.readable()) {
                return; // Tomcat refuses an empty name; Jetty serves it, and so does the guard
            }
            assertThat(guard.readable())
                    .as("%s: the container cannot read it (%s)", what, r.containerFailure())
                    .isFalse();
            return;
        }
        int values = 0;
        for (Map.Entry<String, List<String>> e : r.container().entrySet()) {
            values += e.getValue().size();
            assertThat(guard.has(e.getKey()))
                    .as("%s has '%s'", what, e.getKey())
                    .isTrue();
            String first = e.getValue().get(0);
            int cap = Math.min(first.length(), GuardRequest.MAX_QUERY_VALUE_LENGTH);
            if (cap < first.length() && Character.isHighSurrogate(first.charAt(cap - 1))) {
                cap--;
            }
            assertThat(guard.first(e.getKey()))
                    .as("%s first '%s'", what, e.getKey())
                    .isEqualTo(first.substring(0, cap));
        }
        if (guard.readable()) {
            assertThat(guard.size()).as("%s parameters", what).isEqualTo(values);
            return;
        }
        // the guard is stricter than the container: only Jetty, which has no cap on the query and
        // drops a last name that is only a cut UTF-8 sequence ("%C3") instead of refusing it
        assertThat(container)
                .as("only Jetty serves what the guard refuses: %s", what)
                .isEqualTo("jetty");
        STRICTER.add(
                guard.unreadable().orElseThrow().code() + " " + r.rawQuery().length() + " chars: "
                        + (r.rawQuery().length() > 60 ? r.rawQuery().substring(0, 60) + "..." : r.rawQuery()));
    }

    static final List<String> STRICTER = java.util.Collections.synchronizedList(new ArrayList<>());
    static final Map<String, AtomicLong> OUTCOMES = new java.util.concurrent.ConcurrentSkipListMap<>();

    static void count(String outcome) {
        OUTCOMES.computeIfAbsent(outcome, k -> new AtomicLong()).incrementAndGet();
    }

    @AfterAll
    void report() {
        // what Jetty serves and the guard refuses, for the record (surefire's output)
        STRICTER.forEach(line -> System.out.println("guard stricter than Jetty: " + line));
        OUTCOMES.forEach((outcome, n) -> System.out.println("query agreement: " + n + " x " + outcome));
    }

    @Test
    void theContainersDefaultsAreWhatTheGuardAssumes() throws Exception {
        // Tomcat: maxParameterCount 1,000 applies to the query; Jetty: no cap on the query
        String over = "x&".repeat(1000) + "x";
        for (String container : List.of("jetty", "tomcat")) {
            String id = container + "-cap-" + IDS.incrementAndGet();
            send(container.equals("jetty") ? jettyPort : tomcatPort, id, over);
            Reading r = READINGS.remove(id);
            assertThat(r.containerFailure())
                    .as(container)
                    .isEqualTo(container.equals("tomcat") ? "InvalidParameterException" : null);
            assertThat(r.guard().unreadable()).contains(QueryParameters.Unreadable.TOO_MANY_PARAMETERS);
        }
        // both refuse a request line over 8 KiB before any servlet: the guard's 16 KiB bound is never the first
        for (int port : new int[] {jettyPort, tomcatPort}) {
            assertThat(send(port, "long-" + IDS.incrementAndGet(), "x=" + "y".repeat(8300)))
                    .isIn(400, 414);
        }
    }

    /** Sends {@code GET /probe?query} (ISO-8859-1 bytes) and returns the status. */
    static int send(int port, String id, String query) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET /probe?" + query + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Probe: " + id
                            + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            String head = new String(in.readNBytes(12), StandardCharsets.ISO_8859_1);
            in.readAllBytes();
            return Integer.parseInt(head.substring(9, 12));
        }
    }
}
