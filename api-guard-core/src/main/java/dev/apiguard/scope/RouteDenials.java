package dev.apiguard.scope;

import dev.apiguard.Decision;
import dev.apiguard.internal.Problems;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The route step's refusals that are about the request line, not the credential: an unmapped
 * route, a method the route does not accept, a non-canonical path and a method-override header.
 * None carries a challenge. (A missing scope is {@link dev.apiguard.Denials#insufficientScope}.)
 */
public final class RouteDenials {

    private static final Decision.Deny NOT_FOUND = new Decision.Deny(
            404,
            List.of(),
            Problems.of("not-found", "Not found", 404, "No resource of this API answers at this path."),
            Map.of());

    private static final Decision.Deny BAD_PATH = new Decision.Deny(
            400,
            List.of(),
            Problems.of(
                    "bad-path",
                    "Bad request path",
                    400,
                    "The request path is not in canonical form (empty, dot or parameter segments, or encoded separators)."),
            Map.of());

    private static final Decision.Deny METHOD_OVERRIDE = new Decision.Deny(
            400,
            List.of(),
            Problems.of(
                    "method-override",
                    "Method override refused",
                    400,
                    "This API does not accept method-override headers; send the intended method."),
            Map.of());

    private RouteDenials() {}

    /** 404 for a route no rule maps, answered to an authenticated caller. */
    public static Decision.Deny notFound() {
        return NOT_FOUND;
    }

    /** 400 for a path that is not in canonical form. */
    public static Decision.Deny badPath() {
        return BAD_PATH;
    }

    /**
     * 400 for a request carrying a method-override header ({@code X-HTTP-Method-Override} and its
     * kin): the route rule is chosen by the request's method, so a header that could make a
     * framework run another method's handler is refused.
     */
    public static Decision.Deny methodOverride() {
        return METHOD_OVERRIDE;
    }

    /** 405 with an {@code Allow} header listing the methods the route accepts. */
    public static Decision.Deny methodNotAllowed(Set<String> allowed) {
        return new Decision.Deny(
                405,
                List.of(),
                Problems.of(
                        "method-not-allowed", "Method not allowed", 405, "This resource does not accept this method."),
                Map.of("Allow", String.join(", ", new TreeSet<>(allowed))));
    }
}
