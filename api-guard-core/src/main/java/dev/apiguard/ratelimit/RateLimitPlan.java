package dev.apiguard.ratelimit;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A named rate-limit plan: one or more token-bucket limits that all apply at once, for example
 * 50 requests per second (the burst) and 10,000 per hour (the sustained rate).
 *
 * <p>Each {@link Limit} is a Bucket4j bandwidth of {@code quota} tokens refilled greedily over
 * {@code window}: a drained bucket is full again one window later. A request costs one unit, or
 * its route's weight ({@link RateLimitPolicy.Builder#routeCost}). List the tightest limit first:
 * the {@code RateLimit} response field reports under the first limit's name.
 *
 * <p>Immutable and thread-safe.
 */
public final class RateLimitPlan {

    /** Bucket tokens per cost unit: room for adjustment factors below 1 without rounding a unit away. */
    static final long TOKENS_PER_UNIT = 1000;

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,31}");
    // quota * TOKENS_PER_UNIT must stay far from overflow inside Bucket4j's arithmetic
    private static final long MAX_QUOTA = 1_000_000_000L;
    // Bucket4j's greedy refill is at most one token a nanosecond
    private static final long MAX_UNITS_PER_SECOND = 1_000_000_000L / TOKENS_PER_UNIT;

    /**
     * One limit of a plan: {@code quota} units per {@code window}.
     *
     * @param name a lower-case name ({@code burst}, {@code hourly}) sent as the policy's identifier
     * @param quota the bucket's capacity in cost units, from 1 to 1,000,000,000, and at most
     *     1,000,000 per second of {@code window} (Bucket4j refills at most a token a nanosecond)
     * @param window how long a drained bucket takes to fill again; whole seconds, at least 1 s
     */
    public record Limit(String name, long quota, Duration window) {
        public Limit {
            Objects.requireNonNull(name, "limit name cannot be null");
            Objects.requireNonNull(window, "limit window cannot be null");
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("limit name must match " + NAME + ": " + name);
            }
            if (quota < 1 || quota > MAX_QUOTA) {
                throw new IllegalArgumentException(
                        "limit " + name + ": quota must be from 1 to " + MAX_QUOTA + ": " + quota);
            }
            if (window.isNegative() || window.getSeconds() < 1 || window.getNano() != 0) {
                throw new IllegalArgumentException(
                        "limit " + name + ": window must be whole seconds, at least 1s: " + window);
            }
            // Bucket4j refills at most one token a nanosecond: a unit is TOKENS_PER_UNIT tokens
            if (window.getSeconds() < MAX_QUOTA / MAX_UNITS_PER_SECOND
                    && quota > window.getSeconds() * MAX_UNITS_PER_SECOND) {
                throw new IllegalArgumentException("limit " + name + ": quota must be at most " + MAX_UNITS_PER_SECOND
                        + " units per second of window: " + quota + " per " + window.getSeconds() + "s");
            }
        }

        /** A limit of {@code quota} units per {@code window}. */
        public static Limit of(String name, long quota, Duration window) {
            return new Limit(name, quota, window);
        }
    }

    private final String name;
    private final List<Limit> limits;
    private final BucketConfiguration configuration;
    private final long smallestCapacityTokens;
    private final Duration refillTime;

    private RateLimitPlan(String name, List<Limit> limits) {
        this.name = name;
        this.limits = List.copyOf(limits);
        var config = BucketConfiguration.builder();
        long smallest = Long.MAX_VALUE;
        Duration longest = Duration.ZERO;
        for (Limit l : limits) {
            long tokens = l.quota() * TOKENS_PER_UNIT;
            config.addLimit(Bandwidth.builder()
                    .capacity(tokens)
                    .refillGreedy(tokens, l.window())
                    .id(l.name())
                    .build());
            smallest = Math.min(smallest, tokens);
            longest = longest.compareTo(l.window()) < 0 ? l.window() : longest;
        }
        this.configuration = config.build();
        this.smallestCapacityTokens = smallest;
        this.refillTime = longest;
    }

    /**
     * A plan of the given limits.
     *
     * @throws IllegalArgumentException when the name is not lower-case letters, digits, {@code _}
     *     or {@code -}, no limit is given, or two limits share a name
     */
    public static RateLimitPlan of(String name, Limit... limits) {
        Objects.requireNonNull(name, "plan name cannot be null");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("plan name must match " + NAME + ": " + name);
        }
        if (limits.length == 0) {
            throw new IllegalArgumentException("plan " + name + ": at least one limit is needed");
        }
        Set<String> names = new HashSet<>();
        List<Limit> all = new ArrayList<>();
        for (Limit l : limits) {
            Objects.requireNonNull(l, "plan " + name + ": limit cannot be null");
            if (!names.add(l.name())) {
                throw new IllegalArgumentException("plan " + name + ": two limits are named " + l.name());
            }
            all.add(l);
        }
        return new RateLimitPlan(name, all);
    }

    /** A plan with a single limit named {@code burst}: {@code quota} units per {@code window}. */
    public static RateLimitPlan simple(String name, long quota, Duration window) {
        return of(name, Limit.of("burst", quota, window));
    }

    /** The plan's name. */
    public String name() {
        return name;
    }

    /** The limits, in the order given. */
    public List<Limit> limits() {
        return limits;
    }

    /** The Bucket4j configuration of a bucket of this plan (quotas scaled by {@value #TOKENS_PER_UNIT} tokens per unit). */
    public BucketConfiguration configuration() {
        return configuration;
    }

    /** How long a drained bucket of this plan takes to be full again: the longest window. */
    public Duration refillTime() {
        return refillTime;
    }

    /**
     * The bucket tokens one request takes: {@code cost} units divided by the caller's adjustment
     * factor, rounded to the nearest token (a thousandth of a unit), and at most the smallest limit's capacity (so that a heavily throttled
     * caller still gets one request per refill instead of none ever).
     */
    long tokensFor(long cost, double factor) {
        double exact = Math.rint(cost * (double) TOKENS_PER_UNIT / factor);
        return exact >= smallestCapacityTokens ? smallestCapacityTokens : Math.max(1, (long) exact);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("RateLimitPlan[").append(name);
        for (Limit l : limits) {
            sb.append(", ")
                    .append(l.name())
                    .append('=')
                    .append(l.quota())
                    .append('/')
                    .append(l.window().getSeconds())
                    .append('s');
        }
        return sb.append(']').toString();
    }
}
