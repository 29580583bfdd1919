package dev.apiguard.servlet;

import dev.apiguard.ApiGuard;
import dev.apiguard.Caller;
import dev.apiguard.Challenge;
import dev.apiguard.CredentialKind;
import dev.apiguard.Decision;
import dev.apiguard.Denials;
import dev.apiguard.GuardExchange;
import dev.apiguard.GuardStep;
import dev.apiguard.scope.RouteAuthorizationStep;
import dev.apiguard.scope.RouteRules;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import org.eclipse.jetty.ee10.servlet.ErrorPageErrorHandler;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A real embedded Jetty 12 serving a small demo-like API behind the guard, with a fake
 * authentication step and recorders of what the guard and the application saw, per request id.
 */
final class TestApp implements AutoCloseable {

    /** The fake credential: {@code id;KIND;scope scope}. Test-only. */
    static final String CALLER_HEADER = "X-Test-Caller";
    /** Makes the fake step throw, as a step with a failing dependency would. */
    static final String BOOM_HEADER = "X-Test-Boom";
    /**
     * Makes the recording step hold its completion until the test has the answer (or a second has
     * passed), and record which came first.
     */
    static final String HOLD_HEADER = "X-Test-Hold";
    /** Ties the recorders to one request. */
    static final String ID_HEADER = "X-Request-Id";
    /**
     * The async timeout of {@code /async-timeout}. Not 1 ms: Jetty 12.1 schedules the timeout and
     * only then stores its task, and a timeout that fires in between finds no task and is dropped,
     * so the request hangs; on a loaded machine a 1 ms timeout lost that race (the test request
     * timed out unanswered, with or without the guard's filters). A second is far beyond any pause
     * between those two statements.
     */
    static final long ASYNC_TIMEOUT_MILLIS = 1000;

    static final RouteRules RULES = RouteRules.builder()
            .route("GET", "/health")
            .permitAll()
            .route("GET", "/customers/{serviceTag}")
            .requireScopes("customers:read")
            .route("GET", "/customers")
            .requireScopes("customers:read")
            .route("POST", "/payments")
            .senderConstrained()
            .requireScopes("payments:write")
            .route("GET", "/admin/inventory")
            .requireAnyScope("guard:admin", "guard:root")
            .route("GET", "/forward")
            .requireScopes("customers:read")
            .route("GET", "/include")
            .requireScopes("customers:read")
            .route("GET", "/teapot")
            .requireScopes("customers:read")
            .route("GET", "/throw")
            .requireScopes("customers:read")
            .route("GET", "/async")
            .requireScopes("customers:read")
            .route("GET", "/async-timeout")
            .requireScopes("customers:read")
            .build();

    /** What happened to one request. */
    static final class Record {
        final AtomicInteger evaluations = new AtomicInteger();
        final List<Integer> completions = new CopyOnWriteArrayList<>();
        final AtomicInteger servletCalls = new AtomicInteger();
        final CountDownLatch done = new CountDownLatch(1);
        /** Counted down by the test once the client has the answer ({@link #HOLD_HEADER}). */
        final CountDownLatch answered = new CountDownLatch(1);
        /** Whether the client had the answer while the steps were told of the request's end. */
        volatile boolean answeredBeforeCompletion;

        /** Waits until the outermost filter saw the request finish (sync or async). */
        Record awaitDone() throws InterruptedException {
            if (!done.await(10, TimeUnit.SECONDS)) {
                throw new AssertionError("request did not finish");
            }
            return this;
        }
    }

    private final Map<String, Record> records = new ConcurrentHashMap<>();
    private final ExecutorService asyncWorkers = Executors.newSingleThreadExecutor();
    final ApiGuard guard;
    private final Server server;
    private final ServerConnector connector;
    private final HttpConfiguration http;

    TestApp(BiConsumer<ServletContextHandler, ApiGuard> installGuard) throws Exception {
        this(installGuard, null, false);
    }

