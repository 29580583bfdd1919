package dev.apiguard.anomaly;

import static dev.apiguard.anomaly.AnomalyScoringStepTest.failuresOnly;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.within;

import dev.apiguard.ApiGuard;
import dev.apiguard.Decision;
import dev.apiguard.Denials;
import dev.apiguard.GuardExchange;
import dev.apiguard.GuardStep;
import dev.apiguard.event.SecurityEvent;
import dev.apiguard.event.SecurityEventType;
import dev.apiguard.scope.RouteAuthorizationStep;
import dev.apiguard.scope.RouteRules;
import dev.apiguard.test.fixtures.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The edges of the control loop that {@link AnomalyScoringStepTest} does not walk: the default
 * quarantine store, who is never scored, the exact moment a quarantine or a throttle ends, how a
 * record is told apart, unreadable page numbers, and idle expiry on the step's clock.
 */
class AnomalyScoringStepEdgesTest {

    @Test
    void withoutAStoreQuarantinesAreKeptInTheStepsOwnStoreAndRefused() {
        AnomalyPolicy policy = failuresOnly(1, 2, 4);
        AnomalyScoringStep step = AnomalyScoringStep.of(policy);
        assertThat(step.name()).isEqualTo("anomaly");
        assertThat(step.policy()).isSameAs(policy);
        MutableClock clock = MutableClock.at(Harness.START);
        List<SecurityEvent> events = new ArrayList<>();
        ApiGuard guard = guard(clock, events, step);
        for (int i = 0; i < 10; i++) {
            send(guard, "c", "POST", "/payments", 201); // 403: no payments:write
        }
        Instant until = step.quarantineStore()
                .quarantinedUntil(Harness.key("c"), clock.instant())
                .orElseThrow();
        assertThat(until).isEqualTo(clock.instant().plus(policy.quarantineTtl()));
        Decision refused = guard.evaluate(guard.exchange(Harness.request("c", "GET", "/customers", null)));
        assertThat(refused).isInstanceOf(Decision.Deny.class);
        assertThat(((Decision.Deny) refused).problem().type()).endsWith("/quarantined");
        assertThat(events).extracting(SecurityEvent::type).doesNotContain(SecurityEventType.STEP_FAILED);
    }

    @Test
    void anonymousAndAllowListedRequestsPassTheQuarantineCheckWithoutAFault() {
        Harness h = new Harness(AnomalyPolicy.builder()
                .allowCallers(Harness.key("bulk-exporter"))
                .build());
        h.store.quarantine(Harness.key("bulk-exporter"), h.clock.instant().plusSeconds(60), h.clock.instant());
        // the step alone: the route step in front would refuse the anonymous request itself
        GuardExchange anonymous = h.guard.exchange(Harness.request(null, "GET", "/customers/A1", null));
        assertThat(h.step.evaluate(anonymous)).isSameAs(Decision.ALLOW);
        assertThat(h.evaluate("bulk-exporter", "/customers/A1").isAllowed()).isTrue();
        assertThat(h.events).extracting(SecurityEvent::type).doesNotContain(SecurityEventType.STEP_FAILED);
    }

    /** A step that throws on completion is only logged by the guard: call it directly. */
    @Test
    void completionNeverThrowsForAnonymousRequestsOrForCallersWhoseActionStays() {
        Harness h = new Harness();
        GuardExchange anonymous = h.guard.exchange(Harness.request(null, "GET", "/customers/A1", null));
        h.guard.evaluate(anonymous);
        assertThatCode(() -> h.step.completed(anonymous, 401)).doesNotThrowAnyException();
        GuardExchange partner = h.guard.exchange(Harness.request("partner", "GET", "/customers/A1", null));
        h.guard.evaluate(partner);
        assertThatCode(() -> h.step.completed(partner, 200)).doesNotThrowAnyException();
        assertThat(h.step.scoreOf(Harness.key("partner"))).isPresent();
        assertThat(h.step.scoreOf(Harness.key("nobody"))).isEmpty();
    }

