package dev.apiguard.docs;

// tag::hostevent[]
import dev.apiguard.Decision;
import dev.apiguard.Denials;
import dev.apiguard.GuardExchange;
import dev.apiguard.GuardPhase;
import dev.apiguard.GuardStep;
import dev.apiguard.event.EventLevel;
import dev.apiguard.event.EventOutcome;
import dev.apiguard.event.EventType;
import java.util.Set;

/** Refuses the callers of suspended tenants, and says so in the guard's own events. */
public final class TenantSuspensionStep implements GuardStep {

    /** This application's event kinds: a namespace of its own, never one of the library's. */
    public enum TenantEvents implements EventType {
        TENANT_SUSPENDED("tenant.suspended", EventLevel.WARN, EventOutcome.REFUSED);

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

    private final Set<String> suspendedCallers;

    public TenantSuspensionStep(Set<String> suspendedCallers) {
        this.suspendedCallers = Set.copyOf(suspendedCallers);
    }

    @Override
    public String name() {
        return "tenant-suspension";
    }

    @Override
    public GuardPhase phase() {
        return GuardPhase.AUTHORIZE; // after authentication: it needs the caller
    }

    @Override
    public Decision evaluate(GuardExchange exchange) {
        boolean suspended =
                exchange.caller().filter(c -> suspendedCallers.contains(c.id())).isPresent();
        if (!suspended) {
            return Decision.ALLOW;
        }
        // logged at WARN by the SLF4J listener, counted in apiguard.events{event="tenant.suspended"}
        exchange.emit(TenantEvents.TENANT_SUSPENDED, "tenant", "suspended");
        return Denials.insufficientScope("tenant:active");
    }
}
// end::hostevent[]
