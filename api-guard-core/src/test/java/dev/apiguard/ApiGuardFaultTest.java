package dev.apiguard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.event.SecurityEvent;
import dev.apiguard.event.SecurityEventType;
import dev.apiguard.fakes.FakeRequest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** What the guard answers when a step throws instead of deciding. */
class ApiGuardFaultTest {

    private final List<SecurityEvent> events = new CopyOnWriteArrayList<>();

    private Decision evaluateWith(RuntimeException fault) {
        GuardStep failing = new GuardStep() {
            @Override
            public String name() {
                return "quarantine";
            }

            @Override
            public Decision evaluate(GuardExchange exchange) {
                throw fault;
            }
        };
        ApiGuard guard = ApiGuard.builder().listener(events::add).step(failing).build();
        return guard.evaluate(guard.exchange(FakeRequest.get()));
    }

    @Test
    void aStoreFailingClosedIs503WithRetryAfterAndAStepFailedEvent() {
        Decision decision = evaluateWith(new StoreUnavailableException("redis: quarantine list unavailable"));

        Decision.Deny deny = (Decision.Deny) decision;
        assertThat(deny.status()).isEqualTo(503);
        assertThat(deny.responseHeaders()).contains(Map.entry("Retry-After", "1"));
        assertThat(deny.problem().toJson()).doesNotContain("redis");
        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.type()).isEqualTo(SecurityEventType.STEP_FAILED);
            assertThat(e.details())
                    .containsEntry("step", "quarantine")
                    .containsEntry("fault", StoreUnavailableException.class.getName());
        });
    }

    @Test
    void anyOtherFaultIs503WithoutRetryAfter() {
        Decision.Deny deny = (Decision.Deny) evaluateWith(new IllegalStateException("bug"));

        assertThat(deny.status()).isEqualTo(503);
        assertThat(deny.responseHeaders()).noneMatch(h -> h.getKey().equals("Retry-After"));
        assertThat(events).extracting(SecurityEvent::type).containsExactly(SecurityEventType.STEP_FAILED);
    }
}
