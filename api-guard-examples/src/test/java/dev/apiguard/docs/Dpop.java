package dev.apiguard.docs;

// tag::dpop[]
import dev.apiguard.ApiGuard;
import dev.apiguard.ReplayCache;
import dev.apiguard.binding.DpopPolicy;
import dev.apiguard.binding.DpopStep;
import dev.apiguard.scope.RouteAuthorizationStep;
import dev.apiguard.scope.RouteRules;
import dev.apiguard.token.AccessTokenStep;
import dev.apiguard.token.TokenPolicy;

public final class Dpop {

    public static ApiGuard guard(TokenPolicy tokens, ReplayCache proofIds) {
        DpopPolicy dpop = DpopPolicy.builder()
                .origins("https://api.example.com") // htu must name this origin, whatever the Host header says
                .build();
        RouteRules routes = RouteRules.builder()
                .route("POST", "/payments")
                .senderConstrained()
                .requireScopes("payments:write")
                .build();
        return ApiGuard.builder()
                .step(AccessTokenStep.of(tokens)) // takes the Bearer and the DPoP scheme
                .step(DpopStep.of(
                        dpop, proofIds)) // right after it; proofIds: every node's RedisGuardState.replayCache()
                .step(RouteAuthorizationStep.of(routes))
                .build();
    }
}
// end::dpop[]
