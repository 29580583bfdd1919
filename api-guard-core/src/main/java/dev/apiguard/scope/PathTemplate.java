package dev.apiguard.scope;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A parsed route template: a list of literal segments and {@code {name}} variables. Immutable.
 */
final class PathTemplate implements Comparable<PathTemplate> {

    private static final Pattern VARIABLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    // RFC 3986 pchar without '%' (templates hold decoded text) and ';' (path parameters)
    private static final Pattern LITERAL = Pattern.compile("[A-Za-z0-9\\-._~!$&'()*+,=:@]+");

    private final String template;
    private final String[] segments;
    private final boolean[] variable;
    /** The template with every variable name blanked, so {@code /a/{x}} and {@code /a/{y}} collide. */
    private final String shape;

    private final int variables;
    private final int firstVariable; // -1 when none

    private PathTemplate(String template, String[] segments, boolean[] variable, String shape) {
        this.template = template;
        this.segments = segments;
        this.variable = variable;
        this.shape = shape;
        int count = 0;
        int first = -1;
        for (int i = 0; i < variable.length; i++) {
            if (variable[i]) {
                count++;
                first = first < 0 ? i : first;
            }
        }
        this.variables = count;
        this.firstVariable = first;
    }

    /** Parses a template; the message of the exception says what is wrong, without the route. */
    static PathTemplate parse(String template) {
        if (template.isEmpty() || template.charAt(0) != '/') {
            throw new IllegalArgumentException("template must start with '/'");
        }
        if (template.equals("/")) {
            return new PathTemplate(template, new String[0], new boolean[0], "/");
        }
        String[] parts = template.substring(1).split("/", -1);
        boolean[] isVariable = new boolean[parts.length];
        Set<String> names = new HashSet<>();
        StringBuilder shape = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            if (part.isEmpty()) {
                throw new IllegalArgumentException(
                        i == parts.length - 1 ? "template must not end with '/'" : "template must not contain '//'");
            }
            if (part.equals(".") || part.equals("..")) {
                throw new IllegalArgumentException("template must not contain '.' or '..' segments");
            }
            if (part.startsWith("{") && part.endsWith("}") && part.length() > 2) {
                String name = part.substring(1, part.length() - 1);
                if (!VARIABLE_NAME.matcher(name).matches()) {
                    throw new IllegalArgumentException(
                            "variable name '" + name + "' must be letters, digits and '_', not starting with a digit");
                }
                if (!names.add(name)) {
                    throw new IllegalArgumentException("variable '" + name + "' appears twice");
                }
                isVariable[i] = true;
                parts[i] = name;
                shape.append("/{}");
            } else if (LITERAL.matcher(part).matches()) {
                shape.append('/').append(part);
            } else {
                throw new IllegalArgumentException("segment '" + part
                        + "' must be a {name} variable or a literal of RFC 3986 path characters"
                        + " without '%' or ';'");
            }
        }
        return new PathTemplate(template, parts, isVariable, shape.toString());
    }

    String template() {
        return template;
    }

    String shape() {
        return shape;
    }

    int size() {
        return segments.length;
    }

    /** Whether the template has no variables: it matches only the path equal to its text. */
    boolean literal() {
        return variables == 0;
    }

    /**
     * The path variables when the path segments match this template, else {@code null}. A variable
     * matches exactly one non-empty segment; a literal matches only itself, case-sensitively.
     */
    @Nullable
    Map<String, String> match(String[] pathSegments) {
        if (pathSegments.length != segments.length) {
            return null;
        }
        for (int i = 0; i < segments.length; i++) {
            if (variable[i] ? pathSegments[i].isEmpty() : !segments[i].equals(pathSegments[i])) {
                return null;
            }
        }
        if (variables == 0) {
            return Map.of(); // most API routes have none or one: no map built for them per request
        }
        if (variables == 1) {
            return Map.of(segments[firstVariable], pathSegments[firstVariable]);
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < segments.length; i++) {
            if (variable[i]) {
                values.put(segments[i], pathSegments[i]);
            }
        }
        return values;
    }

    /** The path's segments: {@code /} has none; {@code /a/} has {@code a} and an empty one. */
    static String[] split(String path) {
        if (path.length() <= 1) {
            return new String[0];
        }
        int count = 1;
        for (int i = 1; i < path.length(); i++) {
            if (path.charAt(i) == '/') {
                count++;
            }
        }
        String[] out = new String[count];
        int start = 1;
        int n = 0;
        for (int i = 1; i <= path.length(); i++) {
            if (i == path.length() || path.charAt(i) == '/') {
                out[n++] = path.substring(start, i);
                start = i + 1;
            }
        }
        return out;
    }

    /**
     * Most specific first: compared segment by segment from the left, a literal comes before a
     * variable at the first position where the two differ in kind.
     */
    @Override
    public int compareTo(PathTemplate other) {
        int n = Math.min(segments.length, other.segments.length);
        for (int i = 0; i < n; i++) {
            if (variable[i] != other.variable[i]) {
                return variable[i] ? 1 : -1;
            }
        }
        int bySize = Integer.compare(segments.length, other.segments.length);
        return bySize != 0 ? bySize : shape.compareTo(other.shape);
    }
}