    @Test
    void requestsRefusedByTheQuarantineAreNotScoredButOtherRefusalsAre() {
        MutableClock clock = MutableClock.at(Harness.START);
        Harness.MapStore store = new Harness.MapStore();
        AnomalyScoringStep step = AnomalyScoringStep.builder(AnomalyPolicy.defaults())
                .quarantineStore(store)
                .build();
        // a rate limiter that refuses "limited" before the anomaly step
        GuardStep limiter = new GuardStep() {
            @Override
            public String name() {
                return "fake-ratelimit";
            }

            @Override
            public Decision evaluate(GuardExchange exchange) {
                return exchange.caller().filter(c -> c.id().equals("limited")).isPresent()
                        ? Denials.rateLimited(1, Map.of())
                        : Decision.ALLOW;
            }
        };
        ApiGuard guard = guard(clock, new ArrayList<>(), limiter, step);
        store.quarantine(Harness.key("held"), clock.instant().plusSeconds(600), clock.instant());
        for (int i = 0; i < 50; i++) {
            assertThat(send(guard, "held", "GET", "/customers/A" + i, 200)).isEqualTo(429);
            assertThat(send(guard, "limited", "GET", "/customers/A" + i, 200)).isEqualTo(429);
        }
        assertThat(step.scoreOf(Harness.key("held")))
                .as("refused by its own quarantine: no profile")
                .isEmpty();
        assertThat(step.scoreOf(Harness.key("limited")))
                .as("refused by the rate limiter: scored")
                .isPresent();
        assertThat(step.trackedCallers()).isEqualTo(1);
    }

    /** A route without variables names no record: its 404s are neither misses nor lookups. */
    @Test
    void aRouteWithoutVariablesNamesNoRecord() {
        Harness h = new Harness();
        for (int i = 0; i < 200; i++) {
            h.clock.advance(Duration.ofSeconds(1));
            h.get("lister", "/customers", i % 10 < 8 ? 404 : 200);
        }
        assertThat(h.score("lister").reasons())
                .doesNotContainKeys(Signal.MISSES, Signal.ENUMERATION, Signal.SEQUENTIAL);
    }

    /** Under /tenants/{tenant}/customers/{tag} a record is the pair: either part changing is a new one. */
    @Test
    void aRecordUnderSeveralVariablesIsNamedByAllOfThem() {
        MutableClock clock = MutableClock.at(Harness.START);
        AnomalyScoringStep step = AnomalyScoringStep.builder(AnomalyPolicy.defaults())
                .quarantineStore(new Harness.MapStore())
                .build();
        ApiGuard guard = ApiGuard.builder()
                .clock(clock)
                .listener(e -> {})
                .step(new Harness.FakeAuthentication())
                .step(step)
                .step(RouteAuthorizationStep.of(RouteRules.builder()
                        .route("GET", "/tenants/{tenant}/customers/{tag}")
                        .requireScopes("customers:read")
                        .build()))
                .build();
        for (int i = 0; i < 250; i++) {
            clock.advance(AnomalyScoringStepTest.MACHINE);
            send(guard, "across-tenants", "GET", "/tenants/" + Harness.scattered(i) + "/customers/SAME001", 200);
            send(guard, "across-tags", "GET", "/tenants/ONE/customers/" + Harness.scattered(i), 200);
            send(guard, "one-record", "GET", "/tenants/ONE/customers/SAME001", 200);
        }
        assertThat(step.scoreOf(Harness.key("across-tenants")).orElseThrow().reasons())
                .containsKey(Signal.ENUMERATION);
        assertThat(step.scoreOf(Harness.key("across-tags")).orElseThrow().reasons())
                .containsKey(Signal.ENUMERATION);
        assertThat(step.scoreOf(Harness.key("one-record")).orElseThrow().reasons())
                .doesNotContainKey(Signal.ENUMERATION);
    }

