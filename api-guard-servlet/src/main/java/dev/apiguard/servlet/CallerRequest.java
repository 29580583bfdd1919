package dev.apiguard.servlet;

import dev.apiguard.Caller;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.security.Principal;
import org.jspecify.annotations.Nullable;

/** The application's view of an allowed request: the caller as its principal. */
final class CallerRequest extends HttpServletRequestWrapper {

    private final Caller caller;

    private CallerRequest(HttpServletRequest request, Caller caller) {
        super(request);
        this.caller = caller;
    }

    /**
     * Exposes the exchange's caller, if any, as the request attribute {@link Caller#REQUEST_ATTRIBUTE}
     * and as the principal of the returned request; without a caller the request is returned as is.
     */
    static HttpServletRequest expose(HttpServletRequest request, dev.apiguard.GuardExchange exchange) {
        return expose(request, exchange.caller().orElse(null));
    }

    /** Exposes the caller, if not null, as attribute and principal; see {@link #expose(HttpServletRequest, dev.apiguard.GuardExchange)}. */
    static HttpServletRequest expose(HttpServletRequest request, @Nullable Caller caller) {
        if (caller == null) {
            return request;
        }
        request.setAttribute(Caller.REQUEST_ATTRIBUTE, caller);
        return new CallerRequest(request, caller);
    }

    @Override
    public Principal getUserPrincipal() {
        return caller;
    }

    @Override
    public String getRemoteUser() {
        return caller.id();
    }

    @Override
    public String getAuthType() {
        return switch (caller.kind()) {
            case BEARER_JWT, MTLS_BOUND_JWT -> "Bearer";
            case DPOP_BOUND_JWT -> "DPoP";
            case API_KEY -> "API_KEY";
            case MTLS -> HttpServletRequest.CLIENT_CERT_AUTH;
            case CLIENT_ASSERTION -> "private_key_jwt";
        };
    }
}
