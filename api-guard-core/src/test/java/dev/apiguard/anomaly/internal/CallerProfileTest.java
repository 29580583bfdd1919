package dev.apiguard.anomaly.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.apiguard.anomaly.AnomalyPolicy;
import dev.apiguard.anomaly.Evidence;
import dev.apiguard.anomaly.Signal;
import dev.apiguard.anomaly.internal.CallerProfile.Observation;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The measures behind each signal, with allowance 0 and step 1 so that a contribution is the
 * measure times the signal's points: what counts, and how it halves with each half-life.
 */
class CallerProfileTest {

    static final long T0 = 1_800_000_000_000L; // a whole minute
    static final long HALF = Duration.ofMinutes(5).toMillis();

    static final AnomalyPolicy POLICY = unit(AnomalyPolicy.builder())
            .halfLife(Duration.ofMinutes(5))
            .longHalfLife(Duration.ofHours(1))
            .missMinLookups(4)
            .maxPageSize(100)
            .build();

    static AnomalyPolicy.Builder unit(AnomalyPolicy.Builder b) {
        for (Signal s : Signal.values()) {
            b.allowance(s, 0, 1);
        }
        return b;
    }

    static double measure(CallerProfile p, long now, Signal s) {
        return p.contributions(now, POLICY)[s.ordinal()] / POLICY.points(s);
    }

    static Observation lookup(String id, int status) {
        return new Observation("GET", "/customers/{id}", id, status, -1, 0, false);
    }

    static Observation unmapped(int status) {
        return new Observation("GET", null, null, status, -1, 0, false);
    }

    @Test
    void failuresAreAuthAndMethodRefusalsAndProbesOfUnmappedPaths() {
        CallerProfile p = new CallerProfile(T0);
        for (int status : new int[] {401, 403, 405}) {
            p.record(T0, lookup("A", status), POLICY);
        }
        p.record(T0, unmapped(404), POLICY);
        p.record(T0, unmapped(400), POLICY);
        assertThat(measure(p, T0, Signal.FAILURES)).isCloseTo(5, within(1e-9));

        // on a mapped route, 400 and 404 are not failures; 402 and 500 never are
        p.record(T0, lookup("B", 400), POLICY);
        p.record(T0, lookup("C", 404), POLICY);
        p.record(T0, unmapped(402), POLICY);
        p.record(T0, unmapped(500), POLICY);
        assertThat(measure(p, T0, Signal.FAILURES)).isCloseTo(5, within(1e-9));
    }

    @Test
    void aMeasureHalvesWithEachHalfLifeBothWhenReadAndWhenRecorded() {
        CallerProfile p = new CallerProfile(T0);
        for (int i = 0; i < 4; i++) {
            p.record(T0, unmapped(401), POLICY);
        }
        assertThat(measure(p, T0 + HALF, Signal.FAILURES)).isCloseTo(2, within(1e-9));
        assertThat(measure(p, T0 + 2 * HALF, Signal.FAILURES)).isCloseTo(1, within(1e-9));

        p.record(T0 + HALF, unmapped(401), POLICY); // 4 halved, plus one
        assertThat(measure(p, T0 + HALF, Signal.FAILURES)).isCloseTo(3, within(1e-9));
        assertThat(measure(p, T0 + 2 * HALF, Signal.FAILURES)).isCloseTo(1.5, within(1e-9));
        // reading never changes the profile, and the past reads as the last update
        assertThat(measure(p, T0, Signal.FAILURES)).isCloseTo(3, within(1e-9));
    }

    @Test
    void newIdsAreEnumerationWithTheShortHalfLifeAndLowAndSlowWithTheLongOne() {
        CallerProfile p = new CallerProfile(T0);
        p.record(T0, lookup("AAA0001", 200), POLICY);
        p.record(T0, lookup("ZZZ0100", 200), POLICY);
        p.record(T0, lookup("QQQ0201", 404), POLICY);
        p.record(T0, lookup("AAA0001", 200), POLICY); // known: nothing new
        assertThat(measure(p, T0, Signal.ENUMERATION)).isCloseTo(3, within(1e-9));
        assertThat(measure(p, T0, Signal.LOW_AND_SLOW)).isCloseTo(3, within(1e-9));

        long hour = Duration.ofHours(1).toMillis();
        p.record(T0 + hour, lookup("MMM0300", 200), POLICY);
        assertThat(measure(p, T0 + hour, Signal.ENUMERATION)).isCloseTo(3 * Math.pow(0.5, 12) + 1, within(1e-9));
        assertThat(measure(p, T0 + hour, Signal.LOW_AND_SLOW)).isCloseTo(1.5 + 1, within(1e-9));
    }