    /**
     * A page number is read as applications read it: a page that is no number is still a new page
     * (one per distinct text), an empty one is page 0, a long number is a page like any other.
     */
    @Test
    void pagesThatAreNoNumberStillCountAndEveryDigitIsADigit() {
        AnomalyPolicy policy = AnomalyPolicy.builder()
                .allowance(Signal.PAGING, 0, 1)
                .maxPageSize(100)
                .thresholds(1000, 2000, 3000)
                .build();
        Harness h = new Harness(policy);
        String[] queries = {
            "page=9&size=99", // 0.99
            "page=x", // no number: a new page, a quarter
            "page=x", // the same text: the same page, nothing
            "page=", // empty: page 0, new, a quarter
            "page=1234567890", // 10 digits: a new page, a quarter
            "page=0&size=90", // 0.9
            "page=0&size=100", // the same page: nothing
            "page=%2B0&size=100", // +0 is page 0 again: nothing
            "page=09"
        }; // page 9 again, but not the last one: a quarter
        for (String q : queries) {
            h.send("pager", "GET", "/customers", q, 200);
        }
        double expected = 0.99 + 0.25 + 0.25 + 0.25 + 0.9 + 0.25;
        assertThat(h.score("pager").reasons().get(Signal.PAGING) / policy.points(Signal.PAGING))
                .isCloseTo(expected, within(0.01));
    }

    /** At its very end a quarantine no longer holds: a caller still over the threshold gets the next, doubled. */
    @Test
    void aCallerStillOverTheThresholdWhenItsQuarantineEndsIsQuarantinedAgainForTwiceAsLong() {
        Harness h = new Harness(failuresOnly(1, 2, 4, Duration.ofHours(1)));
        for (int i = 0; i < 50; i++) {
            h.get("c", "/customers", 403);
        }
        Instant end = h.store.until.get("c");
        assertThat(end).isEqualTo(h.clock.instant().plus(Duration.ofMinutes(10)));
        h.clock.set(end);
        assertThat(h.get("c", "/customers", 403)).isEqualTo(403);
        assertThat(h.store.until.get("c")).isEqualTo(end.plus(Duration.ofMinutes(20)));
        SecurityEvent again = h.events.get(h.events.size() - 1);
        assertThat(again.type()).isEqualTo(SecurityEventType.ANOMALY_QUARANTINED);
        assertThat(again.detail("previous")).isEqualTo("throttle");
        assertThat(again.detail("until"))
                .isEqualTo(end.plus(Duration.ofMinutes(20)).toString());
    }

    /** Quarantines a failures-only caller (throttle at 2 failures, quarantine at 4); returns the end. */
    private static Instant quarantineForFailures(Harness h) {
        for (int i = 0; i < 4; i++) {
            h.get("c", "/customers", 403);
        }
        Instant end = h.store.until.get("c");
        assertThat(end).isEqualTo(h.clock.instant().plus(Duration.ofMinutes(10)));
        return end;
    }

    /**
     * On probation after a quarantine, the caller is quarantined again as soon as it reaches the
     * throttle threshold with a score that rose since its release: 2 failures instead of 4.
     */
    @Test
    void onProbationTheThrottleThresholdIsEnoughToBeQuarantinedAgain() {
        Harness h = new Harness(failuresOnly(1, 2, 4, Duration.ofMinutes(1)));
        h.clock.set(quarantineForFailures(h));
        Instant released = h.clock.instant();
        assertThat(h.get("c", "/customers", 200)).isEqualTo(200); // released with a score of almost 0
        assertThat(h.get("c", "/customers", 403)).isEqualTo(403); // 1 failure: risen, but under the throttle threshold
        assertThat(h.score("c").action()).isEqualTo(AnomalyAction.OBSERVE);
        assertThat(h.get("c", "/customers", 403)).isEqualTo(403); // 2: the throttle threshold
        assertThat(h.store.until.get("c")).isEqualTo(released.plus(Duration.ofMinutes(20)));
        SecurityEvent again = h.events.get(h.events.size() - 1);
        assertThat(again.type()).isEqualTo(SecurityEventType.ANOMALY_QUARANTINED);
        assertThat(again.detail("probation")).isEqualTo("true");
        // the first request after the release, under the throttle threshold, had lowered it to observe
        assertThat(again.detail("previous")).isEqualTo("observe");
        assertThat(h.throttles)
                .hasSize(2)
                .last()
                .isEqualTo("clear c"); // the throttle before the first quarantine, then its end
        assertThat(h.get("c", "/customers", 200)).isEqualTo(429);
    }

