package dev.apiguard.servlet;

import dev.apiguard.ApiGuard;
import dev.apiguard.GuardExchange;
import dev.apiguard.GuardStep;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import java.io.IOException;
import java.util.Objects;

/**
 * One step of an {@link ApiGuard} as its own servlet filter, for hosts that place each capability
 * at its own position in their filter chain. Made by {@link ApiGuardFilters#perStep(ApiGuard)}.
 *
 * <p>It behaves as {@link ApiGuardFilter} does, for one step: once per request, whatever the
 * {@link DispatcherType} (a redispatch of a request this step already ran on, as a request
 * attribute records, is passed on; any other dispatch, a {@code null} type included, is
 * guarded); the first guard filter of a request creates the {@link GuardExchange} and stores it
 * under {@link ApiGuardFilter#EXCHANGE_ATTRIBUTE}, the later ones reuse it; a refusal is written
 * by {@link DenyResponseWriter}; on allow the caller known so far is exposed (attribute and
 * principal), so it is visible to everything after the authenticating filter. Each step is told
 * the final status exactly once: a step that allowed is told when the request completes; on a
 * refusal the refusing step and every step whose filter has not run yet (and now never will) are
 * told at once, with the refusal's status.
 *
 * <p>It is {@link ApiGuardFilter}'s body over one step: both hand each request to one
 * package-private body, so they cannot drift apart.
 *
 * <p>Filters must be placed in the order of {@link ApiGuard#steps()} for the steps' order of trust
 * to hold (authenticate before authorize). Thread-safe.
 */
public final class GuardStepFilter implements Filter {

    /** The request attribute holding the names of the steps that have run on the request. */
    static final String EVALUATED_ATTRIBUTE = "dev.apiguard.servlet.GuardStepFilter.evaluated";

    private final ApiGuard guard;
    private final GuardStep step;
    private final Guarding.Slice slice;

    GuardStepFilter(ApiGuard guard, GuardStep step) {
        this.guard = Objects.requireNonNull(guard, "guard cannot be null");
        this.step = Objects.requireNonNull(step, "step cannot be null");
        this.slice = Guarding.Slice.step(guard, step, EVALUATED_ATTRIBUTE);
    }

    /** The step this filter runs. */
    public GuardStep step() {
        return step;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        Guarding.filter(guard, slice, request, response, chain);
    }

    @Override
    public String toString() {
        return "GuardStepFilter[" + step.name() + "]";
    }
}
