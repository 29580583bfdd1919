package dev.apiguard.anomaly.internal;

import dev.apiguard.anomaly.AnomalyAction;
import dev.apiguard.anomaly.AnomalyPolicy;
import dev.apiguard.anomaly.Evidence;
import dev.apiguard.anomaly.FleetProfile;
import dev.apiguard.anomaly.Signal;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One caller's behaviour profile, of bounded size: exponentially decaying counters, a per-minute
 * EWMA, an aging Bloom filter of the ids the caller asked for (two generations of 4,096 bits) and
 * a small set of route hashes. No collection grows with the traffic beyond its cap; the walks
 * followed are {@value #WALKS}. The Bloom generations are allocated when first needed (the first
 * id looked up, the first rotation) and the route hashes grow up to their cap, so that a caller
 * that looks nothing up by id costs no Bloom filter at all: the answers are the same as with
 * everything allocated.
 *
 * <p>Not thread-safe: the step locks the profile while it reads or updates it.
 */
public final class CallerProfile {

    // values() copies the array on every call
    private static final Signal[] SIGNALS = Signal.values();

    /** Bits of one Bloom generation: as a fleet's store keeps them. */
    static final int BLOOM_BITS = Evidence.BLOOM_BITS;
    /** Ids inserted into one generation before the generations rotate (about 3 % false positives each). */
    static final int BLOOM_GENERATION = Evidence.BLOOM_GENERATION;
    /** Route hashes remembered per caller. */
    static final int MAX_ROUTES = Evidence.MAX_ROUTES;
    /** Characters of the last id kept for the neighbour test. */
    static final int MAX_ID_LENGTH = 32;
    /** The trailing characters in which two ids of one length may differ and still be neighbours. */
    static final int NEIGHBOUR_SUFFIX = Evidence.NEIGHBOUR_SUFFIX;
    /** Walks followed at once per caller. */
    static final int WALKS = Evidence.WALKS;

    private static final int UP = 1;
    private static final int DOWN = 2;

    private final long firstSeen;
    private long lastUpdate;
    private int requests;

    // short-memory counters (half-life: policy.halfLife)
    private double novelShort;
    private double sequentialSteps;
    private double lookups;
    private double misses;
    private double failures;
    private double newRoutes;
    private double pages;
    // long memory (policy.longHalfLife)
    private double novelLong;

    // volume: requests of the current minute, EWMA of earlier minutes
    private long minute;
    private int minuteCount;
    private double ewmaPerMinute;

    // null until the first id (current) and the first rotation (previous): an empty generation
    private long @Nullable [] bloomCurrent;
    private long @Nullable [] bloomPrevious;
    private int bloomInserts;

    private int[] routes = new int[2];
    private int routeCount;

    // the walks followed, most recent first (null until the first new id), two longs each: its
    // neighbourhood, then the suffix of its last id with its direction (suffix << 2 | UP or DOWN)
    private long @Nullable [] walks;
    private int walkCount;
    private int lastPage = -1;

    private AnomalyAction action = AnomalyAction.NONE;
    private long throttledUntil;
    private long quarantinedUntil;
    private int quarantines;
    private long probationUntil;
    private double releaseScore;

    /** When the profile last learnt from a request (epoch milliseconds, the guard's clock). */
    public long lastUpdate() {
        return lastUpdate;
    }

    /** A profile of a caller first seen at {@code now} (epoch millis). */
    public CallerProfile(long now) {
        this.firstSeen = now;
        this.lastUpdate = now;
        this.minute = now / 60_000;
    }

    /**
     * The profile's counters as a fleet pools them: what a store that folded every {@link Evidence}
     * this profile {@linkplain #record recorded} would hold.
     */
    public FleetProfile fleetProfile() {
        return new FleetProfile(
                firstSeen,
                lastUpdate,
                requests,
                novelShort,
                sequentialSteps,
                lookups,
                misses,
                failures,
                newRoutes,
                pages,
                novelLong,
                minute,
                minuteCount,
                ewmaPerMinute);
    }

