package dev.apiguard.test.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.ApiGuard;
import dev.apiguard.Decision;
import dev.apiguard.GuardExchange;
import dev.apiguard.GuardRequest;
import dev.apiguard.GuardStep;
import dev.apiguard.QueryParameters;
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.scope.RouteAuthorizationStep;
import dev.apiguard.scope.RouteRules;
import dev.apiguard.servlet.ApiGuardFilter;
import dev.apiguard.servlet.ServletGuardRequest;
import dev.apiguard.test.GuardTester;
import dev.apiguard.test.TestRequest;
import dev.apiguard.test.TestResponse;
import dev.apiguard.test.fixtures.LocalIssuer;
import dev.apiguard.token.AccessTokenStep;
import dev.apiguard.token.KeySource;
import dev.apiguard.token.TokenPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The kit's {@link TestRequest} and the servlet adapter's {@link ServletGuardRequest} read a query
 * with the one parser, {@link QueryParameters}: the same hostile query strings get the same
 * reading and the same decision through {@link GuardTester} as through the real
 * {@link ApiGuardFilter} over the servlet fake.
 */
class OneQueryParserTest {

    static final LocalIssuer ISSUER =
            LocalIssuer.ec("https://login.example.com").audience("https://api.example.com");
    static final String TOKEN =
            ISSUER.token().clientId("partner-a").scope("items:read").sign();

    /** What a step reads of the query, recorded for each request. */
    record Reading(
            boolean readable,
            String unreadable,
            int size,
            boolean hasPage,
            String page,
            boolean hasEmptyName,
            String emptyName,
            boolean hasAccessToken) {

        static Reading of(GuardRequest request) {
            QueryParameters q = request.queryParameters();
            return new Reading(
                    q.readable(),
                    q.unreadable().map(QueryParameters.Unreadable::code).orElse(null),
                    q.size(),
                    request.hasQueryParameter("page"),
                    request.queryParameter("page"),
                    request.hasQueryParameter(""),
                    request.queryParameter(""),
                    request.hasQueryParameter("access_token"));
        }
    }

    static Stream<Arguments> hostileQueries() {
        List<Arguments> queries = new ArrayList<>();
        for (String[] q : new String[][] {
            {"no query", null},
            {"empty", ""},
            {"plain", "page=2"},
            {"bad escape", "page=%zz"},
            {"bad escape in a name", "p%zzge=1"},
            {"cut escape", "page=%4"},
            {"lone percent", "%"},
            {"lone percent value", "page=%"},
            {"non-ASCII hex digits", "page=%\uff16\uff11"},
            {"invalid UTF-8", "page=%C3%28"},
            {"invalid UTF-8 name", "%C3%28=1"},
            {"cut UTF-8", "page=%E2%82"},
            {"overlong UTF-8 slash", "page=%C0%AF"},
            {"UTF-8 of a surrogate", "page=%ED%A0%80"},
            {"raw lone surrogate", "page=\ud800"},
            {"raw non-ASCII", "page=\u00e9"},
            {"plus as space", "page=a+b"},
            {"lone plus", "+"},
            {"plus in a name", "pa+ge=1"},
            {"empty name", "=x"},
            {"empty name and value", "="},
            {"empty pieces", "&&page=1&&"},
            {"duplicates", "page=1&page=2"},
            {"first value malformed", "page=%zz&page=2"},
            {"encoded ampersand", "page=1%26access_token=x"},
            {"token in the query", "access_token=x"},
            {"encoded token name", "access%5Ftoken=x"},
            {"escaped token name", "%61ccess_token"},
            {"value beyond the cap", "page=" + "9".repeat(5000)},
            {"overlong query", "page=" + "x".repeat(QueryParameters.MAX_LENGTH)},
            {"too many parameters", "a&".repeat(QueryParameters.MAX_PARAMETERS) + "page=1"},
            {"too many, then malformed", "a&".repeat(QueryParameters.MAX_PARAMETERS) + "page=%zz"},
        }) {
            queries.add(Arguments.of(Named.of(q[0], q[1])));
        }
        return queries.stream();
    }

    /** Records what the step before the route step reads, per request. */
    final List<Reading> readings = new ArrayList<>();

    final ApiGuard guard = ApiGuard.builder()
            .listener(SecurityEventListener.NONE)
            .step(AccessTokenStep.of(TokenPolicy.builder()
                    .issuer(ISSUER.issuer(), KeySource.fixed(ISSUER.publicJwks()))
                    .audience("https://api.example.com")
                    .build()))
            .step(new GuardStep() {
                @Override
                public String name() {
                    return "reading";
                }

                @Override
                public Decision evaluate(GuardExchange exchange) {
                    readings.add(Reading.of(exchange.request()));
                    return Decision.ALLOW;
                }
            })
            .step(RouteAuthorizationStep.of(RouteRules.builder()
                    .route("GET", "/items")
                    .requireScopes("items:read")
                    .route("GET", "/public")
                    .permitAll()
                    .build()))
            .build();

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileQueries")
    void theKitAndTheServletAdapterReadAQueryAlike(String query) {
        for (TestRequest request : List.of(
                TestRequest.get("/items").bearer(TOKEN).query(query),
                TestRequest.get("/public").query(query))) {
            GuardRequest servletView = new ServletGuardRequest(TestServletRequest.of(request));

            assertThat(Reading.of(servletView)).isEqualTo(Reading.of(request));
            assertThat(servletView.queryParameters().toString())
                    .isEqualTo(request.queryParameters().toString());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileQueries")
    void theGuardDecidesAlikeThroughTheTesterAndThroughTheFilter(String query) throws Exception {
        GuardTester tester = GuardTester.of(guard);
        ApiGuardFilter filter = new ApiGuardFilter(guard);
        for (TestRequest request : List.of(
                TestRequest.get("/items").bearer(TOKEN).query(query),
                TestRequest.get("/public").query(query))) {
            readings.clear();
            TestResponse kit = tester.send(request);
            List<Reading> kitReadings = List.copyOf(readings);
            readings.clear();
            ServletResult servlet = ServletTester.run(filter, request);

            assertThat(servlet.status()).as("status").isEqualTo(kit.status());
            assertThat(servlet.headers("WWW-Authenticate")).isEqualTo(kit.headers("WWW-Authenticate"));
            assertThat(servlet.bodyAsString()).as("body").isEqualTo(kit.body());
            assertThat(servlet.chainReached()).isEqualTo(kit.decision().isAllowed());
            assertThat(readings).as("what a step read").isEqualTo(kitReadings);
            if (!QueryParameters.parse(query).readable()) {
                // 400 bad query, wherever the request goes, before any scope is checked
                assertThat(kit.status()).isEqualTo(400);
                assertThat(kit.body()).contains("/problems/bad-query");
            }
        }
    }
}
