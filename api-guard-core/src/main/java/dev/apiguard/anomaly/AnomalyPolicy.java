package dev.apiguard.anomaly;

import dev.apiguard.CallerKey;
import dev.apiguard.internal.Check;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The anomaly scorer's configuration: mode, thresholds, actions, signal severities and
 * allowances, memory and caps, in small records that each check themselves and state their
 * defaults ({@code DEFAULTS}; each signal's on {@link Signal#defaults()}). Immutable and
 * thread-safe; build it with {@link #builder()}. {@link #defaults()} meets the targets of the
 * simulation in {@code api-guard-benchmarks} ({@code AnomalySimulation}).
 *
 * <p>A signal's intensity is {@code (measure - allowance) / step}, 0 when negative and at most
 * {@value #MAX_INTENSITY}; its contribution is intensity × its severity's points. The score is the
 * sum of the contributions, and leads to an {@link AnomalyAction} through the thresholds.
 */
public final class AnomalyPolicy {

    /** The most units one signal contributes, so that a single runaway measure stays readable. */
    public static final double MAX_INTENSITY = 10;

    /** The default page size that counts as one full page. */
    public static final int DEFAULT_MAX_PAGE_SIZE = 100;

    /** The default number of lookups in the short memory before the miss share counts. */
    public static final int DEFAULT_MISS_MIN_LOOKUPS = 20;

    /**
     * The score thresholds, in points, strictly increasing: an event at {@code observe}, a throttle
     * at {@code throttle}, a quarantine at {@code quarantine}. An action is lowered again only when
     * the score falls below 80 % of its threshold (hysteresis).
     */
    public record Thresholds(double observe, double throttle, double quarantine) {
        /** 5, 10 and 20 points. */
        public static final Thresholds DEFAULTS = new Thresholds(5, 10, 20);

        public Thresholds {
            if (!(observe > 0 && observe < throttle && throttle < quarantine) || Double.isInfinite(quarantine)) {
                throw new IllegalArgumentException("thresholds must satisfy 0 < observe < throttle < quarantine: "
                        + observe + ", " + throttle + ", " + quarantine);
            }
        }

        /** The action a score leads to. */
        public AnomalyAction actionFor(double score) {
            if (score >= quarantine) {
                return AnomalyAction.QUARANTINE;
            }
            if (score >= throttle) {
                return AnomalyAction.THROTTLE;
            }
            if (score >= observe) {
                return AnomalyAction.OBSERVE;
            }
            return AnomalyAction.NONE;
        }
    }

    /**
     * The quarantine: the first one lasts {@code ttl}, each repeat twice the one before up to
     * {@code maxTtl}; after each, {@code probation} (see {@link AnomalyPolicy#probation()};
     * {@link Duration#ZERO}: none).
     */
    public record Quarantine(Duration ttl, Duration maxTtl, Duration probation) {
        /** 15 minutes, at most 24 hours, then 6 hours of probation. */
        public static final Quarantine DEFAULTS =
                new Quarantine(Duration.ofMinutes(15), Duration.ofHours(24), Duration.ofHours(6));

        public Quarantine {
            Check.between("quarantineTtl", ttl, Duration.ofSeconds(1), MAX_DURATION);
            Check.between("maxQuarantineTtl", maxTtl, Duration.ofSeconds(1), MAX_DURATION);
            Check.notNegative("probation", probation);
            if (maxTtl.compareTo(ttl) < 0) {
                throw new IllegalStateException(
                        "maxQuarantineTtl (" + maxTtl + ") must not be shorter than quarantineTtl (" + ttl + ")");
            }
        }
    }

    /**
     * The throttle: the caller's plan times {@code factor} (0 &lt; factor ≤ 1) for {@code duration},
     * renewed while the score stays at or above the throttle threshold.
     */
    public record Throttle(double factor, Duration duration) {
        /** Half the plan for 10 minutes. */
        public static final Throttle DEFAULTS = new Throttle(0.5, Duration.ofMinutes(10));

        public Throttle {
            if (!(factor > 0 && factor <= 1)) {
                throw new IllegalArgumentException("throttle factor must be in (0, 1]: " + factor);
            }
            Check.between("throttle duration", duration, Duration.ofSeconds(1), MAX_DURATION);
        }
    }

    /**
     * What one signal scores: its severity's points per unit, the measure that contributes nothing
     * ({@code allowance}) and the measure beyond it that makes one unit ({@code step}). Each
     * signal's defaults are on {@link Signal#defaults()}.
     */
    public record SignalSetting(Severity severity, double allowance, double step) {
        public SignalSetting {
            Check.notNull("severity", severity);
            if (!(allowance >= 0) || Double.isInfinite(allowance) || !(step > 0) || Double.isInfinite(step)) {
                throw new IllegalArgumentException(
                        "allowance must be >= 0 and its step > 0: " + allowance + ", " + step);
            }
        }
    }

    /**
     * The scorer's memory: the half-life of the short-memory measures and of the low-and-slow
     * measure, and the warm-up (requests and time since first seen) before the history-based
     * signals (volume, new route) apply.
     */
    public record Memory(Duration halfLife, Duration longHalfLife, int warmUpRequests, Duration warmUpPeriod) {
        /** Half-lives of 5 minutes and 6 hours; a warm-up of 100 requests and 30 minutes. */
        public static final Memory DEFAULTS =
                new Memory(Duration.ofMinutes(5), Duration.ofHours(6), 100, Duration.ofMinutes(30));

        public Memory {
            Check.between("halfLife", halfLife, Duration.ofSeconds(1), MAX_DURATION);
            Check.between("longHalfLife", longHalfLife, Duration.ofSeconds(1), MAX_DURATION);
            Check.atLeast("warmUp requests", warmUpRequests, 0);
            Check.notNegative("warmUp period", warmUpPeriod);
        }
    }

    /** The volume bound {@code max(floorPerMinute, multiplier × EWMA)} per minute. */
    public record Volume(double multiplier, int floorPerMinute) {
        /** 10 times the caller's baseline, at least 120 a minute. */
        public static final Volume DEFAULTS = new Volume(10, 120);

        public Volume {
            if (!(multiplier >= 1) || floorPerMinute < 1) {
                throw new IllegalArgumentException(
                        "volume multiplier must be >= 1 and floor >= 1: " + multiplier + ", " + floorPerMinute);
            }
        }
    }

    /** How many callers are tracked at once (1 to 100,000,000), each forgotten after {@code idleExpiry}. */
    public record Capacity(long maxCallers, Duration idleExpiry) {
        /** 100,000 callers, each forgotten after 24 hours idle. */
        public static final Capacity DEFAULTS = new Capacity(100_000, Duration.ofHours(24));

        public Capacity {
            Check.between("maxCallers", maxCallers, 1, 100_000_000);
            Check.between("idleExpiry", idleExpiry, Duration.ofSeconds(1), MAX_DURATION);
        }
    }

    /** A bound on every duration setting: what Caffeine and the millisecond arithmetic can hold. */
    private static final Duration MAX_DURATION = Duration.ofDays(36_500);

    /** The default policy, made on first use (not in this class's initialiser: the records' defaults need it done). */
    private static final class DefaultPolicy {
        static final AnomalyPolicy INSTANCE = builder().build();
    }

    private final AnomalyMode mode;
    private final Set<CallerKey> allowList;
    private final Set<String> optOutRoutes;
    private final Thresholds thresholds;
    private final Quarantine quarantine;
    private final Throttle throttle;
    private final SignalSetting[] signals;
    private final Memory memory;
    private final Volume volume;
    private final int maxPageSize;
    private final int missMinLookups;
    private final Capacity capacity;

    private AnomalyPolicy(Builder b) {
        mode = b.mode;
        allowList = Set.copyOf(b.allowList);
        optOutRoutes = Set.copyOf(b.optOutRoutes);
        thresholds = b.thresholds;
        quarantine = new Quarantine(b.quarantineTtl, b.maxQuarantineTtl, b.probation);
        throttle = b.throttle;
        signals = new SignalSetting[Signal.values().length];
        for (Signal s : Signal.values()) {
            signals[s.ordinal()] = b.signals.get(s);
        }
        memory = b.memory;
        volume = b.volume;
        maxPageSize = b.maxPageSize;
        missMinLookups = b.missMinLookups;
        capacity = b.capacity;
    }

    /** The default policy (every default of {@link Builder}). */
    public static AnomalyPolicy defaults() {
        return DefaultPolicy.INSTANCE;
    }

    /** A builder holding every default. */
    public static Builder builder() {
        return new Builder();
    }

    /** The mode. */
    public AnomalyMode mode() {
        return mode;
    }

    /** Caller ids that are never scored nor refused. */
    public Set<CallerKey> allowList() {
        return allowList;
    }

    /** Route templates whose requests are not scored. */
    public Set<String> optOutRoutes() {
        return optOutRoutes;
    }

    /** The score thresholds. */
    public Thresholds thresholds() {
        return thresholds;
    }

    /** The quarantine's lengths and probation. */
    public Quarantine quarantine() {
        return quarantine;
    }

    /** The throttle. */
    public Throttle throttle() {
        return throttle;
    }

    /** What the signal scores. */
    public SignalSetting signal(Signal signal) {
        return signals[signal.ordinal()];
    }

    /** The scorer's memory and warm-up. */
    public Memory memory() {
        return memory;
    }

    /** The volume bound. */
    public Volume volume() {
        return volume;
    }

    /** How many callers are tracked, and for how long when idle. */
    public Capacity capacity() {
        return capacity;
    }

    /** The score at which an event is emitted. */
    public double observeThreshold() {
        return thresholds.observe();
    }

    /** The score at which the caller is throttled. */
    public double throttleThreshold() {
        return thresholds.throttle();
    }

    /** The score at which the caller is quarantined. */
    public double quarantineThreshold() {
        return thresholds.quarantine();
    }

    /** The first quarantine's length. */
    public Duration quarantineTtl() {
        return quarantine.ttl();
    }

    /** The longest quarantine after repeats. */
    public Duration maxQuarantineTtl() {
        return quarantine.maxTtl();
    }

    /**
     * How long a caller is on probation after a quarantine ends ({@link Duration#ZERO}: never).
     * On probation a caller is quarantined again as soon as its score reaches the throttle
     * threshold and is higher than when the quarantine ended, that is as soon as the behaviour
     * that got it quarantined goes on, rather than when it has built up the quarantine threshold
     * again.
     */
    public Duration probation() {
        return quarantine.probation();
    }

    /** The factor a throttled caller's plan is multiplied by. */
    public double throttleFactor() {
        return throttle.factor();
    }

    /** How long one throttle lasts. */
    public Duration throttleDuration() {
        return throttle.duration();
    }

    /** The points one unit of the signal adds. */
    public int points(Signal signal) {
        return signal(signal).severity().points();
    }

    /** The signal's allowance: the measure below which it contributes nothing. */
    public double allowance(Signal signal) {
        return signal(signal).allowance();
    }

    /** The signal's step: how much measure beyond the allowance makes one unit. */
    public double step(Signal signal) {
        return signal(signal).step();
    }

    /** The half-life of the short-memory measures. */
    public Duration halfLife() {
        return memory.halfLife();
    }

    /** The half-life of the low-and-slow measure. */
    public Duration longHalfLife() {
        return memory.longHalfLife();
    }

    /** Requests a caller makes before the history-based signals (volume, new route) apply. */
    public int warmUpRequests() {
        return memory.warmUpRequests();
    }

    /** Time since first seen before the history-based signals apply. */
    public Duration warmUpPeriod() {
        return memory.warmUpPeriod();
    }

    /** The volume bound as a multiple of the caller's per-minute baseline. */
    public double volumeMultiplier() {
        return volume.multiplier();
    }

    /** The volume bound's floor, in requests per minute. */
    public int volumeFloor() {
        return volume.floorPerMinute();
    }

    /** The page size that counts as one full page. */
    public int maxPageSize() {
        return maxPageSize;
    }

    /** Lookups needed in the short memory before the miss share counts. */
    public int missMinLookups() {
        return missMinLookups;
    }

    /** The most callers tracked at once. */
    public long maxCallers() {
        return capacity.maxCallers();
    }

    /** How long an idle caller's profile is kept. */
    public Duration idleExpiry() {
        return capacity.idleExpiry();
    }

    /** The action a score leads to. */
    public AnomalyAction actionFor(double score) {
        return thresholds.actionFor(score);
    }

    @Override
    public String toString() {
        int[] points = new int[signals.length];
        for (Signal s : Signal.values()) {
            points[s.ordinal()] = points(s);
        }
        return "AnomalyPolicy[mode=" + mode + ", thresholds=" + observeThreshold() + "/" + throttleThreshold() + "/"
                + quarantineThreshold() + ", quarantineTtl=" + quarantineTtl() + ", points=" + Arrays.toString(points)
                + ", allowList=" + allowList.size() + " ids, optOutRoutes=" + optOutRoutes + "]";
    }

    /**
     * Builds an {@link AnomalyPolicy}. Defaults: mode {@link AnomalyMode#ENFORCE}, no allow-listed
     * caller, no opted-out route, {@link Thresholds#DEFAULTS}, {@link Quarantine#DEFAULTS},
     * {@link Throttle#DEFAULTS}, each signal's {@link Signal#defaults()}, {@link Memory#DEFAULTS},
     * {@link Volume#DEFAULTS}, a full page of {@value #DEFAULT_MAX_PAGE_SIZE}, misses counted after
     * {@value #DEFAULT_MISS_MIN_LOOKUPS} lookups, {@link Capacity#DEFAULTS}. Every setter checks
     * its argument and names the setting in its message; {@link #build()} checks combinations. Not
     * thread-safe.
     */
    public static final class Builder {
        private AnomalyMode mode = AnomalyMode.ENFORCE;
        private final Set<CallerKey> allowList = new LinkedHashSet<>();
        private final Set<String> optOutRoutes = new LinkedHashSet<>();
        private Thresholds thresholds = Thresholds.DEFAULTS;
        private Duration quarantineTtl = Quarantine.DEFAULTS.ttl();
        private Duration maxQuarantineTtl = Quarantine.DEFAULTS.maxTtl();
        private Duration probation = Quarantine.DEFAULTS.probation();
        private Throttle throttle = Throttle.DEFAULTS;
        private final Map<Signal, SignalSetting> signals = new EnumMap<>(Signal.class);
        private Memory memory = Memory.DEFAULTS;
        private Volume volume = Volume.DEFAULTS;
        private int maxPageSize = DEFAULT_MAX_PAGE_SIZE;
        private int missMinLookups = DEFAULT_MISS_MIN_LOOKUPS;
        private Capacity capacity = Capacity.DEFAULTS;

        private Builder() {
            for (Signal s : Signal.values()) {
                signals.put(s, s.defaults());
            }
        }

        /** The mode. Default {@link AnomalyMode#ENFORCE}. */
        public Builder mode(AnomalyMode newMode) {
            this.mode = Check.notNull("mode", newMode);
            return this;
        }

        /**
         * Adds callers (known bulk callers) that are never scored nor refused. Default none. A
         * caller is named by its key, issuer and id ({@link CallerKey#token}): a client of another
         * issuer with the same id is not allow-listed.
         */
        public Builder allowCallers(CallerKey... callers) {
            for (CallerKey key : callers) {
                allowList.add(Check.notNull("allowCallers: a caller", key));
            }
            return this;
        }

        /**
         * Adds route templates (as in the route rules, for example {@code /exports/{id}}) whose
         * requests are not scored. A quarantined caller is refused on them too. Default none.
         */
        public Builder optOutRoutes(String... templates) {
            for (String t : templates) {
                Check.notNull("optOutRoutes: a template", t);
                if (!t.startsWith("/")) {
                    throw new IllegalArgumentException("optOutRoutes: a template starts with '/': " + t);
                }
                optOutRoutes.add(t);
            }
            return this;
        }

        /** The three thresholds ({@link Thresholds}). Default 5, 10, 20. */
        public Builder thresholds(double observe, double throttle, double quarantine) {
            this.thresholds = new Thresholds(observe, throttle, quarantine);
            return this;
        }

        /** The first quarantine's length, from 1 second. Default 15 minutes. */
        public Builder quarantineTtl(Duration ttl) {
            this.quarantineTtl = Check.between("quarantineTtl", ttl, Duration.ofSeconds(1), MAX_DURATION);
            return this;
        }

        /** The longest quarantine after repeats, from 1 second. Default 24 hours. */
        public Builder maxQuarantineTtl(Duration ttl) {
            this.maxQuarantineTtl = Check.between("maxQuarantineTtl", ttl, Duration.ofSeconds(1), MAX_DURATION);
            return this;
        }

        /**
         * How long a caller is on {@linkplain AnomalyPolicy#probation() probation} after a
         * quarantine; {@link Duration#ZERO} switches probation off. Default 6 hours.
         */
        public Builder probation(Duration d) {
            this.probation = Check.notNegative("probation", d);
            return this;
        }

        /** The throttle ({@link Throttle}). Default 0.5 for 10 minutes. */
        public Builder throttle(double factor, Duration duration) {
            this.throttle = new Throttle(factor, duration);
            return this;
        }

        /** Every signal has a setting from the start ({@link Signal#defaults()}). */
        private SignalSetting setting(Signal signal) {
            return Objects.requireNonNull(signals.get(signal), "no setting for a signal");
        }

        /** The severity of a signal. Default {@link Signal#defaults()}. */
        public Builder severity(Signal signal, Severity severity) {
            Check.notNull("severity: signal", signal);
            SignalSetting now = setting(signal);
            signals.put(signal, new SignalSetting(Check.notNull("severity", severity), now.allowance(), now.step()));
            return this;
        }

        /**
         * The signal's allowance (measure that contributes nothing) and step (measure per unit
         * beyond it). Default {@link Signal#defaults()}.
         */
        public Builder allowance(Signal signal, double allowance, double step) {
            Check.notNull("allowance: signal", signal);
            try {
                signals.put(signal, new SignalSetting(setting(signal).severity(), allowance, step));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("allowance of " + signal.signalName()
                        + " must be >= 0 and its step > 0: " + allowance + ", " + step);
            }
            return this;
        }

        /** The half-life of the short-memory measures, from 1 second. Default 5 minutes. */
        public Builder halfLife(Duration d) {
            this.memory = new Memory(d, memory.longHalfLife(), memory.warmUpRequests(), memory.warmUpPeriod());
            return this;
        }

        /** The half-life of the low-and-slow measure, from 1 second. Default 6 hours. */
        public Builder longHalfLife(Duration d) {
            this.memory = new Memory(memory.halfLife(), d, memory.warmUpRequests(), memory.warmUpPeriod());
            return this;
        }

        /** The warm-up before history-based signals apply. Default 100 requests and 30 minutes. */
        public Builder warmUp(int requests, Duration period) {
            this.memory = new Memory(memory.halfLife(), memory.longHalfLife(), requests, period);
            return this;
        }

        /** The volume bound ({@link Volume}). Default 10 and 120. */
        public Builder volume(double multiplier, int floorPerMinute) {
            this.volume = new Volume(multiplier, floorPerMinute);
            return this;
        }

        /** The page size that counts as one full page, at least 1. Default 100. */
        public Builder maxPageSize(int size) {
            this.maxPageSize = Check.atLeast("maxPageSize", size, 1);
            return this;
        }

        /** Lookups in the short memory before the miss share counts, at least 1. Default 20. */
        public Builder missMinLookups(int lookups) {
            this.missMinLookups = Check.atLeast("missMinLookups", lookups, 1);
            return this;
        }

        /** The most callers tracked at once (Caffeine size bound), 1 to 100,000,000. Default 100,000. */
        public Builder maxCallers(long max) {
            this.capacity = new Capacity(max, capacity.idleExpiry());
            return this;
        }

        /** How long an idle caller's profile is kept, from 1 second. Default 24 hours. */
        public Builder idleExpiry(Duration d) {
            this.capacity = new Capacity(capacity.maxCallers(), d);
            return this;
        }

        /** Builds the policy; fails when the quarantine bounds contradict each other. */
        public AnomalyPolicy build() {
            return new AnomalyPolicy(this);
        }
    }
}
