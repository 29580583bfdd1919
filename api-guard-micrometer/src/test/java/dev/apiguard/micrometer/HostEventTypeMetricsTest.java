package dev.apiguard.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.ApiGuard;
import dev.apiguard.Decision;
import dev.apiguard.GuardExchange;
import dev.apiguard.GuardStep;
import dev.apiguard.Problem;
import dev.apiguard.event.EventLevel;
import dev.apiguard.event.EventOutcome;
import dev.apiguard.event.EventType;
import dev.apiguard.event.SecurityEvent;
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.event.SecurityEventType;
import dev.apiguard.event.Slf4jSecurityEventListener;
import dev.apiguard.test.RecordingListener;
import dev.apiguard.test.TestRequest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A host step's own kinds of event through a real guard: recorded, logged and counted. */
class HostEventTypeMetricsTest {

    enum BillingEvents implements EventType {
        QUOTA_EXHAUSTED("billing.quota_exhausted", EventOutcome.REFUSED),
        QUOTA_CHECKED("billing.quota_checked", EventOutcome.ACCEPTED);

        private final String eventName;
        private final EventOutcome outcome;

        BillingEvents(String eventName, EventOutcome outcome) {
            this.eventName = eventName;
            this.outcome = outcome;
        }

        @Override
        public String eventName() {
            return eventName;
        }

        @Override
        public EventLevel level() {
            return EventLevel.INFO;
        }

        @Override
        public EventOutcome outcome() {
            return outcome;
        }
    }

    /** Refuses {@code /premium/...}; emits its own events, and one of the library's. */
    static final class BillingStep implements GuardStep {
        @Override
        public String name() {
            return "billing";
        }

        @Override
        public Decision evaluate(GuardExchange exchange) {
            if (exchange.request().path().startsWith("/premium/")) {
                exchange.emit(BillingEvents.QUOTA_EXHAUSTED, "plan", "free");
                return new Decision.Deny(
                        402, List.of(), new Problem("urn:billing:quota", "Quota exhausted", 402, "Upgrade."), Map.of());
            }
            exchange.emit(BillingEvents.QUOTA_CHECKED);
            return Decision.ALLOW;
        }
    }

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private double count(String name, String... tags) {
        return registry.find(name).tags(tags).counters().stream()
                .mapToDouble(c -> c.count())
                .sum();
    }

    @Test
    void aHostStepsEventsAreRecordedLoggedAndCountedUnderTheirName() {
        RecordingListener recording = new RecordingListener();
        ApiGuard guard = ApiGuard.builder()
                .listener(SecurityEventListener.composite(
                        recording, new Slf4jSecurityEventListener(), MicrometerSecurityEventListener.of(registry)))
                .step(new BillingStep())
                .build();

        for (String path : List.of("/premium/report", "/premium/export", "/basic/report")) {
            guard.evaluate(guard.exchange(TestRequest.get(path)));
        }

        assertThat(recording.types())
                .containsExactly(
                        BillingEvents.QUOTA_EXHAUSTED, BillingEvents.QUOTA_EXHAUSTED, BillingEvents.QUOTA_CHECKED);
        assertThat(recording.last(BillingEvents.QUOTA_EXHAUSTED))
                .get()
                .extracting(e -> e.detail("plan"))
                .isEqualTo("free");
        assertThat(count(
                        MicrometerSecurityEventListener.EVENTS,
                        "event",
                        "billing.quota_exhausted",
                        "outcome",
                        "refused"))
                .isEqualTo(2);
        assertThat(count(
                        MicrometerSecurityEventListener.EVENTS,
                        "event",
                        "billing.quota_checked",
                        "outcome",
                        "accepted"))
                .isEqualTo(1);
        assertThat(count(MicrometerSecurityEventListener.DECISIONS))
                .as("a host event names no step the listener knows: no decision counted")
                .isZero();
    }

    @Test
    void hostEventNamesAreCappedLikeEveryHostDefinedTagValue() {
        MicrometerSecurityEventListener listener = MicrometerSecurityEventListener.builder(registry)
                .maxTagValues(1)
                .build();
        record Named(String eventName) implements EventType {
            @Override
            public EventLevel level() {
                return EventLevel.INFO;
            }
        }
        listener.onEvent(new SecurityEvent(new Named("acme.first"), Instant.EPOCH, null, null, null, null, null));
        listener.onEvent(new SecurityEvent(new Named("acme.second"), Instant.EPOCH, null, null, null, null, null));
        listener.onEvent(new SecurityEvent(new Named("acme.third"), Instant.EPOCH, null, null, null, null, null));

        assertThat(count(MicrometerSecurityEventListener.EVENTS, "event", "acme.first", "outcome", "notice"))
                .isEqualTo(1);
        assertThat(count(MicrometerSecurityEventListener.EVENTS, "event", "other", "outcome", "notice"))
                .isEqualTo(2);
        // the library's kinds are never capped
        listener.onEvent(
                new SecurityEvent(SecurityEventType.TOKEN_REJECTED, Instant.EPOCH, null, null, null, null, null));
        assertThat(count(MicrometerSecurityEventListener.EVENTS, "event", "token.rejected"))
                .isEqualTo(1);
    }
}
