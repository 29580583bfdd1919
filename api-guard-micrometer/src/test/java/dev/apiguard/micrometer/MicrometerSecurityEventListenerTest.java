package dev.apiguard.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.event.SecurityEvent;
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.event.SecurityEventType;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class MicrometerSecurityEventListenerTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private static SecurityEvent event(SecurityEventType type, String caller, Map<String, String> details) {
        return new SecurityEvent(type, Instant.EPOCH, caller, "192.0.2.1", "GET", "/x", details);
    }

    private double count(String name, String... tags) {
        var search = registry.find(name);
        if (tags.length > 0) {
            search = search.tags(tags);
        }
        return search.counters().stream().mapToDouble(c -> c.count()).sum();
    }

    private long distinctValues(String name, String tag) {
        return registry.find(name).counters().stream()
                .map(c -> c.getId().getTag(tag))
                .distinct()
                .count();
    }

    @Test
    void everyEventKindIsRegisteredAtZeroWithItsDottedName() {
        MicrometerSecurityEventListener.of(registry);
        for (SecurityEventType type : SecurityEventType.values()) {
            assertThat(registry.find("apiguard.events")
                            .tag("event", type.eventName())
                            .counter())
                    .as(type.eventName())
                    .isNotNull()
                    .extracting(c -> c.count())
                    .isEqualTo(0.0);
        }
    }

    @Test
    void countsEachEventByNameAndOutcome() {
        var listener = MicrometerSecurityEventListener.of(registry);
        listener.onEvent(event(SecurityEventType.TOKEN_ACCEPTED, "partner-a", Map.of()));
        listener.onEvent(event(SecurityEventType.TOKEN_ACCEPTED, "partner-b", Map.of()));
        listener.onEvent(event(SecurityEventType.TOKEN_REJECTED, null, Map.of("reason", "expired")));
        listener.onEvent(event(SecurityEventType.SCOPE_DENIED, "partner-a", Map.of("required", "payments:write")));
        listener.onEvent(event(SecurityEventType.CERTIFICATE_SPOOFED, null, Map.of("header", "X-Client-Cert")));

        assertThat(count("apiguard.events", "event", "token.accepted", "outcome", "accepted"))
                .isEqualTo(2);
        assertThat(count("apiguard.events", "event", "token.rejected", "outcome", "refused"))
                .isEqualTo(1);
        assertThat(count("apiguard.events", "event", "scope.denied", "outcome", "refused"))
                .isEqualTo(1);
        assertThat(count("apiguard.events", "event", "certificate.forwarded_untrusted", "outcome", "notice"))
                .isEqualTo(1);
        assertThat(count("apiguard.events")).isEqualTo(5);

        assertThat(count("apiguard.decisions", "step", "token", "outcome", "allow"))
                .isEqualTo(2);
        assertThat(count("apiguard.decisions", "step", "token", "outcome", "deny"))
                .isEqualTo(1);
        assertThat(count("apiguard.decisions", "step", "scope", "outcome", "deny"))
                .isEqualTo(1);
        assertThat(count("apiguard.decisions")).as("a notice is no decision").isEqualTo(4);
    }

    @Test
    void countsRateLimitRejectionsPerPlanAndBucket() {
        var listener = MicrometerSecurityEventListener.of(registry);
        listener.onEvent(
                event(SecurityEventType.RATE_LIMITED, "partner-a", Map.of("bucket", "caller", "plan", "gold")));
        listener.onEvent(
                event(SecurityEventType.RATE_LIMITED, "partner-b", Map.of("bucket", "caller", "plan", "gold")));
        listener.onEvent(event(SecurityEventType.RATE_LIMITED, null, Map.of("bucket", "peer", "plan", "anonymous")));

        assertThat(count("apiguard.ratelimit.rejections", "plan", "gold", "bucket", "caller"))
                .isEqualTo(2);
        assertThat(count("apiguard.ratelimit.rejections", "plan", "anonymous", "bucket", "peer"))
                .isEqualTo(1);
        assertThat(count("apiguard.decisions", "step", "ratelimit", "outcome", "deny"))
                .isEqualTo(2);
        assertThat(count("apiguard.decisions", "step", "anonymous-ratelimit", "outcome", "deny"))
                .isEqualTo(1);
    }

    @Test
    void countsMisusedCredentialsByReasonAndADpopCallerOverItsShareAsTheDpopStepsRefusal() {
        var listener = MicrometerSecurityEventListener.of(registry);
        listener.onEvent(event(
                SecurityEventType.CREDENTIAL_MISUSED,
                "partner-a",
                Map.of("reason", "no_certificate", "kind", "bearer_jwt")));
        listener.onEvent(event(
                SecurityEventType.CREDENTIAL_MISUSED,
                "partner-a",
                Map.of("reason", "no_certificate", "kind", "bearer_jwt")));
        listener.onEvent(event(
                SecurityEventType.CREDENTIAL_MISUSED, "partner-b", Map.of("reason", "replayed", "kind", "bearer_jwt")));
        listener.onEvent(event(SecurityEventType.RATE_LIMITED, "partner-c", Map.of("bucket", "dpop_proofs")));

        assertThat(count("apiguard.credentials.misused", "reason", "no_certificate"))
                .isEqualTo(2);
        assertThat(count("apiguard.credentials.misused", "reason", "replayed")).isEqualTo(1);
        assertThat(count("apiguard.events", "event", "credential.misused", "outcome", "refused"))
                .isEqualTo(3);
        assertThat(count("apiguard.ratelimit.rejections", "bucket", "dpop_proofs"))
                .isEqualTo(1);
        assertThat(count("apiguard.decisions", "step", "dpop", "outcome", "deny"))
                .isEqualTo(1);
    }

    @Test
    void countsAnomalyActionsKeyFetchFailuresAndStoreTransitions() {
        var listener = MicrometerSecurityEventListener.of(registry);
        listener.onEvent(event(SecurityEventType.ANOMALY_OBSERVED, "c", Map.of("score", "40")));
        listener.onEvent(event(SecurityEventType.ANOMALY_THROTTLED, "c", Map.of()));
        listener.onEvent(event(SecurityEventType.ANOMALY_QUARANTINED, "c", Map.of("until", "2026-01-01T00:00:00Z")));
        listener.onEvent(event(SecurityEventType.ANOMALY_CLEARED, "c", Map.of()));
        listener.onEvent(event(SecurityEventType.QUARANTINE_REFUSED, "c", Map.of()));
        listener.onEvent(event(SecurityEventType.KEY_SOURCE_FAILED, null, Map.of()));
        listener.onEvent(event(SecurityEventType.KEY_SOURCE_REFRESHED, null, Map.of("jwks", "https://idp/jwks")));
        listener.onEvent(event(SecurityEventType.KEY_SOURCE_REFRESHED, null, Map.of("jwks", "https://idp/jwks")));
        listener.onEvent(new SecurityEvent(
                SecurityEventType.STORE_UNAVAILABLE,
                Instant.EPOCH,
                null,
                null,
                null,
                null,
                Map.of(
                        "store",
                        "redis",
                        "policy",
                        "FAIL_CLOSED",
                        "fault",
                        "io.lettuce.core.RedisCommandTimeoutException")));
        listener.onEvent(new SecurityEvent(
                SecurityEventType.STORE_RECOVERED,
                Instant.EPOCH,
                null,
                null,
                null,
                null,
                Map.of("store", "redis", "policy", "FAIL_CLOSED")));

        for (String action : List.of("observed", "throttled", "quarantined", "cleared")) {
            assertThat(count("apiguard.anomaly.actions", "action", action))
                    .as(action)
                    .isEqualTo(1);
        }
        assertThat(count("apiguard.decisions", "step", "anomaly", "outcome", "deny"))
                .isEqualTo(1);
        assertThat(count("apiguard.keys.fetch_failures")).isEqualTo(1);
        assertThat(count("apiguard.keys.refreshes")).isEqualTo(2);
        assertThat(count("apiguard.events", "event", "keys.fetch_failed", "outcome", "fault"))
                .isEqualTo(1);
        assertThat(count("apiguard.store.transitions", "store", "redis", "state", "unavailable"))
                .isEqualTo(1);
        assertThat(count("apiguard.store.transitions", "store", "redis", "state", "recovered"))
                .isEqualTo(1);
    }

    @Test
    void stepFailuresCountAsFaultsOfTheirStep() {
        var listener = MicrometerSecurityEventListener.of(registry);
        listener.onEvent(event(
                SecurityEventType.STEP_FAILED,
                null,
                Map.of("step", "ratelimit", "fault", "java.lang.IllegalStateException")));
        assertThat(count("apiguard.decisions", "step", "ratelimit", "outcome", "fault"))
                .isEqualTo(1);
    }

    @Test
    void noCallerTagByDefault() {
        var listener = MicrometerSecurityEventListener.of(registry);
        listener.onEvent(event(SecurityEventType.TOKEN_ACCEPTED, "partner-a", Map.of()));
        listener.onEvent(
                event(SecurityEventType.RATE_LIMITED, "partner-a", Map.of("bucket", "caller", "plan", "gold")));
        listener.onEvent(event(SecurityEventType.ANOMALY_THROTTLED, "partner-a", Map.of()));

        for (Meter meter : registry.getMeters()) {
            assertThat(meter.getId().getTag("caller"))
                    .as(meter.getId().toString())
                    .isNull();
            assertThat(meter.getId().getTags()).noneMatch(t -> t.getValue().equals("partner-a"));
        }
    }

    @Test
    void callerIdsAreTagsWhenTheHostOptsIn() {
        var listener = MicrometerSecurityEventListener.builder(registry)
                .tagCallerIds(true)
                .build();
        listener.onEvent(event(SecurityEventType.TOKEN_ACCEPTED, "partner-a", Map.of()));
        listener.onEvent(event(SecurityEventType.TOKEN_ACCEPTED, "partner-a", Map.of()));
        listener.onEvent(event(SecurityEventType.TOKEN_REJECTED, null, Map.of("reason", "expired")));
        listener.onEvent(
                event(SecurityEventType.RATE_LIMITED, "partner-b", Map.of("bucket", "caller", "plan", "gold")));

        assertThat(count("apiguard.events", "event", "token.accepted", "caller", "partner-a"))
                .isEqualTo(2);
        assertThat(count("apiguard.events", "event", "token.rejected", "caller", "none"))
                .isEqualTo(1);
        assertThat(count("apiguard.ratelimit.rejections", "plan", "gold", "caller", "partner-b"))
                .isEqualTo(1);
        assertThat(count("apiguard.decisions", "step", "token", "caller", "partner-a"))
                .isEqualTo(2);
    }

    @Test
    void optedInCallerIdsAreCapped() {
        var listener = MicrometerSecurityEventListener.builder(registry)
                .tagCallerIds(true)
                .maxCallerIds(3)
                .build();
        for (int i = 0; i < 50; i++) {
            listener.onEvent(event(SecurityEventType.TOKEN_ACCEPTED, "caller-" + i, Map.of()));
        }
        assertThat(distinctValues("apiguard.events", "caller")).isEqualTo(4); // 3 callers and "other"
        assertThat(count("apiguard.events", "caller", "other")).isEqualTo(47);
        assertThat(count("apiguard.events")).isEqualTo(50);
    }

    @Test
    void unknownDetailsAndEndlessValuesDoNotGrowTheMeters() {
        var listener = MicrometerSecurityEventListener.builder(registry)
                .maxTagValues(5)
                .build();
        int before = registry.getMeters().size();
        for (int i = 0; i < 1000; i++) {
            Map<String, String> details = new HashMap<>();
            details.put("reason", "reason-" + i);
            details.put("kid", "kid-" + i);
            details.put("path", "/random/" + i);
            listener.onEvent(event(SecurityEventType.TOKEN_REJECTED, "caller-" + i, details));
            listener.onEvent(event(SecurityEventType.REQUEST_INVALID, "caller-" + i, details));
            listener.onEvent(event(
                    SecurityEventType.RATE_LIMITED,
                    "caller-" + i,
                    Map.of("bucket", "bucket-" + i, "plan", "plan-" + i)));
            listener.onEvent(event(SecurityEventType.STEP_FAILED, null, Map.of("step", "custom-" + i)));
            listener.onEvent(new SecurityEvent(
                    SecurityEventType.STORE_UNAVAILABLE,
                    Instant.EPOCH,
                    null,
                    null,
                    null,
                    null,
                    Map.of("store", "store-" + i)));
        }
        assertThat(registry.getMeters().size() - before).isLessThanOrEqualTo(25);
        assertThat(distinctValues("apiguard.ratelimit.rejections", "plan")).isEqualTo(6); // 5 plans and "other"
        assertThat(distinctValues("apiguard.ratelimit.rejections", "bucket")).isEqualTo(1);
        assertThat(count("apiguard.ratelimit.rejections", "plan", "other")).isEqualTo(995);
        assertThat(distinctValues("apiguard.store.transitions", "store")).isEqualTo(1);
        for (Meter meter : registry.getMeters()) {
            assertThat(meter.getId().getTags())
                    .noneMatch(t -> t.getKey().equals("reason")
                            || t.getKey().equals("kid")
                            || t.getKey().equals("path")
                            || t.getKey().equals("caller"));
        }
    }

    @Test
    void composesWithOtherListeners() {
        AtomicInteger seen = new AtomicInteger();
        SecurityEventListener both = SecurityEventListener.composite(
                e -> seen.incrementAndGet(), MicrometerSecurityEventListener.of(registry));
        both.onEvent(event(SecurityEventType.ROUTE_UNMAPPED, null, Map.of()));
        assertThat(seen).hasValue(1);
        assertThat(count("apiguard.events", "event", "route.unmapped")).isEqualTo(1);
    }
}
