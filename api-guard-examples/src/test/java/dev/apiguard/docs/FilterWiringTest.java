package dev.apiguard.docs;

// tag::wiring[]
import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.servlet.ApiGuardFilter;
import dev.apiguard.test.TestRequest;
import dev.apiguard.test.fixtures.LocalIssuer;
import dev.apiguard.test.servlet.ServletResult;
import dev.apiguard.test.servlet.ServletTester;
import dev.apiguard.token.KeySource;
import jakarta.servlet.http.HttpServletRequest;
import org.junit.jupiter.api.Test;

/** The quick start's guard as the servlet filter the container runs: no container, no mocks. */
class FilterWiringTest {

    final LocalIssuer issuer = LocalIssuer.rsa("https://login.example.com").audience("https://api.example.com");
    final ApiGuardFilter filter = new ApiGuardFilter(QuickStart.guard(KeySource.fixed(issuer.publicJwks())));

    @Test
    void theFilterHandsTheCallerToTheApplication() throws Exception {
        String token =
                issuer.token().clientId("partner-a").scope("customers:read").sign();

        ServletResult result =
                ServletTester.run(filter, TestRequest.get("/customers/ABC1234").bearer(token));

        result.assertStatus(200).assertChainReached().assertCaller("partner-a");
        HttpServletRequest seen = result.chainRequest().orElseThrow(); // what the servlet is handed
        assertThat(seen.getUserPrincipal().getName()).isEqualTo("partner-a");
        assertThat(seen.getAuthType()).isEqualTo("Bearer");
    }

    @Test
    void theFilterAnswersARefusalItselfAndTheServletNeverRuns() throws Exception {
        ServletTester tester = ServletTester.of(filter) // the host's own filters may come before or after
                .application((request, response) -> response.getWriter().write("the customer"));

        ServletResult result = tester.run(TestRequest.get("/customers/ABC1234"));

        result.assertStatus(401).assertChallenge("Bearer").assertChainNotReached();
        assertThat(result.header("Content-Type")).isEqualTo("application/problem+json");
        assertThat(result.bodyAsString()).contains("\"status\":401").doesNotContain("the customer");
    }
}
// end::wiring[]
