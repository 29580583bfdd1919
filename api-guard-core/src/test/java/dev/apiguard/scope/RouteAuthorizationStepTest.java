package dev.apiguard.scope;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.ApiGuard;
import dev.apiguard.Caller;
import dev.apiguard.Challenge;
import dev.apiguard.CredentialKind;
import dev.apiguard.Decision;
import dev.apiguard.Denials;
import dev.apiguard.GuardExchange;
import dev.apiguard.GuardStep;
import dev.apiguard.QueryParameters;
import dev.apiguard.event.SecurityEvent;
import dev.apiguard.event.SecurityEventType;
import dev.apiguard.fakes.FakeRequest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** docs/security-cases.md B: scopes and routes. */
class RouteAuthorizationStepTest {

    private static final RouteRules RULES = RouteRules.builder()
            .route("GET", "/health")
            .permitAll()
            .route("GET", "/customers/{serviceTag}")
            .requireScopes("customers:read")
            .route("GET", "/customers")
            .requireScopes("customers:read")
            .route("POST", "/payments")
            .senderConstrained()
            .requireScopes("payments:write")
            .route("GET", "/admin/inventory")
            .requireAnyScope("guard:admin", "guard:root")
            .route("PUT", "/reports/{id}")
            .requireScopes("reports:write", "reports:read")
            .build();

    private final List<SecurityEvent> events = new ArrayList<>();