    @Test
    void neighbouringIdsInOneDirectionAreASequentialWalk() {
        CallerProfile p = new CallerProfile(T0);
        for (int i = 1; i <= 5; i++) {
            p.record(T0, lookup("ABC000" + i, 200), POLICY);
        }
        // the first id has no predecessor: four steps
        assertThat(measure(p, T0, Signal.SEQUENTIAL)).isCloseTo(4, within(1e-9));
        p.record(T0, lookup("ABC0003", 200), POLICY); // known: no step
        p.record(T0, lookup("XYZ0009", 200), POLICY); // not a neighbour
        assertThat(measure(p, T0, Signal.SEQUENTIAL)).isCloseTo(4, within(1e-9));
        assertThat(measure(p, T0 + HALF, Signal.SEQUENTIAL)).isCloseTo(2, within(1e-9));
    }

    @Test
    void missShareCountsOnlyAfterEnoughLookups() {
        CallerProfile p = new CallerProfile(T0);
        p.record(T0, lookup("A1", 404), POLICY);
        p.record(T0, lookup("B2", 404), POLICY);
        p.record(T0, lookup("C3", 200), POLICY);
        assertThat(measure(p, T0, Signal.MISSES)).isZero(); // 3 lookups, 4 needed
        p.record(T0, lookup("D4", 200), POLICY);
        assertThat(measure(p, T0, Signal.MISSES)).isCloseTo(0.5, within(1e-9));
        // a long pause decays the lookups below the minimum: the share stops counting
        assertThat(measure(p, T0 + HALF, Signal.MISSES)).isZero();
    }

    @Test
    void pagesCountAsTheirShareOfAFullPageAndARepeatedPageNotAtAll() {
        CallerProfile p = new CallerProfile(T0);
        p.record(T0, new Observation("GET", "/customers", null, 200, 1, 100, true), POLICY);
        p.record(T0, new Observation("GET", "/customers", null, 200, 1, 100, true), POLICY); // same page
        p.record(T0, new Observation("GET", "/customers", null, 200, 2, 50, true), POLICY);
        p.record(T0, new Observation("GET", "/customers", null, 200, 3, 500, true), POLICY); // capped at 1
        p.record(T0, new Observation("GET", "/customers", null, 200, 4, 0, false), POLICY); // size unknown: a quarter
        p.record(T0, new Observation("GET", "/customers", null, 404, 5, 100, true), POLICY); // refused: nothing
        assertThat(measure(p, T0, Signal.PAGING)).isCloseTo(1 + 0.5 + 1 + 0.25, within(1e-9));
        assertThat(measure(p, T0 + HALF, Signal.PAGING)).isCloseTo(2.75 / 2, within(1e-9));
    }

    /** The steps a profile counts for these ids looked up in turn. */
    static double steps(String... ids) {
        CallerProfile p = new CallerProfile(T0);
        for (String id : ids) {
            p.record(T0, lookup(id, 200), POLICY);
        }
        return measure(p, T0, Signal.SEQUENTIAL);
    }

    @Test
    void neighboursAreIdsOfOneLengthDifferingOnlyInTheLastThreeCharacters() {
        assertThat(steps("ABC0001", "ABC0999")).isEqualTo(1);
        assertThat(steps("ABC0001", "ABD0001")).isZero();
        assertThat(steps("ABC0001", "ABC0001")).as("the same id").isZero();
        assertThat(steps("ABC0001", "ABC00011")).as("another length").isZero();
        assertThat(steps("12", "13")).isEqualTo(1);
    }