    /** Without probation the second quarantine needs the full threshold again; the first event has no probation detail. */
    @Test
    void withoutProbationTheCallerIsOnlyThrottledAtTheThrottleThreshold() {
        Harness h = new Harness(
                failuresOnly(AnomalyPolicy.builder().probation(Duration.ZERO), 1, 2, 4, Duration.ofMinutes(1)));
        Instant end = quarantineForFailures(h);
        assertThat(h.events)
                .filteredOn(e -> e.type() == SecurityEventType.ANOMALY_QUARANTINED)
                .singleElement()
                .satisfies(e -> assertThat(e.detail("probation")).isNull());
        h.clock.set(end);
        h.get("c", "/customers", 403);
        h.get("c", "/customers", 403);
        assertThat(h.store.until.get("c")).isEqualTo(end);
        assertThat(h.score("c").action()).isEqualTo(AnomalyAction.THROTTLE);
        h.get("c", "/customers", 403);
        h.get("c", "/customers", 403);
        assertThat(h.store.until.get("c")).isEqualTo(end.plus(Duration.ofMinutes(20)));
    }

    /** Probation lasts exactly its duration from the first request after the release. */
    @Test
    void probationEndsExactlyAfterItsDuration() {
        for (long offset : new long[] {-1, 0}) {
            Harness h = new Harness(failuresOnly(
                    AnomalyPolicy.builder().probation(Duration.ofHours(1)), 1, 2, 4, Duration.ofMinutes(1)));
            Instant end = quarantineForFailures(h);
            h.clock.set(end);
            h.get("c", "/customers", 200);
            h.clock.set(end.plus(Duration.ofHours(1)).plusMillis(offset));
            h.get("c", "/customers", 403);
            h.get("c", "/customers", 403);
            if (offset < 0) {
                assertThat(h.store.until.get("c"))
                        .as("a millisecond before its end")
                        .isAfter(end);
            } else {
                assertThat(h.store.until.get("c")).as("at its end").isEqualTo(end);
                assertThat(h.score("c").action()).isEqualTo(AnomalyAction.THROTTLE);
            }
        }
    }

    /**
     * A caller released with a score still over the throttle threshold is not quarantined again for
     * that score alone: only if it rises. Probation ends after its duration (6 hours by default).
     */
    @Test
    void probationQuarantinesOnlyAScoreThatRoseAndEndsAfterItsDuration() {
        // a half-life of an hour: 10 minutes of quarantine leave 4 × 2^(-1/6) = 3.56 failures
        Harness h = new Harness(failuresOnly(1, 2, 4, Duration.ofHours(1)));
        Instant end = quarantineForFailures(h);
        h.clock.set(end);
        h.get("c", "/customers", 200);
        assertThat(h.score("c").score()).isBetween(2 * 4.0, 4 * 4.0);
        h.clock.advance(Duration.ofMinutes(1));
        h.get("c", "/customers", 200);
        assertThat(h.store.until.get("c")).isEqualTo(end);
        assertThat(h.score("c").action()).isEqualTo(AnomalyAction.THROTTLE);
        // after six hours the failures have decayed and probation is over: 2 failures only throttle
        h.clock.set(end.plus(AnomalyPolicy.Quarantine.DEFAULTS.probation()));
        h.get("c", "/customers", 200);
        assertThat(h.score("c").action()).isEqualTo(AnomalyAction.NONE);
        h.get("c", "/customers", 403);
        h.get("c", "/customers", 403);
        assertThat(h.score("c").action()).isEqualTo(AnomalyAction.THROTTLE);
        assertThat(h.store.until.get("c")).isEqualTo(end);
    }

