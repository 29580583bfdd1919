package dev.apiguard.servlet;

import dev.apiguard.ApiGuard;
import dev.apiguard.Decision;
import dev.apiguard.Denials;
import dev.apiguard.GuardExchange;
import dev.apiguard.GuardStep;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.List;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What the whole-guard filter and the per-step filters share. */
final class Guarding {

    private static final Logger LOG = LoggerFactory.getLogger(Guarding.class);

    private Guarding() {}

    /** Refuses what is not HTTP: the guard has nothing to check it by, so it fails closed. */
    static void requireHttp(ServletRequest request, ServletResponse response) throws ServletException {
        if (!(request instanceof HttpServletRequest) || !(response instanceof HttpServletResponse)) {
            throw new ServletException("api-guard guards HTTP requests only, not "
                    + request.getClass().getName());
        }
    }

    /** The exchange the first guard filter of this request stored, or a new one stored now. */
    static GuardExchange exchange(ApiGuard guard, HttpServletRequest request) {
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
    static Decision evaluate(ApiGuard guard, GuardExchange exchange, List<GuardStep> steps) {
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
    static void refuse(
            Decision.Deny deny, GuardExchange exchange, HttpServletRequest request, HttpServletResponse response)
            throws java.io.IOException {
        List<java.util.Map.Entry<String, String>> headers = exchange.responseHeaders();
        if (hasBody(request)) {
            headers = new java.util.ArrayList<>(headers);
            headers.add(java.util.Map.entry("Connection", "close"));
        }
        DenyResponseWriter.write(deny, headers, response);
    }

    /** A request with a declared body length above zero, or a chunked one (RFC 9112 §6.3). */
    static boolean hasBody(HttpServletRequest request) {
        return request.getContentLengthLong() > 0 || request.getHeader("Transfer-Encoding") != null;
    }

    /**
     * Adds the headers steps put on the exchange (each step added them once: on a second
     * per-step filter the ones already written are not repeated).
     */
    static void writeExchangeHeaders(GuardExchange exchange, HttpServletRequest request, HttpServletResponse response) {
        List<java.util.Map.Entry<String, String>> headers = exchange.responseHeaders();
        Object written = request.getAttribute(HEADERS_WRITTEN_ATTRIBUTE);
        int from = written instanceof Integer n ? n : 0;
        for (int i = from; i < headers.size(); i++) {
            response.addHeader(headers.get(i).getKey(), headers.get(i).getValue());
        }
        request.setAttribute(HEADERS_WRITTEN_ATTRIBUTE, headers.size());
    }

    private static final String HEADERS_WRITTEN_ATTRIBUTE = "dev.apiguard.servlet.exchangeHeadersWritten";

    /** Reports the final status without ever masking what the application threw. */
    static void afterChain(
            HttpServletRequest request, HttpServletResponse response, boolean threw, IntConsumer report) {
        try {
            Completion.afterChain(request, response, threw, report);
        } catch (RuntimeException e) {
            LOG.error("api-guard failed to report a request's completion", e);
        }
    }
}