    /**
     * Two ranges walked in turn, one up and one down, are two walks, each with its own direction
     * (with the last id alone, no id would neighbour the one before it).
     */
    @Test
    void twoRangesWalkedInTurnAreBothWalks() {
        assertThat(steps("ABC0001", "XYZ0009", "ABC0002", "XYZ0008", "ABC0003", "XYZ0007", "ABC0004"))
                .isCloseTo(5, within(1e-9));
        // each walk keeps its own direction: turning back in one is no step
        assertThat(steps("ABC0001", "XYZ0009", "ABC0002", "XYZ0008", "ABC0000", "XYZ0007"))
                .isCloseTo(3, within(1e-9));
    }

    /**
     * The last {@value CallerProfile#WALKS} walks are followed: a neighbourhood not seen for that
     * many others starts afresh, in the place of the least recent walk.
     */
    @Test
    void theLeastRecentWalkMakesRoomForANewOne() {
        String[] ids = new String[CallerProfile.WALKS + 3];
        for (int i = 0; i <= CallerProfile.WALKS; i++) {
            ids[i] = (char) ('A' + i) + "000001"; // WALKS + 1 neighbourhoods: the first is forgotten
        }
        ids[CallerProfile.WALKS + 1] = "A000002"; // a new walk, which forgets B's
        ids[CallerProfile.WALKS + 2] = "C000002"; // C's is still followed
        assertThat(steps(ids)).isCloseTo(1, within(1e-9));
        ids[CallerProfile.WALKS + 2] = "B000002";
        assertThat(steps(ids)).as("B's walk made room for A's").isZero();
    }

    @Test
    void onAMappedRouteAnAnswerBelow400OrA404IsALookupAndOther4xxAreNot() {
        CallerProfile p = new CallerProfile(T0);
        p.record(T0, lookup("A1", 399), POLICY);
        p.record(T0, lookup("B2", 404), POLICY);
        p.record(T0, lookup("C3", 400), POLICY);
        p.record(T0, lookup("D4", 403), POLICY);
        assertThat(measure(p, T0, Signal.ENUMERATION)).isCloseTo(2, within(1e-9));
    }

    @Test
    void sequentialStepsAndPagesDecayWhenTheNextRequestIsRecorded() {
        CallerProfile p = new CallerProfile(T0);
        for (int i = 1; i <= 5; i++) {
            p.record(T0, lookup("ABC000" + i, 200), POLICY);
        }
        p.record(T0, new Observation("GET", "/customers", null, 200, 1, 100, true), POLICY);
        p.record(T0, new Observation("GET", "/customers", null, 200, 2, 100, true), POLICY);
        p.record(T0 + HALF, lookup("ABC0006", 200), POLICY);
        p.record(T0 + HALF, new Observation("GET", "/customers", null, 200, 3, 100, true), POLICY);
        assertThat(measure(p, T0 + HALF, Signal.SEQUENTIAL)).isCloseTo(2 + 1, within(1e-9));
        assertThat(measure(p, T0 + HALF, Signal.PAGING)).isCloseTo(1 + 1, within(1e-9));
    }

    /** A route first used once the caller is warm (both its request count and its age) is new. */
    @Test
    void newRoutesCountOnlyAfterTheWarmUp() {
        AnomalyPolicy byCount =
                unit(AnomalyPolicy.builder()).warmUp(2, Duration.ZERO).build();
        CallerProfile p = new CallerProfile(T0);
        for (String route : new String[] {"/a", "/b", "/c", "/c"}) {
            p.record(T0, new Observation("GET", route, null, 200, -1, 0, false), byCount);
        }
        // /a and /b came during the warm-up (0 and 1 requests before them), /c with 2: one new route
        assertThat(p.contributions(T0, byCount)[Signal.NEW_ROUTE.ordinal()] / byCount.points(Signal.NEW_ROUTE))
                .isCloseTo(1, within(1e-9));

        AnomalyPolicy byAge =
                unit(AnomalyPolicy.builder()).warmUp(0, Duration.ofMinutes(10)).build();
        CallerProfile q = new CallerProfile(T0);
        long tenMinutes = Duration.ofMinutes(10).toMillis();
        q.record(T0 + tenMinutes - 1, new Observation("GET", "/a", null, 200, -1, 0, false), byAge);
        q.record(T0 + tenMinutes, new Observation("GET", "/b", null, 404, -1, 0, false), byAge);
        q.record(T0 + tenMinutes, new Observation("GET", "/c", null, 403, -1, 0, false), byAge);
        assertThat(q.contributions(T0 + tenMinutes, byAge)[Signal.NEW_ROUTE.ordinal()] / byAge.points(Signal.NEW_ROUTE))
                .isCloseTo(1, within(1e-6));
    }

