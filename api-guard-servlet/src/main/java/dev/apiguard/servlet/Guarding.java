package dev.apiguard.servlet;

import dev.apiguard.ApiGuard;
import dev.apiguard.Decision;
import dev.apiguard.Denials;
import dev.apiguard.GuardExchange;
import dev.apiguard.GuardStep;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntConsumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one body of this package's filters. {@link ApiGuardFilter} and {@link GuardStepFilter} are
 * the same filter over a different {@link Slice} of the guard (all its steps, or one); they hand
 * every request to {@link #filter}. {@link ClientAssertionFilter} is no guard, and shares the
 * first part, {@link #oncePerRequest}.
 *
 * <ol>
 *   <li>HTTP only: anything else is refused with a {@link ServletException} (fail closed).</li>
 *   <li>Once per request, whatever the dispatcher type: the filter claims the request through a
 *       request attribute; a request it already claimed (a forward, include, error or async
 *       dispatch of it) is passed on untouched, any other dispatch is guarded, a {@code null} type
 *       included.</li>
 *   <li>The exchange: the first guard filter of the request creates it and stores it under
 *       {@link ApiGuardFilter#EXCHANGE_ATTRIBUTE}; later ones reuse it.</li>
 *   <li>The slice's steps run; the guard answers a failing step with 503 and
 *       {@code guard.step_failed}, and anything else escaping (a listener, the request view) is
 *       answered 503 here, never with an exception the container would answer on its own.</li>
 *   <li>Refused: the slice's {@linkplain Slice#toldOfRefusal steps to tell} learn the status,
 *       then {@link DenyResponseWriter} answers ({@code Connection: close} when a body is
 *       unread): a refusal is counted before the client can send its next request; the chain
 *       stops.</li>
 *   <li>Allowed: the headers steps put on the exchange are written, the caller is exposed
 *       ({@link CallerRequest}), the chain runs, and the slice's steps learn the final status
 *       exactly once ({@link Completion}).</li>
 * </ol>
 */
final class Guarding {

    private static final Logger LOG = LoggerFactory.getLogger(Guarding.class);

    private static final String HEADERS_WRITTEN_ATTRIBUTE = "dev.apiguard.servlet.exchangeHeadersWritten";

    private Guarding() {}

    /** What one guard filter runs of the guard; everything else is {@link Guarding#filter}. */
    interface Slice {

        /**
         * Records on the request that this slice runs on it; false when it already ran (the
         * request is a redispatch, and is passed on).
         */
        boolean claim(HttpServletRequest request);

        /** The steps this filter runs, in order; also the steps told an allowed request's status. */
        List<GuardStep> steps();

        /** The steps told the status of a refusal by this slice. */
        List<GuardStep> toldOfRefusal(HttpServletRequest request);

        /**
         * Every step of the guard, once per request ({@code applied} marks it); a refusal is told
         * to every step.
         */
        static Slice whole(ApiGuard guard, String applied) {
            return new Slice() {
                @Override
                public boolean claim(HttpServletRequest request) {
                    return Guarding.claim(request, applied);
                }

                @Override
                public List<GuardStep> steps() {
                    return guard.steps();
                }

                @Override
                public List<GuardStep> toldOfRefusal(HttpServletRequest request) {
                    return guard.steps();
                }
            };
        }

        /**
         * One step of the guard, once per request (the set of step names under {@code evaluated}
         * records it); a refusal is told to this step and to every step whose filter has not run
         * yet (and now never will).
         */
        static Slice step(ApiGuard guard, GuardStep step, String evaluated) {
            List<GuardStep> mine = List.of(step);
            return new Slice() {
                @Override
                public boolean claim(HttpServletRequest request) {
                    return evaluated(request, evaluated).add(step.name());
                }

                @Override
                public List<GuardStep> steps() {
                    return mine;
                }

                @Override
                public List<GuardStep> toldOfRefusal(HttpServletRequest request) {
                    Set<String> ran = evaluated(request, evaluated);
                    List<GuardStep> toTell = new ArrayList<>();
                    toTell.add(step);
                    for (GuardStep other : guard.steps()) {
                        if (!ran.contains(other.name())) {
                            toTell.add(other);
                        }
                    }
                    return toTell;
                }
            };
        }
    }

    /** What a filter does with a request it claimed. */
    @FunctionalInterface
    interface Body {
        void run(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                throws IOException, ServletException;
    }

    /** The guard filters' one body: runs the slice of the guard on the request (see the class). */
    static void filter(ApiGuard guard, Slice slice, ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        oncePerRequest(request, response, chain, slice::claim, (req, res, next) -> guard(guard, slice, req, res, next));
    }

    /**
     * Refuses what is not HTTP; passes on a request {@code claim} finds already claimed (a
     * redispatch); else runs the body.
     */
    static void oncePerRequest(
            ServletRequest request,
            ServletResponse response,
            FilterChain chain,
            Predicate<HttpServletRequest> claim,
            Body body)
            throws IOException, ServletException {
        requireHttp(request, response);
        HttpServletRequest req = (HttpServletRequest) request;
        if (!claim.test(req)) {
            chain.doFilter(request, response);
            return;
        }
        body.run(req, (HttpServletResponse) response, chain);
    }

    /** Marks the request with the attribute; false when it was marked already. */
    static boolean claim(HttpServletRequest request, String attribute) {
        if (request.getAttribute(attribute) != null) {
            return false;
        }
        request.setAttribute(attribute, Boolean.TRUE);
        return true;
    }

    private static void guard(
            ApiGuard guard, Slice slice, HttpServletRequest req, HttpServletResponse res, FilterChain chain)
            throws IOException, ServletException {
        GuardExchange exchange = exchange(guard, req);
        Decision decision = evaluate(guard, exchange, slice.steps());
        if (decision instanceof Decision.Deny deny) {
            // the steps learn of the refusal before the client does: a client that sends its next
            // request once it has this answer (on a new connection when a body left unread closes
            // this one) must find the refusal counted (the per-address budget), not race the count
            guard.completed(exchange, deny.status(), slice.toldOfRefusal(req));
            refuse(deny, exchange, req, res);
            return;
        }

        writeExchangeHeaders(exchange, req, res);
        HttpServletRequest forApplication = CallerRequest.expose(req, exchange);
        boolean threw = true;
        try {
            chain.doFilter(forApplication, res);
            threw = false;
        } finally {
            afterChain(forApplication, res, threw, status -> guard.completed(exchange, status, slice.steps()));
        }
    }

    /** Refuses what is not HTTP: the guard has nothing to check it by, so it fails closed. */
    static void requireHttp(ServletRequest request, ServletResponse response) throws ServletException {
        if (!(request instanceof HttpServletRequest) || !(response instanceof HttpServletResponse)) {
            throw new ServletException("api-guard guards HTTP requests only, not "
                    + request.getClass().getName());
        }
    }

    @SuppressWarnings("unchecked")
    private static Set<String> evaluated(HttpServletRequest request, String attribute) {
        Object existing = request.getAttribute(attribute);
        if (existing instanceof Set<?> set) {
            return (Set<String>) set;
        }
        Set<String> created = new HashSet<>();
        request.setAttribute(attribute, created);
        return created;
    }

    /** The exchange the first guard filter of this request stored, or a new one stored now. */
    private static GuardExchange exchange(ApiGuard guard, HttpServletRequest request) {
        Object existing = request.getAttribute(ApiGuardFilter.EXCHANGE_ATTRIBUTE);
        if (existing instanceof GuardExchange exchange) {
            return exchange;
        }
        GuardExchange exchange = guard.exchange(new ServletGuardRequest(request));
        request.setAttribute(ApiGuardFilter.EXCHANGE_ATTRIBUTE, exchange);
        return exchange;
    }

    /**
     * Runs the steps; the guard already turns a failing step into 503, and this turns anything
     * else that escapes (a failing listener or request view) into the same, never into an
     * exception the container would answer with its own error page.
     */
    private static Decision evaluate(ApiGuard guard, GuardExchange exchange, List<GuardStep> steps) {
        try {
            return guard.evaluate(exchange, steps);
        } catch (RuntimeException e) {
            LOG.error("api-guard failed to evaluate a request", e);
            return Denials.unavailable();
        }
    }

    /**
     * Writes a refusal. When the request carries a body the guard never read, the answer also
     * says {@code Connection: close}: the container would otherwise have to drain or abandon the
     * unread bytes after the response is on the wire, and a client that reuses the connection
     * meanwhile sends its next request into a socket the server is closing. A refused client
     * opens a new connection instead, and an abusive one cannot keep a connection busy with
     * bodies nobody reads.
     */
    private static void refuse(
            Decision.Deny deny, GuardExchange exchange, HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        List<Map.Entry<String, String>> headers = exchange.responseHeaders();
        if (hasBody(request)) {
            headers = new ArrayList<>(headers);
            headers.add(Map.entry("Connection", "close"));
        }
        DenyResponseWriter.write(deny, headers, response);
    }

    /** A request with a declared body length above zero, or a chunked one (RFC 9112 §6.3). */
    private static boolean hasBody(HttpServletRequest request) {
        return request.getContentLengthLong() > 0 || request.getHeader("Transfer-Encoding") != null;
    }

    /**
     * Adds the headers steps put on the exchange (each step added them once: on a second
     * per-step filter the ones already written are not repeated).
     */
    private static void writeExchangeHeaders(
            GuardExchange exchange, HttpServletRequest request, HttpServletResponse response) {
        List<Map.Entry<String, String>> headers = exchange.responseHeaders();
        Object written = request.getAttribute(HEADERS_WRITTEN_ATTRIBUTE);
        int from = written instanceof Integer n ? n : 0;
        if (from == headers.size()) {
            return; // nothing new (usually nothing at all): the request keeps its attributes
        }
        for (int i = from; i < headers.size(); i++) {
            response.addHeader(headers.get(i).getKey(), headers.get(i).getValue());
        }
        request.setAttribute(HEADERS_WRITTEN_ATTRIBUTE, headers.size());
    }

    /** Reports the final status without ever masking what the application threw. */
    private static void afterChain(
            HttpServletRequest request, HttpServletResponse response, boolean threw, IntConsumer report) {
        try {
            Completion.afterChain(request, response, threw, report);
        } catch (RuntimeException e) {
            LOG.error("api-guard failed to report a request's completion", e);
        }
    }
}
