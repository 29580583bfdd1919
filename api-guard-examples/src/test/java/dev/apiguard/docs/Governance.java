package dev.apiguard.docs;

// tag::inventory[]
import dev.apiguard.ApiGuard;
import dev.apiguard.anomaly.AnomalyScoringStep;
import dev.apiguard.inventory.InventoryPolicy;
import dev.apiguard.inventory.InventoryStep;
import dev.apiguard.inventory.RiskView;
import dev.apiguard.scope.RouteAuthorizationStep;
import dev.apiguard.scope.RouteRules;
import dev.apiguard.servlet.InventoryServlet;
import dev.apiguard.token.AccessTokenStep;
import dev.apiguard.token.TokenPolicy;
import java.time.Duration;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;

public final class Governance {

    /** The guard, with its ledger served at /admin/inventory to callers holding guard:admin. */
    public static ApiGuard guard(TokenPolicy tokens, AnomalyScoringStep anomaly, ServletContextHandler context) {
        InventoryStep inventory = InventoryStep.of(InventoryPolicy.builder()
                .sensitiveScopes("payments:write")
                .sensitiveRoute("GET", "/customers/{serviceTag}") // plain bearer tokens here are flagged
                .maxTokenLifetime(Duration.ofHours(1)) // longer-lived tokens are flagged
                .riskView((caller, at) -> anomaly.scoreOf(caller, at).map(s -> RiskView.Risk.of(s.score())))
                .build());
        RouteRules routes = RouteRules.builder()
                .route("GET", "/customers/{serviceTag}")
                .requireScopes("customers:read")
                .route("POST", "/payments")
                .requireScopes("payments:write")
                .route("GET", "/admin/inventory")
                .requireScopes("guard:admin")
                .build();
        context.addServlet(new ServletHolder(new InventoryServlet(inventory.inventory())), "/admin/inventory");
        return ApiGuard.builder()
                .step(AccessTokenStep.of(tokens))
                .step(anomaly)
                .step(RouteAuthorizationStep.of(routes))
                .step(inventory) // observe: last, never refuses
                .build();
    }
}
// end::inventory[]