    static final long MINUTE = 60_000;

    /**
     * The volume measure: this minute's requests over {@code max(floor, multiplier × EWMA)}, the
     * EWMA of earlier minutes with a one-hour half-life, idle minutes counting as zero.
     */
    @Test
    void volumeIsThisMinuteOverTheAverageOfEarlierMinutes() {
        AnomalyPolicy v = unit(AnomalyPolicy.builder())
                .warmUp(0, Duration.ZERO)
                .volume(3, 1)
                .build();
        double alpha = 1 - Math.pow(0.5, 1.0 / 60);
        CallerProfile p = new CallerProfile(T0);
        for (int i = 0; i < 600; i++) {
            p.record(T0, unmapped(200), v);
        }
        p.record(T0 + MINUTE, unmapped(200), v);
        p.record(T0 + MINUTE + 1, unmapped(200), v);
        double ewma1 = alpha * 600;
        assertThat(volume(p, T0 + MINUTE + 1, v)).isCloseTo(2 / (3 * ewma1), within(1e-9));
        // three idle minutes (2, 3, 4) decay the average as zeros would
        p.record(T0 + 5 * MINUTE, unmapped(200), v);
        double ewma5 = (ewma1 + alpha * (2 - ewma1)) * Math.pow(1 - alpha, 3);
        assertThat(volume(p, T0 + 5 * MINUTE, v)).isCloseTo(1 / (3 * ewma5), within(1e-9));
        // read in another minute than the last recorded one, there is no volume
        assertThat(volume(p, T0 + 6 * MINUTE, v)).isZero();

        // a floor above multiplier × EWMA is the bound
        AnomalyPolicy floored = unit(AnomalyPolicy.builder())
                .warmUp(0, Duration.ZERO)
                .volume(2, 50)
                .build();
        CallerProfile q = new CallerProfile(T0);
        for (int i = 0; i < 600; i++) {
            q.record(T0, unmapped(200), floored);
        }
        for (int i = 0; i < 10; i++) {
            q.record(T0 + MINUTE, unmapped(200), floored);
        }
        assertThat(volume(q, T0 + MINUTE, floored)).isCloseTo(10.0 / 50, within(1e-9));
    }

    static double volume(CallerProfile p, long now, AnomalyPolicy policy) {
        return p.contributions(now, policy)[Signal.VOLUME.ordinal()] / policy.points(Signal.VOLUME);
    }

    /** Volume needs more requests than the warm-up count and at least the warm-up age. */
    @Test
    void volumeCountsOnlyOnceWarm() {
        AnomalyPolicy byCount = unit(AnomalyPolicy.builder())
                .warmUp(3, Duration.ZERO)
                .volume(1, 1)
                .build();
        CallerProfile p = new CallerProfile(T0);
        for (int i = 0; i < 3; i++) {
            p.record(T0, unmapped(200), byCount);
        }
        assertThat(volume(p, T0, byCount)).isZero();
        p.record(T0, unmapped(200), byCount);
        assertThat(volume(p, T0, byCount)).isCloseTo(4, within(1e-9));

        AnomalyPolicy byAge = unit(AnomalyPolicy.builder())
                .warmUp(0, Duration.ofSeconds(30))
                .volume(1, 1)
                .build();
        CallerProfile q = new CallerProfile(T0);
        q.record(T0, unmapped(200), byAge);
        assertThat(volume(q, T0 + 29_999, byAge)).isZero();
        assertThat(volume(q, T0 + 30_000, byAge)).isCloseTo(1, within(1e-9));
    }

