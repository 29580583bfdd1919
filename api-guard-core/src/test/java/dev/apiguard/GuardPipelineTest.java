package dev.apiguard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apiguard.event.ReasonCode;
import dev.apiguard.event.SecurityEvent;
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.event.SecurityEventType;
import dev.apiguard.fakes.FakeRequest;
import dev.apiguard.scope.RouteDenials;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The pipeline's shape: phases in order, one prepare per request, the refusing step, withdrawn callers. */
class GuardPipelineTest {

    private static final ReasonCode NO_CERTIFICATE = () -> "no_certificate";

    private final List<String> calls = new ArrayList<>();

    private GuardStep step(String name, GuardPhase phase, Decision decision) {
        return new GuardStep() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public GuardPhase phase() {
                return phase;
            }

            @Override
            public void prepare(GuardExchange exchange) {
                calls.add("prepare " + name);
            }

            @Override
            public Decision evaluate(GuardExchange exchange) {
                calls.add("evaluate " + name);
                return decision;
            }
        };
    }

    @Test
    void aStepBeforeOneOfAnEarlierPhaseIsRefusedWithTheOrderToFollow() {
        ApiGuard.Builder b = ApiGuard.builder()
                .step(step("scope", GuardPhase.AUTHORIZE, Decision.ALLOW))
                .step(step("ratelimit", GuardPhase.PROTECT, Decision.ALLOW));
        assertThatThrownBy(b::build)
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("steps: 'ratelimit' (protect) must come before 'scope' (authorize); the phases run in the "
                        + "order admit, authenticate, bind, protect, authorize, observe");
    }

    @Test
    void phasesInOrderWithRepeatsAndHostStepsAnywhereBuild() {
        ApiGuard guard = ApiGuard.builder()
                .step(step("host-first", GuardPhase.ANY, Decision.ALLOW))
                .step(step("admit", GuardPhase.ADMIT, Decision.ALLOW))
                .step(step("token", GuardPhase.AUTHENTICATE, Decision.ALLOW))
                .step(step("apikey", GuardPhase.AUTHENTICATE, Decision.ALLOW))
                .step(step("host-middle", GuardPhase.ANY, Decision.ALLOW))
                .step(step("dpop", GuardPhase.BIND, Decision.ALLOW))
                .step(step("scope", GuardPhase.AUTHORIZE, Decision.ALLOW))
                .step(step("host-late", GuardPhase.ANY, Decision.ALLOW))
                .step(step("inventory", GuardPhase.OBSERVE, Decision.ALLOW))
                .build();
        assertThat(guard.steps())
                .extracting(GuardStep::name)
                .containsExactly(
                        "host-first",
                        "admit",
                        "token",
                        "apikey",
                        "host-middle",
                        "dpop",
                        "scope",
                        "host-late",
                        "inventory");
        // an ANY step in between does not hide a wrong order around it
        assertThatThrownBy(() -> ApiGuard.builder()
                        .step(step("dpop", GuardPhase.BIND, Decision.ALLOW))
                        .step(step("host", GuardPhase.ANY, Decision.ALLOW))
                        .step(step("token", GuardPhase.AUTHENTICATE, Decision.ALLOW))
                        .build())
                .hasMessageStartingWith("steps: 'token' (authenticate) must come before 'dpop' (bind)");
    }

    @Test
    void everyStepPreparesOnceBeforeAnyEvaluatesEvenAcrossPerStepEvaluations() {
        GuardStep a = step("a", GuardPhase.AUTHENTICATE, Decision.ALLOW);
        GuardStep b = step("b", GuardPhase.AUTHORIZE, Decision.ALLOW);
        ApiGuard guard = ApiGuard.builder()
                .listener(SecurityEventListener.NONE)
                .step(a)
                .step(b)
                .build();
        GuardExchange exchange = guard.exchange(FakeRequest.get());
        guard.evaluate(exchange, List.of(a));
        guard.evaluate(exchange, List.of(b));
        assertThat(calls).containsExactly("prepare a", "prepare b", "evaluate a", "evaluate b");
    }

    @Test
    void deniedByNamesTheRefusingStepAndStaysEmptyWhenAllowed() {
        GuardStep allow = step("allow", GuardPhase.AUTHENTICATE, Decision.ALLOW);
        GuardStep refuse = step("refuse", GuardPhase.AUTHORIZE, RouteDenials.notFound());
        GuardStep after = step("after", GuardPhase.OBSERVE, Decision.ALLOW);
        ApiGuard guard = ApiGuard.builder()
                .listener(SecurityEventListener.NONE)
                .step(allow)
                .step(refuse)
                .step(after)
                .build();
        GuardExchange refused = guard.exchange(FakeRequest.get());
        guard.evaluate(refused);
        assertThat(refused.deniedBy()).isSameAs(refuse);
        assertThat(refused.isDeniedBy(refuse)).isTrue();
        assertThat(refused.isDeniedBy(allow)).isFalse();
        assertThat(calls).doesNotContain("evaluate after");

        ApiGuard allowing = ApiGuard.builder()
                .listener(SecurityEventListener.NONE)
                .step(allow)
                .build();
        GuardExchange allowed = allowing.exchange(FakeRequest.get());
        allowing.evaluate(allowed);
        assertThat(allowed.deniedBy()).isNull();
    }

    @Test
    void aFailingStepOrPrepareIsTheRefusingStepOfTheFault() {
        GuardStep failing = new GuardStep() {
            @Override
            public String name() {
                return "failing";
            }

            @Override
            public void prepare(GuardExchange exchange) {
                throw new IllegalStateException("broken host step");
            }

            @Override
            public Decision evaluate(GuardExchange exchange) {
                return Decision.ALLOW;
            }
        };
        GuardStep never = step("never", GuardPhase.ANY, Decision.ALLOW);
        ApiGuard guard = ApiGuard.builder()
                .listener(SecurityEventListener.NONE)
                .step(never)
                .step(failing)
                .build();
        GuardExchange exchange = guard.exchange(FakeRequest.get());
        Decision d = guard.evaluate(exchange);
        assertThat(((Decision.Deny) d).status()).isEqualTo(503);
        assertThat(exchange.deniedBy()).isSameAs(failing);
        assertThat(calls).containsExactly("prepare never").doesNotContain("evaluate never");
    }

    @Test
    void aMisusedCredentialWithdrawsTheCallerNamesTheOwnerAndIsKept() {
        List<SecurityEvent> events = new ArrayList<>();
        ApiGuard guard = ApiGuard.builder()
                .listener(events::add)
                .step(step("x", GuardPhase.ANY, Decision.ALLOW))
                .build();
        GuardExchange exchange = guard.exchange(FakeRequest.get());
        assertThatThrownBy(() -> exchange.credentialMisused(NO_CERTIFICATE)).isInstanceOf(IllegalStateException.class);
        Caller owner = Caller.builder("partner-a", CredentialKind.BEARER_JWT)
                .issuer("https://issuer")
                .scopes(Set.of("a"))
                .confirmation(new Caller.Confirmation("thumb", null))
                .build();
        exchange.authenticate(owner);
        exchange.credentialMisused(NO_CERTIFICATE);
        assertThat(exchange.caller()).isEmpty();
        assertThat(exchange.credentialMisuse()).hasValue(new GuardExchange.CredentialMisuse(owner, NO_CERTIFICATE));
        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.type()).isEqualTo(SecurityEventType.CREDENTIAL_MISUSED);
            assertThat(e.callerId()).isEqualTo("partner-a");
            assertThat(e.details()).containsEntry("reason", "no_certificate").containsEntry("kind", "bearer_jwt");
        });
    }

    @Test
    void aWithdrawnCallerWithoutBlameLeavesNoMisuse() {
        ApiGuard guard = ApiGuard.builder()
                .listener(SecurityEventListener.NONE)
                .step(step("x", GuardPhase.ANY, Decision.ALLOW))
                .build();
        GuardExchange exchange = guard.exchange(FakeRequest.get());
        exchange.authenticate(Caller.builder("partner-a", CredentialKind.BEARER_JWT)
                .issuer("https://issuer")
                .build());
        exchange.withdrawCaller();
        assertThat(exchange.caller()).isEmpty();
        assertThat(exchange.credentialMisuse()).isEmpty();
    }
}
