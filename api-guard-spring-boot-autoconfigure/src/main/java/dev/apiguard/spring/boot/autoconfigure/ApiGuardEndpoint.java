package dev.apiguard.spring.boot.autoconfigure;

import dev.apiguard.inventory.GuardInventory;
import java.util.Objects;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * The Actuator endpoint {@code apiguard}: the inventory of callers and credentials, as the
 * versioned JSON report of {@link dev.apiguard.inventory.InventoryReport#toJson()} (callers,
 * credential kinds, scopes granted and used, flags). The report names callers and credentials by
 * id and thumbprint, never by a token, a key's secret or a certificate. Exposed like any endpoint
 * ({@code management.endpoints.web.exposure.include=health,apiguard}); present when the guard keeps
 * an inventory ({@code apiguard.inventory.enabled=true}). Thread-safe.
 */
@Endpoint(id = "apiguard")
public class ApiGuardEndpoint {

    private final GuardInventory inventory;

    /** The endpoint over this inventory. */
    public ApiGuardEndpoint(GuardInventory inventory) {
        this.inventory = Objects.requireNonNull(inventory, "inventory cannot be null");
    }

    /** The inventory report now, as JSON. */
    @ReadOperation(produces = "application/json")
    public String inventory() {
        return inventory.report().toJson();
    }
}
