package dev.apiguard.ratelimit;

import dev.apiguard.ApiGuard;
import dev.apiguard.Caller;
import dev.apiguard.CredentialKind;
import dev.apiguard.Decision;
import dev.apiguard.GuardExchange;
import dev.apiguard.GuardRequest;
import dev.apiguard.GuardStep;
import dev.apiguard.event.SecurityEventListener;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** Fakes for the rate-limit tests: a request, a clock to advance, and a guard that authenticates by header. */
final class Fakes {

    private Fakes() {}

    static final class Request implements GuardRequest {
        final String method;
        final String path;
        final String peer;
        final Map<String, List<String>> headers = new TreeMap<>();

        Request(String method, String path, String peer) {
            this.method = method;
            this.path = path;
            this.peer = peer;
        }

        static Request get(String path) {
            return new Request("GET", path, "192.0.2.1");
        }

        Request header(String name, String value) {
            headers.computeIfAbsent(name.toLowerCase(Locale.ROOT), n -> new ArrayList<>())
                    .add(value);
            return this;
        }

        Request from(String address) {
            Request r = new Request(method, path, address);
            r.headers.putAll(headers);
            return r;
        }

        @Override
        public String method() {
            return method;
        }

        @Override
        public String path() {
            return path;
        }

        @Override
        public List<String> headers(String name) {
            return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
        }

        @Override
        public List<X509Certificate> clientCertificates() {
            return List.of();
        }

        @Override
        public String remoteAddress() {
            return peer;
        }

        @Override
        public String scheme() {
            return "https";
        }

        @Override
        public String host() {
            return "api.example";
        }

        @Override
        public int port() {
            return 443;
        }

        @Override
        public boolean hasQueryParameter(String name) {
            return false;
        }
    }

    /** Authenticates {@code X-Test-Caller: id[;plan]} as a bearer caller; matches the path as the route template. */
    static GuardStep fakeAuthentication() {
        return new GuardStep() {
            @Override
            public String name() {
                return "fake-auth";
            }

            @Override
            public Decision evaluate(GuardExchange exchange) {
                String h = exchange.request().header("X-Test-Caller");
                exchange.matchRoute(exchange.request().path(), Map.of(), false);
                if (h == null) {
                    return Decision.ALLOW;
                }
                String[] parts = h.split(";");
                exchange.authenticate(Caller.builder(parts[0], CredentialKind.BEARER_JWT)
                        .subject(parts[0])
                        .issuer("https://issuer")
                        .plan(parts.length > 1 ? parts[1] : null)
                        .build());
                return Decision.ALLOW;
            }
        };
    }

    static ApiGuard guard(RateLimitPolicy policy, Clock clock) {
        return guard(RateLimitStep.of(policy), clock);
    }

    static ApiGuard guard(RateLimitStep step, Clock clock) {
        return ApiGuard.builder()
                .clock(clock)
                .listener(SecurityEventListener.NONE)
                .step(fakeAuthentication())
                .step(step)
                .build();
    }

    static Decision send(ApiGuard guard, GuardRequest request) {
        GuardExchange ex = guard.exchange(request);
        Decision d = guard.evaluate(ex);
        guard.completed(ex, d instanceof Decision.Deny deny ? deny.status() : 200);
        return d;
    }

    static Decision.Deny denied(Decision d) {
        if (d instanceof Decision.Deny deny) {
            return deny;
        }
        throw new AssertionError("expected a refusal, got " + d);
    }
}
