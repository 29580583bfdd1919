package dev.apiguard.servlet;

import dev.apiguard.ApiGuard;
import dev.apiguard.GuardStep;
import jakarta.servlet.Filter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Makes the servlet filters of an {@link ApiGuard}: one filter for the whole guard, or one per
 * capability. Stateless.
 */
public final class ApiGuardFilters {

    private ApiGuardFilters() {}

    /** One filter that runs every step of the guard ({@link ApiGuardFilter}). */
    public static Filter single(ApiGuard guard) {
        return new ApiGuardFilter(guard);
    }

    /**
     * One {@link GuardStepFilter} per step, in the order of {@link ApiGuard#steps()}: register them
     * in this order (other filters of the host may sit between them). Together they give the same
     * answers as {@link ApiGuardFilter}.
     */
    public static List<Filter> perStep(ApiGuard guard) {
        Objects.requireNonNull(guard, "guard cannot be null");
        List<Filter> filters = new ArrayList<>();
        for (GuardStep step : guard.steps()) {
            filters.add(new GuardStepFilter(guard, step));
        }
        return List.copyOf(filters);
    }
}