    /** A fake authentication step: the caller of the test, if any, is already known. */
    private ApiGuard guard(Caller caller, RouteRules rules) {
        GuardStep authenticate = new GuardStep() {
            @Override
            public String name() {
                return "fake-token";
            }

            @Override
            public Decision evaluate(GuardExchange exchange) {
                if (caller != null) {
                    exchange.authenticate(caller);
                }
                return Decision.ALLOW;
            }

            @Override
            public List<Challenge> challenges() {
                return List.of(Challenge.of("Bearer"), Challenge.of("DPoP", "algs", "ES256 PS256"));
            }
        };
        return ApiGuard.builder()
                .clock(Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC))
                .listener(events::add)
                .step(authenticate)
                .step(RouteAuthorizationStep.of(rules))
                .build();
    }

    private Decision run(Caller caller, FakeRequest request) {
        return run(caller, request, RULES);
    }

    private Decision run(Caller caller, FakeRequest request, RouteRules rules) {
        ApiGuard guard = guard(caller, rules);
        return guard.evaluate(guard.exchange(request));
    }

    private static Caller caller(CredentialKind kind, String... scopes) {
        return Caller.builder("partner-1", kind)
                .subject("sub-1")
                .issuer("https://issuer.example")
                .scopes(Set.of(scopes))
                .build();
    }

    private static Caller bearer(String... scopes) {
        return caller(CredentialKind.BEARER_JWT, scopes);
    }

    private static List<String> wwwAuthenticate(Decision d) {
        return ((Decision.Deny) d)
                .responseHeaders().stream()
                        .filter(h -> h.getKey().equals("WWW-Authenticate"))
                        .map(Map.Entry::getValue)
                        .toList();
    }

    private List<dev.apiguard.event.EventType> eventTypes() {
        return events.stream().map(SecurityEvent::type).toList();
    }

    // B1
    @Test
    void missingScopeIsRefusedWith403NamingTheScope() {
        Decision d = run(caller(CredentialKind.MTLS_BOUND_JWT, "customers:read"), FakeRequest.of("POST", "/payments"));

        assertThat(d).isInstanceOfSatisfying(Decision.Deny.class, deny -> {
            assertThat(deny.status()).isEqualTo(403);
            assertThat(deny.problem().type()).endsWith("/insufficient-scope");
        });
        assertThat(wwwAuthenticate(d)).containsExactly("Bearer error=\"insufficient_scope\", scope=\"payments:write\"");
        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.type()).isEqualTo(SecurityEventType.SCOPE_DENIED);
            assertThat(e.detail("required")).isEqualTo("payments:write");
            assertThat(e.callerId()).isEqualTo("partner-1");
            assertThat(e.path()).isEqualTo("/payments");
        });
    }

    @ParameterizedTest(name = "granted [{0}] -> {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "reports:write reports:read | 200",
                "reports:read reports:write other | 200",
                "reports:write              | 403",
                "reports:read               | 403",
                "''                         | 403",
            })
    void allOfNeedsEveryScopeAndNamesThemAllInDeclarationOrder(String granted, int status) {
        Decision d = run(
                bearer(granted.isBlank() ? new String[0] : granted.split(" ")), FakeRequest.of("PUT", "/reports/7"));
        if (status == 200) {
            assertThat(d.isAllowed()).isTrue();
        } else {
            assertThat(((Decision.Deny) d).status()).isEqualTo(403);
            assertThat(wwwAuthenticate(d))
                    .containsExactly("Bearer error=\"insufficient_scope\", scope=\"reports:write reports:read\"");
        }
    }

    @ParameterizedTest(name = "granted [{0}] -> {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "guard:admin | 200",
                "guard:root  | 200",
                "guard:admin guard:root | 200",
                "guard      | 403",
                "GUARD:ADMIN | 403",
                "customers:read | 403",
            })
    void anyOfNeedsOneScopeAndNamesEveryAlternative(String granted, int status) {
        Decision d = run(bearer(granted.split(" ")), FakeRequest.of("GET", "/admin/inventory"));
        if (status == 200) {
            assertThat(d.isAllowed()).isTrue();
        } else {
            assertThat(wwwAuthenticate(d))
                    .containsExactly("Bearer error=\"insufficient_scope\", scope=\"guard:admin guard:root\"");
            assertThat(events)
                    .last()
                    .satisfies(e -> assertThat(e.detail("required")).isEqualTo("guard:admin guard:root"));
        }
    }

    // B2
    @ParameterizedTest(name = "granted \"{0}\" does not satisfy customers:read")
    @ValueSource(
            strings = {
                "customers",
                "customers:read:all",
                "Customers:read",
                "customers:READ",
                "customers:read ",
                " customers:read",
                "customers:*",
                "*",
                "customers:reader",
                "customers%3Aread"
            })
    void scopeMatchingIsExactAndCaseSensitive(String granted) {
        Decision d = run(bearer(granted), FakeRequest.of("GET", "/customers/ABC1234"));
        assertThat(d)
                .isInstanceOfSatisfying(
                        Decision.Deny.class, deny -> assertThat(deny.status()).isEqualTo(403));
    }

    @Test
    void readDoesNotSatisfyReadAll() {
        RouteRules r = RouteRules.builder()
                .route("GET", "/x")
                .requireScopes("read:all")
                .build();
        assertThat(run(bearer("read"), FakeRequest.of("GET", "/x"), r).isAllowed())
                .isFalse();
        assertThat(run(bearer("read:all"), FakeRequest.of("GET", "/x"), r).isAllowed())
                .isTrue();
    }

    @Test
    void theRightScopeIsAllowedAndTheRouteIsRecorded() {
        ApiGuard guard = guard(bearer("customers:read"), RULES);
        GuardExchange exchange = guard.exchange(FakeRequest.of("GET", "/customers/ABC1234"));

        assertThat(guard.evaluate(exchange).isAllowed()).isTrue();
        assertThat(exchange.routeTemplate()).isEqualTo("/customers/{serviceTag}");
        assertThat(exchange.pathVariables()).containsExactly(Map.entry("serviceTag", "ABC1234"));
        assertThat(exchange.isPublicRoute()).isFalse();
        assertThat(events).isEmpty();
    }

    // B3
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"GET, /nothing", "GET, /payments/", "GET, /customers/", "DELETE, /unknown/1", "GET, /"})
    void anUnmappedRouteIs404ForAnAuthenticatedCaller(String method, String path) {
        Decision d = run(bearer("customers:read", "payments:write"), FakeRequest.of(method, path));
        assertThat(d).isInstanceOfSatisfying(Decision.Deny.class, deny -> {
            assertThat(deny.status()).isEqualTo(404);
            assertThat(deny.challenges()).isEmpty();
        });
        assertThat(eventTypes()).containsExactly(SecurityEventType.ROUTE_UNMAPPED);
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        "GET, /nothing",
        "GET, /customers/A",
        "POST, /payments",
        "DELETE, /payments",
        "GET, /admin/inventory",
        "POST, /health/"
    })
    void anythingButAPublicRouteIs401WithEveryChallengeForAnAnonymousCaller(String method, String path) {
        Decision d = run(null, FakeRequest.of(method, path));
        assertThat(d)
                .isInstanceOfSatisfying(
                        Decision.Deny.class, deny -> assertThat(deny.status()).isEqualTo(401));
        assertThat(wwwAuthenticate(d)).containsExactly("Bearer", "DPoP algs=\"ES256 PS256\"");
        assertThat(eventTypes()).containsExactly(SecurityEventType.CREDENTIAL_MISSING);
    }

    @ParameterizedTest(name = "{0} /health")
    @ValueSource(strings = {"GET", "HEAD"})
    void aPublicRouteNeedsNoCaller(String method) {
        ApiGuard guard = guard(null, RULES);
        GuardExchange exchange = guard.exchange(FakeRequest.of(method, "/health"));
        assertThat(guard.evaluate(exchange).isAllowed()).isTrue();
        assertThat(exchange.isPublicRoute()).isTrue();
        assertThat(exchange.routeTemplate()).isEqualTo("/health");
    }

    @Test
    void withDenyUnmappedOffAnUnmappedRouteStillNeedsACallerButNoScope() {
        RouteRules open = RouteRules.builder()
                .route("GET", "/a")
                .requireScopes("a")
                .denyUnmapped(false)
                .build();
        assertThat(run(bearer(), FakeRequest.of("GET", "/elsewhere"), open).isAllowed())
                .isTrue();
        assertThat(((Decision.Deny) run(null, FakeRequest.of("GET", "/elsewhere"), open)).status())
                .isEqualTo(401);
        assertThat(((Decision.Deny) run(bearer(), FakeRequest.of("GET", "/a"), open)).status())
                .isEqualTo(403);
    }

    @ParameterizedTest(name = "{0} {1} -> Allow: {2}")
    @CsvSource({
        "GET, /payments, POST",
        "DELETE, /customers/A, 'GET, HEAD'",
        "POST, /health, 'GET, HEAD'",
        "get, /customers, 'GET, HEAD'"
    })
    void aKnownRouteWithAnotherMethodIs405WithAllow(String method, String path, String allow) {
        Decision d = run(bearer("customers:read", "payments:write"), FakeRequest.of(method, path));
        assertThat(d).isInstanceOfSatisfying(Decision.Deny.class, deny -> {
            assertThat(deny.status()).isEqualTo(405);
            assertThat(deny.responseHeaders()).contains(Map.entry("Allow", allow));
        });
        assertThat(eventTypes()).containsExactly(SecurityEventType.METHOD_NOT_ALLOWED);
    }

    @Test
    void headIsAuthorizedByTheGetRule() {
        assertThat(run(bearer("customers:read"), FakeRequest.of("HEAD", "/customers/A"))
                        .isAllowed())
                .isTrue();
        assertThat(((Decision.Deny) run(bearer("other"), FakeRequest.of("HEAD", "/customers/A"))).status())
                .isEqualTo(403);
    }

    // C3
    @ParameterizedTest(name = "{0}")
    @CsvSource({"BEARER_JWT, 401", "API_KEY, 401", "MTLS_BOUND_JWT, 200", "DPOP_BOUND_JWT, 200", "MTLS, 200"})
    void aSenderConstrainedRouteRefusesACredentialThatIsNot(CredentialKind kind, int status) {
        Decision d = run(caller(kind, "payments:write"), FakeRequest.of("POST", "/payments"));
        if (status == 200) {
            assertThat(d.isAllowed()).isTrue();
        } else {
            assertThat(((Decision.Deny) d).status()).isEqualTo(401);
            assertThat(wwwAuthenticate(d)).containsExactly("Bearer error=\"invalid_token\"");
            assertThat(events).singleElement().satisfies(e -> {
                assertThat(e.type()).isEqualTo(SecurityEventType.TOKEN_REJECTED);
                assertThat(e.detail("reason")).isEqualTo("sender_constraint_required");
            });
        }
    }

    @Test
    void theSenderConstraintIsCheckedBeforeTheScope() {
        Decision d = run(bearer(), FakeRequest.of("POST", "/payments"));
        assertThat(((Decision.Deny) d).status()).isEqualTo(401);
    }

    // B4: the path as the container hands it over, after decoding
    @ParameterizedTest(name = "[{0}]")
    @ValueSource(
            strings = {
                "//payments", // empty segment
                "/payments//",
                "/payments;x", // path parameter left in place
                "/payments;jsessionid=1",
                "/%70ayments", // %2570ayments decoded once: double encoding
                "/payments%2F",
                "/a/../payments", // dot segments
                "/./payments",
                "/payments/.",
                "/payments/..",
                "/..",
                "/.",
                "\\payments", // not starting with '/'
                "/a\\..\\payments",
                "/payments\u0000", // NUL
                "/payments\u0000.json",
                "/pay\nments",
                "/payments\u007f",
                "",
                "payments",
            })
    void aPathNotInCanonicalFormIsRefusedWhoeverCalls(String path) {
        for (Caller who :
                new Caller[] {null, bearer("payments:write"), caller(CredentialKind.MTLS_BOUND_JWT, "payments:write")
                }) {
            events.clear();
            Decision d = run(who, FakeRequest.of("POST", path));
            assertThat(d).isInstanceOfSatisfying(Decision.Deny.class, deny -> {
                assertThat(deny.status()).isEqualTo(400);
                assertThat(deny.problem().type()).endsWith("/bad-path");
                assertThat(deny.challenges()).isEmpty();
            });
            assertThat(eventTypes()).containsExactly(SecurityEventType.PATH_REJECTED);
        }
    }

    /** Issue 13, item 4: a query the guard cannot read as the container does is refused, public routes too. */
    @ParameterizedTest(name = "[{0}] {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "x=%G0                 | malformed_escape",
                "x=%                   | malformed_escape",
                "x=%C3%28              | invalid_utf8",
                "x=%C0%AF              | invalid_utf8",
                "x=%ED%A0%80           | invalid_utf8",
                "%FF=1                 | invalid_utf8",
            })
    void aQueryTheContainerCannotReadIsRefusedWhoeverCallsWhereverItGoes(String query, String cause) {
        for (String[] route : new String[][] {{"GET", "/health"}, {"GET", "/customers/ABC1234"}, {"GET", "/nowhere"}}) {
            for (Caller who : new Caller[] {null, bearer("customers:read")}) {
                events.clear();
                Decision d = run(who, FakeRequest.of(route[0], route[1]).rawQuery(query));
                assertThat(d).as("%s %s", route[1], who).isSameAs(Denials.badQuery());
                assertThat(events).singleElement().satisfies(e -> {
                    assertThat(e.type()).isEqualTo(SecurityEventType.REQUEST_INVALID);
                    assertThat(e.details())
                            .containsExactlyInAnyOrderEntriesOf(Map.of("reason", "query_unreadable", "cause", cause));
                });
            }
        }
    }

    @Test
    void tooManyParametersAndTooLongAreRefusedAndTheCapItselfIsNot() {
        assertThat(run(null, FakeRequest.of("GET", "/health").rawQuery("x&".repeat(1000) + "x")))
                .isSameAs(Denials.badQuery());
        assertThat(events).last().satisfies(e -> assertThat(e.details()).containsEntry("cause", "too_many_parameters"));
        assertThat(run(null, FakeRequest.of("GET", "/health").rawQuery("x".repeat(QueryParameters.MAX_LENGTH + 1))))
                .isSameAs(Denials.badQuery());
        assertThat(events).last().satisfies(e -> assertThat(e.details()).containsEntry("cause", "too_long"));
        assertThat(run(null, FakeRequest.of("GET", "/health").rawQuery("x&".repeat(999) + "x"))
                        .isAllowed())
                .isTrue();
        assertThat(run(null, FakeRequest.of("GET", "/health").rawQuery("=x&&a=b=c&x=%00"))
                        .isAllowed())
                .isTrue();
    }

    @Test
    void theBadQueryRefusalIsFixedTextWithoutChallenge() {
        Decision.Deny deny = Denials.badQuery();
        assertThat(deny.status()).isEqualTo(400);
        assertThat(deny.challenges()).isEmpty();
        assertThat(deny.problem().type()).isEqualTo("https://api-guard.dev/problems/bad-query");
        assertThat(run(null, FakeRequest.of("GET", "/health").rawQuery("zq%G0secret=1")))
                .isSameAs(deny);
        assertThat(deny.problem().toJson()).doesNotContain("zq", "secret", "G0");
    }

    @Test
    void aNonCanonicalPathIsAnsweredBeforeTheQuery() {
        assertThat(run(null, FakeRequest.of("GET", "//health").rawQuery("x=%G0")))
                .isSameAs(RouteDenials.badPath());
    }

    @ParameterizedTest(name = "[{0}]")
    @ValueSource(strings = {"/payments/", "/Payments", "/payments.json", "/payments/x"})
    void aPathVariantThatIsCanonicalSimplyMatchesNoRule(String path) {
        Decision d = run(caller(CredentialKind.MTLS_BOUND_JWT, "payments:write"), FakeRequest.of("POST", path));
        assertThat(((Decision.Deny) d).status()).isEqualTo(404);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override", "x-http-method-override"})
    void aMethodOverrideHeaderIsRefused(String header) {
        Decision d = run(
                caller(CredentialKind.MTLS_BOUND_JWT, "payments:write", "customers:read"),
                FakeRequest.of("GET", "/customers/A").header(header, "POST"));
        assertThat(d).isInstanceOfSatisfying(Decision.Deny.class, deny -> {
            assertThat(deny.status()).isEqualTo(400);
            assertThat(deny.challenges()).isEmpty();
            assertThat(deny.problem().type()).endsWith("/method-override");
        });
        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.type()).isEqualTo(SecurityEventType.REQUEST_INVALID);
            assertThat(e.detail("reason")).isEqualTo("method_override");
        });
    }

    @Test
    void theStepIsNamedScope() {
        assertThat(RouteAuthorizationStep.of(RULES).name()).isEqualTo("scope");
        assertThat(RouteAuthorizationStep.of(RULES).rules()).isSameAs(RULES);
    }

    /**
     * A step evaluated without its prepare (a host running it alone) still looks the route up and
     * records it on the exchange, variables and scopes with it.
     */
    @Test
    void evaluatedWithoutPrepareTheStepStillRecordsTheRoute() {
        RouteAuthorizationStep step = RouteAuthorizationStep.of(RULES);
        GuardExchange exchange = guard(null, RULES).exchange(FakeRequest.get("/customers/ABC1234"));
        exchange.authenticate(bearer("customers:read"));
        assertThat(step.evaluate(exchange).isAllowed()).isTrue();
        assertThat(exchange.routeTemplate()).isEqualTo("/customers/{serviceTag}");
        assertThat(exchange.pathVariables()).containsExactly(Map.entry("serviceTag", "ABC1234"));
        assertThat(exchange.routeScopes()).containsExactly("customers:read");
    }
}
