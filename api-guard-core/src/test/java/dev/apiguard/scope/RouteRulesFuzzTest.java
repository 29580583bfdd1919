package dev.apiguard.scope;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.apiguard.ApiGuard;
import dev.apiguard.Caller;
import dev.apiguard.CredentialKind;
import dev.apiguard.Decision;
import dev.apiguard.Denials;
import dev.apiguard.GuardExchange;
import dev.apiguard.fakes.FakeRequest;
import dev.apiguard.fakes.Fuzzing;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the route table and the authorization step (OWASP API5, docs/security-cases.md.md B) against a
 * reference matcher written naively from the {@link RouteRules} Javadoc: every rule tried, the
 * most specific match chosen by comparing templates from the left (a literal beats a variable),
 * {@code HEAD} served by {@code GET} rules, and a canonical-path check written from the
 * {@link RouteAuthorizationStep} Javadoc.
 *
 * <p>Input: the bytes before the first {@code \n} are the method (none: {@code GET}), the rest
 * the decoded path, as UTF-8. Property: nothing throws; {@link RouteRules#lookup} answers what
 * the reference answers (rule, variables, allowed methods); the step answers exactly the refusal
 * the reference predicts, for an anonymous request and for a bearer caller with
 * {@code customers:read payments:read}, so a non-canonical path is never let through and no
 * refusal carries anything of the request; at most 1 MB allocated per input.
 */
class RouteRulesFuzzTest {

    private record Rule(String method, String template, boolean open, boolean senderConstrained, List<String> scopes) {}

    private static final List<Rule> RULES = List.of(
            new Rule("GET", "/", true, false, List.of()),
            new Rule("GET", "/health", true, false, List.of()),
            new Rule("GET", "/customers/{serviceTag}", false, false, List.of("customers:read")),
            new Rule("GET", "/customers/me", false, false, List.of("profile")),
            new Rule("POST", "/payments", false, true, List.of("payments:write")),
            new Rule("GET", "/payments", false, false, List.of("payments:read")),
            new Rule("DELETE", "/payments/{id}", false, false, List.of("payments:admin", "guard:root")),
            new Rule("GET", "/admin/inventory", false, false, List.of("guard:admin")),
            new Rule("PUT", "/a/{x}/c", false, false, List.of("s")),
            new Rule("PUT", "/a/b/{y}", false, false, List.of("t")),
            new Rule("GET", "/files/{dir}/{name}", false, false, List.of("customers:read")));
    private static final RouteRules TABLE = table();
    private static final RouteAuthorizationStep STEP = RouteAuthorizationStep.of(TABLE);
    private static final ApiGuard GUARD = ApiGuard.builder()
            .clock(Clock.fixed(Fuzzing.NOW, ZoneOffset.UTC))
            .step(STEP)
            .build();
    private static final Caller CALLER = Caller.builder("client-1", CredentialKind.BEARER_JWT)
            .subject("user-1")
            .issuer(Fuzzing.ISSUER)
            .scopes(Set.of("customers:read", "payments:read"))
            .issuedAt(Fuzzing.NOW)
            .expiresAt(Fuzzing.NOW.plusSeconds(600))
            .build();

    @FuzzTest
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void lookup(byte[] data) {
        byte[] m = Fuzzing.beforeNewline(data);
        String method = m == null ? "GET" : new String(m, StandardCharsets.UTF_8);
        String path = new String(Fuzzing.afterNewline(data), StandardCharsets.UTF_8);

        RouteRules.Match match = Fuzzing.allocatingAtMost(1 << 20, () -> TABLE.lookup(method, path));

        Reference expected = reference(method, path);
        if (expected.rule != null) {
            assertThat(match).isInstanceOf(RouteRules.Match.Found.class);
            RouteMatch found = ((RouteRules.Match.Found) match).match();
            assertThat(found.rule().template()).isEqualTo(expected.rule.template);
            assertThat(found.rule().method()).isEqualTo(expected.rule.method);
            assertThat(found.variables()).isEqualTo(expected.variables);
        } else if (!expected.allowed.isEmpty()) {
            assertThat(match).isEqualTo(new RouteRules.Match.MethodNotAllowed(expected.allowed));
        } else {
            assertThat(match).isEqualTo(RouteRules.Match.Unmapped.INSTANCE);
        }
    }

    @FuzzTest
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void authorize(byte[] data) {
        byte[] m = Fuzzing.beforeNewline(data);
        String method = m == null ? "GET" : new String(m, StandardCharsets.UTF_8);
        String path = new String(Fuzzing.afterNewline(data), StandardCharsets.UTF_8);
        Reference expected = reference(method, path);
        boolean canonical = canonical(path);

        for (boolean authenticated : new boolean[] {false, true}) {
            Decision decision = Fuzzing.allocatingAtMost(1 << 20, () -> {
                GuardExchange exchange = GUARD.exchange(FakeRequest.of(method, path));
                if (authenticated) {
                    exchange.authenticate(CALLER);
                }
                return STEP.evaluate(exchange);
            });

            Decision want;
            if (!canonical) {
                want = RouteDenials.badPath();
            } else if (expected.rule != null && expected.rule.open) {
                want = Decision.ALLOW;
            } else if (!authenticated) {
                want = GUARD.exchange(FakeRequest.of(method, path)).unauthenticated();
            } else if (expected.rule == null) {
                want = expected.allowed.isEmpty()
                        ? RouteDenials.notFound()
                        : RouteDenials.methodNotAllowed(expected.allowed);
            } else if (expected.rule.senderConstrained) {
                want = Denials.invalidToken();
            } else if (expected.rule.scopes.stream().anyMatch(CALLER::hasScope)) {
                want = Decision.ALLOW; // every multi-scope rule here is any-of
            } else {
                want = Denials.insufficientScope(String.join(" ", expected.rule.scopes));
            }
            assertThat(decision)
                    .as("%s %s, authenticated=%s", method, path, authenticated)
                    .isEqualTo(want);
        }
    }

    /** What the naive matcher finds: a rule with its variables, or the methods of the path. */
    private record Reference(Rule rule, Map<String, String> variables, Set<String> allowed) {}

    private static Reference reference(String method, String path) {
        String effective = method.equals("HEAD") ? "GET" : method;
        List<Rule> forMethod = new ArrayList<>();
        Set<String> allowed = new TreeSet<>();
        for (Rule r : RULES) {
            if (variables(r.template, path) != null) {
                if (r.method.equals(effective)) {
                    forMethod.add(r);
                }
                allowed.add(r.method);
                if (r.method.equals("GET")) {
                    allowed.add("HEAD");
                }
            }
        }
        if (forMethod.isEmpty()) {
            return new Reference(null, null, allowed);
        }
        forMethod.sort(Comparator.comparing((Rule r) -> specificity(r.template)));
        Rule best = forMethod.get(0);
        return new Reference(best, variables(best.template, path), allowed);
    }

    /** Literal segments as 0 and variables as 1, from the left: the smaller string is more specific. */
    private static String specificity(String template) {
        StringBuilder sb = new StringBuilder();
        for (String s : template.substring(1).split("/", -1)) {
            sb.append(s.startsWith("{") ? '1' : '0');
        }
        return sb.toString();
    }

    /** The variables when the path matches the template segment by segment, else null. */
    private static Map<String, String> variables(String template, String path) {
        if (!path.startsWith("/")) {
            return null;
        }
        if (template.equals("/")) {
            return path.equals("/") ? Map.of() : null;
        }
        if (path.equals("/")) {
            return null;
        }
        String[] t = template.substring(1).split("/", -1);
        String[] p = path.substring(1).split("/", -1);
        if (t.length != p.length) {
            return null;
        }
        Map<String, String> vars = new LinkedHashMap<>();
        for (int i = 0; i < t.length; i++) {
            if (t[i].startsWith("{")) {
                if (p[i].isEmpty()) {
                    return null;
                }
                vars.put(t[i].substring(1, t[i].length() - 1), p[i]);
            } else if (!t[i].equals(p[i])) {
                return null;
            }
        }
        return vars;
    }

    /** Canonical as the step's Javadoc says: no '//', '.', '..', ';', '\', '%' or control character. */
    private static boolean canonical(String path) {
        if (!path.startsWith("/")) {
            return false;
        }
        String[] segments = path.substring(1).split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            String s = segments[i];
            if ((s.isEmpty() && i < segments.length - 1) || s.equals(".") || s.equals("..")) {
                return false;
            }
            for (char c : s.toCharArray()) {
                if (c == ';' || c == '\\' || c == '%' || c < 0x20 || c == 0x7f) {
                    return false;
                }
            }
        }
        return true;
    }

    private static RouteRules table() {
        RouteRules.Builder b = RouteRules.builder();
        for (Rule r : RULES) {
            RouteRules.RouteBuilder route = b.route(r.method, r.template);
            if (r.senderConstrained) {
                route.senderConstrained();
            }
            if (r.open) {
                route.permitAll();
            } else {
                route.requireAnyScope(r.scopes.toArray(String[]::new));
            }
        }
        return b.build();
    }
}
