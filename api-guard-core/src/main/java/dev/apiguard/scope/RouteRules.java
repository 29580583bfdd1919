package dev.apiguard.scope;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The route table of an API: which method and path template needs which scopes (OWASP API5,
 * least privilege per route), and whether a path no rule maps is refused (deny by default).
 *
 * <pre>{@code
 * RouteRules rules = RouteRules.builder()
 *     .route("GET", "/health").permitAll()
 *     .route("GET", "/customers/{serviceTag}").requireScopes("customers:read")
 *     .route("POST", "/payments").senderConstrained().requireScopes("payments:write")
 *     .route("GET", "/admin/inventory").requireAnyScope("guard:admin", "guard:root")
 *     .build();
 * }</pre>
 *
 * <h2>Matching</h2>
 * A path is matched segment by segment against templates of the same number of segments. A
 * literal segment matches only itself (case-sensitively); a {@code {name}} variable matches
 * exactly one non-empty segment. When several templates match, the most specific wins: compared
 * from the left, a literal beats a variable. Among the templates that match the path, the most
 * specific one that has a rule for the request's method is chosen; when none has, the path is
 * known but the method is not ({@link Match.MethodNotAllowed}). A {@code HEAD} request uses the
 * {@code GET} rule, because the servlet container answers {@code HEAD} with {@code doGet}; so a
 * {@code HEAD} rule cannot be declared. A trailing slash is a segment of its own: {@code /payments/}
 * does not match {@code /payments}. Methods are compared exactly: {@code get} is not {@code GET}.
 *
 * <p>Matching expects the decoded, canonical path the container dispatches to;
 * {@link RouteAuthorizationStep} refuses any other before matching.
 *
 * <p>Immutable and thread-safe. Matching costs one pass over the templates with the path's
 * number of segments.
 */
public final class RouteRules {

    private final List<RouteRule> rules;
    private final boolean denyUnmapped;
    /** By number of segments: the distinct template shapes, most specific first. */
    private final Map<Integer, List<Group>> groupsBySize;
    /** The templates without variables, by their text: a path equal to one needs no splitting. */
    private final Map<String, Group> literalGroups;

    private RouteRules(List<RouteRule> rules, boolean denyUnmapped, Map<Integer, List<Group>> groups) {
        this.rules = List.copyOf(rules);
        this.denyUnmapped = denyUnmapped;
        this.groupsBySize = groups;
        Map<String, Group> literal = new HashMap<>();
        groups.values()
                .forEach(g -> g.stream()
                        .filter(group -> group.template.literal())
                        .forEach(group -> literal.put(group.template.shape(), group)));
        this.literalGroups = Map.copyOf(literal);
    }

    /** A builder with the defaults: no routes, unmapped paths refused. */
    public static Builder builder() {
        return new Builder();
    }

    /** Every rule in declaration order. */
    public List<RouteRule> rules() {
        return rules;
    }

    /** Whether an authenticated caller is refused (404) on a path no rule maps. */
    public boolean denyUnmapped() {
        return denyUnmapped;
    }

    /**
     * Looks the request up.
     *
     * @param method the request method, exactly as sent ({@code HEAD} uses {@code GET} rules)
     * @param path the decoded path below the context path, starting with {@code /}
     * @return the matched rule, or that the path is known for other methods, or that it is unmapped
     */
    public Match lookup(String method, String path) {
        Objects.requireNonNull(method, "method cannot be null");
        Objects.requireNonNull(path, "path cannot be null");
        if (path.isEmpty() || path.charAt(0) != '/') {
            return Match.Unmapped.INSTANCE;
        }
        String effective = method.equals("HEAD") ? "GET" : method;
        // a template without variables equal to the path is the most specific match there is (a
        // literal at every position): its rule for the method, found without splitting the path
        Group literal = literalGroups.get(path);
        if (literal != null) {
            Group.Route route = literal.byMethod.get(effective);
            if (route != null) {
                return route.found();
            }
        }
        String[] segments = PathTemplate.split(path);
        List<Group> candidates = groupsBySize.getOrDefault(segments.length, List.of());
        Set<String> allowed = null;
        for (Group group : candidates) {
            Group.Route route = group.byMethod.get(effective);
            if (route == null) {
                // only compute a match when it can tell us something
                if (group.template.match(segments) != null) {
                    if (allowed == null) {
                        allowed = new TreeSet<>();
                    }
                    allowed.addAll(group.methods);
                }
                continue;
            }
            Map<String, String> variables = route.template().match(segments);
            if (variables != null) {
                return variables.isEmpty() ? route.found() : new Match.Found(new RouteMatch(route.rule(), variables));
            }
        }
        return allowed == null ? Match.Unmapped.INSTANCE : new Match.MethodNotAllowed(allowed);
    }

