package dev.apiguard.scope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class RouteRulesTest {

    private final RouteRules rules = RouteRules.builder()
            .route("GET", "/health")
            .permitAll()
            .route("GET", "/customers/{serviceTag}")
            .requireScopes("customers:read")
            .route("GET", "/customers/export")
            .requireScopes("customers:export")
            .route("GET", "/customers")
            .requireScopes("customers:read")
            .route("post", "/payments")
            .senderConstrained()
            .requireScopes("payments:write")
            .route("GET", "/admin/inventory")
            .requireAnyScope("guard:admin", "guard:root")
            .route("DELETE", "/customers/{serviceTag}/notes/{note}")
            .requireScopes("customers:write")
            .route("GET", "/customers/{serviceTag}/notes/latest")
            .requireScopes("customers:read")
            .route("GET", "/")
            .permitAll()
            .build();

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource({
        "GET,    /health,                    /health",
        "HEAD,   /health,                    /health",
        "GET,    /customers/ABC1234,         /customers/{serviceTag}",
        "GET,    /customers/export,          /customers/export",
        "GET,    /customers,                 /customers",
        "POST,   /payments,                  /payments",
        "GET,    /admin/inventory,           /admin/inventory",
        "DELETE, /customers/A/notes/n1,      /customers/{serviceTag}/notes/{note}",
        "GET,    /customers/A/notes/latest,  /customers/{serviceTag}/notes/latest",
        "GET,    /,                          /",
    })
    void matchesTheMostSpecificRuleOfTheMethod(String method, String path, String template) {
        assertThat(rules.match(method, path))
                .hasValueSatisfying(m -> assertThat(m.rule().template()).isEqualTo(template));
    }

    @Test
    void variablesHoldTheMatchedSegmentsInTemplateOrder() {
        RouteMatch m = rules.match("DELETE", "/customers/ABC/notes/7").orElseThrow();
        assertThat(m.variables()).containsExactly(Map.entry("serviceTag", "ABC"), Map.entry("note", "7"));
    }

    @ParameterizedTest(name = "{0} {1} is unmapped")
    @CsvSource({
        "GET,  /payments/",
        "GET,  /customers/",
        "GET,  /customers/A/B",
        "GET,  /Health",
        "GET,  /health/",
        "GET,  /nothing",
        "GET,  ''",
        "GET,  health",
        "POST, /customers/A/notes",
    })
    void pathsNoRuleMapsAreUnmapped(String method, String path) {
        assertThat(rules.lookup(method, path)).isEqualTo(RouteRules.Match.Unmapped.INSTANCE);
    }

    @ParameterizedTest(name = "{0} {1} -> Allow: {2}")
    @CsvSource({
        "GET,    /payments,              POST",
        "POST,   /customers/ABC,         GET HEAD",
        "get,    /health,                GET HEAD",
        "PUT,    /customers/A/notes/n1,  DELETE",
        "PUT,    /customers/A/notes/latest, DELETE GET HEAD",
    })
    void aKnownPathWithAnotherMethodListsTheAllowedMethods(String method, String path, String allowed) {
        assertThat(rules.lookup(method, path))
                .isInstanceOfSatisfying(
                        RouteRules.Match.MethodNotAllowed.class,
                        m -> assertThat(m.allowedMethods()).containsExactly(allowed.split(" ")));
    }

    @Test
    void aLiteralWinsOverAVariableWhateverTheDeclarationOrder() {
        RouteRules reversed = RouteRules.builder()
                .route("GET", "/a/{x}/c")
                .requireScopes("var")
                .route("GET", "/a/b/{y}")
                .requireScopes("lit")
                .build();
        assertThat(reversed.match("GET", "/a/b/c").orElseThrow().rule().scopes())
                .containsExactly("lit");
        assertThat(reversed.match("GET", "/a/z/c").orElseThrow().rule().scopes())
                .containsExactly("var");
        // '~' sorts after '{': the literal still wins by kind, not by the text of the templates
        RouteRules tilde = RouteRules.builder()
                .route("GET", "/a/{x}/c")
                .requireScopes("var")
                .route("GET", "/a/~b/{y}")
                .requireScopes("lit")
                .build();
        assertThat(tilde.match("GET", "/a/~b/c").orElseThrow().rule().scopes()).containsExactly("lit");
        assertThat(tilde.match("GET", "/a/~c/c").orElseThrow().rule().scopes()).containsExactly("var");
    }

    /**
     * Templates that agree in kind up to a later segment: the literal there wins, whichever of the
     * two was declared first.
     */
    @Test
    void aLiteralAfterAVariableStillWinsWhateverTheDeclarationOrder() {
        RouteRules variableFirst = RouteRules.builder()
                .route("GET", "/{tenant}/{id}")
                .requireScopes("record")
                .route("GET", "/{tenant}/export")
                .requireScopes("export")
                .build();
        RouteRules literalFirst = RouteRules.builder()
                .route("GET", "/{tenant}/export")
                .requireScopes("export")
                .route("GET", "/{tenant}/{id}")
                .requireScopes("record")
                .build();
        for (RouteRules r : java.util.List.of(variableFirst, literalFirst)) {
            assertThat(r.match("GET", "/acme/export").orElseThrow().rule().scopes())
                    .containsExactly("export");
            assertThat(r.match("GET", "/acme/42").orElseThrow().rule().scopes()).containsExactly("record");
        }
    }

    /**
     * A path equal to a template without variables is found without splitting it, but only for the
     * methods that template has: another method falls back to the templates with variables.
     */
    @Test
    void aLiteralPathTakesAVariableTemplatesRuleForAMethodTheLiteralLacks() {
        RouteRules r = RouteRules.builder()
                .route("GET", "/customers/export")
                .requireScopes("export")
                .route("DELETE", "/customers/{id}")
                .requireScopes("delete")
                .build();
        RouteMatch delete = r.match("DELETE", "/customers/export").orElseThrow();
        assertThat(delete.rule().scopes()).containsExactly("delete");
        assertThat(delete.variables()).containsExactly(Map.entry("id", "export"));
        RouteMatch get = r.match("HEAD", "/customers/export").orElseThrow();
        assertThat(get.rule().scopes()).containsExactly("export");
        assertThat(get.variables()).isEmpty();
        assertThat(r.lookup("PUT", "/customers/export"))
                .isInstanceOfSatisfying(
                        RouteRules.Match.MethodNotAllowed.class,
                        m -> assertThat(m.allowedMethods()).containsExactly("DELETE", "GET", "HEAD"));
    }

    @Test
    void aVariableNeverMatchesAnEmptySegment() {
        RouteRules r =
                RouteRules.builder().route("GET", "/a/{x}").requireScopes("s").build();
        assertThat(r.match("GET", "/a/")).isEmpty();
        assertThat(r.match("GET", "/a/x")).isPresent();
    }

    @Test
    void rulesKeepDeclarationOrderAndDefaultsDenyUnmapped() {
        assertThat(rules.rules()).first().hasToString("GET /health");
        assertThat(rules.rules().get(4))
                .isEqualTo(new RouteRule(
                        "POST", "/payments", RouteRule.Access.ALL_OF, java.util.List.of("payments:write"), true));
        assertThat(rules.denyUnmapped()).isTrue();
        assertThat(RouteRules.builder()
                        .route("GET", "/x")
                        .permitAll()
                        .denyUnmapped(false)
                        .build()
                        .denyUnmapped())
                .isFalse();
    }

    static Stream<Arguments> invalidConfigurations() {
        return Stream.of(
                bad("empty method", b -> b.route("", "/x").permitAll(), "route method"),
                bad("method with space", b -> b.route("G ET", "/x").permitAll(), "route method"),
                bad("HEAD rule", b -> b.route("HEAD", "/x").permitAll(), "route HEAD /x"),
                bad(
                        "template without slash",
                        b -> b.route("GET", "x").permitAll(),
                        "route GET x: template must start with '/'"),
                bad("empty template", b -> b.route("GET", "").permitAll(), "must start with '/'"),
                bad(
                        "double slash",
                        b -> b.route("GET", "/a//b").permitAll(),
                        "route GET /a//b: template must not contain '//'"),
                bad("trailing slash", b -> b.route("GET", "/a/").permitAll(), "must not end with '/'"),
                bad("dot segment", b -> b.route("GET", "/a/./b").permitAll(), "'.' or '..'"),
                bad("dot-dot segment", b -> b.route("GET", "/a/../b").permitAll(), "'.' or '..'"),
                bad("percent in literal", b -> b.route("GET", "/a%2Fb").permitAll(), "route GET /a%2Fb: segment"),
                bad("semicolon in literal", b -> b.route("GET", "/a;b").permitAll(), "segment 'a;b'"),
                bad("backslash", b -> b.route("GET", "/a\\b").permitAll(), "segment"),
                bad("bad variable name", b -> b.route("GET", "/a/{1x}").permitAll(), "variable name '1x'"),
                bad("half a variable", b -> b.route("GET", "/a/{x").permitAll(), "segment '{x'"),
                bad("the other half", b -> b.route("GET", "/a/ab}").permitAll(), "segment 'ab}'"),
                bad("a variable without name", b -> b.route("GET", "/a/{}").permitAll(), "segment '{}'"),
                bad(
                        "variable twice",
                        b -> b.route("GET", "/a/{x}/{x}").permitAll(),
                        "route GET /a/{x}/{x}: variable 'x' appears twice"),
                bad(
                        "no scope",
                        b -> b.route("GET", "/a").requireScopes(),
                        "route GET /a: requireScopes needs at least one scope"),
                bad(
                        "no alternative",
                        b -> b.route("GET", "/a").requireAnyScope(),
                        "route GET /a: requireAnyScope needs at least one scope"),
                bad(
                        "scope with space",
                        b -> b.route("GET", "/a").requireScopes("a b"),
                        "scope 'a b' is not an RFC 6749 scope token"),
                bad("scope with quote", b -> b.route("GET", "/a").requireScopes("a\"b"), "not an RFC 6749 scope token"),
                bad(
                        "scope with backslash",
                        b -> b.route("GET", "/a").requireScopes("a\\b"),
                        "not an RFC 6749 scope token"),
                bad("empty scope", b -> b.route("GET", "/a").requireAnyScope(""), "not an RFC 6749 scope token"),
                bad(
                        "non-ASCII scope",
                        b -> b.route("GET", "/a").requireScopes("lécture"),
                        "not an RFC 6749 scope token"),
                bad("scope twice", b -> b.route("GET", "/a").requireScopes("s", "s"), "scope 's' is given twice"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidConfigurations")
    void invalidSettingsFailWithAMessageNamingThem(String name, Consumer<RouteRules.Builder> config, String message) {
        RouteRules.Builder b = RouteRules.builder();
        assertThatThrownBy(() -> config.accept(b))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    private static Arguments bad(String name, Consumer<RouteRules.Builder> config, String message) {
        return Arguments.of(name, config, message);
    }

    @Test
    void aPublicRouteCannotBeSenderConstrained() {
        assertThatThrownBy(() -> RouteRules.builder()
                        .route("GET", "/a")
                        .senderConstrained()
                        .permitAll())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("route GET /a: a public route cannot be sender-constrained");
    }

    @Test
    void anUnfinishedRouteFailsBuildNamingIt() {
        RouteRules.Builder b = RouteRules.builder().route("GET", "/a").permitAll();
        b.route("POST", "/payments").senderConstrained();
        assertThatThrownBy(b::build)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("route POST /payments: not finished");
    }

    @Test
    void theSameMethodAndTemplateTwiceFailsBuildNamingTheRoute() {
        RouteRules.Builder b = RouteRules.builder()
                .route("GET", "/a/{x}")
                .permitAll()
                .route("get", "/a/{x}")
                .requireScopes("s");
        assertThatThrownBy(b::build)
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("route GET /a/{x}: declared twice");
    }

    @Test
    void templatesThatDifferOnlyInVariableNamesAreTheSameRoute() {
        RouteRules.Builder b = RouteRules.builder()
                .route("GET", "/a/{x}")
                .permitAll()
                .route("GET", "/a/{y}")
                .requireScopes("s");
        assertThatThrownBy(b::build)
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("route GET /a/{y}: declared twice (as GET /a/{x})");
    }

    @Test
    void aRouteCannotBeFinishedTwice() {
        RouteRules.Builder b = RouteRules.builder();
        RouteRules.RouteBuilder route = b.route("GET", "/a");
        route.permitAll();
        assertThatThrownBy(() -> route.requireScopes("s"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("route GET /a: already finished as PUBLIC");
    }

    /** A finished route takes no further setting, whichever it is: the rule stays as it was built. */
    @Test
    void aFinishedRouteTakesNoFurtherSetting() {
        RouteRules.Builder b = RouteRules.builder();
        RouteRules.RouteBuilder route = b.route("GET", "/a");
        route.requireScopes("s");
        assertThatThrownBy(route::permitAll)
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("route GET /a: already finished as ALL_OF");
        assertThatThrownBy(() -> route.requireAnyScope("t"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("route GET /a: already finished as ALL_OF");
        assertThatThrownBy(route::senderConstrained)
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("route GET /a: already finished as ALL_OF");
        RouteRule rule = b.build().rules().get(0);
        assertThat(rule.scopes()).containsExactly("s");
        assertThat(rule.senderConstrained()).isFalse();
    }

    /** Messages quote configuration text with control characters as '?' and at most 200 characters. */
    @Test
    void messagesQuoteTheSettingPrintablyAndCapped() {
        assertThatThrownBy(() -> RouteRules.builder().route("G\u007fE\u0001T", "/x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("route method is not an HTTP method token: 'G?E?T'");
        String longMethod = "G".repeat(300) + " ";
        assertThatThrownBy(() -> RouteRules.builder().route(longMethod, "/x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("route method is not an HTTP method token: '" + "G".repeat(200) + "'");
    }

    @Test
    void aTableWithoutRoutesFailsBuild() {
        assertThatThrownBy(() -> RouteRules.builder().build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("routes: at least one route is needed");
    }

    @Test
    void theSameTemplateWithTwoMethodsIsFine() {
        RouteRules r = RouteRules.builder()
                .route("GET", "/a/{x}")
                .requireScopes("r")
                .route("PUT", "/a/{y}")
                .requireScopes("w")
                .build();
        assertThat(r.match("PUT", "/a/1").orElseThrow().variables()).containsEntry("y", "1");
        assertThat(r.match("GET", "/a/1").orElseThrow().variables()).containsEntry("x", "1");
    }
}
