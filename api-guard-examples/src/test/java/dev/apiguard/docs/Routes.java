package dev.apiguard.docs;

// tag::rules[]
import dev.apiguard.scope.RouteAuthorizationStep;
import dev.apiguard.scope.RouteRules;

public final class Routes {

    /** What each route needs; any other route is refused. */
    public static RouteAuthorizationStep step() {
        RouteRules rules = RouteRules.builder()
                .route("GET", "/health")
                .permitAll() // no credential is read here
                .route("GET", "/customers/{serviceTag}")
                .requireScopes("customers:read") // all of these
                .route("GET", "/admin/inventory")
                .requireAnyScope("guard:admin", "guard:root") // any one of these
                .route("POST", "/payments")
                .senderConstrained() // a certificate- or DPoP-bound credential only
                .requireScopes("payments:write")
                .denyUnmapped(true) // the default: a route not listed is refused
                .build();
        return RouteAuthorizationStep.of(rules);
    }
}
// end::rules[]
