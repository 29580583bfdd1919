package dev.apiguard.scope;

import java.util.Collections;
import java.util.LinkedHashMap;
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
        variables = copy(variables);
    }

    /**
     * An unmodifiable copy in the same order. None or one variable (most API routes): {@link
     * Map#copyOf}, which copies nothing when handed the {@code Map.of} the matcher built; more, or a
     * null name or value: a linked copy.
     */
    private static Map<String, String> copy(Map<String, String> variables) {
        if (variables.size() <= 1) {
            try {
                return Map.copyOf(variables);
            } catch (NullPointerException nullNameOrValue) {
                // kept as given, below
            }
        }
        return Collections.unmodifiableMap(new LinkedHashMap<>(variables));
    }
}
