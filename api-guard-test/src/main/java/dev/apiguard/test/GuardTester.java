package dev.apiguard.test;

import dev.apiguard.ApiGuard;
import dev.apiguard.Decision;
import dev.apiguard.GuardExchange;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Runs an {@link ApiGuard} against {@link TestRequest}s without a servlet container, and answers
 * what a client would see.
 *
 * <p>For each request it does what the servlet filter does: creates the exchange with the guard's
 * clock, evaluates every step, and then
 * <ul>
 *   <li>on {@link Decision.Deny}: answers the deny's status, every header of
 *       {@link Decision.Deny#responseHeaders()} in order, {@code Content-Type:
 *       application/problem+json} and the body {@code problem().toJson()};</li>
 *   <li>on {@link Decision.Allow}: answers the status the fake application returns (default
 *       200), with an empty body;</li>
 *   <li>in both cases followed by the headers steps added to the exchange
 *       ({@link GuardExchange#responseHeaders()}, for example {@code Deprecation} and
 *       {@code Sunset}), as the servlet filter writes them; a refusal of a request with a body
 *       ({@link TestRequest#body(byte[])}, or a {@code Content-Length} above zero or a
 *       {@code Transfer-Encoding} header) ends with {@code Connection: close}, as the filter's
 *       does;</li>
 * </ul>
 * and finally calls {@link ApiGuard#completed} with that status, so that observing steps learn
 * the outcome as in production.
 *
 * <p>To run the servlet filter itself, with its request wrapper, headers and completion, use
 * {@code dev.apiguard.test.servlet.ServletTester} (it needs the Servlet API on the test class
 * path).
 *
 * <p>Thread-safe when the guard is (it holds no state of its own).
 *
 * <pre>{@code
 * GuardTester tester = GuardTester.of(guard);
 * tester.send(TestRequest.get("/customers/ABC1234").bearer(issuer.token().sign()))
 *     .assertAllowed()
 *     .assertCaller("test-client");
 * }</pre>
 */
public final class GuardTester {

    /** The status the fake application answers an allowed request with, unless told otherwise. */
    public static final int DEFAULT_APP_STATUS = 200;

    private final ApiGuard guard;

    private GuardTester(ApiGuard guard) {
        this.guard = guard;
    }

    /** A tester of the guard. */
    public static GuardTester of(ApiGuard guard) {
        return new GuardTester(Objects.requireNonNull(guard, "guard cannot be null"));
    }

    /** The guard under test. */
    public ApiGuard guard() {
        return guard;
    }

    /** Sends the request; an allowed request is answered 200 by the fake application. */
    public TestResponse send(TestRequest request) {
        return send(request, DEFAULT_APP_STATUS);
    }

    /**
     * Sends the request; an allowed request is answered with {@code appStatus} by the fake
     * application (for example 404, to see how observing steps treat misses).
     */
    public TestResponse send(TestRequest request, int appStatus) {
        Objects.requireNonNull(request, "request cannot be null");
        if (appStatus < 100 || appStatus > 599) {
            throw new IllegalArgumentException("appStatus must be an HTTP status: " + appStatus);
        }
        GuardExchange exchange = guard.exchange(request);
        Decision decision = guard.evaluate(exchange);
        int status;
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        String body;
        if (decision instanceof Decision.Deny deny) {
            status = deny.status();
            headers.addAll(deny.responseHeaders());
            headers.add(Map.entry("Content-Type", Decision.Deny.CONTENT_TYPE));
            headers.addAll(exchange.responseHeaders());
            if (request.contentLength() > 0 || request.header("Transfer-Encoding") != null) {
                // the filter closes a connection whose body it never read
                headers.add(Map.entry("Connection", "close"));
            }
            body = deny.problem().toJson();
        } else {
            status = appStatus;
            headers.addAll(exchange.responseHeaders());
            body = "";
        }
        guard.completed(exchange, status);
        return new TestResponse(
                status, headers, body, decision, exchange.caller().orElse(null));
    }
}
