package dev.apiguard.anomaly;

import dev.apiguard.CallerKey;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Evidence about callers pooled by the app nodes of a fleet, so that each node scores a caller on
 * what every node saw: a scraper that a load balancer spreads over {@code n} nodes is stopped after
 * about as many records as on one node, not {@code n} times as many.
 *
 * <p>Contract for every implementation (Redis):
 * <ul>
 *   <li>{@link Link#offer} never blocks the request: evidence is sent later, batched, and dropped
 *       (and counted) when the store is slow, unreachable or its queue is full; the node's own
 *       profile goes on scoring meanwhile;</li>
 *   <li>what is queued is bounded, per caller and in all;</li>
 *   <li>the fleet's profile of a caller is built as a node builds its own, from every node's
 *       evidence in the order it arrives, with the same policy; whether an id is new to the caller
 *       is decided over the fleet;</li>
 *   <li>what it keeps per caller is bounded and expires after the policy's {@code idleExpiry}.</li>
 * </ul>
 * Thread-safe.
 */
public interface EvidenceStore {

    /** The link a scoring step with this policy uses; the store's profiles follow the policy's memory. */
    Link link(AnomalyPolicy policy);

    /** One scoring step's link to the store. Thread-safe. */
    interface Link {
        /** Hands over the evidence of one request of the caller, without waiting. */
        default void offer(CallerKey caller, Evidence evidence) {
            offer(caller, evidence, view -> null);
        }

        /**
         * Hands over the evidence of one request of the caller, without waiting; once the store
         * has folded it in, {@code decider} gets the fleet's profile of the caller, at most once,
         * and not at all for evidence dropped. The scorer decides on it then: on {@code n} nodes
         * the caller's next request at this node comes {@code n} requests later.
         */
        void offer(CallerKey caller, Evidence evidence, Decider decider);

        /** The fleet's profile of the caller as this node last heard it, if any. */
        Optional<FleetProfile> view(CallerKey caller);
    }

    /**
     * What a scorer decides on the fleet's profile of a caller, in two parts: the decision, on
     * the thread that completed the store's answer, which must not block (the store's I/O thread,
     * or the offering thread when the answer came first: most views change nothing, and a handoff
     * per view would cost more than the decision), and what it starts, on a thread of the store's
     * that may block (writing a quarantine to a shared store, publishing events).
     */
    @FunctionalInterface
    interface Decider {
        /**
         * Decides on the view without blocking; returns what the decision starts (run later, on a
         * thread that may block), or null when it changes nothing.
         */
        @Nullable
        Runnable decide(FleetProfile view);
    }
}
