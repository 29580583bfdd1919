package dev.apiguard.test;

import dev.apiguard.Caller;
import dev.apiguard.Decision;
import dev.apiguard.test.internal.Echo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a client would have received for one request sent through {@link GuardTester}, with
 * fluent assertions that throw {@link AssertionError} naming what differed.
 *
 * <p>Immutable and thread-safe. Assertion messages never print the token or other secrets the
 * test passes in; they print the response, which by contract holds none.
 */
public final class TestResponse {

    /** The length of the shortest part of a secret {@link #assertNoEcho} looks for. */
    public static final int ECHO_WINDOW = 16;

    private final int status;
    private final List<Map.Entry<String, String>> headers;
    private final String body;
    private final Decision decision;
    private final Caller caller;

    TestResponse(int status, List<Map.Entry<String, String>> headers, String body, Decision decision, Caller caller) {
        this.status = status;
        this.headers = List.copyOf(headers);
        this.body = body;
        this.decision = decision;
        this.caller = caller;
    }

    /** The HTTP status. */
    public int status() {
        return status;
    }

    /** Every value of the header, case-insensitive, in order; empty when absent. */
    public List<String> headers(String name) {
        List<String> values = new ArrayList<>();
        for (Map.Entry<String, String> e : headers) {
            if (e.getKey().equalsIgnoreCase(name)) {
                values.add(e.getValue());
            }
        }
        return List.copyOf(values);
    }

    /** The first value of the header, or {@code null}. */
    public String header(String name) {
        List<String> values = headers(name);
        return values.isEmpty() ? null : values.get(0);
    }

    /** Every header in the order written. */
    public List<Map.Entry<String, String>> headerEntries() {
        return headers;
    }

    /** The body: the problem JSON of a refusal, empty for an allowed request. */
    public String body() {
        return body;
    }

    /** The caller the guard authenticated, if any (also on a refusal after authentication). */
    public Optional<Caller> caller() {
        return Optional.ofNullable(caller);
    }

    /** The guard's decision. */
    public Decision decision() {
        return decision;
    }

    // ---- assertions ---------------------------------------------------------------------------

    /** Asserts the status. */
    public TestResponse assertStatus(int expected) {
        if (status != expected) {
            throw new AssertionError("expected status " + expected + " but was " + status + describe());
        }
        return this;
    }

    /**
     * Asserts the {@code WWW-Authenticate} headers are exactly these values, in order (one value
     * for the usual single challenge), for example {@code Bearer error="invalid_token"}.
     */
    public TestResponse assertChallenge(String... exactValues) {
        List<String> actual = headers("WWW-Authenticate");
        if (!actual.equals(List.of(exactValues))) {
            throw new AssertionError(
                    "expected WWW-Authenticate " + List.of(exactValues) + " but was " + actual + describe());
        }
        return this;
    }

    /** Asserts the header has exactly this one value. */
    public TestResponse assertHeader(String name, String exactValue) {
        List<String> actual = headers(name);
        if (!actual.equals(List.of(exactValue))) {
            throw new AssertionError(
                    "expected header " + name + ": [" + exactValue + "] but was " + actual + describe());
        }
        return this;
    }

    /** Asserts the guard let the request through to the application. */
    public TestResponse assertAllowed() {
        if (!decision.isAllowed()) {
            throw new AssertionError("expected the request to be allowed but it was refused" + describe());
        }
        return this;
    }

    /** Asserts the guard refused the request, with this status. */
    public TestResponse assertDenied(int expectedStatus) {
        if (decision.isAllowed()) {
            throw new AssertionError(
                    "expected the request to be refused with " + expectedStatus + " but it was allowed" + describe());
        }
        return assertStatus(expectedStatus);
    }

    /** Asserts the guard authenticated a caller with this id. */
    public TestResponse assertCaller(String expectedId) {
        if (caller == null) {
            throw new AssertionError("expected caller " + expectedId + " but no caller was authenticated" + describe());
        }
        if (!caller.id().equals(expectedId)) {
            throw new AssertionError("expected caller " + expectedId + " but was " + caller.id() + describe());
        }
        return this;
    }

    /**
     * Asserts the response does not echo the secret: neither it nor any part of it of
     * {@value #ECHO_WINDOW} characters or more appears in any header name, header value or the
     * body. A secret shorter than that must not appear whole. The message names where the echo
     * was, never the secret.
     */
    public TestResponse assertNoEcho(String secret) {
        if (secret == null || secret.isEmpty()) {
            throw new IllegalArgumentException("secret cannot be null or empty");
        }
        for (Map.Entry<String, String> e : headers) {
            checkEcho(secret, e.getKey(), "header name " + e.getKey());
            checkEcho(secret, e.getValue(), "header " + e.getKey());
        }
        checkEcho(secret, body, "body");
        return this;
    }

    private static void checkEcho(String secret, String where, String label) {
        Echo.check(secret, where, label, ECHO_WINDOW);
    }

    private String describe() {
        StringBuilder sb = new StringBuilder("\nresponse: ").append(status);
        for (Map.Entry<String, String> e : headers) {
            sb.append("\n  ").append(e.getKey()).append(": ").append(e.getValue());
        }
        if (!body.isEmpty()) {
            sb.append("\n  ").append(body);
        }
        if (caller != null) {
            sb.append("\n  caller: ").append(caller);
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return "TestResponse[" + status + "]";
    }
}
