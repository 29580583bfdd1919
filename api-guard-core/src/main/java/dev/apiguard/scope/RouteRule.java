package dev.apiguard.scope;

import dev.apiguard.Caller;
import java.util.List;
import java.util.Objects;

/**
 * One declared rule of {@link RouteRules}: a method and a path template, and what a caller needs to
 * call it. Immutable and thread-safe; made only by {@link RouteRules.Builder}.
 *
 * @param method the upper-case HTTP method the rule applies to ({@code HEAD} requests use the
 *     {@code GET} rule)
 * @param template the path template, for example {@code /customers/{serviceTag}}
 * @param access whether the route is public, needs all of its scopes, or any one of them
 * @param scopes the scopes in declaration order; empty for a public route
 * @param senderConstrained whether the caller's credential must be sender-constrained
 *     (RFC 8705 certificate-bound or RFC 9449 DPoP-bound, see
 *     {@link dev.apiguard.CredentialKind#isSenderConstrained()})
 */
public record RouteRule(String method, String template, Access access, List<String> scopes, boolean senderConstrained) {

    /** How a rule's scopes are combined. */
    public enum Access {
        /** No credential is needed ({@link RouteRules.RouteBuilder#permitAll()}). */
        PUBLIC,
        /** Every listed scope is needed ({@link RouteRules.RouteBuilder#requireScopes}). */
        ALL_OF,
        /** Any one of the listed scopes is enough ({@link RouteRules.RouteBuilder#requireAnyScope}). */
        ANY_OF
    }

    public RouteRule {
        Objects.requireNonNull(method, "method cannot be null");
        Objects.requireNonNull(template, "template cannot be null");
        Objects.requireNonNull(access, "access cannot be null");
        scopes = List.copyOf(scopes);
    }

    /** Whether the route needs no credential. */
    public boolean isPublic() {
        return access == Access.PUBLIC;
    }

    /**
     * Whether the caller's granted scopes satisfy this rule, by exact, case-sensitive comparison
     * of scope tokens ({@code read} does not satisfy {@code read:all}). A public rule is satisfied
     * by anyone. Sender constraint is not part of this check.
     */
    public boolean grantedTo(Caller caller) {
        return switch (access) {
            case PUBLIC -> true;
            case ALL_OF -> hasAll(caller);
            case ANY_OF -> hasAny(caller);
        };
    }

    // loops, not streams: this runs on every request
    private boolean hasAll(Caller caller) {
        for (String s : scopes) {
            if (!caller.hasScope(s)) {
                return false;
            }
        }
        return true;
    }

    private boolean hasAny(Caller caller) {
        for (String s : scopes) {
            if (caller.hasScope(s)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The value of the RFC 6750 §3 {@code scope} parameter of an {@code insufficient_scope}
     * challenge for this rule: every scope of the rule, space-delimited, in declaration order
     * (for {@link Access#ANY_OF} the alternatives, any one of which would do).
     */
    public String scopeParameter() {
        return String.join(" ", scopes);
    }

    /** {@code METHOD template}, as error messages and logs name a route. */
    @Override
    public String toString() {
        return method + " " + template;
    }
}
