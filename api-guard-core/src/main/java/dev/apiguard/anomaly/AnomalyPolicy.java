package dev.apiguard.anomaly;

import dev.apiguard.CallerKey;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The anomaly scorer's configuration: mode, thresholds, actions, signal severities and
 * allowances, memory and caps. Immutable and thread-safe; build it with {@link #builder()}, whose
 * Javadoc states every default in one place. {@link #defaults()} meets the targets of the
 * simulation in {@code api-guard-benchmarks} ({@code AnomalySimulation}).
 *
 * <p>A signal's intensity is {@code (measure - allowance) / step}, 0 when negative and at most
 * {@value #MAX_INTENSITY}; its contribution is intensity × its severity's points. The score is the
 * sum of the contributions, and leads to an {@link AnomalyAction} through the thresholds.
 */
public final class AnomalyPolicy {

    /** The most units one signal contributes, so that a single runaway measure stays readable. */
    public static final double MAX_INTENSITY = 10;

    /** Default observe threshold: 5 points (one critical unit). */
    public static final double DEFAULT_OBSERVE_THRESHOLD = 5;
    /** Default throttle threshold: 10 points. */
    public static final double DEFAULT_THROTTLE_THRESHOLD = 10;
    /** Default quarantine threshold: 20 points. */
    public static final double DEFAULT_QUARANTINE_THRESHOLD = 20;
    /** Default quarantine: 15 minutes, doubled for each repeat while the caller is tracked. */
    public static final Duration DEFAULT_QUARANTINE_TTL = Duration.ofMinutes(15);
    /** Default longest quarantine after repeats: 24 hours. */
    public static final Duration DEFAULT_MAX_QUARANTINE_TTL = Duration.ofHours(24);
    /**
     * Default probation after a quarantine: 6 hours, in which the caller is quarantined again as
     * soon as its score reaches the throttle threshold and has risen since its release.
     */
    public static final Duration DEFAULT_PROBATION = Duration.ofHours(6);
    /** Default throttle factor: half of the caller's plan. */
    public static final double DEFAULT_THROTTLE_FACTOR = 0.5;
    /** Default throttle duration: 10 minutes (renewed while the score stays high). */
    public static final Duration DEFAULT_THROTTLE_DURATION = Duration.ofMinutes(10);
    /** Default half-life of the short-memory measures: 5 minutes. */
    public static final Duration DEFAULT_HALF_LIFE = Duration.ofMinutes(5);
    /** Default half-life of the low-and-slow measure: 6 hours. */
    public static final Duration DEFAULT_LONG_HALF_LIFE = Duration.ofHours(6);
    /** Default warm-up: 100 requests. */
    public static final int DEFAULT_WARM_UP_REQUESTS = 100;
    /** Default warm-up: 30 minutes since the caller was first seen. */
    public static final Duration DEFAULT_WARM_UP_PERIOD = Duration.ofMinutes(30);
    /** Default volume bound: 10 × the caller's per-minute EWMA baseline... */
    public static final double DEFAULT_VOLUME_MULTIPLIER = 10;
    /** ...and never below 120 requests per minute. */
    public static final int DEFAULT_VOLUME_FLOOR = 120;
    /** Default page size that counts as a full page: 100. */
    public static final int DEFAULT_MAX_PAGE_SIZE = 100;
    /** Default lookups in the short memory before the miss share counts: 20. */
    public static final int DEFAULT_MISS_MIN_LOOKUPS = 20;
    /** Default cap on tracked callers: 100,000. */
    public static final long DEFAULT_MAX_CALLERS = 100_000;
    /** Default: a caller not seen for 24 hours is forgotten. */
    public static final Duration DEFAULT_IDLE_EXPIRY = Duration.ofHours(24);

    private static final double[][] DEFAULT_ALLOWANCES = new double[Signal.values().length][];

    static {
        DEFAULT_ALLOWANCES[Signal.VOLUME.ordinal()] = new double[] {1, 1};
        DEFAULT_ALLOWANCES[Signal.ENUMERATION.ordinal()] = new double[] {120, 60};
        DEFAULT_ALLOWANCES[Signal.SEQUENTIAL.ordinal()] = new double[] {5, 20};
        DEFAULT_ALLOWANCES[Signal.MISSES.ordinal()] = new double[] {0.3, 0.2};
        DEFAULT_ALLOWANCES[Signal.FAILURES.ordinal()] = new double[] {3, 3};
        DEFAULT_ALLOWANCES[Signal.NEW_ROUTE.ordinal()] = new double[] {0, 1};
        DEFAULT_ALLOWANCES[Signal.PAGING.ordinal()] = new double[] {2, 1};
        DEFAULT_ALLOWANCES[Signal.LOW_AND_SLOW.ordinal()] = new double[] {200, 100};
    }

    private static final AnomalyPolicy DEFAULTS = builder().build();

    private final AnomalyMode mode;
    private final Set<CallerKey> allowList;
    private final Set<String> optOutRoutes;
    private final double observeThreshold;
    private final double throttleThreshold;
    private final double quarantineThreshold;
    private final Duration quarantineTtl;
    private final Duration maxQuarantineTtl;
    private final double throttleFactor;
    private final Duration throttleDuration;
    private final Duration probation;
    private final int[] points;
    private final double[] allowance;
    private final double[] step;
    private final Duration halfLife;
    private final Duration longHalfLife;
    private final int warmUpRequests;
    private final Duration warmUpPeriod;
    private final double volumeMultiplier;
    private final int volumeFloor;
    private final int maxPageSize;
    private final int missMinLookups;
    private final long maxCallers;
    private final Duration idleExpiry;

    private AnomalyPolicy(Builder b) {
        mode = b.mode;
        allowList = Set.copyOf(b.allowList);
        optOutRoutes = Set.copyOf(b.optOutRoutes);
        observeThreshold = b.observeThreshold;
        throttleThreshold = b.throttleThreshold;
        quarantineThreshold = b.quarantineThreshold;
        quarantineTtl = b.quarantineTtl;
        maxQuarantineTtl = b.maxQuarantineTtl;
        throttleFactor = b.throttleFactor;
        throttleDuration = b.throttleDuration;
        probation = b.probation;
        points = new int[Signal.values().length];
        allowance = new double[points.length];
        step = new double[points.length];
        for (Signal s : Signal.values()) {
            points[s.ordinal()] = b.severities.get(s).points();
            allowance[s.ordinal()] = b.allowances[s.ordinal()][0];
            step[s.ordinal()] = b.allowances[s.ordinal()][1];
        }
        halfLife = b.halfLife;
        longHalfLife = b.longHalfLife;
        warmUpRequests = b.warmUpRequests;
        warmUpPeriod = b.warmUpPeriod;
        volumeMultiplier = b.volumeMultiplier;
        volumeFloor = b.volumeFloor;
        maxPageSize = b.maxPageSize;
        missMinLookups = b.missMinLookups;
        maxCallers = b.maxCallers;
        idleExpiry = b.idleExpiry;
    }

    /** The default policy (every default of {@link Builder}). */
    public static AnomalyPolicy defaults() {
        return DEFAULTS;
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

    /** The score at which an event is emitted. */
    public double observeThreshold() {
        return observeThreshold;
    }

    /** The score at which the caller is throttled. */
    public double throttleThreshold() {
        return throttleThreshold;
    }

    /** The score at which the caller is quarantined. */
    public double quarantineThreshold() {
        return quarantineThreshold;
    }

    /** The first quarantine's length. */
    public Duration quarantineTtl() {
        return quarantineTtl;
    }

    /** The longest quarantine after repeats. */
    public Duration maxQuarantineTtl() {
        return maxQuarantineTtl;
    }

    /**
     * How long a caller is on probation after a quarantine ends ({@link Duration#ZERO}: never).
     * On probation a caller is quarantined again as soon as its score reaches the throttle
     * threshold and is higher than when the quarantine ended, that is as soon as the behaviour
     * that got it quarantined goes on, rather than when it has built up the quarantine threshold
     * again.
     */
    public Duration probation() {
        return probation;
    }

    /** The factor a throttled caller's plan is multiplied by. */
    public double throttleFactor() {
        return throttleFactor;
    }

    /** How long one throttle lasts. */
    public Duration throttleDuration() {
        return throttleDuration;
    }

    /** The points one unit of the signal adds. */
    public int points(Signal signal) {
        return points[signal.ordinal()];
    }

    /** The signal's allowance: the measure below which it contributes nothing. */
    public double allowance(Signal signal) {
        return allowance[signal.ordinal()];
    }

    /** The signal's step: how much measure beyond the allowance makes one unit. */
    public double step(Signal signal) {
        return step[signal.ordinal()];
    }

    /** The half-life of the short-memory measures. */
    public Duration halfLife() {
        return halfLife;
    }

    /** The half-life of the low-and-slow measure. */
    public Duration longHalfLife() {
        return longHalfLife;
    }

    /** Requests a caller makes before the history-based signals (volume, new route) apply. */
    public int warmUpRequests() {
        return warmUpRequests;
    }

    /** Time since first seen before the history-based signals apply. */
    public Duration warmUpPeriod() {
        return warmUpPeriod;
    }

    /** The volume bound as a multiple of the caller's per-minute baseline. */
    public double volumeMultiplier() {
        return volumeMultiplier;
    }

    /** The volume bound's floor, in requests per minute. */
    public int volumeFloor() {
        return volumeFloor;
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
        return maxCallers;
    }

    /** How long an idle caller's profile is kept. */
    public Duration idleExpiry() {
        return idleExpiry;
    }

    /** The action a score leads to. */
    public AnomalyAction actionFor(double score) {
        if (score >= quarantineThreshold) {
            return AnomalyAction.QUARANTINE;
        }
        if (score >= throttleThreshold) {
            return AnomalyAction.THROTTLE;
        }
        if (score >= observeThreshold) {
            return AnomalyAction.OBSERVE;
        }
        return AnomalyAction.NONE;
    }

    @Override
    public String toString() {
        return "AnomalyPolicy[mode=" + mode + ", thresholds=" + observeThreshold + "/" + throttleThreshold + "/"
                + quarantineThreshold + ", quarantineTtl=" + quarantineTtl + ", points=" + Arrays.toString(points)
                + ", allowList=" + allowList.size() + " ids, optOutRoutes=" + optOutRoutes + "]";
    }

    /**
     * Builds an {@link AnomalyPolicy}. Defaults:
     * <ul>
     *   <li>mode {@link AnomalyMode#ENFORCE}; no allow-listed caller; no opted-out route;</li>
     *   <li>thresholds: observe 5, throttle 10, quarantine 20 points; an action is lowered again
     *       only when the score falls below 80 % of its threshold (hysteresis);</li>
     *   <li>quarantine 15 minutes, doubled on each repeat up to 24 hours, then 6 hours of
     *       {@linkplain AnomalyPolicy#probation() probation}; throttle to 0.5 of the
     *       plan for 10 minutes, renewed while the score stays at or above the throttle threshold;</li>
     *   <li>severities ({@link Signal#defaultSeverity()}): sequential critical (5); misses,
     *       failures, low-and-slow error (4); enumeration, paging warning (3); volume, new route
     *       notice (2);</li>
     *   <li>allowance / step: enumeration 120 / 60 new ids; sequential 5 / 20 neighbour steps;
     *       misses 0.3 / 0.2 of lookups (after 20 lookups); failures 3 / 3; new route 0 / 1;
     *       paging 2 / 1 full pages; low-and-slow 200 / 100 new ids; volume 1 / 1 times the bound
     *       {@code max(120/min, 10 × EWMA)};</li>
     *   <li>memory: half-life 5 minutes, low-and-slow half-life 6 hours; warm-up 100 requests and
     *       30 minutes; a page of 100 is a full page;</li>
     *   <li>caps: 100,000 tracked callers, each forgotten after 24 hours idle.</li>
     * </ul>
     * Every setter validates its argument and names the setting in its message; {@link #build()}
     * checks combinations. Not thread-safe.
     */
    public static final class Builder {
        private AnomalyMode mode = AnomalyMode.ENFORCE;
        private final Set<CallerKey> allowList = new LinkedHashSet<>();
        private final Set<String> optOutRoutes = new LinkedHashSet<>();
        private double observeThreshold = DEFAULT_OBSERVE_THRESHOLD;
        private double throttleThreshold = DEFAULT_THROTTLE_THRESHOLD;
        private double quarantineThreshold = DEFAULT_QUARANTINE_THRESHOLD;
        private Duration quarantineTtl = DEFAULT_QUARANTINE_TTL;
        private Duration maxQuarantineTtl = DEFAULT_MAX_QUARANTINE_TTL;
        private Duration probation = DEFAULT_PROBATION;
        private double throttleFactor = DEFAULT_THROTTLE_FACTOR;
        private Duration throttleDuration = DEFAULT_THROTTLE_DURATION;
        private final Map<Signal, Severity> severities = new EnumMap<>(Signal.class);
        private final double[][] allowances = new double[Signal.values().length][];
        private Duration halfLife = DEFAULT_HALF_LIFE;
        private Duration longHalfLife = DEFAULT_LONG_HALF_LIFE;
        private int warmUpRequests = DEFAULT_WARM_UP_REQUESTS;
        private Duration warmUpPeriod = DEFAULT_WARM_UP_PERIOD;
        private double volumeMultiplier = DEFAULT_VOLUME_MULTIPLIER;
        private int volumeFloor = DEFAULT_VOLUME_FLOOR;
        private int maxPageSize = DEFAULT_MAX_PAGE_SIZE;
        private int missMinLookups = DEFAULT_MISS_MIN_LOOKUPS;
        private long maxCallers = DEFAULT_MAX_CALLERS;
        private Duration idleExpiry = DEFAULT_IDLE_EXPIRY;

        private Builder() {
            for (Signal s : Signal.values()) {
                severities.put(s, s.defaultSeverity());
                allowances[s.ordinal()] = DEFAULT_ALLOWANCES[s.ordinal()].clone();
            }
        }

        /** The mode. Default {@link AnomalyMode#ENFORCE}. */
        public Builder mode(AnomalyMode newMode) {
            this.mode = Objects.requireNonNull(newMode, "mode cannot be null");
            return this;
        }

        /**
         * Adds callers (known bulk callers) that are never scored nor refused. Default none. A
         * caller is named by its key, issuer and id ({@link CallerKey#token}): a client of another
         * issuer with the same id is not allow-listed.
         */
        public Builder allowCallers(CallerKey... callers) {
            for (CallerKey key : callers) {
                allowList.add(Objects.requireNonNull(key, "allowCallers: a caller cannot be null"));
            }
            return this;
        }

        /**
         * Adds route templates (as in the route rules, for example {@code /exports/{id}}) whose
         * requests are not scored. A quarantined caller is refused on them too. Default none.
         */
        public Builder optOutRoutes(String... templates) {
            for (String t : templates) {
                Objects.requireNonNull(t, "optOutRoutes: a template cannot be null");
                if (!t.startsWith("/")) {
                    throw new IllegalArgumentException("optOutRoutes: a template starts with '/': " + t);
                }
                optOutRoutes.add(t);
            }
            return this;
        }

        /** The three thresholds, in points, strictly increasing. Default 5, 10, 20. */
        public Builder thresholds(double observe, double throttle, double quarantine) {
            if (!(observe > 0 && observe < throttle && throttle < quarantine) || Double.isInfinite(quarantine)) {
                throw new IllegalArgumentException("thresholds must satisfy 0 < observe < throttle < quarantine: "
                        + observe + ", " + throttle + ", " + quarantine);
            }
            this.observeThreshold = observe;
            this.throttleThreshold = throttle;
            this.quarantineThreshold = quarantine;
            return this;
        }

        /** The first quarantine's length, from 1 second. Default 15 minutes. */
        public Builder quarantineTtl(Duration ttl) {
            this.quarantineTtl = positive("quarantineTtl", ttl);
            return this;
        }

        /** The longest quarantine after repeats. Default 24 hours. */
        public Builder maxQuarantineTtl(Duration ttl) {
            this.maxQuarantineTtl = positive("maxQuarantineTtl", ttl);
            return this;
        }

        /**
         * How long a caller is on {@linkplain AnomalyPolicy#probation() probation} after a
         * quarantine; {@link Duration#ZERO} switches probation off. Default 6 hours.
         */
        public Builder probation(Duration d) {
            Objects.requireNonNull(d, "probation cannot be null");
            if (d.isNegative()) {
                throw new IllegalArgumentException("probation must not be negative: " + d);
            }
            this.probation = d;
            return this;
        }

        /** The throttle: 0 &lt; factor ≤ 1 of the caller's plan, for the duration. Default 0.5 for 10 minutes. */
        public Builder throttle(double factor, Duration duration) {
            if (!(factor > 0 && factor <= 1)) {
                throw new IllegalArgumentException("throttle factor must be in (0, 1]: " + factor);
            }
            this.throttleFactor = factor;
            this.throttleDuration = positive("throttle duration", duration);
            return this;
        }

        /** The severity of a signal. Default {@link Signal#defaultSeverity()}. */
        public Builder severity(Signal signal, Severity severity) {
            Objects.requireNonNull(signal, "severity: signal cannot be null");
            severities.put(signal, Objects.requireNonNull(severity, "severity cannot be null"));
            return this;
        }

        /**
         * The signal's allowance (measure that contributes nothing) and step (measure per unit
         * beyond it). Defaults in the class comment.
         */
        public Builder allowance(Signal signal, double allowance, double step) {
            Objects.requireNonNull(signal, "allowance: signal cannot be null");
            if (!(allowance >= 0) || Double.isInfinite(allowance) || !(step > 0) || Double.isInfinite(step)) {
                throw new IllegalArgumentException("allowance of " + signal.signalName()
                        + " must be >= 0 and its step > 0: " + allowance + ", " + step);
            }
            allowances[signal.ordinal()] = new double[] {allowance, step};
            return this;
        }

        /** The half-life of the short-memory measures, from 1 second. Default 5 minutes. */
        public Builder halfLife(Duration d) {
            this.halfLife = positive("halfLife", d);
            return this;
        }

        /** The half-life of the low-and-slow measure. Default 6 hours. */
        public Builder longHalfLife(Duration d) {
            this.longHalfLife = positive("longHalfLife", d);
            return this;
        }

        /** The warm-up before history-based signals apply. Default 100 requests and 30 minutes. */
        public Builder warmUp(int requests, Duration period) {
            if (requests < 0) {
                throw new IllegalArgumentException("warmUp requests must be >= 0: " + requests);
            }
            this.warmUpRequests = requests;
            this.warmUpPeriod = Objects.requireNonNull(period, "warmUp period cannot be null");
            if (period.isNegative()) {
                throw new IllegalArgumentException("warmUp period must not be negative: " + period);
            }
            return this;
        }

        /** The volume bound {@code max(floor, multiplier × EWMA)} per minute. Default 10 and 120. */
        public Builder volume(double multiplier, int floorPerMinute) {
            if (!(multiplier >= 1) || floorPerMinute < 1) {
                throw new IllegalArgumentException(
                        "volume multiplier must be >= 1 and floor >= 1: " + multiplier + ", " + floorPerMinute);
            }
            this.volumeMultiplier = multiplier;
            this.volumeFloor = floorPerMinute;
            return this;
        }

        /** The page size that counts as one full page. Default 100. */
        public Builder maxPageSize(int size) {
            if (size < 1) {
                throw new IllegalArgumentException("maxPageSize must be >= 1: " + size);
            }
            this.maxPageSize = size;
            return this;
        }

        /** Lookups in the short memory before the miss share counts. Default 20. */
        public Builder missMinLookups(int lookups) {
            if (lookups < 1) {
                throw new IllegalArgumentException("missMinLookups must be >= 1: " + lookups);
            }
            this.missMinLookups = lookups;
            return this;
        }

        /** The most callers tracked at once (Caffeine size bound). Default 100,000. */
        public Builder maxCallers(long max) {
            if (max < 1 || max > 100_000_000) {
                throw new IllegalArgumentException("maxCallers must be between 1 and 100,000,000: " + max);
            }
            this.maxCallers = max;
            return this;
        }

        /** How long an idle caller's profile is kept. Default 24 hours. */
        public Builder idleExpiry(Duration d) {
            this.idleExpiry = positive("idleExpiry", d);
            return this;
        }

        /** Builds the policy; fails when the quarantine bounds contradict each other. */
        public AnomalyPolicy build() {
            if (maxQuarantineTtl.compareTo(quarantineTtl) < 0) {
                throw new IllegalStateException("maxQuarantineTtl (" + maxQuarantineTtl
                        + ") must not be shorter than quarantineTtl (" + quarantineTtl + ")");
            }
            return new AnomalyPolicy(this);
        }

        private static Duration positive(String name, Duration d) {
            Objects.requireNonNull(d, name + " cannot be null");
            if (d.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException(name + " must be at least 1 second: " + d);
            }
            return d;
        }
    }
}