    /** What one answered request tells about the caller. */
    public record Observation(
            String method,
            @Nullable String route,
            @Nullable String id,
            int status,
            int page,
            int pageSize,
            boolean pageSizeGiven) {}

    /**
     * Folds one answered request into the profile at {@code now} (epoch millis), and says what it
     * told in the form a fleet pools.
     */
    public Evidence record(long now, Observation o, AnomalyPolicy policy) {
        decayTo(now, policy);
        boolean warm = requests >= policy.warmUpRequests()
                && now - firstSeen >= policy.warmUpPeriod().toMillis();
        requests++;
        minuteCount++;

        int status = o.status();
        String route = o.route();
        boolean mapped = route != null;
        boolean failure = status == 401
                || status == 403
                || status == 405
                || (status == 404 && !mapped)
                || (status == 400 && !mapped);
        if (failure) {
            failures++;
        }
        boolean routed = mapped && (status < 400 || status == 404);
        int routeHash = 0;
        if (routed) {
            routeHash = routeHash(o.method(), Objects.requireNonNull(route));
            if (!knowsRoute(routeHash)) {
                if (warm) {
                    newRoutes++;
                }
                if (routeCount < MAX_ROUTES) {
                    if (routeCount == routes.length) {
                        routes = java.util.Arrays.copyOf(routes, Math.min(MAX_ROUTES, 2 * routes.length));
                    }
                    routes[routeCount++] = routeHash;
                }
            }
        }
        String id = o.id();
        boolean lookup = false;
        long idHash = 0;
        long neighbourhood = 0;
        long suffix = 0;
        if (route != null && id != null && (status < 400 || status == 404)) {
            lookup = true;
            // a longer id is cut, and every part of it hashed where it is: no substring per request
            int length = Math.min(id.length(), MAX_ID_LENGTH);
            idHash = hash64(route.hashCode(), id, length);
            neighbourhood = hash64(route.hashCode() * 31 + length, id, Math.max(0, length - NEIGHBOUR_SUFFIX));
            suffix = Evidence.suffixOf(id, length);
            lookup(idHash, neighbourhood, suffix, status == 404);
        }
        double pageFraction = 0;
        if (o.page() >= 0 && status < 400) {
            if (o.page() != lastPage) {
                pageFraction = o.pageSizeGiven()
                        ? Math.min(1.0, (double) Math.max(1, o.pageSize()) / policy.maxPageSize())
                        : 0.25;
                pages += pageFraction;
            }
            lastPage = o.page();
        }
        return new Evidence(
                now, failure, routed, routeHash, lookup, status == 404, idHash, neighbourhood, suffix, pageFraction);
    }

    /**
     * {@code (method + ' ' + route).hashCode()}, without making that string on every request: a
     * string's hash is {@code Σ s[i]·31^(n-1-i)}, so that of a concatenation is the first part's
     * times {@code 31^length} of the rest plus the rest's (both parts' hashes are cached in their
     * strings). The same value as before, so nodes of mixed versions agree on a route's hash in a
     * fleet's evidence.
     */
    static int routeHash(String method, String route) {
        return (method.hashCode() * 31 + ' ') * pow31(route.length()) + route.hashCode();
    }

    /** 31 to the power {@code n}, modulo 2^32 as {@link String#hashCode()} computes. */
    private static int pow31(int n) {
        int result = 1;
        int base = 31;
        for (int e = n; e > 0; e >>>= 1) {
            if ((e & 1) != 0) {
                result *= base;
            }
            base *= base;
        }
        return result;
    }

    /** Records a look-up, and whether the id, new to this node, is a step of a walk. */
    private void lookup(long h, long neighbourhood, long suffix, boolean miss) {
        lookups++;
        if (miss) {
            misses++;
        }
        if (!bloomContains(h)) {
            bloomAdd(h);
            novelShort++;
            novelLong++;
            step(neighbourhood, suffix);
        }
    }