    /**
     * In observe mode nothing refuses the caller, so its requests keep being scored: the quarantine
     * it would have is announced once, and again only from the moment it would have ended.
     */
    @Test
    void inObserveModeAQuarantineIsAnnouncedOnceUntilItWouldHaveEnded() {
        Harness h = new Harness(
                failuresOnly(AnomalyPolicy.builder().mode(AnomalyMode.OBSERVE), 1, 2, 4, Duration.ofHours(1)));
        for (int i = 0; i < 10; i++) {
            h.get("c", "/customers", 403);
        }
        List<SecurityEvent> quarantines = quarantines(h);
        assertThat(quarantines).hasSize(1);
        Instant end = Instant.parse(quarantines.get(0).detail("until"));
        while (h.clock.instant().isBefore(end)) {
            assertThat(h.get("c", "/customers", 403)).isEqualTo(403);
            h.clock.advance(Duration.ofSeconds(30));
        }
        assertThat(quarantines(h)).hasSize(1);
        h.clock.set(end);
        h.get("c", "/customers", 403);
        assertThat(quarantines(h)).hasSize(2);
        assertThat(quarantines(h).get(1).detail("until"))
                .isEqualTo(end.plus(Duration.ofMinutes(20)).toString());
        assertThat(h.store.until).isEmpty();
    }

    private static List<SecurityEvent> quarantines(Harness h) {
        return h.events.stream()
                .filter(e -> e.type() == SecurityEventType.ANOMALY_QUARANTINED)
                .toList();
    }

    /** A throttle that has ended while the score fell is lowered with its event (not renewed silently). */
    @Test
    void aThrottleThatEndedWhileTheScoreFellIsClearedWithAnEvent() {
        Harness h = new Harness(failuresOnly(1, 4, 100));
        for (int i = 0; i < 5; i++) {
            h.get("c", "/customers", 403);
        }
        assertThat(h.throttles).hasSize(1);
        h.clock.advance(Duration.ofMinutes(11)); // past the 10-minute throttle; the score has halved 11 times
        h.get("c", "/customers", 200);
        assertThat(h.throttles).containsExactly(h.throttles.get(0), "clear c");
        SecurityEvent cleared = h.events.get(h.events.size() - 1);
        assertThat(cleared.type()).isEqualTo(SecurityEventType.ANOMALY_CLEARED);
        assertThat(cleared.detail("previous")).isEqualTo("throttle");
        assertThat(cleared.detail("until")).isNull();
        assertThat(h.score("c").action()).isEqualTo(AnomalyAction.NONE);
    }

    /**
     * Lowered from throttle before the throttle ran out, then raised again: the new throttle starts
     * now and lasts its full duration (the old end is not reused).
     */
    @Test
    void aCallerThrottledAgainAfterBeingLoweredGetsAFreshThrottle() {
        Harness h = new Harness(failuresOnly(1, 4, 100));
        for (int i = 0; i < 5; i++) {
            h.get("c", "/customers", 403);
        }
        h.clock.advance(Duration.ofSeconds(42)); // 5 x 2^(-42/60) = 3.08: lowered to observe, 9 min before the end
        h.get("c", "/customers", 200);
        assertThat(h.score("c").action()).isEqualTo(AnomalyAction.OBSERVE);
        h.clock.advance(Duration.ofSeconds(1));
        h.get("c", "/customers", 403);
        assertThat(h.score("c").action()).isEqualTo(AnomalyAction.THROTTLE);
        Instant end = h.clock.instant().plus(Duration.ofMinutes(10));
        assertThat(h.throttles).hasSize(3).last().isEqualTo("throttle c 0.5 " + end);
        SecurityEvent throttled = h.events.get(h.events.size() - 1);
        assertThat(throttled.type()).isEqualTo(SecurityEventType.ANOMALY_THROTTLED);
        assertThat(throttled.detail("until")).isEqualTo(end.toString());
    }

    @Test
    void scoreOfNamesTheCaller() {
        Harness h = new Harness();
        h.get("partner-a", "/customers/A1", 200);
        assertThat(h.score("partner-a").caller()).isEqualTo(Harness.key("partner-a"));
    }

