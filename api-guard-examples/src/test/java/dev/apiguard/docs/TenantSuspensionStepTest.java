package dev.apiguard.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.ApiGuard;
import dev.apiguard.event.EventLevel;
import dev.apiguard.scope.RouteAuthorizationStep;
import dev.apiguard.scope.RouteRules;
import dev.apiguard.test.GuardTester;
import dev.apiguard.test.RecordingListener;
import dev.apiguard.test.TestRequest;
import dev.apiguard.test.fixtures.LocalIssuer;
import dev.apiguard.token.AccessTokenStep;
import dev.apiguard.token.KeySource;
import dev.apiguard.token.TokenPolicy;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The host event type of docs/events.md, emitted through a real guard. */
class TenantSuspensionStepTest {

    private final LocalIssuer issuer = LocalIssuer.rsa("https://issuer.example").audience("https://api.example");
    private final RecordingListener events = new RecordingListener();
    private final GuardTester tester = GuardTester.of(ApiGuard.builder()
            .listener(events)
            .step(AccessTokenStep.of(TokenPolicy.builder()
                    .issuer(issuer.issuer(), KeySource.fixed(issuer.publicJwks()))
                    .audience("https://api.example")
                    .build()))
            .step(RouteAuthorizationStep.of(RouteRules.builder()
                    .route("GET", "/customers")
                    .requireScopes("customers:read")
                    .build()))
            .step(new TenantSuspensionStep(Set.of("partner-b")))
            .build());

    @Test
    void aSuspendedTenantsCallerIsRefusedAndTheHostsEventIsRaised() {
        String active =
                issuer.token().clientId("partner-a").scope("customers:read").sign();
        String suspended =
                issuer.token().clientId("partner-b").scope("customers:read").sign();
        tester.send(TestRequest.get("/customers").bearer(active)).assertAllowed();
        assertThat(events.last(TenantSuspensionStep.TenantEvents.TENANT_SUSPENDED))
                .isEmpty();

        tester.send(TestRequest.get("/customers").bearer(suspended)).assertStatus(403);
        assertThat(events.last(TenantSuspensionStep.TenantEvents.TENANT_SUSPENDED))
                .hasValueSatisfying(e -> {
                    assertThat(e.type().eventName()).isEqualTo("tenant.suspended");
                    assertThat(e.type().level()).isEqualTo(EventLevel.WARN);
                    assertThat(e.callerId()).isEqualTo("partner-b");
                    assertThat(e.detail("tenant")).isEqualTo("suspended");
                });
    }
}
