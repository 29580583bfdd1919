package dev.apiguard.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.CallerKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The scoring step's side of a fleet, with a fake {@link EvidenceStore}: what each request hands
 * over, and how the fleet's view enters the score (each signal at the larger of the node's and the
 * fleet's). The Redis store itself is tested in api-guard-redis (FleetEvidenceTest).
 */
class FleetScoringTest {

    /** Records what it is offered; answers the views the test sets. */
    static final class FakeEvidenceStore implements EvidenceStore {
        final List<Evidence> offered = new ArrayList<>();
        final Map<CallerKey, FleetProfile> views = new HashMap<>();
        final List<AnomalyPolicy> linked = new ArrayList<>();
        final List<Decider> deciders = new ArrayList<>();

        /**
         * The store folded the latest evidence: its view of the caller arrives, the scorer decides,
         * and what the decision starts runs (as the store's other thread would run it).
         */
        void arrive(CallerKey caller, FleetProfile view) {
            Runnable started = decide(caller, view);
            if (started != null) {
                started.run();
            }
        }

        /** The view arrives and the scorer decides; what the decision starts is returned, not run. */
        @org.jspecify.annotations.Nullable
        Runnable decide(CallerKey caller, FleetProfile view) {
            views.put(caller, view);
            return deciders.get(deciders.size() - 1).decide(view);
        }

        @Override
        public Link link(AnomalyPolicy policy) {
            linked.add(policy);
            return new Link() {
                @Override
                public void offer(CallerKey caller, Evidence evidence, Decider decider) {
                    offered.add(evidence);
                    deciders.add(decider);
                }

                @Override
                public Optional<FleetProfile> view(CallerKey caller) {
                    return Optional.ofNullable(views.get(caller));
                }
            };
        }
    }

    private final FakeEvidenceStore fleet = new FakeEvidenceStore();
    private final AnomalyPolicy policy = AnomalyPolicy.defaults();

    /** A fleet's profile of a caller seen for an hour, warm, that walked {@code steps} neighbour ids just now. */
    private FleetProfile walked(Harness h, double steps) {
        long now = h.clock.instant().toEpochMilli();
        return new FleetProfile(now - 3_600_000, now, 500, steps, steps, steps, 0, 0, 0, 0, steps, now / 60_000, 0, 0);
    }

    @Test
    void eachAnsweredRequestOfAVerifiedCallerHandsOverItsEvidenceOnce() {
        Harness h = new Harness(policy, fleet);
        assertThat(fleet.linked).containsExactly(policy);
        h.get("partner-a", "/customers/ABC1234", 200);
        h.get("partner-a", "/customers/ABC1235", 404);
        h.send("partner-a", "GET", "/customers", "page=2&size=50", 200);
        h.get(null, "/customers/ABC1236", 200); // nobody's: nothing to hand over
        assertThat(fleet.offered).hasSize(3);
        Evidence hit = fleet.offered.get(0);
        Evidence miss = fleet.offered.get(1);
        Evidence page = fleet.offered.get(2);
        assertThat(hit.at()).isEqualTo(Harness.START.toEpochMilli());
        assertThat(hit.lookup()).isTrue();
        assertThat(hit.miss()).isFalse();
        assertThat(miss.miss()).isTrue();
        assertThat(hit.idHash()).isNotZero().isNotEqualTo(miss.idHash());
        assertThat(hit.neighbourhood()).as("ABC1234 and ABC1235 are neighbours").isEqualTo(miss.neighbourhood());
        assertThat(miss.suffix()).isGreaterThan(hit.suffix());
        assertThat(hit.routed()).isTrue();
        assertThat(hit.routeHash()).isEqualTo(miss.routeHash()).isNotEqualTo(page.routeHash());
        assertThat(page.lookup()).isFalse();
        assertThat(page.pageFraction()).isPositive();
        assertThat(hit.pageFraction()).isZero();
    }