    /** Idle profiles expire on the guard's clock (no waiting): counted while used, gone after idleExpiry. */
    @Test
    void idleProfilesExpireOnTheStepsClock() {
        Harness h = new Harness(
                AnomalyPolicy.builder().idleExpiry(Duration.ofHours(1)).build());
        for (String caller : List.of("a", "b", "c")) {
            h.get(caller, "/customers/A1", 200);
        }
        assertThat(h.step.trackedCallers()).isEqualTo(3);
        h.clock.advance(Duration.ofMinutes(59));
        h.get("a", "/customers/A1", 200);
        assertThat(h.step.trackedCallers()).isEqualTo(3);
        h.clock.advance(Duration.ofMinutes(2));
        // the step's time is its requests' time: a's next request drops b and c
        h.get("a", "/customers/A1", 200);
        assertThat(h.step.trackedCallers()).isEqualTo(1);
        assertThat(h.step.scoreOf(Harness.key("b"))).isEmpty();
        assertThat(h.step.scoreOf(Harness.key("a"))).isPresent();
    }

    /** Authentication, the given steps (the protecting phase), then route authorization. */
    private static ApiGuard guard(MutableClock clock, List<SecurityEvent> events, GuardStep... protecting) {
        ApiGuard.Builder b =
                ApiGuard.builder().clock(clock).listener(events::add).step(new Harness.FakeAuthentication());
        for (GuardStep s : protecting) {
            b.step(s);
        }
        return b.step(RouteAuthorizationStep.of(RouteRules.builder()
                        .route("GET", "/customers/{serviceTag}")
                        .requireScopes("customers:read")
                        .route("GET", "/customers")
                        .requireScopes("customers:read")
                        .route("POST", "/payments")
                        .requireScopes("payments:write")
                        .build()))
                .build();
    }

    private static int send(ApiGuard guard, String caller, String method, String path, int appStatus) {
        GuardExchange exchange = guard.exchange(Harness.request(caller, method, path, null));
        Decision d = guard.evaluate(exchange);
        int status = d instanceof Decision.Deny deny ? deny.status() : appStatus;
        guard.completed(exchange, status);
        return status;
    }

    /**
     * A profile idle for longer than idleExpiry by the time asked about has no score, even while
     * the cache still holds it (no request has moved the step's time on); exactly idleExpiry is not idle.
     */
    @Test
    void scoreOfAnIdleProfileIsEmptyFromJustAfterIdleExpiry() {
        Harness h = new Harness(
                AnomalyPolicy.builder().idleExpiry(Duration.ofHours(1)).build());
        h.get("a", "/customers/A1", 200);
        Instant last = h.clock.instant();
        assertThat(h.step.scoreOf(Harness.key("a"), last.plus(Duration.ofHours(1))))
                .isPresent();
        assertThat(h.step.scoreOf(
                        Harness.key("a"), last.plus(Duration.ofHours(1)).plusMillis(1)))
                .isEmpty();
    }

    /**
     * A profile kept in the cache by reads (scoreOf) but that learnt nothing for longer than
     * idleExpiry is forgotten on the caller's next request: its old failures no longer count.
     */
    @Test
    void aProfileKeptByReadsButIdleIsStartedAfreshOnTheNextRequest() {
        AnomalyPolicy policy = failuresOnly(
                AnomalyPolicy.builder().idleExpiry(Duration.ofHours(1)), 100, 200, 300, Duration.ofHours(1));
        Harness h = new Harness(policy);
        for (int i = 0; i < 4; i++) {
            h.get("a", "/customers", 403);
        }
        assertThat(h.score("a").reasons()).containsKey(Signal.FAILURES);
        // another caller moves the step's time on; reading a's score keeps a's profile in the cache
        h.clock.advance(Duration.ofMinutes(59));
        h.get("b", "/customers", 200);
        assertThat(h.score("a").reasons()).containsKey(Signal.FAILURES);
        h.clock.advance(Duration.ofMinutes(2));
        h.get("a", "/customers", 200);
        AnomalyScore fresh = h.score("a");
        assertThat(fresh.reasons()).doesNotContainKey(Signal.FAILURES);
        assertThat(fresh.score()).isZero();
    }

    @Test
    void toStringNamesTheStepAndItsPolicy() {
        AnomalyPolicy policy = AnomalyPolicy.defaults();
        assertThat(AnomalyScoringStep.of(policy).toString()).isEqualTo("AnomalyScoringStep[" + policy + "]");
    }
}