    /** The matched rule, or empty when the path is unmapped or the method not accepted there. */
    public Optional<RouteMatch> match(String method, String path) {
        return lookup(method, path) instanceof Match.Found found ? Optional.of(found.match()) : Optional.empty();
    }

    /**
     * The outcome of {@link #lookup}: one of {@link Found}, {@link MethodNotAllowed} or
     * {@link Unmapped}.
     */
    public sealed interface Match permits Match.Found, Match.MethodNotAllowed, Match.Unmapped {

        /**
         * A rule matched.
         *
         * @param match the rule and the path variables
         */
        record Found(RouteMatch match) implements Match {
            public Found {
                Objects.requireNonNull(match, "match cannot be null");
            }
        }

        /**
         * The path is known, but no rule at it accepts the method (405).
         *
         * @param allowedMethods the methods some rule at this path accepts, sorted; {@code HEAD}
         *     is included wherever {@code GET} is
         */
        record MethodNotAllowed(Set<String> allowedMethods) implements Match {
            public MethodNotAllowed {
                allowedMethods = Collections.unmodifiableSet(new TreeSet<>(allowedMethods));
            }
        }

        /** No rule maps the path. */
        record Unmapped() implements Match {
            /** The single instance. */
            public static final Unmapped INSTANCE = new Unmapped();
        }
    }

    /** The rules of one template shape, by method. */
    private static final class Group {
        final PathTemplate template;
        // the rule with its own template (its variable names), by method: a look-up hashes only
        // the method, never the rule (a record's hash code walks all its fields on every call)
        final Map<String, Route> byMethod = new HashMap<>();
        final Set<String> methods = new TreeSet<>();

        Group(PathTemplate template) {
            this.template = template;
        }

        record Route(RouteRule rule, PathTemplate template, Match.Found found) {
            Route(RouteRule rule, PathTemplate template) {
                // immutable: the match of a path without variables, made once
                this(rule, template, new Match.Found(new RouteMatch(rule, Map.of())));
            }
        }
    }

    /**
     * Builds {@link RouteRules}. Every setter checks its argument; {@link #build()} checks the
     * whole table. Not thread-safe.
     */
    public static final class Builder {

        private static final Pattern METHOD_TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

        private final List<RouteBuilder> routes = new ArrayList<>();
        private boolean denyUnmapped = true;

        private Builder() {}

        /**
         * Starts a rule for a method and a path template; finish it with
         * {@link RouteBuilder#permitAll()}, {@link RouteBuilder#requireScopes} or
         * {@link RouteBuilder#requireAnyScope}.
         *
         * @param method an HTTP method token; upper-cased. {@code HEAD} is refused: it uses the
         *     {@code GET} rule
         * @param template a path starting with {@code /}, of literal segments and {@code {name}}
         *     variables; no empty, {@code .} or {@code ..} segment, no trailing {@code /} (except
         *     the root {@code /}), each variable name once
         */
        public RouteBuilder route(String method, String template) {
            Objects.requireNonNull(method, "route method cannot be null");
            Objects.requireNonNull(template, "route template cannot be null");
            if (!METHOD_TOKEN.matcher(method).matches()) {
                throw new IllegalArgumentException(
                        "route method is not an HTTP method token: '" + printable(method) + "'");
            }
            String upper = method.toUpperCase(Locale.ROOT);
            if (upper.equals("HEAD")) {
                throw new IllegalArgumentException("route HEAD " + printable(template)
                        + ": HEAD requests are matched against the GET rule; declare GET instead");
            }
            PathTemplate parsed;
            try {
                parsed = PathTemplate.parse(template);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "route " + upper + " " + printable(template) + ": " + e.getMessage(), e);
            }
            RouteBuilder route = new RouteBuilder(this, upper, parsed);
            routes.add(route);
            return route;
        }

        /**
         * Whether an authenticated caller is refused with 404 on a path no rule maps. Default:
         * {@code true} (deny by default). With {@code false}, an unmapped path still needs an
         * authenticated caller (an anonymous request is answered 401), but no scope.
         */
        public Builder denyUnmapped(boolean deny) {
            this.denyUnmapped = deny;
            return this;
        }

