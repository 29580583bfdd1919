package dev.apiguard.fakes;

import dev.apiguard.Caller;
import dev.apiguard.Decision;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a client would have received for one request sent by {@link FakeClient}, with the
 * assertions core's tests use; each throws {@link AssertionError} showing the response. Immutable.
 */
public final class FakeResponse {

    private final int status;
    private final List<Map.Entry<String, String>> headers;
    private final String body;
    private final Decision decision;
    private final Caller caller;

    FakeResponse(int status, List<Map.Entry<String, String>> headers, String body, Decision decision, Caller caller) {
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
        return headers.stream()
                .filter(e -> e.getKey().equalsIgnoreCase(name))
                .map(Map.Entry::getValue)
                .toList();
    }

    /** The first value of the header, or {@code null}. */
    public String header(String name) {
        List<String> values = headers(name);
        return values.isEmpty() ? null : values.get(0);
    }

    /** The body: the problem JSON of a refusal, empty for an allowed request. */
    public String body() {
        return body;
    }

    /** The guard's decision. */
    public Decision decision() {
        return decision;
    }

    /** The caller the guard authenticated, if any (also on a refusal after authentication). */
    public Optional<Caller> caller() {
        return Optional.ofNullable(caller);
    }

    /** Asserts the status. */
    public FakeResponse assertStatus(int expected) {
        if (status != expected) {
            throw new AssertionError("expected status " + expected + " but was " + status + describe());
        }
        return this;
    }

    /** Asserts the {@code WWW-Authenticate} headers are exactly these values, in order. */
    public FakeResponse assertChallenge(String... exactValues) {
        List<String> actual = headers("WWW-Authenticate");
        if (!actual.equals(List.of(exactValues))) {
            throw new AssertionError(
                    "expected WWW-Authenticate " + List.of(exactValues) + " but was " + actual + describe());
        }
        return this;
    }

    /** Asserts the guard let the request through to the application. */
    public FakeResponse assertAllowed() {
        if (!decision.isAllowed()) {
            throw new AssertionError("expected the request to be allowed but it was refused" + describe());
        }
        return this;
    }

    /** Asserts the guard authenticated a caller with this id. */
    public FakeResponse assertCaller(String expectedId) {
        if (caller == null || !caller.id().equals(expectedId)) {
            throw new AssertionError("expected caller " + expectedId + " but was "
                    + (caller == null ? "none" : caller.id()) + describe());
        }
        return this;
    }

    /**
     * Asserts no header name, header value or the body holds the secret or any part of it of 16
     * characters (the whole secret when shorter); the message never prints the secret.
     */
    public FakeResponse assertNoEcho(String secret) {
        for (Map.Entry<String, String> e : headers) {
            checkEcho(secret, e.getKey(), "header name " + e.getKey());
            checkEcho(secret, e.getValue(), "header " + e.getKey());
        }
        checkEcho(secret, body, "body");
        return this;
    }

    private static void checkEcho(String secret, String where, String label) {
        int w = Math.min(16, secret.length());
        for (int i = 0; i + w <= secret.length(); i++) {
            if (where.contains(secret.substring(i, i + w))) {
                throw new AssertionError(
                        "the " + label + " echoes the secret (characters " + i + ".." + (i + w) + " of it)");
            }
        }
    }

    private String describe() {
        StringBuilder sb = new StringBuilder("\nresponse: ").append(status);
        for (Map.Entry<String, String> e : headers) {
            sb.append("\n  ").append(e.getKey()).append(": ").append(e.getValue());
        }
        if (!body.isEmpty()) {
            sb.append("\n  ").append(body);
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return "FakeResponse[" + status + "]";
    }
}
