package dev.apiguard.ratelimit;

import dev.apiguard.ApiGuard;
import dev.apiguard.Caller;
import dev.apiguard.CredentialKind;
import dev.apiguard.Decision;
import dev.apiguard.GuardExchange;
import dev.apiguard.GuardRequest;
import dev.apiguard.GuardStep;
import dev.apiguard.event.SecurityEventListener;
import java.time.Clock;
import java.util.Map;

/** Fakes for the rate-limit tests: a guard that authenticates by header, and sending requests through it. */
final class Fakes {

    private Fakes() {}

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
