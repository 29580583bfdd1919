package dev.apiguard.token;

import static dev.apiguard.token.TestIssuer.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.ApiGuard;
import dev.apiguard.Challenge;
import dev.apiguard.Decision;
import dev.apiguard.Denials;
import dev.apiguard.GuardExchange;
import dev.apiguard.event.SecurityEvent;
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.event.SecurityEventType;
import dev.apiguard.fakes.FakeRequest;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The Bearer step of RFC 6750 §2.1, with docs/security-cases.md section A cases 12, 14, 15 and 21. */
class AccessTokenStepTest {

    private static final TestIssuer ISSUER = TestIssuer.named("https://issuer.example");

    private final List<SecurityEvent> events = new CopyOnWriteArrayList<>();
    private final AccessTokenStep step = AccessTokenStep.of(ISSUER.policy().build());
    private final ApiGuard guard = ApiGuard.builder()
            .clock(Clock.fixed(NOW, ZoneOffset.UTC))
            .listener(events::add)
            .step(step)
            .build();

    private GuardExchange exchange;

    private Decision evaluate(FakeRequest request) {
        exchange = guard.exchange(request);
        return guard.evaluate(exchange);
    }

    private List<dev.apiguard.event.EventType> eventTypes() {
        return events.stream().map(SecurityEvent::type).toList();
    }

    @Test
    void validBearerTokenAuthenticatesTheCaller() {
        String token = ISSUER.token().sign();

        Decision decision = evaluate(FakeRequest.get().bearer(token));

        assertThat(decision.isAllowed()).isTrue();
        assertThat(exchange.caller()).hasValueSatisfying(c -> assertThat(c.id()).isEqualTo("client-1"));
        assertThat(eventTypes()).containsExactly(SecurityEventType.TOKEN_ACCEPTED);
        assertThat(events.get(0).callerId()).isEqualTo("client-1");
        assertNoEventHoldsAnyPartOf(token);
    }

    /**
     * The verified-token cache is keyed by a digest, not the token: once a token is cached, every
     * near-copy (a character of the signature or payload changed, one replaced by a character above
     * Latin-1 with the same low byte, or by a lone surrogate) is verified afresh and refused, however
     * the valid and the tampered ones interleave; the valid one keeps passing.
     */
    @Test
    void nearCopiesOfACachedTokenAreVerifiedAfreshAndRefused() {
        String token = ISSUER.token().sign();
        int inPayload = token.indexOf('.') + 5;
        int inSignature = token.length() - 3;
        List<String> tampered = List.of(
                token.substring(0, inSignature) + flip(token.charAt(inSignature)) + token.substring(inSignature + 1),
                token.substring(0, inPayload) + flip(token.charAt(inPayload)) + token.substring(inPayload + 1),
                token.substring(0, inPayload)
                        + (char) (token.charAt(inPayload) + 0x100)
                        + token.substring(inPayload + 1),
                token.substring(0, inPayload) + '\ud800' + token.substring(inPayload + 1));

        for (int round = 0; round < 3; round++) {
            assertThat(evaluate(FakeRequest.get().bearer(token)).isAllowed()).isTrue();
            for (String t : tampered) {
                assertThat(evaluate(FakeRequest.get().header("Authorization", "Bearer " + t)))
                        .as("round %d: %s", round, t.equals(tampered.get(0)) ? "signature" : "payload")
                        .isSameAs(Denials.invalidToken());
                assertThat(exchange.caller()).isEmpty();
            }
        }
    }

    private static char flip(char c) {
        return c == 'A' ? 'B' : 'A';
    }

    @ParameterizedTest
    @ValueSource(strings = {"Bearer ", "bearer ", "BEARER ", "bEaReR ", "Bearer    "})
    void schemeIsCaseInsensitiveAndSpacesMayRepeat(String prefix) {
        Decision decision = evaluate(FakeRequest.get()
                .header("Authorization", prefix + ISSUER.token().sign()));

        assertThat(decision.isAllowed()).isTrue();
        assertThat(exchange.caller()).isPresent();
    }

    static Stream<Arguments> refusedHeaders() {
        long now = NOW.getEpochSecond();
        return Stream.of(
                Arguments.of(
                        "alg none",
                        "Bearer " + ISSUER.token().header("alg", "none").unsigned(),
                        "malformed"),
                Arguments.of(
                        "expired",
                        "Bearer "
                                + ISSUER.token()
                                        .claim("iat", now - 900)
                                        .claim("exp", now - 120)
                                        .sign(),
                        "expired"),
                Arguments.of(
                        "typ JWT",
                        "Bearer " + ISSUER.token().header("typ", "JWT").sign(),
                        "bad_type"),
                Arguments.of(
                        "wrong audience",
                        "Bearer " + ISSUER.token().claim("aud", "other").sign(),
                        "wrong_audience"),
                Arguments.of("5-segment JWE", "Bearer a.b.c.d.e", "jwe_not_accepted"),
                Arguments.of("scheme without token", "Bearer", "malformed"),
                Arguments.of("scheme and spaces only", "Bearer   ", "malformed"),
                Arguments.of("tab separator", "Bearer\t" + ISSUER.token().sign(), "malformed"),
                Arguments.of(
                        "two tokens",
                        "Bearer " + ISSUER.token().sign() + " " + ISSUER.token().sign(),
                        "malformed"),
                Arguments.of("character outside b64token", "Bearer abc\"def", "malformed"),
                Arguments.of("padding in the middle", "Bearer abc=def", "malformed"),
                Arguments.of("trailing space", "Bearer " + ISSUER.token().sign() + " ", "malformed"),
                Arguments.of("b64token that is no JWT", "Bearer abc~def+ghi/jkl==", "malformed"),
                Arguments.of("100 KB header", "Bearer " + "A".repeat(100 * 1024), "too_long"),
                Arguments.of("100 KB of spaces", "Bearer" + " ".repeat(100 * 1024) + "x", "too_long"));
    }

