package dev.apiguard.servlet;

import dev.apiguard.Caller;
import jakarta.servlet.ServletRequest;
import java.util.Objects;
import java.util.Optional;

/**
 * The verified caller of a request behind {@link ApiGuardFilter}, for the application's servlets,
 * controllers and filters: its identity, scopes and {@linkplain Caller#claims() claims}.
 *
 * <pre>{@code
 * Caller caller = Callers.require(request);
 * if (!customer.partnerId().equals(caller.claims().string("partner_id").orElse(null))) {
 *     response.sendError(404); // another partner's record: as if it did not exist
 * }
 * }</pre>
 *
 * <p>The same caller is {@code request.getUserPrincipal()} and the request attribute
 * {@link Caller#REQUEST_ATTRIBUTE}; this class reads the attribute, which survives request
 * wrappers of other filters.
 */
public final class Callers {

    private Callers() {}

    /** The request's verified caller, or empty when the guard did not run or admitted it anonymously. */
    public static Optional<Caller> of(ServletRequest request) {
        Objects.requireNonNull(request, "request cannot be null");
        return request.getAttribute(Caller.REQUEST_ATTRIBUTE) instanceof Caller caller
                ? Optional.of(caller)
                : Optional.empty();
    }

    /**
     * The request's verified caller.
     *
     * @throws IllegalStateException when there is none: the route is not behind the guard, or is
     *     open to anonymous callers (a wiring mistake the application should not answer with data)
     */
    public static Caller require(ServletRequest request) {
        return of(request)
                .orElseThrow(() -> new IllegalStateException(
                        "no verified caller on this request: is the route behind ApiGuardFilter and not open?"));
    }
}
