package dev.apiguard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apiguard.internal.Problems;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The common refusals every adapter writes: exact statuses, challenges and headers. */
class DenialsTest {

    @ParameterizedTest
    @ValueSource(ints = {400, 401, 499, 500, 599})
    void denyTakesEvery4xxAnd5xxStatus(int status) {
        assertThat(new Decision.Deny(status, List.of(), Problems.of("x", "X", status, "x"), Map.of()).status())
                .isEqualTo(status);
    }

    @ParameterizedTest
    @ValueSource(ints = {200, 302, 399, 600, 0, -1})
    void denyRefusesAnyOtherStatus(int status) {
        assertThatThrownBy(() -> new Decision.Deny(status, List.of(), Problems.of("x", "X", 400, "x"), Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("status must be 4xx or 5xx");
    }

    @Test
    void responseHeadersAreChallengesThenNoStoreThenTheRestByName() {
        Decision.Deny deny = new Decision.Deny(
                401,
                List.of(Challenge.of("Bearer"), Challenge.of("DPoP")),
                Problems.of("x", "X", 401, "x"),
                Map.of("Retry-After", "3", "Allow", "GET"));
        assertThat(deny.responseHeaders())
                .containsExactly(
                        Map.entry("WWW-Authenticate", "Bearer"),
                        Map.entry("WWW-Authenticate", "DPoP"),
                        Map.entry("Cache-Control", "no-store"),
                        Map.entry("Allow", "GET"),
                        Map.entry("Retry-After", "3"));
    }

    @Test
    void unauthenticatedOffersBearerWhenNoSchemeIsConfiguredAndTheConfiguredOnesOtherwise() {
        assertThat(Denials.unauthenticated(List.of()).challenges()).containsExactly(Challenge.of("Bearer"));
        assertThat(Denials.unauthenticated(List.of(Challenge.of("DPoP"))).challenges())
                .containsExactly(Challenge.of("DPoP"));
        assertThat(Denials.unauthenticated(List.of()).status()).isEqualTo(401);
    }

    @Test
    void retryAfterIsAtLeastOneSecondAndRoundsUp() {
        assertThat(Denials.rateLimited(0, Map.of()).headers()).containsEntry("Retry-After", "1");
        assertThat(Denials.rateLimited(7, Map.of("RateLimit", "x")).headers())
                .containsEntry("Retry-After", "7")
                .containsEntry("RateLimit", "x");
        assertThat(Denials.unavailable(0).status()).isEqualTo(503);
        assertThat(Denials.unavailable(0).headers()).containsEntry("Retry-After", "1");
        assertThat(Denials.unavailable(9).headers()).containsEntry("Retry-After", "9");
    }

    @Test
    void insufficientScopeNamesTheScopesAfterTheError() {
        assertThat(Denials.insufficientScope("a:read b:write").responseHeaders())
                .contains(
                        Map.entry("WWW-Authenticate", "Bearer error=\"insufficient_scope\", scope=\"a:read b:write\""));
        assertThat(Denials.insufficientScope("a").status()).isEqualTo(403);
    }

    @Test
    void unavailableIsA503WithoutChallenge() {
        assertThat(Denials.unavailable().status()).isEqualTo(503);
        assertThat(Denials.unavailable().challenges()).isEmpty();
        assertThat(Denials.unavailable().problem().toJson()).contains("\"status\":503");
    }
}
