package dev.apiguard.inventory;

import dev.apiguard.ApiGuard;
import dev.apiguard.Caller;
import dev.apiguard.CallerKey;
import dev.apiguard.CredentialKind;
import dev.apiguard.Decision;
import dev.apiguard.GuardExchange;
import dev.apiguard.GuardStep;
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.fakes.FakeRequest;
import dev.apiguard.scope.RouteAuthorizationStep;
import dev.apiguard.scope.RouteRules;
import dev.apiguard.test.fixtures.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;

/** A guard of a fake authentication step, the route step and the inventory, on a settable clock. */
final class InventoryFixture {

    static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
    static final String ISSUER = "https://issuer.example";

    final MutableClock clock = MutableClock.at(T0);
    final InventoryStep inventory;
    final ApiGuard guard;
    private Caller next;

    InventoryFixture(InventoryPolicy.Builder policy) {
        this(policy, LedgerStore.DEFAULT_MAX_CALLERS);
    }

    InventoryFixture(InventoryPolicy.Builder policy, int maxCallers) {
        inventory = InventoryStep.of(policy.build(), LedgerStore.inMemory(maxCallers));
        GuardStep fakeAuth = new GuardStep() {
            @Override
            public String name() {
                return "fake-auth";
            }

            @Override
            public Decision evaluate(GuardExchange exchange) {
                if (next != null) {
                    exchange.authenticate(next);
                }
                return Decision.ALLOW;
            }
        };
        guard = ApiGuard.builder()
                .clock(clock)
                .listener(SecurityEventListener.NONE)
                .step(fakeAuth)
                .step(RouteAuthorizationStep.of(RouteRules.builder()
                        .route("GET", "/health")
                        .permitAll()
                        .route("GET", "/customers")
                        .requireScopes("customers:read")
                        .route("POST", "/payments")
                        .requireScopes("payments:write")
                        .route("GET", "/reports")
                        .requireAnyScope("reports:read", "reports:all")
                        .build()))
                .step(inventory)
                .build();
    }

    InventoryFixture() {
        this(InventoryPolicy.builder());
    }

    /** The key of a token caller of the fixture's issuer. */
    static CallerKey key(String id) {
        return CallerKey.token(ISSUER, id);
    }

    static Caller token(String id, String scopes) {
        return token(id, scopes, Duration.ofMinutes(10));
    }

    static Caller token(String id, String scopes, Duration lifetime) {
        return Caller.builder(id, CredentialKind.BEARER_JWT)
                .subject(id)
                .issuer(ISSUER)
                .scopes(Set.of(scopes.split(" ")))
                .issuedAt(T0)
                .expiresAt(T0.plus(lifetime))
                .tokenId("jti")
                .build();
    }

    static Caller apiKey(String id, String keyId, String scopes, Instant expiresAt) {
        return Caller.builder(id, CredentialKind.API_KEY)
                .scopes(Set.of(scopes.split(" ")))
                .issuedAt(T0)
                .expiresAt(expiresAt)
                .tokenId(keyId)
                .build();
    }

    /** Sends one request as the caller (or anonymously) and reports the status the guard or app gave. */
    int send(Caller caller, String method, String path) {
        next = caller;
        GuardExchange exchange = guard.exchange(FakeRequest.of(method, path));
        Decision d = guard.evaluate(exchange);
        int status = d instanceof Decision.Deny deny ? deny.status() : 200;
        guard.completed(exchange, status);
        next = null;
        return status;
    }

    GuardInventory ledger() {
        return inventory.inventory();
    }
}