    @Test
    void newRoutesDecayWhenTheNextRequestIsRecorded() {
        AnomalyPolicy warm = unit(AnomalyPolicy.builder())
                .warmUp(0, Duration.ZERO)
                .halfLife(Duration.ofMinutes(5))
                .build();
        CallerProfile p = new CallerProfile(T0);
        p.record(T0, new Observation("GET", "/a", null, 200, -1, 0, false), warm);
        p.record(T0, new Observation("GET", "/b", null, 400, -1, 0, false), warm); // refused: not learnt
        p.record(T0 + HALF, new Observation("GET", "/a", null, 200, -1, 0, false), warm);
        assertThat(p.contributions(T0 + HALF, warm)[Signal.NEW_ROUTE.ordinal()] / warm.points(Signal.NEW_ROUTE))
                .isCloseTo(0.5, within(1e-9));
        p.record(T0 + HALF, new Observation("GET", "/b", null, 200, -1, 0, false), warm);
        assertThat(p.contributions(T0 + HALF, warm)[Signal.NEW_ROUTE.ordinal()] / warm.points(Signal.NEW_ROUTE))
                .isCloseTo(1.5, within(1e-9));
    }

    /** A request recorded with an earlier time than the last one (clocks of several threads) adds without decaying. */
    @Test
    void anEarlierTimestampNeitherDecaysNorRewindsTheProfile() {
        CallerProfile p = new CallerProfile(T0);
        for (int i = 0; i < 4; i++) {
            p.record(T0 + HALF, unmapped(401), POLICY);
        }
        p.record(T0, unmapped(401), POLICY);
        assertThat(measure(p, T0, Signal.FAILURES)).isCloseTo(5, within(1e-9));
        assertThat(measure(p, T0 + HALF, Signal.FAILURES)).isCloseTo(5, within(1e-9));
        assertThat(measure(p, T0 + 2 * HALF, Signal.FAILURES)).isCloseTo(2.5, within(1e-9));
    }

    /** A walk turning back is no longer sequential: only steps in the first direction count. */
    @Test
    void aWalkCountsStepsInOneDirectionOnly() {
        CallerProfile p = new CallerProfile(T0);
        for (String id : new String[] {"ABC0001", "ABC0002", "ABC0003", "ABC0000"}) {
            p.record(T0, lookup(id, 200), POLICY);
        }
        assertThat(measure(p, T0, Signal.SEQUENTIAL)).isCloseTo(2, within(1e-9));
        // a neighbour on another route is no step either
        p.record(T0, new Observation("GET", "/orders/{id}", "ABC0004", 200, -1, 0, false), POLICY);
        assertThat(measure(p, T0, Signal.SEQUENTIAL)).isCloseTo(2, within(1e-9));
    }

    /** Ids are compared on their first 32 characters; the rest cannot make a new id. */
    @Test
    void idsLongerThanTheCapAreTheSameIdWhenTheirFirst32CharactersAre() {
        CallerProfile p = new CallerProfile(T0);
        String base = "A".repeat(32);
        p.record(T0, lookup(base, 200), POLICY);
        p.record(T0, lookup(base + "1", 200), POLICY);
        p.record(T0, lookup(base + "2", 200), POLICY);
        assertThat(measure(p, T0, Signal.ENUMERATION)).isCloseTo(1, within(1e-9));
        p.record(T0, lookup("A".repeat(31) + "B", 200), POLICY);
        assertThat(measure(p, T0, Signal.ENUMERATION)).isCloseTo(2, within(1e-9));
    }

    /** The first page (0) counts; a page answered 400 does not. */
    @Test
    void pageZeroCountsAndARefusedPageDoesNot() {
        CallerProfile p = new CallerProfile(T0);
        p.record(T0, new Observation("GET", "/customers", null, 200, 0, 100, true), POLICY);
        p.record(T0, new Observation("GET", "/customers", null, 400, 1, 100, true), POLICY);
        assertThat(measure(p, T0, Signal.PAGING)).isCloseTo(1, within(1e-9));
    }