    /**
     * A new id in the neighbourhood (ids of one length and route that differ only in their last
     * {@value #NEIGHBOUR_SUFFIX} characters) of one of the last {@value #WALKS} walks followed is
     * a step of that walk when it goes the walk's way (either way for its second id); the walk
     * moves to the front, and an id of a new neighbourhood starts a walk in the place of the least
     * recent one. Several walks rather than the last id alone: a scraper that walks
     * two ranges in turn walks both, and a fleet's store, which judges the ids in the order the
     * nodes' batches reach it (a node gathers a busy caller's evidence for a few milliseconds),
     * sees a tag arrive after the successor guessed on another node, with other ids between. The
     * fleet's script ({@code evidence.lua}) does exactly this.
     */
    private void step(long neighbourhood, long suffix) {
        long[] followed = walks;
        if (followed == null) {
            followed = new long[2 * WALKS];
            walks = followed;
        }
        int w = 0;
        while (w < walkCount && followed[2 * w] != neighbourhood) {
            w++;
        }
        int direction = 0;
        if (w < walkCount) {
            long head = followed[2 * w + 1];
            direction = (int) (head & 3);
            long last = head >>> 2;
            if (suffix != last) {
                int way = suffix > last ? UP : DOWN;
                if (direction == 0 || way == direction) {
                    sequentialSteps++;
                }
                direction = way;
            }
        } else if (walkCount == WALKS) {
            w = WALKS - 1; // the least recent walk makes room
        } else {
            walkCount++;
        }
        System.arraycopy(followed, 0, followed, 2, 2 * w);
        followed[0] = neighbourhood;
        followed[1] = suffix << 2 | direction;
    }

    private boolean knowsRoute(int routeHash) {
        for (int i = 0; i < routeCount; i++) {
            if (routes[i] == routeHash) {
                return true;
            }
        }
        return false;
    }

    private void decayTo(long now, AnomalyPolicy policy) {
        long elapsed = now - lastUpdate;
        if (elapsed > 0) {
            double f = decay(elapsed, policy.halfLife().toMillis());
            novelShort *= f;
            sequentialSteps *= f;
            lookups *= f;
            misses *= f;
            failures *= f;
            newRoutes *= f;
            pages *= f;
            novelLong *= decay(elapsed, policy.longHalfLife().toMillis());
            lastUpdate = now;
        }
        long m = now / 60_000;
        if (m > minute) {
            double alpha = 1 - Math.pow(0.5, 1.0 / 60);
            ewmaPerMinute += alpha * (minuteCount - ewmaPerMinute);
            long idle = Math.min(m - minute - 1, 100_000);
            if (idle > 0) {
                ewmaPerMinute *= Math.pow(1 - alpha, idle);
            }
            minute = m;
            minuteCount = 0;
        }
    }

    private static double decay(long elapsedMillis, long halfLifeMillis) {
        return Math.pow(0.5, (double) elapsedMillis / halfLifeMillis);
    }

    /**
     * Each signal's contribution in points at {@code now} (not before the last update), indexed by
     * {@link Signal#ordinal()}. Does not change the profile.
     */
    public double[] contributions(long now, AnomalyPolicy policy) {
        return contributions(fleetProfile(), now, policy);
    }

    /**
     * The fleet's profile's contributions at {@code now}, scored as a node scores its own (one
     * formula for both: a node's profile is scored through its {@link #fleetProfile()}, a record
     * the JIT does not allocate once this is inlined).
     */
    public static double[] contributions(FleetProfile fleet, long now, AnomalyPolicy policy) {
        long elapsed = Math.max(0, now - fleet.lastUpdate());
        double f = decay(elapsed, policy.halfLife().toMillis());
        double fl = decay(elapsed, policy.longHalfLife().toMillis());
        double[] points = new double[SIGNALS.length];
        boolean warm = fleet.requests() > policy.warmUpRequests()
                && now - fleet.firstSeen() >= policy.warmUpPeriod().toMillis();
        if (warm && now / 60_000 == fleet.minute()) {
            double bound = Math.max(policy.volumeFloor(), policy.volumeMultiplier() * fleet.ewmaPerMinute());
            points(points, Signal.VOLUME, fleet.minuteCount() / bound, policy);
        }
        double lookups = fleet.lookups();
        points(points, Signal.ENUMERATION, fleet.novelShort() * f, policy);
        points(points, Signal.SEQUENTIAL, fleet.sequentialSteps() * f, policy);
        points(points, Signal.MISSES, lookups * f >= policy.missMinLookups() ? fleet.misses() / lookups : 0, policy);
        points(points, Signal.FAILURES, fleet.failures() * f, policy);
        points(points, Signal.NEW_ROUTE, fleet.newRoutes() * f, policy);
        points(points, Signal.PAGING, fleet.pages() * f, policy);
        points(points, Signal.LOW_AND_SLOW, fleet.novelLong() * fl, policy);
        return points;
    }

