package dev.apiguard.scope;

import dev.apiguard.Caller;
import dev.apiguard.Decision;
import dev.apiguard.Denials;
import dev.apiguard.GuardExchange;
import dev.apiguard.GuardPhase;
import dev.apiguard.GuardRequest;
import dev.apiguard.GuardStep;
import dev.apiguard.QueryParameters;
import dev.apiguard.event.RequestInvalidReason;
import dev.apiguard.event.SecurityEventType;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The authorization step: least privilege per route, deny by default (OWASP API5). Named
 * {@code scope}, in the {@link GuardPhase#AUTHORIZE} phase: after the steps that authenticate and
 * bind the caller and after its quarantine and rate limit, so that a refused request (404, 405,
 * 403) counts against the caller's budget like any other. The route itself is matched earlier, in
 * {@link #prepare}, from the request line alone.
 *
 * <p>For each request, in this order:
 * <ol>
 *   <li>A path that is not canonical (empty, not starting with {@code /}, with {@code //}, a
 *       {@code .} or {@code ..} segment, {@code ;}, {@code \}, a {@code %} left after decoding, or
 *       a control character) → 400 {@link RouteDenials#badPath()}, event {@code route.path_rejected}.
 *       A query string the guard cannot read as the container does
 *       ({@link QueryParameters#unreadable()}: too long, more than 1,000 parameters, a malformed
 *       escape or invalid UTF-8) → 400 {@link Denials#badQuery()}, event {@code request.invalid}
 *       with {@code reason=query_unreadable} and {@code cause} (for example
 *       {@code too_many_parameters}); public routes too.
 *       A request with a method-override header ({@code X-HTTP-Method-Override},
 *       {@code X-HTTP-Method}, {@code X-Method-Override}) → 400 {@link RouteDenials#methodOverride()},
 *       event {@code request.invalid} with {@code reason=method_override}.</li>
 *   <li>The route is looked up in the {@link RouteRules}; a match is recorded on the exchange
 *       ({@link GuardExchange#matchRoute}), with the rule's scopes
 *       ({@link GuardExchange#routeScopes()}) for observing steps such as the inventory.</li>
 *   <li>A public route is allowed, with or without caller.</li>
 *   <li>Without an authenticated caller, anything else (protected, unmapped, other method) →
 *       401 with every configured challenge and no {@code error} (RFC 6750 §3.1), event
 *       {@code credential.missing}: an anonymous client learns nothing about the route table.</li>
 *   <li>With a caller: unmapped → 404, event {@code route.unmapped} (allowed instead when
 *       {@link RouteRules#denyUnmapped()} is off); known path, other method → 405 with
 *       {@code Allow}, event {@code route.method_not_allowed}; a sender-constrained route and a
 *       credential that is not → 401 {@code invalid_token}, event {@code token.rejected} with
 *       {@code reason=sender_constraint_required}; a missing scope → 403
 *       {@code insufficient_scope} whose {@code scope} lists every scope of the rule in declaration
 *       order (RFC 6750 §3.1), event {@code scope.denied} with detail {@code required}.</li>
 * </ol>
 * Scopes are compared exactly ({@link Caller#hasScope}).
 *
 * <p>Immutable and thread-safe.
 */
public final class RouteAuthorizationStep implements GuardStep {

    /** The headers some frameworks read to run another method's handler; all are refused. */
    public static final List<String> METHOD_OVERRIDE_HEADERS =
            List.of("X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override");

    private final RouteRules rules;

    private RouteAuthorizationStep(RouteRules rules) {
        this.rules = rules;
    }

    /** The step enforcing these rules. */
    public static RouteAuthorizationStep of(RouteRules rules) {
        return new RouteAuthorizationStep(Objects.requireNonNull(rules, "rules cannot be null"));
    }

    /** The rules this step enforces. */
    public RouteRules rules() {
        return rules;
    }

    /** {@code scope}. */
    @Override
    public String name() {
        return "scope";
    }

    /** {@link GuardPhase#AUTHORIZE}. */
    @Override
    public GuardPhase phase() {
        return GuardPhase.AUTHORIZE;
    }

    /**
     * Matches the route before any credential is read, and records it on the exchange
     * ({@link GuardExchange#matchRoute}): the authentication steps leave a public route's
     * credentials unread, and the protecting steps know the route's cost and plan before the route
     * is authorized. A path that is not canonical matches nothing here; {@link #evaluate} refuses it.
     */
    @Override
    public void prepare(GuardExchange exchange) {
        GuardRequest request = exchange.request();
        String path = request.path();
        if (path == null || !CanonicalPaths.isCanonical(path)) {
            return;
        }
        RouteRules.Match match = rules.lookup(request.method(), path);
        if (match instanceof RouteRules.Match.Found found) {
            RouteRule rule = found.match().rule();
            exchange.matchRoute(rule.template(), found.match().variables(), rule.isPublic(), rule.scopes());
        }
        exchange.tag(Prepared.class, new Prepared(match));
    }

    /** What {@link #prepare} found, so that {@link #evaluate} does not look the route up again. */
    private record Prepared(RouteRules.Match match) {}

    @Override
    public Decision evaluate(GuardExchange exchange) {
        GuardRequest request = exchange.request();
        String path = request.path();
        if (path == null || !CanonicalPaths.isCanonical(path)) {
            exchange.emit(SecurityEventType.PATH_REJECTED);
            return RouteDenials.badPath();
        }
        Optional<QueryParameters.Unreadable> unreadable =
                request.queryParameters().unreadable();
        if (unreadable.isPresent()) {
            if (exchange.eventsEnabled()) {
                exchange.emit(
                        SecurityEventType.REQUEST_INVALID,
                        Map.of(
                                "reason",
                                RequestInvalidReason.QUERY_UNREADABLE.code(),
                                "cause",
                                unreadable.get().code()));
            }
            return Denials.badQuery();
        }
        for (String header : METHOD_OVERRIDE_HEADERS) {
            if (!request.headers(header).isEmpty()) {
                if (exchange.eventsEnabled()) {
                    exchange.emit(
                            SecurityEventType.REQUEST_INVALID,
                            Map.of("reason", RequestInvalidReason.METHOD_OVERRIDE.code(), "header", header));
                }
                return RouteDenials.methodOverride();
            }
        }

        Prepared prepared = exchange.tag(Prepared.class);
        RouteRules.Match match = prepared != null ? prepared.match() : rules.lookup(request.method(), path);
        RouteRule rule = null;
        if (match instanceof RouteRules.Match.Found found) {
            rule = found.match().rule();
            if (prepared == null) {
                exchange.matchRoute(rule.template(), found.match().variables(), rule.isPublic(), rule.scopes());
            }
            if (rule.isPublic()) {
                return Decision.ALLOW;
            }
        }

        Optional<Caller> authenticated = exchange.caller();
        if (authenticated.isEmpty()) {
            exchange.emit(SecurityEventType.CREDENTIAL_MISSING);
            return exchange.unauthenticated();
        }
        Caller caller = authenticated.get();

        if (match instanceof RouteRules.Match.MethodNotAllowed notAllowed) {
            exchange.emit(SecurityEventType.METHOD_NOT_ALLOWED);
            return RouteDenials.methodNotAllowed(notAllowed.allowedMethods());
        }
        if (rule == null) {
            if (!rules.denyUnmapped()) {
                return Decision.ALLOW;
            }
            exchange.emit(SecurityEventType.ROUTE_UNMAPPED);
            return RouteDenials.notFound();
        }
        if (rule.senderConstrained() && !caller.kind().isSenderConstrained()) {
            if (exchange.eventsEnabled()) {
                exchange.emit(
                        SecurityEventType.TOKEN_REJECTED,
                        Map.of("reason", ScopeRejection.SENDER_CONSTRAINT_REQUIRED.code(), "route", rule.toString()));
            }
            return Denials.invalidToken();
        }
        if (!rule.grantedTo(caller)) {
            String required = rule.scopeParameter();
            if (exchange.eventsEnabled()) {
                exchange.emit(SecurityEventType.SCOPE_DENIED, Map.of("required", required, "route", rule.toString()));
            }
            return Denials.insufficientScope(required);
        }
        return Decision.ALLOW;
    }

    @Override
    public String toString() {
        return "RouteAuthorizationStep" + rules.rules();
    }
}