    /** Enumeration counted up to 10,000 new ids (a step of 1000 keeps it under the intensity cap). */
    static final AnomalyPolicy WIDE =
            unit(AnomalyPolicy.builder()).allowance(Signal.ENUMERATION, 0, 1000).build();

    static double novel(CallerProfile p) {
        return p.contributions(T0, WIDE)[Signal.ENUMERATION.ordinal()] / WIDE.points(Signal.ENUMERATION) * 1000;
    }

    /**
     * Seen ids are remembered in two Bloom generations of 500 ids: an id stays known for 1000
     * later new ids and is forgotten with the next one, and distinct ids are rarely taken for
     * seen ones.
     */
    @Test
    void seenIdsAreForgottenAfterTwoGenerations() {
        // "first", then 999 other new ids: "first" is still in the previous generation
        CallerProfile kept = withIds(1000);
        double before = novel(kept);
        assertThat(before).isCloseTo(1000, within(1e-6));
        kept.record(T0, lookup("first", 200), WIDE);
        assertThat(novel(kept)).isCloseTo(1000, within(1e-6));
        // one more new id rotates the generations: "first" is forgotten
        CallerProfile forgot = withIds(1001);
        forgot.record(T0, lookup("first", 200), WIDE);
        assertThat(novel(forgot)).isCloseTo(1002, within(1e-6));
    }

    @Test
    void fewDistinctIdsAreTakenForSeenOnes() {
        CallerProfile p = new CallerProfile(T0);
        for (int i = 0; i < 1000; i++) {
            p.record(T0, lookup("id-" + i, 200), WIDE);
        }
        assertThat(novel(p)).isGreaterThan(960);
    }

    /** A profile that looked up "first" and then other ids until {@code n} were new. */
    static CallerProfile withIds(int n) {
        CallerProfile p = new CallerProfile(T0);
        p.record(T0, lookup("first", 200), WIDE);
        for (int i = 0; novel(p) < n - 0.5 && i < 10 * n; i++) {
            p.record(T0, lookup("id-" + i, 200), WIDE);
        }
        assertThat(novel(p)).isCloseTo(n, within(1e-6));
        return p;
    }

    /** Read later than the last update, new routes decay with the short half-life, as every short measure. */
    @Test
    void newRoutesHalveWithEachHalfLifeWhenRead() {
        AnomalyPolicy warm = unit(AnomalyPolicy.builder())
                .warmUp(0, Duration.ZERO)
                .halfLife(Duration.ofMinutes(5))
                .build();
        CallerProfile p = new CallerProfile(T0);
        p.record(T0, new Observation("GET", "/a", null, 200, -1, 0, false), warm);
        p.record(T0, new Observation("GET", "/b", null, 200, -1, 0, false), warm);
        assertThat(p.contributions(T0 + HALF, warm)[Signal.NEW_ROUTE.ordinal()] / warm.points(Signal.NEW_ROUTE))
                .isCloseTo(1, within(1e-9));
        assertThat(p.contributions(T0 + 2 * HALF, warm)[Signal.NEW_ROUTE.ordinal()] / warm.points(Signal.NEW_ROUTE))
                .isCloseTo(0.5, within(1e-9));
    }

    /** Read later than the last update, low-and-slow decays with the long half-life only. */
    @Test
    void lowAndSlowHalvesWithEachLongHalfLifeWhenRead() {
        CallerProfile p = new CallerProfile(T0);
        for (String id : new String[] {"AAA0001", "ZZZ0100", "QQQ0201", "MMM0300"}) {
            p.record(T0, lookup(id, 200), POLICY);
        }
        long hour = Duration.ofHours(1).toMillis();
        assertThat(measure(p, T0 + hour, Signal.LOW_AND_SLOW)).isCloseTo(2, within(1e-9));
        assertThat(measure(p, T0 + 2 * hour, Signal.LOW_AND_SLOW)).isCloseTo(1, within(1e-9));
    }

