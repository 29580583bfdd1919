package dev.apiguard.docs;

// tag::tenants[]
import dev.apiguard.token.IssuerResolver;
import dev.apiguard.token.JwksOptions;
import dev.apiguard.token.TokenPolicy;
import java.util.Set;

public final class TenantIssuers {

    /** The tenants of a multi-tenant login service that the host knows, each with its own keys. */
    public static TokenPolicy tenants(Set<String> knownTenants, JwksOptions fetching) {
        return tenants("https://login.example.com/{tenant}/v2.0", knownTenants, fetching);
    }

    public static TokenPolicy tenants(String issuerTemplate, Set<String> knownTenants, JwksOptions fetching) {
        return TokenPolicy.builder()
                // decided from the token's iss before anything is fetched: an unknown tenant costs nothing
                .issuerResolver(IssuerResolver.tenants(issuerTemplate, knownTenants::contains, fetching))
                .resolvedIssuersMaximumSize(1_000) // tenants whose keys are kept; default 100
                .audience("https://api.example.com")
                .build();
    }
}
// end::tenants[]
