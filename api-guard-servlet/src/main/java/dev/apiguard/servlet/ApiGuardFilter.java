package dev.apiguard.servlet;

import dev.apiguard.ApiGuard;
import dev.apiguard.Caller;
import dev.apiguard.Decision;
import dev.apiguard.GuardExchange;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import java.io.IOException;
import java.util.Objects;

/**
 * The whole guard as one servlet filter: every step of the {@link ApiGuard}, in order, once per
 * request.
 *
 * <pre>{@code
 * context.addFilter(new FilterHolder(new ApiGuardFilter(guard)), "/*", EnumSet.of(DispatcherType.REQUEST));
 * }</pre>
 *
 * <p>Per request:
 * <ol>
 *   <li>Every request is guarded, once: when the request attribute {@value #APPLIED_ATTRIBUTE}
 *       shows the guard already ran on it (a forward, include, error or async dispatch of a
 *       request it guarded), the filter just passes the request on. Any other dispatch is guarded,
 *       whatever its {@link DispatcherType}: also a forward or error dispatch of a request the
 *       guard never saw, and a request whose type is {@code null} (a mocked request, or a
 *       container that does not set it). A request that is not HTTP is refused with a
 *       {@link ServletException} (fail closed: there is nothing to check it by).</li>
 *   <li>The {@link GuardExchange} is stored under the request attribute
 *       {@value #EXCHANGE_ATTRIBUTE} and the steps run ({@link ApiGuard#evaluate}).</li>
 *   <li>On {@link Decision.Deny}, {@link DenyResponseWriter} answers and the chain stops; the
 *       headers steps added to the exchange ({@link GuardExchange#responseHeaders()}) follow the
 *       refusal's own.</li>
 *   <li>On {@link Decision.Allow}, the headers steps added to the exchange are set on the response
 *       before the application runs (it may still override them).</li>
 *   <li>On {@link Decision.Allow}, the caller (when one was authenticated) is exposed as the
 *       request attribute {@link Caller#REQUEST_ATTRIBUTE} and through a request wrapper as
 *       {@code getUserPrincipal()}, {@code getRemoteUser()} (its id) and {@code getAuthType()}
 *       ({@code Bearer}, {@code DPoP}, {@code API_KEY} or {@code CLIENT_CERT}).</li>
 *   <li>Once the request is answered, {@link ApiGuard#completed} is told its final status exactly
 *       once: right away, or when an async request completes; 500 when the application threw.
 *       Refused requests are reported too, with the refusal's status.</li>
 * </ol>
 * A step that throws, or anything else that fails inside the guard, is answered with 503 and a
 * problem body, never with an exception the container would answer on its own.
 *
 * <p>{@link GuardStepFilter} is the same filter over one step: both hand each request to one
 * package-private body, so they cannot drift apart.
 *
 * <p>Thread-safe; one instance serves all requests.
 */
public final class ApiGuardFilter implements Filter {

    /** The request attribute holding the request's {@link GuardExchange}. */
    public static final String EXCHANGE_ATTRIBUTE = "dev.apiguard.GuardExchange";

    /** The request attribute that marks a request the whole guard has already run on. */
    public static final String APPLIED_ATTRIBUTE = "dev.apiguard.servlet.ApiGuardFilter.applied";

    private final ApiGuard guard;
    private final Guarding.Slice whole;

    /** A filter running every step of this guard. */
    public ApiGuardFilter(ApiGuard guard) {
        this.guard = Objects.requireNonNull(guard, "guard cannot be null");
        this.whole = Guarding.Slice.whole(guard, APPLIED_ATTRIBUTE);
    }

    /** The guard this filter runs. */
    public ApiGuard guard() {
        return guard;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        Guarding.filter(guard, whole, request, response, chain);
    }

    @Override
    public String toString() {
        return "ApiGuardFilter" + guard.steps().stream().map(s -> s.name()).toList();
    }
}
