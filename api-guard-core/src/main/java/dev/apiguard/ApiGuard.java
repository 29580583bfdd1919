package dev.apiguard;

import dev.apiguard.event.SecurityEvent;
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.event.SecurityEventType;
import dev.apiguard.event.Slf4jSecurityEventListener;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The guard: an ordered pipeline of {@link GuardStep}s, a clock and an event listener.
 *
 * <p>Immutable and thread-safe; build one per application with {@link #builder()} and share it.
 * For each request, the adapter creates an {@link GuardExchange}, calls {@link #evaluate}, lets the
 * application answer when the decision is {@link Decision.Allow}, and then calls
 * {@link #completed} with the status so that observing steps (anomaly scoring, inventory) learn
 * the outcome.
 *
 * <pre>{@code
 * ApiGuard guard = ApiGuard.builder()
 *     .step(AccessTokenStep.of(tokenPolicy))
 *     .step(RouteAuthorizationStep.of(routes))
 *     .build();
 * }</pre>
 */
public final class ApiGuard {

    private static final Logger LOG = LoggerFactory.getLogger(ApiGuard.class);
    private static final String PHASE_ORDER = java.util.Arrays.stream(GuardPhase.values())
            .filter(p -> p != GuardPhase.ANY)
            .map(GuardPhase::label)
            .collect(java.util.stream.Collectors.joining(", "));

    private final List<GuardStep> steps;
    private final Clock clock;
    private final SecurityEventListener listener;
    private final GuardObserver observer;
    private final List<Challenge> challenges;

    private ApiGuard(Builder b) {
        this.steps = List.copyOf(b.steps);
        this.clock = b.clock;
        this.listener = b.listener;
        this.observer = b.observer;
        List<Challenge> all = new ArrayList<>();
        for (GuardStep s : steps) {
            all.addAll(s.challenges());
        }
        this.challenges = List.copyOf(all);
        GuardContext context = new GuardContext(clock);
        for (GuardStep s : steps) {
            s.attach(context);
        }
    }

    /** A builder with the defaults: system UTC clock, SLF4J event listener, no steps. */
    public static Builder builder() {
        return new Builder();
    }

    /** The steps in the order they run. */
    public List<GuardStep> steps() {
        return steps;
    }

    /** The guard's clock. */
    public Clock clock() {
        return clock;
    }

    /** The observer of each evaluation ({@link GuardObserver#NONE} unless one was set). */
    public GuardObserver observer() {
        return observer;
    }

    /** Starts the exchange for one request, stamped with the guard's clock. */
    public GuardExchange exchange(GuardRequest request) {
        return new GuardExchange(request, clock.instant(), listener, challenges);
    }

    /** Runs every step in order on the request and returns the first refusal, else allow. */
    public Decision evaluate(GuardExchange exchange) {
        return evaluate(exchange, steps);
    }

    /**
     * Runs the given steps (a sub-list of {@link #steps()}, for per-capability filters) in order,
     * after every step of the guard has {@linkplain GuardStep#prepare prepared} the exchange (once
     * per request), and records the refusing step ({@link GuardExchange#deniedBy()}).
     * A step that throws is a fault: the request is refused with 503 and an event, never with the
     * exception. A {@link StoreUnavailableException} (a shared store failing closed) is answered
     * 503 with {@code Retry-After: 1} and logged without a stack trace; any other exception is
     * logged at ERROR with its stack trace. The guard's {@link GuardObserver} sees each call.
     */
    public Decision evaluate(GuardExchange exchange, List<GuardStep> toRun) {
        if (observer == GuardObserver.NONE) {
            return decide(exchange, toRun);
        }
        GuardObserver.Evaluation evaluation = start(exchange);
        Decision decision;
        try {
            decision = decide(exchange, toRun);
        } catch (RuntimeException e) {
            observed(() -> evaluation.failed(e));
            throw e;
        }
        observed(() -> evaluation.decided(decision));
        return decision;
    }

    private GuardObserver.Evaluation start(GuardExchange exchange) {
        try {
            return Objects.requireNonNull(observer.start(exchange), "observer returned null");
        } catch (RuntimeException e) {
            LOG.warn("guard observer {} failed to start", observer.getClass().getName(), e);
            return GuardObserver.Evaluation.NONE;
        }
    }

    private void observed(Runnable report) {
        try {
            report.run();
        } catch (RuntimeException e) {
            LOG.warn("guard observer {} failed", observer.getClass().getName(), e);
        }
    }

    private Decision decide(GuardExchange exchange, List<GuardStep> toRun) {
        Decision fault = prepare(exchange);
        if (fault != null) {
            return fault; // recorded by prepare, with the step that failed
        }
        Decision decision = Decision.ALLOW;
        @Nullable GuardStep denying = null;
        for (GuardStep step : toRun) {
            Optional<DeferredReplayCheck> before = exchange.peekReplayCheck();
            decision = run(step, exchange);
            if (!decision.isAllowed()) {
                // a deferred replay check the step resolved with a refusal is its owner's refusal
                denying = before.filter(DeferredReplayCheck::refused)
                        .map(DeferredReplayCheck::owner)
                        .orElse(step);
                break;
            }
        }
        Optional<DeferredReplayCheck> untaken = exchange.takeReplayCheck();
        if (denying == null && untaken.isPresent()) {
            // no step joined it to a store call of its own: made here, before the application runs
            DeferredReplayCheck check = untaken.get();
            try {
                decision = check.check(exchange.now());
            } catch (RuntimeException e) {
                decision = fault(check.owner(), exchange, e);
            }
            if (!decision.isAllowed()) {
                denying = check.owner();
            }
        }
        exchange.decide(decision, denying);
        return decision;
    }

    /**
     * Lets every step of the guard prepare the exchange, once per request (see
     * {@link GuardStep#prepare}); a step that fails there refuses the request with its fault, which is
     * recorded with the step and returned (else null).
     */
    private @Nullable Decision prepare(GuardExchange exchange) {
        if (!exchange.markPrepared()) {
            return null;
        }
        for (GuardStep step : steps) {
            try {
                step.prepare(exchange);
            } catch (RuntimeException e) {
                Decision fault = fault(step, exchange, e);
                exchange.decide(fault, step);
                return fault;
            }
        }
        return null;
    }

    private static Decision run(GuardStep step, GuardExchange exchange) {
        try {
            return Objects.requireNonNull(step.evaluate(exchange), "step returned null");
        } catch (RuntimeException e) {
            return fault(step, exchange, e);
        }
    }

    private static Decision fault(GuardStep step, GuardExchange exchange, RuntimeException e) {
        exchange.emit(
                SecurityEventType.STEP_FAILED,
                Map.of("step", step.name(), "fault", e.getClass().getName()));
        if (e instanceof StoreUnavailableException) {
            // the store logged its transition once; no stack trace per request while it is down
            LOG.debug("guard step {} refused the request: {}", step.name(), e.getMessage());
            return Denials.unavailable(1);
        }
        LOG.error("guard step {} failed", step.name(), e);
        return Denials.unavailable();
    }

    /** Tells every step the final status of a request; a step that throws is logged and skipped. */
    public void completed(GuardExchange exchange, int status) {
        completed(exchange, status, steps);
    }

    /** Tells the given steps the final status of a request. */
    public void completed(GuardExchange exchange, int status, List<GuardStep> toTell) {
        for (GuardStep step : toTell) {
            try {
                step.completed(exchange, status);
            } catch (RuntimeException e) {
                LOG.error("guard step {} failed on completion", step.name(), e);
            }
        }
    }

    static void dispatch(SecurityEventListener listener, SecurityEvent event) {
        try {
            listener.onEvent(event);
        } catch (RuntimeException e) {
            LOG.warn(
                    "security event listener {} failed on {}",
                    listener.getClass().getName(),
                    event.type().eventName(),
                    e);
        }
    }

    /** Builds an {@link ApiGuard}. Not thread-safe. */
    public static final class Builder {
        private final List<GuardStep> steps = new ArrayList<>();
        private Clock clock = Clock.systemUTC();
        private SecurityEventListener listener = new Slf4jSecurityEventListener();
        private GuardObserver observer = GuardObserver.NONE;

        private Builder() {}

        /** Adds a step; steps run in the order they are added. */
        public Builder step(GuardStep step) {
            steps.add(Objects.requireNonNull(step, "step cannot be null"));
            return this;
        }

        /** The clock the guard stamps each request with. Default: {@link Clock#systemUTC()}. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock cannot be null");
            return this;
        }

        /**
         * Where events go. Default: {@link Slf4jSecurityEventListener}; {@link SecurityEventListener#NONE}
         * switches events off (and no event object is built).
         */
        public Builder listener(SecurityEventListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener cannot be null");
            return this;
        }

        /**
         * What watches each evaluation (for example api-guard-micrometer's
         * {@code ObservationGuardObserver}: a timer and a span per request). Default:
         * {@link GuardObserver#NONE}.
         */
        public Builder observer(GuardObserver observer) {
            this.observer = Objects.requireNonNull(observer, "observer cannot be null");
            return this;
        }

        /**
         * Builds the guard; fails when no step is given, two steps share a name, or a step comes
         * after one of a later {@linkplain GuardStep#phase() phase} (the message names both and
         * the order to follow). Steps of {@link GuardPhase#ANY} are not checked.
         */
        public ApiGuard build() {
            if (steps.isEmpty()) {
                throw new IllegalStateException("steps: at least one guard step is needed");
            }
            Set<String> names = new HashSet<>();
            GuardStep latest = null;
            for (GuardStep s : steps) {
                if (!names.add(s.name())) {
                    throw new IllegalStateException("steps: two steps are named '" + s.name() + "'");
                }
                GuardPhase phase = Objects.requireNonNull(s.phase(), "phase of step " + s.name());
                if (phase == GuardPhase.ANY) {
                    continue;
                }
                if (latest != null && phase.compareTo(latest.phase()) < 0) {
                    throw new IllegalStateException("steps: '" + s.name() + "' (" + phase.label()
                            + ") must come before '" + latest.name() + "' ("
                            + latest.phase().label()
                            + "); the phases run in the order " + PHASE_ORDER);
                }
                latest = s;
            }
            return new ApiGuard(this);
        }
    }
}