    @ParameterizedTest(name = "{0} → 401, reason {2}")
    @MethodSource("refusedHeaders")
    void badBearerCredentialIsRefusedWithInvalidToken(String name, String header, String reason) {
        Decision decision = evaluate(FakeRequest.get().header("Authorization", header));

        assertThat(decision).isInstanceOfSatisfying(Decision.Deny.class, deny -> {
            assertThat(deny.status()).isEqualTo(401);
            assertThat(deny.responseHeaders())
                    .contains(Map.entry("WWW-Authenticate", "Bearer error=\"invalid_token\""));
            assertThat(deny).isSameAs(Denials.invalidToken());
        });
        assertThat(exchange.caller()).isEmpty();
        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.type()).isEqualTo(SecurityEventType.TOKEN_REJECTED);
            assertThat(e.details()).isEqualTo(Map.of("reason", reason));
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"DPoP ", "dpop ", "DPOP  "})
    void dpopSchemeTokenIsVerifiedTheSameWayAndTheSchemeIsRecorded(String prefix) {
        Decision decision = evaluate(FakeRequest.get()
                .header("Authorization", prefix + ISSUER.token().sign()));

        assertThat(decision.isAllowed()).isTrue();
        assertThat(exchange.caller()).isPresent();
        assertThat(exchange.credentialScheme()).isEqualTo("DPoP");
    }

    @Test
    void bearerSchemeIsRecordedAsBearer() {
        evaluate(FakeRequest.get()
                .header("Authorization", "bEaReR " + ISSUER.token().sign()));

        assertThat(exchange.credentialScheme()).isEqualTo("Bearer");
    }

    @Test
    void badTokenUnderTheDpopSchemeIsRefusedWithInvalidToken() {
        Decision decision = evaluate(FakeRequest.get()
                .header("Authorization", "DPoP " + ISSUER.token().sign() + "x!"));

        assertThat(decision).isEqualTo(Denials.invalidToken());
        assertThat(exchange.caller()).isEmpty();
        assertThat(exchange.credentialScheme()).isNull();
    }

    @Test
    void twoAuthorizationHeadersAreABadRequest() {
        String token = ISSUER.token().sign();

        Decision decision = evaluate(FakeRequest.get().bearer(token).bearer(token));

        assertThat(decision).isInstanceOfSatisfying(Decision.Deny.class, deny -> {
            assertThat(deny.status()).isEqualTo(400);
            assertThat(deny.responseHeaders())
                    .contains(Map.entry("WWW-Authenticate", "Bearer error=\"invalid_request\""));
        });
        assertThat(exchange.caller()).isEmpty();
        assertThat(eventTypes()).containsExactly(SecurityEventType.REQUEST_INVALID);
        assertNoEventHoldsAnyPartOf(token);
    }

    @Test
    void tokenInTheQueryStringIsNeverUsedAndRaisesAnEvent() {
        Decision decision = evaluate(FakeRequest.get().query("access_token"));

        assertThat(decision.isAllowed()).isTrue();
        assertThat(exchange.caller()).isEmpty();
        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.type()).isEqualTo(SecurityEventType.CREDENTIAL_MISPLACED);
            assertThat(e.details()).isEqualTo(Map.of("location", "query"));
        });
    }

    /** Issue 13, item 4: the query is read whole, as the container reads it; the cap was 1,000 parameters. */
    @ParameterizedTest(name = "[{0}]")
    @org.junit.jupiter.params.provider.ValueSource(
            strings = {"access_token=x", "access%5Ftoken=x", "%61ccess_token", "=y&access_token=x"})
    void aTokenInTheQueryIsSeenWhereverItStands(String parameter) {
        for (int before : new int[] {0, 999, 1000, 3000}) {
            events.clear();
            evaluate(FakeRequest.get().rawQuery("a&".repeat(before) + parameter));
            assertThat(eventTypes())
                    .as("after %s parameters", before)
                    .containsExactly(SecurityEventType.CREDENTIAL_MISPLACED);
        }
    }

    @Test
    void tokenInTheQueryStringBesideAHeaderIsReportedToo() {
        Decision decision = evaluate(
                FakeRequest.get().query("access_token").bearer(ISSUER.token().sign()));

        assertThat(decision.isAllowed()).isTrue();
        assertThat(eventTypes())
                .containsExactly(SecurityEventType.CREDENTIAL_MISPLACED, SecurityEventType.TOKEN_ACCEPTED);
    }

    @Test
    void requestWithoutCredentialPassesWithoutCallerAndWithoutEvents() {
        Decision decision = evaluate(FakeRequest.get());

        assertThat(decision.isAllowed()).isTrue();
        assertThat(exchange.caller()).isEmpty();
        assertThat(events).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"Basic dXNlcjpwYXNz", "DPoPish token", "Bearerish token", "Negotiate abc"})
    void otherSchemesAreLeftToOtherSteps(String header) {
        Decision decision = evaluate(FakeRequest.get().header("Authorization", header));

        assertThat(decision.isAllowed()).isTrue();
        assertThat(exchange.caller()).isEmpty();
        assertThat(events).isEmpty();
    }

    @Test
    void stepOffersTheBearerChallengeAndIsNamedToken() {
        assertThat(step.name()).isEqualTo("token");
        assertThat(step.challenges()).containsExactly(Challenge.of("Bearer"));
        assertThat(exchangeFor(FakeRequest.get()).unauthenticated().responseHeaders())
                .contains(Map.entry("WWW-Authenticate", "Bearer"));
    }

    @Test
    void worksWithoutListeners() {
        ApiGuard quiet = ApiGuard.builder()
                .clock(Clock.fixed(NOW, ZoneOffset.UTC))
                .listener(SecurityEventListener.NONE)
                .step(step)
                .build();
        GuardExchange ex =
                quiet.exchange(FakeRequest.get().bearer(ISSUER.token().sign()));

        assertThat(quiet.evaluate(ex).isAllowed()).isTrue();
        assertThat(ex.caller()).isPresent();
    }

    private GuardExchange exchangeFor(FakeRequest request) {
        return guard.exchange(request);
    }

    /** RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=". */
    @Test
    void b64tokenAcceptsExactlyItsAlphabetThenPadding() {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/";
        assertThat(AccessTokenStep.b64token("Bearer " + alphabet)).isEqualTo(alphabet);
        assertThat(AccessTokenStep.b64token("Bearer   " + alphabet + "==")).isEqualTo(alphabet + "==");
        for (char c : alphabet.toCharArray()) {
            assertThat(AccessTokenStep.b64token("Bearer x" + c + "y"))
                    .as("%s", c)
                    .isEqualTo("x" + c + "y");
        }
        // the neighbours of each range, and the separators a header might smuggle in
        for (char c : "@[`{:;,!\"#$%&'()*<>?\\^|= \t".toCharArray()) {
            assertThat(AccessTokenStep.b64token("Bearer x" + c + "y"))
                    .as("%s", c)
                    .isNull();
        }
        assertThat(AccessTokenStep.b64token("Bearer ==")).isNull();
        assertThat(AccessTokenStep.b64token("Bearer")).isNull();
        assertThat(AccessTokenStep.b64token("Bearer ")).isNull();
        assertThat(AccessTokenStep.b64token("Bearerabc")).isNull();
    }

    /** The header cap is the token cap plus room for the scheme and spaces: a token at the cap passes. */
    @Test
    void tokenAtTheLengthCapPassesTheHeaderCapToo() {
        String token = ISSUER.token().claim("pad", "x".repeat(600)).sign();
        AccessTokenStep exact = AccessTokenStep.of(
                ISSUER.policy().maxTokenLength(token.length()).build());
        ApiGuard g = ApiGuard.builder()
                .clock(Clock.fixed(NOW, ZoneOffset.UTC))
                .step(exact)
                .build();

        GuardExchange ok = g.exchange(FakeRequest.get().header("Authorization", "Bearer " + " ".repeat(57) + token));
        assertThat(g.evaluate(ok).isAllowed()).isTrue();
        assertThat(ok.caller()).isPresent();

        // the header is 64 characters longer than the token cap; one more is refused before any parsing
        GuardExchange tooLong =
                g.exchange(FakeRequest.get().header("Authorization", "Bearer " + " ".repeat(58) + token));
        assertThat(g.evaluate(tooLong).isAllowed()).isFalse();
    }

    @Test
    void schemeMustBeFollowedBySpaceOrTabOrNothing() {
        String token = ISSUER.token().sign();
        assertThat(evaluate(FakeRequest.get().header("Authorization", "Bearer")).isAllowed())
                .isFalse();
        assertThat(evaluate(FakeRequest.get().header("Authorization", "DPoP")).isAllowed())
                .isFalse();
        assertThat(evaluate(FakeRequest.get().header("Authorization", "Bearer_" + token))
                        .isAllowed())
                .isTrue();
        assertThat(exchange.caller()).isEmpty();
    }

    private void assertNoEventHoldsAnyPartOf(String token) {
        for (String part : token.split("\\.")) {
            for (SecurityEvent e : events) {
                assertThat(e.toString()).doesNotContain(part);
            }
        }
    }
}
