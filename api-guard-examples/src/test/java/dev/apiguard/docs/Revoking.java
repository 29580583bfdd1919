package dev.apiguard.docs;

import dev.apiguard.ApiGuard;
import dev.apiguard.CallerKey;
import dev.apiguard.LocalRevocations;
import dev.apiguard.Revocations;
import dev.apiguard.redis.RedisGuardState;
import dev.apiguard.scope.RouteAuthorizationStep;
import dev.apiguard.scope.RouteRules;
import dev.apiguard.servlet.RevocationServlet;
import dev.apiguard.token.AccessTokenStep;
import dev.apiguard.token.TokenPolicy;
import java.time.Clock;
import java.time.Duration;

/** The revocation list: checked by the token step, written through the admin servlet or in code. */
final class Revoking {

    private Revoking() {}

    // tag::guard[]
    static ApiGuard guard(TokenPolicy policy, Revocations revocations, Clock clock) {
        return ApiGuard.builder()
                .clock(clock)
                // every request, a token from the verified-token cache too, is checked against the list
                .step(AccessTokenStep.of(policy, revocations))
                .step(RouteAuthorizationStep.of(RouteRules.builder()
                        .route("GET", "/customers")
                        .requireScopes("customers:read")
                        .route("POST", "/admin/revocations")
                        .requireScopes("guard:admin") // the scope you choose
                        .build()))
                .build();
    }

    /** One node: entries last as long as the longest token the policy accepts, and its skew. */
    static Revocations local(TokenPolicy policy) {
        return LocalRevocations.of(policy.maxLifetime().plus(policy.clockSkew()));
    }

    /** A fleet: the list in Redis, held whole in each node's memory. */
    static Revocations shared(RedisGuardState redis, TokenPolicy policy) {
        return redis.revocations(policy.maxLifetime().plus(policy.clockSkew()));
    }

    /** POST /admin/revocations, mounted behind the guard. */
    static RevocationServlet adminServlet(Revocations revocations, Clock clock) {
        return new RevocationServlet(revocations, "guard:admin", clock);
    }
    // end::guard[]

    // tag::code[]
    /** Partner-a's credentials leaked: cut off every token issued to it until now. */
    static void revokePartner(Revocations revocations, Clock clock) {
        revocations.revokeClient(CallerKey.token("https://login.example.com", "partner-a"), clock.instant());
        // or one token, or every token bound to one certificate:
        // revocations.revokeToken("https://login.example.com", jti, clock.instant());
        // revocations.revokeCertificate(x5tS256, clock.instant());
    }
    // end::code[]

    static Duration retention(TokenPolicy policy) {
        return policy.maxLifetime().plus(policy.clockSkew());
    }
}
