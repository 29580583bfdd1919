package dev.apiguard.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apiguard.ApiGuard;
import dev.apiguard.Decision;
import dev.apiguard.GuardExchange;
import dev.apiguard.GuardStep;
import dev.apiguard.fakes.FakeRequest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A host's own step emits its own kinds of event, which cannot pass for the library's. */
class HostEventTypeTest {

    /** A host's kinds, as a host would write them. */
    enum TenantEvents implements EventType {
        SUSPENDED("tenant.suspended", EventLevel.WARN, EventOutcome.REFUSED),
        VISITED("tenant.visited", EventLevel.DEBUG, EventOutcome.ACCEPTED),
        AUDITED("tenant.audit.recorded", EventLevel.ERROR, EventOutcome.NOTICE);

        private final String eventName;
        private final EventLevel level;
        private final EventOutcome outcome;

        TenantEvents(String eventName, EventLevel level, EventOutcome outcome) {
            this.eventName = eventName;
            this.level = level;
            this.outcome = outcome;
        }

        @Override
        public String eventName() {
            return eventName;
        }

        @Override
        public EventLevel level() {
            return level;
        }

        @Override
        public EventOutcome outcome() {
            return outcome;
        }
    }

    /** A kind with any name, at INFO, with the default outcome. */
    record Named(String eventName) implements EventType {
        @Override
        public EventLevel level() {
            return EventLevel.INFO;
        }
    }

    /** Refuses requests to a suspended tenant's path, emitting its own events. */
    static final class TenantStep implements GuardStep {
        @Override
        public String name() {
            return "tenant";
        }

        @Override
        public Decision evaluate(GuardExchange exchange) {
            if (exchange.request().path().startsWith("/suspended/")) {
                exchange.emit(TenantEvents.SUSPENDED, "tenant", "acme");
                return new Decision.Deny(
                        403,
                        List.of(),
                        new dev.apiguard.Problem("urn:tenant:suspended", "Suspended", 403, "x"),
                        Map.of());
            }
            exchange.emit(TenantEvents.VISITED);
            exchange.emit(TenantEvents.AUDITED, Map.of("tenant", "acme"));
            return Decision.ALLOW;
        }
    }

    private static ApiGuard guard(SecurityEventListener listener, GuardStep step) {
        return ApiGuard.builder().listener(listener).step(step).build();
    }

    private static Decision call(ApiGuard guard, String path) {
        return guard.evaluate(guard.exchange(FakeRequest.of("GET", path)));
    }

    @Test
    void aHostStepsOwnEventsReachAListenerAndTheLogAtTheirDeclaredLevel() {
        List<SecurityEvent> recorded = new ArrayList<>();
        Slf4jSecurityEventListenerTest.RecordingLogger logger =
                new Slf4jSecurityEventListenerTest.RecordingLogger(true);
        Slf4jSecurityEventListener logging =
                Slf4jSecurityEventListener.builder().build(logger);
        ApiGuard guard = guard(SecurityEventListener.composite(recorded::add, logging), new TenantStep());

        assertThat(call(guard, "/suspended/orders")).isInstanceOf(Decision.Deny.class);
        assertThat(call(guard, "/orders")).isSameAs(Decision.ALLOW);

        assertThat(recorded)
                .extracting(SecurityEvent::type)
                .containsExactly(TenantEvents.SUSPENDED, TenantEvents.VISITED, TenantEvents.AUDITED);
        assertThat(recorded.get(0).detail("tenant")).isEqualTo("acme");
        assertThat(recorded.get(0).path()).isEqualTo("/suspended/orders");
        assertThat(logger.lines)
                .containsExactly(
                        "WARN tenant.suspended peer=192.0.2.1 method=GET path=/suspended/orders tenant=acme",
                        "DEBUG tenant.visited peer=192.0.2.1 method=GET path=/orders",
                        "ERROR tenant.audit.recorded peer=192.0.2.1 method=GET path=/orders tenant=acme");
    }