    @Test
    void theFleetsWalkCountsForACallerThisNodeSawOnce() {
        Harness h = new Harness(policy, fleet);
        h.get("partner-a", "/customers/" + Harness.scattered(1), 200);
        AnomalyScore alone = h.score("partner-a");
        assertThat(alone.reasons()).doesNotContainKey(Signal.SEQUENTIAL);
        fleet.views.put(Harness.key("partner-a"), walked(h, 60));
        AnomalyScore score = h.score("partner-a");
        assertThat(score.reasons()).containsKey(Signal.SEQUENTIAL);
        assertThat(score.score()).isGreaterThan(alone.score() + 5);
        assertThat(h.step.scoreOf(Harness.key("never-seen")))
                .as("no profile here: no score")
                .isEmpty();
    }

    @Test
    void theDecisionIsTakenWhenTheFleetsViewArrivesNotOnTheCallersNextRequestHere() {
        Harness h =
                new Harness(AnomalyPolicy.builder().mode(AnomalyMode.ENFORCE).build(), fleet);
        h.get("partner-a", "/customers/" + Harness.scattered(1), 200);
        assertThat(h.store.quarantinedUntil(Harness.key("partner-a"), h.clock.instant()))
                .isEmpty();
        Runnable started = fleet.decide(Harness.key("partner-a"), walked(h, 200));
        assertThat(started).as("the decision starts a quarantine").isNotNull();
        assertThat(h.store.quarantinedUntil(Harness.key("partner-a"), h.clock.instant()))
                .as("not written by the decision itself, which must not block")
                .isEmpty();
        assertThat(h.anomalyEvents()).doesNotContain(dev.apiguard.event.SecurityEventType.ANOMALY_QUARANTINED);
        started.run();
        assertThat(h.store.quarantinedUntil(Harness.key("partner-a"), h.clock.instant()))
                .as("quarantined in the shared store by what the decision started")
                .isPresent();
        assertThat(h.anomalyEvents()).contains(dev.apiguard.event.SecurityEventType.ANOMALY_QUARANTINED);
        assertThat(h.events.get(h.events.size() - 1).path())
                .as("the event carries the request whose evidence brought the view")
                .isEqualTo("/customers/" + Harness.scattered(1));
    }

    @Test
    void eachSignalIsTheLargerOfTheNodesAndTheFleetsNotTheirSum() {
        // two nodes with the same fleet view, one of which saw a short walk itself: the fleet's walk
        // is the longer, so both score the same sequential signal
        Harness quiet = new Harness(policy, fleet);
        FakeEvidenceStore other = new FakeEvidenceStore();
        Harness walking = new Harness(policy, other);
        quiet.get("partner-a", "/customers/" + Harness.scattered(1), 200);
        for (int i = 0; i < 12; i++) {
            walking.get("partner-a", "/customers/ABC12" + (30 + i), 200);
        }
        assertThat(walking.score("partner-a").reasons()).containsKey(Signal.SEQUENTIAL);
        fleet.views.put(Harness.key("partner-a"), walked(quiet, 40));
        other.views.put(Harness.key("partner-a"), walked(walking, 40));
        assertThat(walking.score("partner-a").reasons().get(Signal.SEQUENTIAL))
                .isEqualTo(quiet.score("partner-a").reasons().get(Signal.SEQUENTIAL));
    }

    /** A view that changes nothing (a quiet caller) decides nothing: no event, no quarantine, no error. */
    @Test
    void aViewThatChangesNothingDecidesNothing() {
        Harness h =
                new Harness(AnomalyPolicy.builder().mode(AnomalyMode.ENFORCE).build(), fleet);
        h.get("partner-a", "/customers/" + Harness.scattered(1), 200);
        int events = h.events.size();
        assertThat(fleet.decide(Harness.key("partner-a"), walked(h, 0)))
                .as("nothing to start")
                .isNull();
        assertThat(h.store.quarantinedUntil(Harness.key("partner-a"), h.clock.instant()))
                .isEmpty();
        assertThat(h.events).hasSize(events);
        assertThat(h.score("partner-a").action()).isEqualTo(AnomalyAction.NONE);
    }
}
