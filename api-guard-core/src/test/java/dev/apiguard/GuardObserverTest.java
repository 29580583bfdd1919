package dev.apiguard;

import static dev.apiguard.fakes.FakeGuards.step;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.fakes.FakeRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The observer hook: one start and one outcome per evaluation, with the refusing step and the caller. */
class GuardObserverTest {

    private final List<String> seen = new ArrayList<>();

    private final GuardStep authenticate = step("token", GuardPhase.AUTHENTICATE, exchange -> {
        exchange.authenticate(Caller.builder("partner-a", CredentialKind.MTLS_BOUND_JWT)
                .issuer("https://issuer")
                .scopes(Set.of("a"))
                .build());
        return Decision.ALLOW;
    });

    /** Records what each evaluation saw at its start and at its end. */
    private final GuardObserver recording = exchange -> {
        seen.add("start caller=" + exchange.caller().map(Caller::id).orElse("-"));
        return decision -> seen.add("decided allowed=" + decision.isAllowed()
                + " step="
                + (exchange.deniedBy() == null ? "-" : exchange.deniedBy().name())
                + " caller="
                + exchange.caller().map(c -> c.id() + "/" + c.kind()).orElse("-"));
    };

    /** The recording observer on a guard that authenticates partner-a, then decides the scope. */
    private ApiGuard authenticatingThenScope(Decision scope) {
        return ApiGuard.builder()
                .listener(SecurityEventListener.NONE)
                .observer(recording)
                .step(authenticate)
                .step(step("scope", GuardPhase.AUTHORIZE, exchange -> scope))
                .build();
    }

    @Test
    void anAllowedRequestIsObservedOnceWithItsCaller() {
        ApiGuard guard = authenticatingThenScope(Decision.ALLOW);
        assertThat(guard.observer()).isSameAs(recording);
        assertThat(guard.evaluate(guard.exchange(FakeRequest.get())).isAllowed())
                .isTrue();
        assertThat(seen)
                .containsExactly("start caller=-", "decided allowed=true step=- caller=partner-a/MTLS_BOUND_JWT");
    }

    @Test
    void aRefusalIsObservedWithTheStepThatRefused() {
        ApiGuard guard = authenticatingThenScope(Denials.insufficientScope("b"));
        assertThat(guard.evaluate(guard.exchange(FakeRequest.get())).isAllowed())
                .isFalse();
        assertThat(seen)
                .containsExactly("start caller=-", "decided allowed=false step=scope caller=partner-a/MTLS_BOUND_JWT");
    }

    @Test
    void eachEvaluationOfASliceIsOneObservation() {
        ApiGuard guard = authenticatingThenScope(Decision.ALLOW);
        GuardExchange exchange = guard.exchange(FakeRequest.get());
        guard.evaluate(exchange, guard.steps().subList(0, 1));
        guard.evaluate(exchange, guard.steps().subList(1, 2));
        assertThat(seen)
                .containsExactly(
                        "start caller=-",
                        "decided allowed=true step=- caller=partner-a/MTLS_BOUND_JWT",
                        "start caller=partner-a",
                        "decided allowed=true step=- caller=partner-a/MTLS_BOUND_JWT");
    }

    @Test
    void anObserverThatThrowsChangesNoDecision() {
        GuardObserver failingAtStart = exchange -> {
            throw new IllegalStateException("observer down");
        };
        GuardObserver failingAtEnd = exchange -> decision -> {
            throw new IllegalStateException("observer down");
        };
        GuardObserver returningNull = exchange -> null;
        for (GuardObserver observer : List.of(failingAtStart, failingAtEnd, returningNull)) {
            ApiGuard guard = ApiGuard.builder()
                    .listener(SecurityEventListener.NONE)
                    .observer(observer)
                    .step(step("scope", GuardPhase.AUTHORIZE, exchange -> Denials.insufficientScope("b")))
                    .build();
            GuardExchange exchange = guard.exchange(FakeRequest.get());
            Decision decision = guard.evaluate(exchange);
            assertThat(decision)
                    .isInstanceOfSatisfying(
                            Decision.Deny.class, d -> assertThat(d.status()).isEqualTo(403));
            assertThat(exchange.deniedBy()).isNotNull();
        }
    }

    @Test
    void theDefaultObserverIsNone() {
        ApiGuard guard = ApiGuard.builder()
                .step(step("scope", GuardPhase.AUTHORIZE, exchange -> Decision.ALLOW))
                .build();
        assertThat(guard.observer()).isSameAs(GuardObserver.NONE);
        assertThat(GuardObserver.NONE.start(guard.exchange(FakeRequest.get()))).isSameAs(GuardObserver.Evaluation.NONE);
    }
}
