package dev.apiguard.fakes;

import dev.apiguard.ApiGuard;
import dev.apiguard.Decision;
import dev.apiguard.GuardExchange;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Sends {@link FakeRequest}s through a guard as the servlet filter does (exchange, evaluate,
 * the refusal's status, headers and problem body or the fake application's status, the headers
 * steps added, then {@link ApiGuard#completed}), and answers what the client would see. The
 * test kit's {@code GuardTester} does the same for hosts. Thread-safe when the guard is.
 */
public final class FakeClient {

    private final ApiGuard guard;

    private FakeClient(ApiGuard guard) {
        this.guard = guard;
    }

    /** A client of the guard. */
    public static FakeClient of(ApiGuard guard) {
        return new FakeClient(guard);
    }

    /** The guard the client sends to. */
    public ApiGuard guard() {
        return guard;
    }

    /** Sends the request; the fake application answers an allowed request with 200. */
    public FakeResponse send(FakeRequest request) {
        return send(request, 200);
    }

    /** Sends the request; the fake application answers an allowed request with {@code appStatus}. */
    public FakeResponse send(FakeRequest request, int appStatus) {
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
            body = deny.problem().toJson();
        } else {
            status = appStatus;
            headers.addAll(exchange.responseHeaders());
            body = "";
        }
        guard.completed(exchange, status);
        return new FakeResponse(
                status, headers, body, decision, exchange.caller().orElse(null));
    }
}
