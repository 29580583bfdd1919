package dev.apiguard.servlet;

import dev.apiguard.ApiGuard;
import dev.apiguard.Decision;
import dev.apiguard.GuardExchange;
import dev.apiguard.GuardStep;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

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
 * <p>Filters must be placed in the order of {@link ApiGuard#steps()} for the steps' order of trust
 * to hold (authenticate before authorize). Thread-safe.
 */
public final class GuardStepFilter implements Filter {

    /** The request attribute holding the names of the steps that have run on the request. */
    static final String EVALUATED_ATTRIBUTE = "dev.apiguard.servlet.GuardStepFilter.evaluated";

    private final ApiGuard guard;
    private final GuardStep step;

    GuardStepFilter(ApiGuard guard, GuardStep step) {
        this.guard = Objects.requireNonNull(guard, "guard cannot be null");
        this.step = Objects.requireNonNull(step, "step cannot be null");
    }

    /** The step this filter runs. */
    public GuardStep step() {
        return step;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        Guarding.requireHttp(request, response);
        HttpServletRequest req = (HttpServletRequest) request;
        HttpServletResponse res = (HttpServletResponse) response;
        Set<String> evaluated = evaluated(req);
        if (!evaluated.add(step.name())) {
            chain.doFilter(request, response);
            return;
        }

        GuardExchange exchange = Guarding.exchange(guard, req);
        List<GuardStep> mine = List.of(step);
        Decision decision = Guarding.evaluate(guard, exchange, mine);
        if (decision instanceof Decision.Deny deny) {
            try {
                Guarding.refuse(deny, exchange, req, res);
            } finally {
                List<GuardStep> toTell = new ArrayList<>();
                toTell.add(step);
                for (GuardStep other : guard.steps()) {
                    if (!evaluated.contains(other.name())) {
                        toTell.add(other);
                    }
                }
                guard.completed(exchange, deny.status(), toTell);
            }
            return;
        }

        Guarding.writeExchangeHeaders(exchange, req, res);
        HttpServletRequest forApplication = CallerRequest.expose(req, exchange);
        boolean threw = true;
        try {
            chain.doFilter(forApplication, res);
            threw = false;
        } finally {
            Guarding.afterChain(forApplication, res, threw, status -> guard.completed(exchange, status, mine));
        }
    }

    @SuppressWarnings("unchecked")
    private static Set<String> evaluated(HttpServletRequest request) {
        Object existing = request.getAttribute(EVALUATED_ATTRIBUTE);
        if (existing instanceof Set<?> set) {
            return (Set<String>) set;
        }
        Set<String> created = new HashSet<>();
        request.setAttribute(EVALUATED_ATTRIBUTE, created);
        return created;
    }

    @Override
    public String toString() {
        return "GuardStepFilter[" + step.name() + "]";
    }
}
