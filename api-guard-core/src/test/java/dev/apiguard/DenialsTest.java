package dev.apiguard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The refusals every adapter writes: exact statuses, challenges and headers. */
class DenialsTest {

    @ParameterizedTest
    @ValueSource(ints = {400, 401, 499, 500, 599})
    void denyTakesEvery4xxAnd5xxStatus(int status) {
        assertThat(new Decision.Deny(status, List.of(), Denials.problem("x", "X", status, "x"), Map.of()).status())
                .isEqualTo(status);
    }

    @ParameterizedTest
    @ValueSource(ints = {200, 302, 399, 600, 0, -1})
    void denyRefusesAnyOtherStatus(int status) {
        assertThatThrownBy(() -> new Decision.Deny(status, List.of(), Denials.problem("x", "X", 400, "x"), Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("status must be 4xx or 5xx");
    }

    @Test
    void responseHeadersAreChallengesThenNoStoreThenTheRestByName() {
        Decision.Deny deny = new Decision.Deny(
                401,
                List.of(Challenge.of("Bearer"), Challenge.of("DPoP")),
                Denials.problem("x", "X", 401, "x"),
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
    void dpopRefusalsCarryTheirErrorAndTheAlgorithms() {
        assertThat(Denials.invalidDpopProof("ES256 PS256").responseHeaders())
                .contains(Map.entry("WWW-Authenticate", "DPoP error=\"invalid_dpop_proof\", algs=\"ES256 PS256\""));
        assertThat(Denials.invalidDpopToken("ES256").responseHeaders())
                .contains(Map.entry("WWW-Authenticate", "DPoP error=\"invalid_token\", algs=\"ES256\""));
        Decision.Deny nonce = Denials.useDpopNonce("ES256", "abc-_09");
        assertThat(nonce.status()).isEqualTo(401);
        assertThat(nonce.responseHeaders())
                .contains(
                        Map.entry("WWW-Authenticate", "DPoP error=\"use_dpop_nonce\", algs=\"ES256\""),
                        Map.entry("DPoP-Nonce", "abc-_09"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a b", "a\"b", "a=b"})
    void aNonceOutsideBase64urlIsRefused(String nonce) {
        assertThatThrownBy(() -> Denials.useDpopNonce("ES256", nonce)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void retryAfterIsAtLeastOneSecondAndRoundsUp() {
        assertThat(Denials.rateLimited(0, Map.of()).headers()).containsEntry("Retry-After", "1");
        assertThat(Denials.rateLimited(7, Map.of("RateLimit", "x")).headers())
                .containsEntry("Retry-After", "7")
                .containsEntry("RateLimit", "x");
        assertThat(Denials.rateLimitUnavailable(0).status()).isEqualTo(503);
        assertThat(Denials.rateLimitUnavailable(0).headers()).containsEntry("Retry-After", "1");
        assertThat(Denials.rateLimitUnavailable(9).headers()).containsEntry("Retry-After", "9");
        assertThat(Denials.quarantined(Duration.ZERO).headers()).containsEntry("Retry-After", "1");
        assertThat(Denials.quarantined(Duration.ofSeconds(5)).headers()).containsEntry("Retry-After", "5");
        assertThat(Denials.quarantined(Duration.ofSeconds(5).plusNanos(1)).headers())
                .containsEntry("Retry-After", "6");
    }

    @Test
    void unavailableIsA503WithoutChallenge() {
        assertThat(Denials.unavailable().status()).isEqualTo(503);
        assertThat(Denials.unavailable().challenges()).isEmpty();
        assertThat(Denials.unavailable().problem().toJson()).contains("\"status\":503");
    }
}