    /**
     * @param uriCompliance the connector's URI compliance, or {@code null} for Jetty's default
     * @param decodeAmbiguousUris whether the servlet API decodes ambiguous URIs instead of throwing
     */
    TestApp(
            BiConsumer<ServletContextHandler, ApiGuard> installGuard,
            UriCompliance uriCompliance,
            boolean decodeAmbiguousUris)
            throws Exception {
        this.guard = ApiGuard.builder()
                .clock(Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC))
                .step(new FakeAuthenticationStep())
                .step(RouteAuthorizationStep.of(RULES))
                .step(new RecordingStep())
                .build();
        server = new Server();
        http = new HttpConfiguration();
        // Jetty's header cache would hand a case variant of an earlier Authorization line the earlier value
        // (JettyHeaderCacheTest)
        http.setHeaderCacheCaseSensitive(true);
        if (uriCompliance != null) {
            http.setUriCompliance(uriCompliance);
        }
        connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);

        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.getServletHandler().setDecodeAmbiguousURIs(decodeAmbiguousUris);
        // outermost: knows when a request is really finished, to assert "exactly once"
        context.addFilter(new FilterHolder(new DoneFilter()), "/*", EnumSet.of(DispatcherType.REQUEST));
        installGuard.accept(context, guard);
        context.addServlet(new ServletHolder(new AppServlet()), "/*");
        ErrorPageErrorHandler errors = new ErrorPageErrorHandler();
        errors.addErrorPage(418, "/error-page");
        context.setErrorHandler(errors);
        server.setHandler(context);
        server.start();
    }

    /** Registers the filter for every dispatcher type, so that skipping redispatches is the filter's job. */
    static void addFilter(ServletContextHandler context, Filter filter) {
        context.addFilter(new FilterHolder(filter), "/*", EnumSet.allOf(DispatcherType.class));
    }

    int port() {
        return connector.getLocalPort();
    }

    /** The connector's HTTP configuration. */
    HttpConfiguration httpConfiguration() {
        return http;
    }

    Record record(String requestId) {
        return records.computeIfAbsent(requestId, id -> new Record());
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("Jetty did not stop", e);
        } finally {
            asyncWorkers.shutdownNow();
        }
    }

    private static String id(GuardExchange exchange) {
        String id = exchange.request().header(ID_HEADER);
        return id == null ? "none" : id;
    }

    /** Authenticates from {@link #CALLER_HEADER}, refuses a malformed one, throws on {@link #BOOM_HEADER}. */
    private final class FakeAuthenticationStep implements GuardStep {
        @Override
        public String name() {
            return "test-auth";
        }

        @Override
        public Decision evaluate(GuardExchange exchange) {
            record(id(exchange)).evaluations.incrementAndGet();
            if (exchange.request().header(BOOM_HEADER) != null) {
                throw new IllegalStateException("key source down (secret detail)");
            }
            if (exchange.request().hasQueryParameter("access_token")) {
                return Denials.invalidRequest();
            }
            String value = exchange.request().header(CALLER_HEADER);
            if (value == null) {
                return Decision.ALLOW;
            }
            String[] parts = value.split(";", -1);
            if (parts.length != 3) {
                return Denials.invalidToken();
            }
            Set<String> scopes = parts[2].isEmpty() ? Set.of() : Set.of(parts[2].split(" "));
            exchange.authenticate(Caller.builder(parts[0], CredentialKind.valueOf(parts[1]))
                    .subject(parts[0])
                    .scopes(scopes)
                    .build());
            return Decision.ALLOW;
        }

        @Override
        public List<Challenge> challenges() {
            return List.of(Challenge.of("Bearer"), Challenge.of("DPoP", "algs", "ES256"));
        }
    }

    /** Records the final status each request is reported with. */
    private final class RecordingStep implements GuardStep {
        @Override
        public String name() {
            return "record";
        }

        @Override
        public Decision evaluate(GuardExchange exchange) {
            return Decision.ALLOW;
        }

        @Override
        public void completed(GuardExchange exchange, int status) {
            Record record = record(id(exchange));
            if (exchange.request().header(HOLD_HEADER) != null) {
                try {
                    // a bound, not a pause: when the answer is written only after this returns,
                    // the client cannot have it, and this gives up after a second
                    record.answeredBeforeCompletion = record.answered.await(1, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            record.completions.add(status);
        }
    }

    private final class DoneFilter implements Filter {
        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
                throws IOException, ServletException {
            HttpServletRequest req = (HttpServletRequest) request;
            String id = req.getHeader(ID_HEADER);
            Record record = record(id == null ? "none" : id);
            try {
                chain.doFilter(request, response);
            } finally {
                if (req.isAsyncStarted()) {
                    req.getAsyncContext().addListener(new AsyncListener() {
                        @Override
                        public void onComplete(AsyncEvent event) {
                            record.done.countDown();
                        }

                        @Override
                        public void onTimeout(AsyncEvent event) {}

                        @Override
                        public void onError(AsyncEvent event) {}

                        @Override
                        public void onStartAsync(AsyncEvent event) {}
                    });
                } else {
                    record.done.countDown();
                }
            }
        }
    }

    /** The application: answers what it saw of the caller. */
    private final class AppServlet extends HttpServlet {
        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) throws ServletException, IOException {
            if (req.getDispatcherType() == DispatcherType.REQUEST) {
                String id = req.getHeader(ID_HEADER);
                record(id == null ? "none" : id).servletCalls.incrementAndGet();
            }
            // an included servlet sees the including request's path; its own is in an attribute
            Object included = req.getAttribute(jakarta.servlet.RequestDispatcher.INCLUDE_PATH_INFO);
            String path = req.getDispatcherType() == DispatcherType.INCLUDE && included instanceof String s
                    ? s
                    : req.getPathInfo() == null ? "/" : req.getPathInfo();
            switch (path) {
                case "/health" -> send(resp, 200, "{\"status\":\"ok\"}");
                case "/forward" -> req.getRequestDispatcher("/customers/INNER").forward(req, resp);
                case "/include" -> {
                    resp.getWriter().write("before|");
                    req.getRequestDispatcher("/customers/INNER").include(req, resp);
                    resp.getWriter().write("|after");
                }
                case "/teapot" -> resp.sendError(418);
                case "/error-page" -> resp.getWriter().write("error page");
                case "/throw" -> throw new IllegalStateException("application failure");
                case "/async" -> {
                    // startAsync() without arguments would hand the unwrapped request to the
                    // async code (Servlet 6 §2.3.3.3); the Caller attribute is on both
                    AsyncContext async = req.startAsync(req, resp);
                    asyncWorkers.execute(() -> {
                        try {
                            HttpServletResponse r = (HttpServletResponse) async.getResponse();
                            r.setStatus(202);
                            r.getWriter()
                                    .write(seen((HttpServletRequest) async.getRequest()) + "|unwrappedCaller="
                                            + (req.getAttribute(Caller.REQUEST_ATTRIBUTE) != null));
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        } finally {
                            async.complete();
                        }
                    });
                }
                case "/async-timeout" -> req.startAsync(req, resp).setTimeout(ASYNC_TIMEOUT_MILLIS);
                case "/payments" -> {
                    String body = new String(req.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    send(resp, 201, seen(req) + "|body=" + body);
                }
                default -> send(resp, 200, seen(req));
            }
        }

        private String seen(HttpServletRequest req) {
            Object caller = req.getAttribute(Caller.REQUEST_ATTRIBUTE);
            return "principal="
                    + (req.getUserPrincipal() == null
                            ? null
                            : req.getUserPrincipal().getName())
                    + "|principalIsCaller=" + (req.getUserPrincipal() instanceof Caller)
                    + "|remoteUser=" + req.getRemoteUser()
                    + "|authType=" + req.getAuthType()
                    + "|caller="
                    + (caller instanceof Caller c ? c.id() + " " + new java.util.TreeSet<>(c.scopes()) : null)
                    + "|path=" + req.getServletPath() + (req.getPathInfo() == null ? "" : req.getPathInfo());
        }

        private void send(HttpServletResponse resp, int status, String body) throws IOException {
            resp.setStatus(status);
            resp.setContentType("text/plain;charset=utf-8");
            resp.getWriter().write(body);
        }
    }
}