    /** A signal under its allowance contributes nothing: no signal ever lowers the score. */
    @Test
    void aSignalBelowItsAllowanceContributesNothingRatherThanLess() {
        AnomalyPolicy allowing = AnomalyPolicy.builder()
                .allowance(Signal.FAILURES, 5, 1)
                .allowance(Signal.ENUMERATION, 5, 1)
                .build();
        CallerProfile p = new CallerProfile(T0);
        p.record(T0, unmapped(401), allowing);
        p.record(T0, lookup("A1", 200), allowing);
        assertThat(p.contributions(T0, allowing)).containsOnly(0.0);
        assertThat(new CallerProfile(T0).contributions(T0, allowing)).containsOnly(0.0);
    }

    /**
     * Only the first {@value CallerProfile#MAX_ROUTES} routes are remembered: a later one is new
     * each time it is used, and the profile does not grow.
     */
    @Test
    void routesBeyondTheCapAreNotRememberedAndCountAsNewEachTime() {
        AnomalyPolicy warm = unit(AnomalyPolicy.builder())
                .warmUp(0, Duration.ZERO)
                .allowance(Signal.NEW_ROUTE, 0, 100) // under the intensity cap up to 1000 routes
                .build();
        CallerProfile p = new CallerProfile(T0);
        for (int i = 0; i < CallerProfile.MAX_ROUTES; i++) {
            p.record(T0, new Observation("GET", "/r" + i, null, 200, -1, 0, false), warm);
        }
        assertThat(newRoutes(p, warm)).isCloseTo(CallerProfile.MAX_ROUTES, within(1e-9));
        p.record(T0, new Observation("GET", "/r0", null, 200, -1, 0, false), warm); // remembered
        assertThat(newRoutes(p, warm)).isCloseTo(CallerProfile.MAX_ROUTES, within(1e-9));
        Observation beyond = new Observation("GET", "/beyond", null, 200, -1, 0, false);
        p.record(T0, beyond, warm);
        p.record(T0, beyond, warm);
        assertThat(newRoutes(p, warm)).isCloseTo(CallerProfile.MAX_ROUTES + 2, within(1e-9));
        assertThat(p.requests()).isEqualTo(CallerProfile.MAX_ROUTES + 3);
    }

    /** New routes, for a policy whose new-route step is 100. */
    static double newRoutes(CallerProfile p, AnomalyPolicy policy) {
        return p.contributions(T0, policy)[Signal.NEW_ROUTE.ordinal()] / policy.points(Signal.NEW_ROUTE) * 100;
    }

    /** An unmapped path reached nothing: no route to learn, whatever its answer, for a warm caller too. */
    @Test
    void anUnmappedPathIsNoRouteEvenWhenAnswered() {
        AnomalyPolicy warm =
                unit(AnomalyPolicy.builder()).warmUp(0, Duration.ZERO).build();
        CallerProfile p = new CallerProfile(T0);
        assertThat(p.record(T0, unmapped(200), warm).routed()).isFalse();
        assertThat(p.record(T0, unmapped(404), warm).routed()).isFalse();
        assertThat(p.record(T0, new Observation("POST", null, null, 201, -1, 0, false), warm)
                        .routed())
                .isFalse();
        assertThat(newRoutes(p, warm)).isZero();
    }

    /** An id without a route (as an unmapped path would carry) names no record. */
    @Test
    void anIdWithoutARouteIsNoLookup() {
        CallerProfile p = new CallerProfile(T0);
        Evidence e = p.record(T0, new Observation("GET", null, "A1", 200, -1, 0, false), POLICY);
        assertThat(e.lookup()).isFalse();
        assertThat(e.idHash()).isZero();
        assertThat(measure(p, T0, Signal.ENUMERATION)).isZero();
    }

    /** A walk goes on only on its own route: a neighbour on another route, even onward, is no step. */
    @Test
    void aNeighbourOnAnotherRouteDoesNotContinueTheWalk() {
        CallerProfile p = new CallerProfile(T0);
        for (String id : new String[] {"ABC0001", "ABC0002", "ABC0003"}) {
            p.record(T0, lookup(id, 200), POLICY);
        }
        assertThat(measure(p, T0, Signal.SEQUENTIAL)).isCloseTo(2, within(1e-9));
        p.record(T0, new Observation("GET", "/orders/{id}", "ABC0004", 200, -1, 0, false), POLICY);
        assertThat(measure(p, T0, Signal.SEQUENTIAL)).isCloseTo(2, within(1e-9));
    }

