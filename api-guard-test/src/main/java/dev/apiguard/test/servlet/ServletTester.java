package dev.apiguard.test.servlet;

import dev.apiguard.test.TestRequest;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.Objects;

/**
 * Runs servlet filters on a {@link TestRequest} without a container, and answers what the client
 * would receive and what the application would see: the wiring of a host's filters, tested in
 * one line.
 *
 * <pre>{@code
 * ServletResult result = ServletTester.run(new ApiGuardFilter(guard), TestRequest.get("/customers/A").bearer(token));
 * result.assertStatus(200).assertChainReached().assertCaller("partner-a");
 * }</pre>
 *
 * <p>For each request it makes a {@link TestServletRequest} and a {@link TestServletResponse},
 * calls the filters in order through a real {@link FilterChain}, and at its end the application:
 * by default one that answers nothing (200, no body), or the one given to
 * {@link #application(FilterChain)}. The result records whether the chain reached the
 * application and the request and response it was handed (a filter's wrapper, with the principal
 * and the {@code Caller} attribute the guard's filter sets).
 *
 * <p>Filters are used as constructed: {@code init} is not called. A filter or application that
 * throws makes {@code run} throw the same exception, as it would reach the container. The
 * response is left as the filters left it: {@link ServletResult#committed()} tells whether they
 * committed it.
 *
 * <p>Immutable and thread-safe when the filters are; each run has its own request and response.
 * Needs the Servlet 6 API on the test class path (the kit declares it {@code provided}).
 */
public final class ServletTester {

    /** The application a tester ends with unless told otherwise: it answers nothing (200, no body). */
    public static final FilterChain NOTHING = (request, response) -> {};

    private final List<Filter> filters;
    private final FilterChain application;

    private ServletTester(List<Filter> filters, FilterChain application) {
        this.filters = filters;
        this.application = application;
    }

    /** Runs the filter on the request, with the application that answers nothing. */
    public static ServletResult run(Filter filter, TestRequest request) throws IOException, ServletException {
        return of(filter).run(request);
    }

    /** A tester of these filters, in this order (for example the guard's per-step filters). */
    public static ServletTester of(Filter... filters) {
        return of(List.of(filters));
    }

    /** A tester of these filters, in this order (for example {@code ApiGuardFilters.perStep(guard)}). */
    public static ServletTester of(List<? extends Filter> filters) {
        Objects.requireNonNull(filters, "filters cannot be null");
        return new ServletTester(List.copyOf(filters), NOTHING);
    }

    /**
     * A tester whose chain ends in this application (a servlet, in a container): it sees the
     * request and response the filters pass on, and may answer, throw or forward to nothing.
     */
    public ServletTester application(FilterChain newApplication) {
        return new ServletTester(filters, Objects.requireNonNull(newApplication, "application cannot be null"));
    }

    /** Runs the filters on the request, made a {@link TestServletRequest} dispatched as {@code REQUEST}. */
    public ServletResult run(TestRequest request) throws IOException, ServletException {
        return run(TestServletRequest.of(Objects.requireNonNull(request, "request cannot be null")));
    }

    /**
     * Runs the filters on a servlet request prepared by the test (another dispatcher type,
     * attributes, a context path).
     */
    public ServletResult run(TestServletRequest request) throws IOException, ServletException {
        Objects.requireNonNull(request, "request cannot be null");
        TestServletResponse response = new TestServletResponse();
        Chain chain = new Chain();
        chain.doFilter(request, response);
        return new ServletResult(request, response, chain.reached, chain.reachedRequest, chain.reachedResponse);
    }

    /** The filters in order, then the application; records what reaches the application. */
    private final class Chain implements FilterChain {
        private int next;
        private boolean reached;
        private ServletRequest reachedRequest;
        private ServletResponse reachedResponse;

        @Override
        public void doFilter(ServletRequest request, ServletResponse response) throws IOException, ServletException {
            if (next < filters.size()) {
                filters.get(next++).doFilter(request, response, this);
                return;
            }
            reached = true;
            reachedRequest = request;
            reachedResponse = response;
            application.doFilter(request, response);
        }
    }
}