        /**
         * Builds the table; fails naming the route when a route was not finished, when two rules
         * share a method and a template (templates that differ only in variable names count as
         * the same), or when no route is declared.
         */
        public RouteRules build() {
            if (routes.isEmpty()) {
                throw new IllegalStateException("routes: at least one route is needed");
            }
            Map<String, Group> byShape = new LinkedHashMap<>();
            List<RouteRule> rules = new ArrayList<>();
            for (RouteBuilder route : routes) {
                if (route.rule == null) {
                    throw new IllegalStateException("route " + route.method + " " + route.template.template()
                            + ": not finished; call permitAll(), requireScopes(...) or requireAnyScope(...)");
                }
                Group group = byShape.computeIfAbsent(route.template.shape(), s -> new Group(route.template));
                Group.Route earlierRoute =
                        group.byMethod.putIfAbsent(route.method, new Group.Route(route.rule, route.template));
                if (earlierRoute != null) {
                    RouteRule earlier = earlierRoute.rule();
                    throw new IllegalStateException("route " + route.rule + ": declared twice"
                            + (earlier.template().equals(route.rule.template()) ? "" : " (as " + earlier + ")"));
                }
                group.methods.add(route.method);
                if (route.method.equals("GET")) {
                    group.methods.add("HEAD");
                }
                rules.add(route.rule);
            }
            Map<Integer, List<Group>> bySize = new TreeMap<>();
            for (Group g : byShape.values()) {
                bySize.computeIfAbsent(g.template.size(), n -> new ArrayList<>())
                        .add(g);
            }
            Map<Integer, List<Group>> frozen = new HashMap<>();
            bySize.forEach((size, groups) -> {
                groups.sort((a, b) -> a.template.compareTo(b.template));
                frozen.put(size, List.copyOf(groups));
            });
            return new RouteRules(rules, denyUnmapped, Map.copyOf(frozen));
        }

        static String printable(String s) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < s.length() && i < 200; i++) {
                char c = s.charAt(i);
                sb.append(c < 0x20 || c == 0x7f ? '?' : c);
            }
            return sb.toString();
        }
    }

    /**
     * One rule being declared: optionally {@link #senderConstrained()}, then exactly one of
     * {@link #permitAll()}, {@link #requireScopes} or {@link #requireAnyScope}, each of which
     * returns the table's {@link Builder}. Not thread-safe.
     */
    public static final class RouteBuilder {

        // RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
        private static final Pattern SCOPE_TOKEN = Pattern.compile("[\\x21\\x23-\\x5B\\x5D-\\x7E]+");

        private final Builder parent;
        private final String method;
        private final PathTemplate template;
        private boolean senderConstrained;
        private @Nullable RouteRule rule; // null until finished

        private RouteBuilder(Builder parent, String method, PathTemplate template) {
            this.parent = parent;
            this.method = method;
            this.template = template;
        }

        /**
         * Requires a sender-constrained credential (an RFC 8705 certificate-bound or RFC 9449
         * DPoP-bound token, or a client certificate); a plain bearer token or an API key is then
         * answered 401 {@code invalid_token}. Default: not required. Not allowed with
         * {@link #permitAll()}.
         */
        public RouteBuilder senderConstrained() {
            checkOpen();
            this.senderConstrained = true;
            return this;
        }

        /** The route needs no credential at all. */
        public Builder permitAll() {
            checkOpen();
            if (senderConstrained) {
                throw new IllegalStateException(name() + ": a public route cannot be sender-constrained");
            }
            return finish(RouteRule.Access.PUBLIC, List.of());
        }

        /**
         * The caller needs every one of these scopes (exact, case-sensitive RFC 6749 scope tokens).
         * At least one; none twice.
         */
        public Builder requireScopes(String... scopes) {
            checkOpen();
            return finish(RouteRule.Access.ALL_OF, checkScopes("requireScopes", scopes));
        }

        /**
         * The caller needs at least one of these scopes (exact, case-sensitive RFC 6749 scope
         * tokens). At least one; none twice.
         */
        public Builder requireAnyScope(String... scopes) {
            checkOpen();
            return finish(RouteRule.Access.ANY_OF, checkScopes("requireAnyScope", scopes));
        }

        private Builder finish(RouteRule.Access access, List<String> scopes) {
            this.rule = new RouteRule(method, template.template(), access, scopes, senderConstrained);
            return parent;
        }

        private List<String> checkScopes(String setting, String[] scopes) {
            if (scopes == null || scopes.length == 0) {
                throw new IllegalArgumentException(name() + ": " + setting + " needs at least one scope");
            }
            Set<String> seen = new LinkedHashSet<>();
            for (String scope : scopes) {
                if (scope == null) {
                    throw new IllegalArgumentException(name() + ": " + setting + " scope cannot be null");
                }
                if (!SCOPE_TOKEN.matcher(scope).matches()) {
                    throw new IllegalArgumentException(name() + ": " + setting + " scope '" + Builder.printable(scope)
                            + "' is not an RFC 6749 scope token");
                }
                if (!seen.add(scope)) {
                    throw new IllegalArgumentException(
                            name() + ": " + setting + " scope '" + scope + "' is given twice");
                }
            }
            return List.copyOf(seen);
        }

        private void checkOpen() {
            if (rule != null) {
                throw new IllegalStateException(name() + ": already finished as " + rule.access());
            }
        }

        private String name() {
            return "route " + method + " " + template.template();
        }
    }
}