    /** Sets the signal's points for its measure: nothing up to its allowance, then per step. */
    private static void points(double[] points, Signal s, double measure, AnomalyPolicy policy) {
        double intensity = (measure - policy.allowance(s)) / policy.step(s);
        if (intensity > 0) {
            points[s.ordinal()] = Math.min(AnomalyPolicy.MAX_INTENSITY, intensity) * policy.points(s);
        }
    }

    private boolean bloomContains(long h) {
        return bloomCurrent != null && bloomHas(bloomCurrent, h) || bloomPrevious != null && bloomHas(bloomPrevious, h);
    }

    private void bloomAdd(long h) {
        if (bloomCurrent == null) {
            bloomCurrent = new long[BLOOM_BITS / 64];
        }
        if (bloomInserts >= BLOOM_GENERATION) {
            long[] recycled = bloomPrevious;
            if (recycled == null) {
                recycled = new long[BLOOM_BITS / 64];
            } else {
                java.util.Arrays.fill(recycled, 0L);
            }
            bloomPrevious = bloomCurrent;
            bloomCurrent = recycled;
            bloomInserts = 0;
        }
        for (int i = 0; i < 3; i++) {
            int bit = bit(h, i);
            bloomCurrent[bit >>> 6] |= 1L << bit;
        }
        bloomInserts++;
    }

    private static boolean bloomHas(long[] bits, long h) {
        for (int i = 0; i < 3; i++) {
            int bit = bit(h, i);
            if ((bits[bit >>> 6] & (1L << bit)) == 0) {
                return false;
            }
        }
        return true;
    }

    private static int bit(long h, int i) {
        return Evidence.bloomBit(h, i);
    }

    /**
     * A 64-bit FNV-1a of the route hash and the id's first {@code length} characters, finished with
     * a murmur3 mix.
     */
    static long hash64(int routeHash, String id, int length) {
        long h = 0xcbf29ce484222325L ^ routeHash;
        for (int i = 0; i < length; i++) {
            h ^= id.charAt(i);
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    /** The current action. */
    public AnomalyAction action() {
        return action;
    }

    /** Sets the current action. */
    public void action(AnomalyAction newAction) {
        this.action = newAction;
    }

    /** Until when (epoch millis) the last throttle lasts. */
    public long throttledUntil() {
        return throttledUntil;
    }

    /** Records a throttle's end. */
    public void throttledUntil(long until) {
        this.throttledUntil = until;
    }

    /** Until when (epoch millis) the last quarantine lasts. */
    public long quarantinedUntil() {
        return quarantinedUntil;
    }

    /** Records a quarantine, counting repeats. */
    public void quarantined(long until) {
        this.quarantinedUntil = until;
        this.quarantines++;
    }

    /** Puts the caller on probation until {@code until} (epoch millis), released at {@code score}. */
    public void probation(long until, double score) {
        this.probationUntil = until;
        this.releaseScore = score;
    }

    /** Until when (epoch millis) the caller is on probation after its last quarantine; 0 when never. */
    public long probationUntil() {
        return probationUntil;
    }

    /** The caller's score when its last quarantine ended. */
    public double releaseScore() {
        return releaseScore;
    }

    /** How many times the caller was quarantined while tracked. */
    public int quarantines() {
        return quarantines;
    }

    /** Requests recorded. */
    public int requests() {
        return requests;
    }
}