    /**
     * The first id looked up has nothing before it, whatever the route: also on a route whose
     * template hashes to 0, as {@code "pollinating sandboxes"} does.
     */
    @Test
    void theFirstIdIsNoStepEvenOnARouteWhoseHashIsZero() {
        String route = "pollinating sandboxes";
        assertThat(route.hashCode()).isZero();
        CallerProfile p = new CallerProfile(T0);
        p.record(T0, new Observation("GET", route, "ABC0001", 200, -1, 0, false), POLICY);
        p.record(T0, new Observation("GET", route, "ABC0002", 200, -1, 0, false), POLICY);
        assertThat(measure(p, T0, Signal.SEQUENTIAL)).isCloseTo(1, within(1e-9));
        assertThat(measure(p, T0, Signal.ENUMERATION)).isCloseTo(2, within(1e-9));
    }

    /**
     * The hashes in the evidence are what a fleet's store keeps (Bloom bits, neighbourhoods) and
     * what nodes of different versions pool: they must not change. Known answers, worked out apart
     * from this code: FNV-1a 64 over the UTF-16 units, its offset basis XORed with the route's
     * {@code hashCode} (sign-extended), finished with murmur3's fmix64; the neighbourhood seeds it
     * with {@code route.hashCode() * 31 + length} and hashes all but the last three characters.
     */
    @Test
    void theIdAndNeighbourhoodHashesAreStableKnownAnswers() {
        Evidence customers = new CallerProfile(T0).record(T0, lookup("ABC0001", 200), POLICY);
        assertThat(customers.idHash()).isEqualTo(0xf895c12e4cc58215L);
        assertThat(customers.neighbourhood()).isEqualTo(0x7b1c28c6d6a72cf4L);
        // a route whose hashCode is negative (-39792190)
        Evidence orders = new CallerProfile(T0)
                .record(T0, new Observation("GET", "/orders/{id}", "ABC0001", 200, -1, 0, false), POLICY);
        assertThat(orders.idHash()).isEqualTo(0x33d6a97ab62b3792L);
        assertThat(orders.neighbourhood()).isEqualTo(0x70aa67df9436076fL);
        assertThat(CallerProfile.hash64(0, "a", 1)).isEqualTo(0x82a2a958a9bece5bL);
    }

    /** Ids of two routes whose templates differ in one character are never one neighbourhood. */
    @Test
    void idsOnTwoRoutesAreNeverNeighbours() {
        Evidence a = new CallerProfile(T0)
                .record(T0, new Observation("GET", "/stock/{id}/a", "A12", 200, -1, 0, false), POLICY);
        Evidence b = new CallerProfile(T0)
                .record(T0, new Observation("GET", "/stock/{id}/b", "A13", 200, -1, 0, false), POLICY);
        assertThat(a.neighbourhood()).isNotEqualTo(b.neighbourhood());
        assertThat(a.idHash()).isNotEqualTo(b.idHash());
    }

    /**
     * The route's hash is the concatenation's, as before it was computed without one: nodes of
     * two versions in one fleet must agree on it (it travels in the shared evidence).
     */
    @Test
    void aRoutesHashIsThatOfMethodSpaceTemplate() {
        java.util.Random random = new java.util.Random(3);
        java.util.List<String> routes = new java.util.ArrayList<>(java.util.List.of(
                "", "/", "/customers", "/customers/{serviceTag}", "/\u00e9t\u00e9/{x}", "/\u20ac/\ud83d\ude00"));
        for (int i = 0; i < 200; i++) {
            StringBuilder r = new StringBuilder("/");
            int length = random.nextInt(80);
            for (int j = 0; j < length; j++) {
                r.append((char) (0x20 + random.nextInt(0x3000)));
            }
            routes.add(r.toString());
        }
        for (String method : java.util.List.of("GET", "POST", "DELETE", "")) {
            for (String route : routes) {
                assertThat(CallerProfile.routeHash(method, route))
                        .as("%s %s", method, route)
                        .isEqualTo((method + ' ' + route).hashCode());
            }
        }
    }
}
