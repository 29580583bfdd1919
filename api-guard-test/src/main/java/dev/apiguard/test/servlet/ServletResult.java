package dev.apiguard.test.servlet;

import dev.apiguard.Caller;
import dev.apiguard.test.TestResponse;
import dev.apiguard.test.internal.Echo;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What one {@link ServletTester} run answered and what the application saw, with fluent
 * assertions that throw {@link AssertionError} naming what differed (as {@link TestResponse}'s
 * do).
 *
 * <p>A view of the run's request and response: not thread-safe, as they are not. Assertion
 * messages print the status, headers and body, never the request's headers.
 */
public final class ServletResult {

    private final TestServletRequest request;
    private final TestServletResponse response;
    private final boolean chainReached;
    private final ServletRequest chainRequest;
    private final ServletResponse chainResponse;

    ServletResult(
            TestServletRequest request,
            TestServletResponse response,
            boolean chainReached,
            ServletRequest chainRequest,
            ServletResponse chainResponse) {
        this.request = request;
        this.response = response;
        this.chainReached = chainReached;
        this.chainRequest = chainRequest;
        this.chainResponse = chainResponse;
    }

    /** The HTTP status. */
    public int status() {
        return response.getStatus();
    }

    /** Every value of the header, case-insensitive, in order; empty when absent. */
    public List<String> headers(String name) {
        return List.copyOf(response.getHeaders(name));
    }

    /** The first value of the header, or {@code null}. */
    public String header(String name) {
        return response.getHeader(name);
    }

    /** Every header in the order written. */
    public List<Map.Entry<String, String>> headerEntries() {
        return response.headerEntries();
    }

    /** The body's bytes. */
    public byte[] body() {
        return response.body();
    }

    /** The body as text ({@link TestServletResponse#bodyAsString()}: UTF-8 unless the response set another). */
    public String bodyAsString() {
        return response.bodyAsString();
    }

    /** Whether the filters or the application committed the response (flushed it, or sent an error). */
    public boolean committed() {
        return response.isCommitted();
    }

    /** Whether the request went through every filter to the application. */
    public boolean chainReached() {
        return chainReached;
    }

    /**
     * The request the application was handed (the guard's filter hands a wrapper whose
     * {@code getUserPrincipal()} is the caller); empty when the chain stopped before it.
     */
    public Optional<HttpServletRequest> chainRequest() {
        return chainRequest instanceof HttpServletRequest http ? Optional.of(http) : Optional.empty();
    }

    /** The response the application was handed; empty when the chain stopped before it. */
    public Optional<ServletResponse> chainResponse() {
        return Optional.ofNullable(chainResponse);
    }

    /**
     * The caller a filter exposed as the request attribute {@link Caller#REQUEST_ATTRIBUTE}, as
     * the application would read it.
     */
    public Optional<Caller> caller() {
        Object attribute = (chainRequest != null ? chainRequest : request).getAttribute(Caller.REQUEST_ATTRIBUTE);
        return attribute instanceof Caller caller ? Optional.of(caller) : Optional.empty();
    }

    /** The request the first filter was handed. */
    public TestServletRequest request() {
        return request;
    }

    /** The response, as the filters and the application left it. */
    public TestServletResponse response() {
        return response;
    }

    // ---- assertions -----------------------------------------------------------------------------

    /** Asserts the status. */
    public ServletResult assertStatus(int expected) {
        if (status() != expected) {
            throw new AssertionError("expected status " + expected + " but was " + status() + describe());
        }
        return this;
    }

    /** Asserts the header has exactly this one value. */
    public ServletResult assertHeader(String name, String exactValue) {
        List<String> actual = headers(name);
        if (!actual.equals(List.of(exactValue))) {
            throw new AssertionError(
                    "expected header " + name + ": [" + exactValue + "] but was " + actual + describe());
        }
        return this;
    }

    /** Asserts the {@code WWW-Authenticate} headers are exactly these values, in order. */
    public ServletResult assertChallenge(String... exactValues) {
        List<String> actual = headers("WWW-Authenticate");
        if (!actual.equals(List.of(exactValues))) {
            throw new AssertionError(
                    "expected WWW-Authenticate " + List.of(exactValues) + " but was " + actual + describe());
        }
        return this;
    }

    /** Asserts the request went through every filter to the application. */
    public ServletResult assertChainReached() {
        if (!chainReached) {
            throw new AssertionError(
                    "expected the request to reach the application but a filter stopped it" + describe());
        }
        return this;
    }

    /** Asserts a filter stopped the request before the application. */
    public ServletResult assertChainNotReached() {
        if (chainReached) {
            throw new AssertionError(
                    "expected a filter to stop the request but it reached the application" + describe());
        }
        return this;
    }

    /** Asserts a filter exposed a caller with this id to the application. */
    public ServletResult assertCaller(String expectedId) {
        Optional<Caller> caller = caller();
        if (caller.isEmpty()) {
            throw new AssertionError("expected caller " + expectedId + " but no caller was exposed" + describe());
        }
        if (!caller.get().id().equals(expectedId)) {
            throw new AssertionError(
                    "expected caller " + expectedId + " but was " + caller.get().id() + describe());
        }
        return this;
    }

    /**
     * Asserts the response does not echo the secret, as {@link TestResponse#assertNoEcho} does:
     * neither it nor any part of it of {@value TestResponse#ECHO_WINDOW} characters in a header
     * or the body.
     */
    public ServletResult assertNoEcho(String secret) {
        if (secret == null || secret.isEmpty()) {
            throw new IllegalArgumentException("secret cannot be null or empty");
        }
        for (Map.Entry<String, String> e : headerEntries()) {
            Echo.check(secret, e.getKey(), "header name " + e.getKey(), TestResponse.ECHO_WINDOW);
            Echo.check(secret, e.getValue(), "header " + e.getKey(), TestResponse.ECHO_WINDOW);
        }
        Echo.check(secret, new String(body(), StandardCharsets.ISO_8859_1), "body", TestResponse.ECHO_WINDOW);
        Echo.check(secret, bodyAsString(), "body", TestResponse.ECHO_WINDOW);
        return this;
    }

    private String describe() {
        StringBuilder sb = new StringBuilder("\nresponse: ").append(status());
        for (Map.Entry<String, String> e : headerEntries()) {
            sb.append("\n  ").append(e.getKey()).append(": ").append(e.getValue());
        }
        String body = bodyAsString();
        if (!body.isEmpty()) {
            sb.append("\n  ").append(body);
        }
        if (response.errorMessage() != null) {
            sb.append("\n  sendError: ").append(response.errorMessage());
        }
        sb.append("\n  reached the application: ").append(chainReached);
        return sb.toString();
    }

    @Override
    public String toString() {
        return "ServletResult[" + status() + (chainReached ? ", reached the application" : "") + "]";
    }
}
