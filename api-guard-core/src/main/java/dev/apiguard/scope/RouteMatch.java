package dev.apiguard.scope;

import java.util.Map;
import java.util.Objects;

/**
 * A request matched to a {@link RouteRule}, with the values of the template's path variables.
 * Immutable.
 *
 * @param rule the rule that matched
 * @param variables each path variable of the template and the (decoded) segment it matched, in
 *     template order
 */
public record RouteMatch(RouteRule rule, Map<String, String> variables) {

    public RouteMatch {
        Objects.requireNonNull(rule, "rule cannot be null");
        variables = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(variables));
    }
}