    @Test
    void aHostKindHasALogBudgetOfItsOwn() {
        Slf4jSecurityEventListenerTest.RecordingLogger logger =
                new Slf4jSecurityEventListenerTest.RecordingLogger(false);
        Slf4jSecurityEventListener logging = Slf4jSecurityEventListener.builder()
                .linesPerEventType(2, java.time.Duration.ofHours(1))
                .build(logger);
        for (int i = 0; i < 5; i++) {
            logging.onEvent(new SecurityEvent(TenantEvents.SUSPENDED, Instant.EPOCH, null, null, null, null, null));
            logging.onEvent(new SecurityEvent(new Named("other.thing"), Instant.EPOCH, null, null, null, null, null));
        }
        logging.onEvent(
                new SecurityEvent(SecurityEventType.TOKEN_REJECTED, Instant.EPOCH, null, null, null, null, null));
        assertThat(logger.lines)
                .containsExactly(
                        "WARN tenant.suspended",
                        "INFO other.thing",
                        "WARN tenant.suspended",
                        "INFO other.thing",
                        "INFO token.rejected");
    }

    @Test
    void aHostKindCannotTakeTheNameOfABuiltInOne() {
        List<SecurityEvent> recorded = new ArrayList<>();
        for (SecurityEventType builtIn : SecurityEventType.values()) {
            assertThatThrownBy(() -> new SecurityEvent(
                            new Named(builtIn.eventName()), Instant.EPOCH, null, null, null, null, null))
                    .as(builtIn.eventName())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("reserves");
        }
        // through a real guard: the step fails (503) and the listener never sees the impostor
        GuardStep impostor = new GuardStep() {
            @Override
            public String name() {
                return "impostor";
            }

            @Override
            public Decision evaluate(GuardExchange exchange) {
                exchange.emit(new Named("token.accepted"));
                return Decision.ALLOW;
            }
        };
        Decision d = call(guard(recorded::add, impostor), "/x");
        assertThat(d)
                .isInstanceOfSatisfying(
                        Decision.Deny.class, deny -> assertThat(deny.status()).isEqualTo(503));
        assertThat(recorded).extracting(SecurityEvent::type).containsExactly(SecurityEventType.STEP_FAILED);
        assertThat(recorded.get(0).detail("fault")).isEqualTo(IllegalArgumentException.class.getName());
    }

    @Test
    void theLibrarysNamespacesAreReservedEvenForNewNames() {
        for (String namespace : EventType.RESERVED_NAMESPACES) {
            assertThatThrownBy(() -> EventType.checked(new Named(namespace + ".custom")))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'" + namespace + "'");
        }
        assertThat(EventType.checked(new Named("tokens.custom")).eventName()).isEqualTo("tokens.custom");
        assertThat(EventType.checked(new Named("acme.token.rejected")).eventName())
                .isEqualTo("acme.token.rejected");
    }

    @Test
    void everyBuiltInNamespaceIsReserved() {
        assertThat(Arrays.stream(SecurityEventType.values())
                        .map(t -> t.eventName().substring(0, t.eventName().indexOf('.')))
                        .collect(Collectors.toSet()))
                .isSubsetOf(EventType.RESERVED_NAMESPACES);
        for (SecurityEventType builtIn : SecurityEventType.values()) {
            assertThat(EventType.checked(builtIn)).isSameAs(builtIn);
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "tenant",
                "Tenant.suspended",
                "tenant.",
                ".tenant",
                "tenant..x",
                "tenant.sus pended",
                "tenant.x\nINFO token.accepted caller=admin",
                "tenant.1x",
                "tenant-x.y",
                "tenant.x=y",
                "tenant.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
            })
    void malformedNamesAreRefused(String name) {
        assertThatThrownBy(() -> EventType.checked(new Named(name)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lower-case dotted")
                .hasMessageNotContaining("\n");
    }

    @Test
    void aMalformedHostKindIsRefusedAlsoWhenNobodyListens() {
        ApiGuard quiet = ApiGuard.builder()
                .step(new GuardStep() {
                    @Override
                    public String name() {
                        return "quiet";
                    }

                    @Override
                    public Decision evaluate(GuardExchange exchange) {
                        exchange.emit(new Named("dpop.custom"), "k", "v");
                        return Decision.ALLOW;
                    }
                })
                .build();
        assertThat(call(quiet, "/x"))
                .isInstanceOfSatisfying(
                        Decision.Deny.class, deny -> assertThat(deny.status()).isEqualTo(503));
        assertThatThrownBy(() -> EventType.checked(new Named(null))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EventType.checked(null)).isInstanceOf(NullPointerException.class);
    }
}
