package dev.apiguard.docs;

// tag::guard[]
import dev.apiguard.ApiGuard;
import dev.apiguard.scope.RouteAuthorizationStep;
import dev.apiguard.scope.RouteRules;
import dev.apiguard.token.AccessTokenStep;
import dev.apiguard.token.KeySource;
import dev.apiguard.token.TokenPolicy;
import java.net.URI;
import java.time.Duration;

public final class QuickStart {

    /** The guard of https://api.example.com, for the access tokens of https://login.example.com. */
    public static ApiGuard guard() {
        return guard(KeySource.jwksUrl(URI.create("https://login.example.com/jwks")));
    }

    /** The same guard with the issuer's keys given: a test hands it the keys of a local issuer. */
    public static ApiGuard guard(KeySource issuerKeys) {
        TokenPolicy tokens = TokenPolicy.builder()
                .issuer("https://login.example.com", issuerKeys)
                .audience("https://api.example.com")
                .maxLifetime(Duration.ofMinutes(15)) // default 1 h: a longer-lived token is refused
                .build();
        RouteRules routes = RouteRules.builder()
                .route("GET", "/health")
                .permitAll()
                .route("GET", "/customers/{serviceTag}")
                .requireScopes("customers:read")
                .route("POST", "/payments")
                .requireScopes("payments:write")
                .build(); // every other route is refused
        return ApiGuard.builder()
                .step(AccessTokenStep.of(tokens)) // who is calling
                .step(RouteAuthorizationStep.of(routes)) // may they call this route
                .build();
    }
}
// end::guard[]
