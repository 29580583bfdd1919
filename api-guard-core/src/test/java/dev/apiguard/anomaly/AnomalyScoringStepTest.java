package dev.apiguard.anomaly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apiguard.Decision;
import dev.apiguard.event.SecurityEvent;
import dev.apiguard.event.SecurityEventType;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class AnomalyScoringStepTest {

    static final Duration MACHINE = Duration.ofMillis(50);

    static String sequential(int i) {
        return String.format("SEQ%04d", i);
    }

    /** Walks neighbouring ids at machine speed until refused; returns the records answered 200 before. */
    static int walk(Harness h, String caller, int max) {
        int records = 0;
        for (int i = 0; i < max; i++) {
            h.clock.advance(MACHINE);
            int status = h.get(caller, "/customers/" + sequential(i), i % 2 == 0 ? 200 : 404);
            if (status == 429) {
                return records;
            }
            if (status == 200) {
                records++;
            }
        }
        return -1;
    }

    @Test
    void sequentialWalkIsQuarantinedWithSequentialAsTheMainReason() {
        Harness h = new Harness();
        int records = walk(h, "scraper", 1000);

        assertThat(records).isBetween(1, 100);
        AnomalyScore score = h.score("scraper");
        assertThat(score.action()).isEqualTo(AnomalyAction.QUARANTINE);
        assertThat(score.reasons().keySet().iterator().next()).isEqualTo(Signal.SEQUENTIAL);
        assertThat(score.reasons()).containsKey(Signal.MISSES);
        assertThat(h.store.until).containsKey("scraper");
    }

    @Test
    void quarantinedCallerIsRefusedWithRetryAfterUntilTheQuarantineEnds() {
        Harness h = new Harness();
        walk(h, "scraper", 1000);
        Instant end = h.store.until.get("scraper");

        Decision refused = h.evaluate("scraper", "/customers/ANY0001");
        assertThat(refused).isInstanceOf(Decision.Deny.class);
        Decision.Deny deny = (Decision.Deny) refused;
        assertThat(deny.status()).isEqualTo(429);
        assertThat(deny.headers()).containsEntry("Retry-After", retryAfter(h, end));
        assertThat(deny.challenges()).isEmpty();
        assertThat(h.events).extracting(SecurityEvent::type).contains(SecurityEventType.QUARANTINE_REFUSED);

        h.clock.advance(Duration.ofMinutes(5));
        assertThat(((Decision.Deny) h.evaluate("scraper", "/customers/ANY0001")).headers())
                .containsEntry("Retry-After", retryAfter(h, end));
        h.clock.advance(Duration.ofMinutes(10));
        assertThat(h.evaluate("scraper", "/customers/ANY0001").isAllowed()).isTrue();
    }

    static String retryAfter(Harness h, Instant end) {
        return Long.toString(
                (long) Math.ceil(Duration.between(h.clock.instant(), end).toMillis() / 1000.0));
    }

    @Test
    void aRepeatedQuarantineLastsTwiceAsLong() {
        Harness h = new Harness();
        walk(h, "scraper", 1000);
        Instant first = h.store.until.get("scraper");
        // walk() stepped the clock once more for the request that was refused
        assertThat(Duration.between(h.clock.instant().minus(MACHINE), first)).isEqualTo(Duration.ofMinutes(15));
        h.clock.advance(Duration.ofMinutes(15));
        int records = 0;
        for (int i = 2000;
                i < 4000 && h.evaluate("scraper", "/customers/ANY0001").isAllowed();
                i++) {
            h.clock.advance(MACHINE);
            h.get("scraper", "/customers/" + sequential(i), 404);
            records++;
        }
        assertThat(Duration.between(h.clock.instant(), h.store.until.get("scraper")))
                .isEqualTo(Duration.ofMinutes(30));
    }

    /** The doubling stops at maxQuarantineTtl: 15 min, then 20 min instead of 30. */
    @Test
    void aRepeatedQuarantineIsCappedAtTheMaximum() {
        Harness h = new Harness(
                AnomalyPolicy.builder().maxQuarantineTtl(Duration.ofMinutes(20)).build());
        walk(h, "scraper", 1000);
        Instant first = h.store.until.get("scraper");
        assertThat(Duration.between(h.clock.instant().minus(MACHINE), first)).isEqualTo(Duration.ofMinutes(15));
        h.clock.advance(Duration.ofMinutes(15));
        for (int i = 2000;
                i < 4000 && h.evaluate("scraper", "/customers/ANY0001").isAllowed();
                i++) {
            h.clock.advance(MACHINE);
            h.get("scraper", "/customers/" + sequential(i), 404);
        }
        assertThat(Duration.between(h.clock.instant(), h.store.until.get("scraper")))
                .isEqualTo(Duration.ofMinutes(20));
    }

    /** A quarantine holds up to the last millisecond before its end and not at the end itself. */
    @Test
    void quarantineEndsExactlyAtItsEnd() {
        Harness h = new Harness();
        walk(h, "scraper", 1000);
        Instant end = h.store.until.get("scraper");

        h.clock.advance(Duration.between(h.clock.instant(), end).minusMillis(1));
        assertThat(h.evaluate("scraper", "/customers/ANY0001").isAllowed()).isFalse();
        h.clock.advance(Duration.ofMillis(1));
        assertThat(h.evaluate("scraper", "/customers/ANY0001").isAllowed()).isTrue();
    }

    /**
     * page and size come from the query: a size up to maxPageSize counts as its share of a page, a
     * missing or empty size as a quarter, and a size that is no number of at least 1 as a full page
     * (in doubt, toward the signal).
     */
    @Test
    void pagingCountsEachNewPageByItsSize() {
        AnomalyPolicy policy = AnomalyPolicy.builder()
                .allowance(Signal.PAGING, 0, 1)
                .maxPageSize(100)
                .thresholds(1000, 2000, 3000)
                .build();
        Harness h = new Harness(policy);
        String[] queries = {
            "page=1&size=100", // 1
            "page=2&size=50", // 0.5
            "page=3&size=000000100", // 1
            "page=4&size=1000000000", // above the full page: 1
            "page=5&size=1:", // no number: a full page, 1
            "page=6&size=/1", // no number: 1
            "page=7&size=0", // zero: 1
            "page=8", // no size: a quarter
            "size=100", // no page: nothing
            "page=9&size="
        }; // empty size, the application's default: a quarter
        for (String q : queries) {
            h.send("pager", "GET", "/customers", q, 200);
        }
        double expected = 1 + 0.5 + 1 + 1 + 1 + 1 + 1 + 0.25 + 0.25;
        assertThat(h.score("pager").reasons().get(Signal.PAGING) / policy.points(Signal.PAGING))
                .isCloseTo(expected, org.assertj.core.api.Assertions.within(0.01));
    }

    @Test
    void randomIdsAreEnumerationButNotASequentialWalk() {
        Harness h = new Harness();
        for (int i = 0; i < 250; i++) {
            h.clock.advance(MACHINE);
            h.get("enumerator", "/customers/" + Harness.scattered(i), 200);
        }
        AnomalyScore score = h.score("enumerator");
        assertThat(score.reasons()).containsKey(Signal.ENUMERATION).doesNotContainKey(Signal.SEQUENTIAL);
        // (250 - 120) / 60 units of 3 points
        assertThat(score.reasons().get(Signal.ENUMERATION)).isCloseTo(6.5, org.assertj.core.data.Offset.offset(0.2));
    }

    @Test
    void rereadingKnownRecordsScoresNothing() {
        Harness h = new Harness();
        for (int i = 0; i < 2000; i++) {
            h.clock.advance(MACHINE);
            h.get("partner", "/customers/" + Harness.scattered(i % 20), 200);
        }
        assertThat(h.score("partner").score()).isZero();
        assertThat(h.anomalyEvents()).isEmpty();
    }

    @Test
    void aHighShareOfMissesScoresAndAFewMissesDoNot() {
        Harness h = new Harness();
        for (int i = 0; i < 40; i++) {
            h.clock.advance(Duration.ofSeconds(1));
            h.get("guesser", "/customers/" + Harness.scattered(i), i % 10 < 7 ? 404 : 200);
            h.get("partner", "/customers/" + Harness.scattered(i % 10), i % 20 == 0 ? 404 : 200);
        }
        // a share of 0.7: (0.7 - 0.3) / 0.2 units of 4 points
        assertThat(h.score("guesser").reasons().get(Signal.MISSES))
                .isCloseTo(8.0, org.assertj.core.data.Offset.offset(0.5));
        assertThat(h.score("partner").reasons()).doesNotContainKey(Signal.MISSES);
    }

    @Test
    void burstsOfForbiddenAndProbingAreFailures() {
        Harness h = new Harness();
        for (int i = 0; i < 6; i++) {
            h.send("prober", "POST", "/payments", null, 201); // 403: no payments:write
            h.get("prober", "/internal/export" + i, 200); // 404: unmapped
        }
        AnomalyScore score = h.score("prober");
        // 12 failures: (12 - 3) / 3 units of 4 points
        assertThat(score.reasons().get(Signal.FAILURES)).isCloseTo(12.0, org.assertj.core.data.Offset.offset(0.1));
        assertThat(score.action()).isEqualTo(AnomalyAction.THROTTLE);
    }

    @Test
    void unauthenticatedFailuresAreAttributedToNobody() {
        Harness h = new Harness();
        for (int i = 0; i < 500; i++) {
            // no verified caller: the fake token step authenticates nobody, the route step answers 401
            assertThat(h.get(null, "/customers/" + sequential(i), 200)).isEqualTo(401);
        }
        assertThat(h.step.trackedCallers()).isZero();
        assertThat(h.anomalyEvents()).isEmpty();
    }

    @Test
    void aNewRouteAfterTheWarmUpIsNoticedAndBeforeItIsNot() {
        Harness h = new Harness();
        h.get("partner", "/orders/1", 200);
        h.get("partner", "/customers", 200); // new before warm-up: part of the history
        for (int i = 0; i < 120; i++) {
            h.clock.advance(Duration.ofSeconds(20));
            h.get("partner", "/customers/" + Harness.scattered(i % 10), 200);
        }
        assertThat(h.score("partner").reasons()).isEmpty();
        h.get("partner", "/exports/7", 200);
        assertThat(h.score("partner").reasons()).containsEntry(Signal.NEW_ROUTE, 2.0);
    }

    @Test
    void pagingThroughFullPagesIsQuarantinedWithinTenPagesAndSmallPagesAreNot() {
        Harness h = new Harness();
        int pages = 0;
        for (int page = 0; page < 50; page++) {
            h.clock.advance(Duration.ofSeconds(1));
            if (h.send("pager", "GET", "/customers", "page=" + page + "&size=100", 200) == 429) {
                break;
            }
            pages++;
        }
        assertThat(pages).isBetween(3, 10);
        assertThat(h.score("pager").reasons()).containsKey(Signal.PAGING);

        for (int page = 0; page < 4; page++) {
            h.clock.advance(Duration.ofSeconds(1));
            h.send("reader", "GET", "/customers", "page=" + page + "&size=20", 200);
        }
        assertThat(h.score("reader").score()).isZero();
    }

    /** Pages quarantined after, for a scraper spelling its page numbers and sizes as given. */
    private static int pagesBeforeQuarantine(String pagePrefix, String pageSuffix, String size) {
        Harness h = new Harness();
        for (int page = 0; page < 100; page++) {
            h.clock.advance(Duration.ofSeconds(1));
            String spelt = pagePrefix + page + pageSuffix;
            if (h.send("pager", "GET", "/customers", "page=" + spelt + "&size=" + size, 200) == 429) {
                return page;
            }
        }
        return 100;
    }

    /**
     * Issue 13, item 4: the application reads {@code +5}, {@code 005}, {@code 0x5} (Spring),
     * {@code " 5 "} (Spring trims) as page 5, and {@code +100} as a full page; so does the scorer.
     * Before, {@code page=%2BN&size=%2B100} was one page of a quarter and the scraper took all 100.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "page={0}N{1}&size={2}")
    @org.junit.jupiter.params.provider.CsvSource(
            delimiter = '|',
            value = {
                "%2B   |     | %2B100",
                "%2B   |     | 100",
                "      |     | %2B100",
                "000   |     | 0100",
                "+     | +   | +100+",
                "%20   | %20 | %20100",
                "%09   |     | 100%0A",
                "-     |     | 100",
                "      |     | 0x64",
                "      |     | %2364",
                "      |     | 1e2",
                "      |     | 100.0",
                "      |     | -100",
                "      | .0  | 100",
                "      | x   | 100"
            })
    void aPagingScraperIsCaughtWhateverSpellingOfItsNumbersTheApplicationReads(
            String prefix, String suffix, String size) {
        int plain = pagesBeforeQuarantine("", "", "100");
        assertThat(plain).isBetween(3, 10);
        int spelt = pagesBeforeQuarantine(prefix == null ? "" : prefix, suffix == null ? "" : suffix, size);
        assertThat(spelt).as("pages before quarantine").isEqualTo(plain);
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "page=0x{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"0x", "0X", "%23", "-0x"})
    void hexadecimalPagesAreRead(String prefix) {
        Harness h = new Harness(AnomalyPolicy.builder()
                .allowance(Signal.PAGING, 0, 1)
                .thresholds(1000, 2000, 3000)
                .build());
        h.send("pager", "GET", "/customers", "page=16&size=100", 200);
        // page 16 again, spelt in hexadecimal: the same page, nothing more
        h.send("pager", "GET", "/customers", "page=" + prefix.replace("-", "") + "10&size=100", 200);
        assertThat(h.score("pager").reasons().get(Signal.PAGING))
                .isCloseTo(3.0, org.assertj.core.api.Assertions.within(0.01));
    }

    @Test
    void volumeFarAboveTheCallersOwnBaselineIsNoticed() {
        Harness h = new Harness();
        for (int i = 0; i < 600; i++) { // 10 a minute for an hour
            h.clock.advance(Duration.ofSeconds(6));
            h.get("partner", "/customers/" + Harness.scattered(i % 10), 200);
        }
        assertThat(h.score("partner").reasons()).doesNotContainKey(Signal.VOLUME);
        for (int i = 0; i < 290; i++) { // then 290 within one minute
            h.clock.advance(Duration.ofMillis(200));
            h.get("partner", "/customers/" + Harness.scattered(i % 10), 200);
        }
        assertThat(h.score("partner").reasons()).containsKey(Signal.VOLUME);
    }

    @Test
    void lowAndSlowScrapingIsQuarantinedOverHours() {
        Harness h = new Harness();
        int records = 0;
        for (int i = 0; i < 5000; i++) {
            h.clock.advance(Duration.ofSeconds(10));
            if (h.get("slow", "/customers/" + Harness.scattered(i), 200) == 429) {
                break;
            }
            records++;
        }
        assertThat(records).isBetween(500, 1000);
        assertThat(h.score("slow").reasons().keySet().iterator().next()).isEqualTo(Signal.LOW_AND_SLOW);
    }

    @Test
    void theScoreDecaysAndTheActionIsClearedWithAnEvent() {
        Harness h = new Harness();
        for (int i = 0; i < 300; i++) {
            h.clock.advance(MACHINE);
            h.get("batch", "/customers/" + Harness.scattered(i), 200);
        }
        double before = h.score("batch").score();
        assertThat(before).isGreaterThanOrEqualTo(10);
        h.clock.advance(Duration.ofMinutes(5));
        assertThat(h.score("batch").score()).isLessThan(before * 0.6);
        h.clock.advance(Duration.ofHours(2));
        h.get("batch", "/customers/" + Harness.scattered(1), 200);
        assertThat(h.score("batch").score()).isLessThan(AnomalyPolicy.Thresholds.DEFAULTS.observe());
        assertThat(h.score("batch").action()).isEqualTo(AnomalyAction.NONE);
        assertThat(h.anomalyEvents()).endsWith(SecurityEventType.ANOMALY_CLEARED);
        assertThat(h.throttles).last().isEqualTo("clear batch");
    }

    @Test
    void everyChangeOfActionIsOneEventWithScoreAndReasons() {
        Harness h = new Harness();
        walk(h, "scraper", 1000);
        assertThat(h.anomalyEvents())
                .containsExactly(
                        SecurityEventType.ANOMALY_OBSERVED,
                        SecurityEventType.ANOMALY_THROTTLED,
                        SecurityEventType.ANOMALY_QUARANTINED);
        SecurityEvent q = h.events.stream()
                .filter(e -> e.type() == SecurityEventType.ANOMALY_QUARANTINED)
                .findFirst()
                .orElseThrow();
        assertThat(q.callerId()).isEqualTo("scraper");
        assertThat(q.detail("reasons")).startsWith("sequential=");
        assertThat(Double.parseDouble(q.detail("score"))).isGreaterThanOrEqualTo(20);
        assertThat(q.detail("previous")).isEqualTo("throttle");
        assertThat(q.detail("mode")).isEqualTo("enforce");
        assertThat(q.detail("until")).isEqualTo(h.store.until.get("scraper").toString());
    }

    @Test
    void throttleGoesToTheThrottleControlWithFactorAndEnd() {
        Harness h = new Harness();
        walk(h, "scraper", 1000);
        assertThat(h.throttles).hasSize(1);
        assertThat(h.throttles.get(0)).startsWith("throttle scraper 0.5 ");
    }

    @Test
    void observeModeEmitsEventsButNeitherThrottlesNorRefuses() {
        Harness h =
                new Harness(AnomalyPolicy.builder().mode(AnomalyMode.OBSERVE).build());
        assertThat(walk(h, "scraper", 600)).isEqualTo(-1);
        assertThat(h.store.until).isEmpty();
        assertThat(h.throttles).isEmpty();
        assertThat(h.anomalyEvents())
                .containsExactly(
                        SecurityEventType.ANOMALY_OBSERVED,
                        SecurityEventType.ANOMALY_THROTTLED,
                        SecurityEventType.ANOMALY_QUARANTINED);
        assertThat(h.events.stream()
                        .filter(e -> e.type() == SecurityEventType.ANOMALY_QUARANTINED)
                        .findFirst()
                        .orElseThrow()
                        .detail("mode"))
                .isEqualTo("observe");
    }

    @Test
    void offModeTracksNobodyAndRefusesNobody() {
        Harness h = new Harness(AnomalyPolicy.builder().mode(AnomalyMode.OFF).build());
        h.store.quarantine(Harness.key("scraper"), h.clock.instant().plusSeconds(60), h.clock.instant());
        assertThat(walk(h, "scraper", 600)).isEqualTo(-1);
        assertThat(h.step.trackedCallers()).isZero();
        assertThat(h.step.scoreOf(Harness.key("scraper"))).isEmpty();
    }

    @Test
    void allowListedCallersAreNeitherScoredNorRefused() {
        Harness h = new Harness(AnomalyPolicy.builder()
                .allowCallers(Harness.key("bulk-exporter"))
                .build());
        h.store.quarantine(Harness.key("bulk-exporter"), h.clock.instant().plusSeconds(60), h.clock.instant());
        assertThat(walk(h, "bulk-exporter", 600)).isEqualTo(-1);
        assertThat(h.step.scoreOf(Harness.key("bulk-exporter"))).isEmpty();
    }

    @Test
    void optedOutRoutesAreNotScoredButAQuarantineStillHolds() {
        Harness h = new Harness(
                AnomalyPolicy.builder().optOutRoutes("/exports/{id}").build());
        for (int i = 0; i < 600; i++) {
            h.clock.advance(MACHINE);
            assertThat(h.get("exporter", "/exports/" + sequential(i), 200)).isEqualTo(200);
        }
        assertThat(h.step.scoreOf(Harness.key("exporter"))).isEmpty();
        h.store.quarantine(Harness.key("exporter"), h.clock.instant().plusSeconds(60), h.clock.instant());
        assertThat(h.get("exporter", "/exports/X", 200)).isEqualTo(429);
    }

    @Test
    void trackedCallersAreCapped() {
        Harness h = new Harness(AnomalyPolicy.builder().maxCallers(100).build());
        for (int i = 0; i < 5000; i++) {
            h.get("caller-" + i, "/customers/" + Harness.scattered(i), 200);
        }
        assertThat(h.step.trackedCallers()).isLessThanOrEqualTo(100);
    }

    @Test
    void quarantinedDenialRoundsRetryAfterUpToWholeSeconds() {
        assertThat(AnomalyDenials.quarantined(Duration.ofMillis(1500)).headers())
                .containsEntry("Retry-After", "2");
        assertThat(AnomalyDenials.quarantined(Duration.ZERO).headers()).containsEntry("Retry-After", "1");
        assertThat(AnomalyDenials.quarantined(Duration.ofMinutes(15)).headers()).containsEntry("Retry-After", "900");
        assertThat(AnomalyDenials.quarantined(Duration.ofMinutes(15)).problem().type())
                .endsWith("/quarantined");
    }

    @Test
    void invalidSettingsNameTheSetting() {
        assertThatThrownBy(() -> AnomalyPolicy.builder().thresholds(10, 5, 20)).hasMessageContaining("thresholds");
        assertThatThrownBy(() -> AnomalyPolicy.builder().throttle(0, Duration.ofMinutes(1)))
                .hasMessageContaining("throttle factor");
        assertThatThrownBy(() -> AnomalyPolicy.builder().quarantineTtl(Duration.ZERO))
                .hasMessageContaining("quarantineTtl");
        assertThatThrownBy(() -> AnomalyPolicy.builder().maxCallers(0)).hasMessageContaining("maxCallers");
        assertThatThrownBy(() -> AnomalyPolicy.builder().allowance(Signal.MISSES, 0.3, 0))
                .hasMessageContaining("misses");
        assertThatThrownBy(() -> AnomalyPolicy.builder()
                        .quarantineTtl(Duration.ofHours(2))
                        .maxQuarantineTtl(Duration.ofHours(1))
                        .build())
                .hasMessageContaining("maxQuarantineTtl");
    }

    /** Failures alone, one point-unit each, decaying with a one-minute half-life. */
    static AnomalyPolicy failuresOnly(double observe, double throttle, double quarantine) {
        return failuresOnly(observe, throttle, quarantine, Duration.ofMinutes(1));
    }

    static AnomalyPolicy failuresOnly(double observe, double throttle, double quarantine, Duration halfLife) {
        return failuresOnly(AnomalyPolicy.builder(), observe, throttle, quarantine, halfLife);
    }

    /** The same, on a builder with other settings (a mode) made already. */
    static AnomalyPolicy failuresOnly(
            AnomalyPolicy.Builder b, double observe, double throttle, double quarantine, Duration halfLife) {
        b.halfLife(halfLife).throttle(0.5, Duration.ofMinutes(10)).quarantineTtl(Duration.ofMinutes(10));
        for (Signal s : Signal.values()) {
            b.allowance(s, s == Signal.FAILURES ? 0 : 1e6, 1);
        }
        double p = b.build().points(Signal.FAILURES);
        return b.thresholds(observe * p, throttle * p, quarantine * p).build();
    }

    /**
     * Hysteresis: a throttled caller is lowered only once its score is below 0.8 times the
     * throttle threshold, not as soon as it falls under the threshold.
     */
    @Test
    void aThrottleIsLoweredOnlyBelowFourFifthsOfItsThreshold() {
        Harness h = new Harness(failuresOnly(1, 4, 100));
        for (int i = 0; i < 5; i++) {
            h.get("c", "/customers", 403);
        }
        assertThat(h.score("c").action()).isEqualTo(AnomalyAction.THROTTLE);
        // 5 × 2^(-36/60) = 3.30, under the threshold 4 but above 0.8 × 4
        h.clock.advance(Duration.ofSeconds(36));
        h.get("c", "/customers", 200);
        assertThat(h.score("c").action()).isEqualTo(AnomalyAction.THROTTLE);
        assertThat(h.throttles).hasSize(1);
        // 5 × 2^(-42/60) = 3.08, under 3.2: lowered to observe, the throttle cleared
        h.clock.advance(Duration.ofSeconds(6));
        h.get("c", "/customers", 200);
        assertThat(h.score("c").action()).isEqualTo(AnomalyAction.OBSERVE);
        assertThat(h.throttles).last().isEqualTo("clear c");
        SecurityEvent lowered = h.events.get(h.events.size() - 1);
        assertThat(lowered.type()).isEqualTo(SecurityEventType.ANOMALY_OBSERVED);
        assertThat(lowered.detail("previous")).isEqualTo("throttle");
        assertThat(lowered.detail("until")).isNull();
    }

    /** A throttle still deserved when it ends is renewed from that moment, without a new event. */
    @Test
    void aThrottleStillDeservedIsRenewedExactlyAtItsEndWithoutAnEvent() {
        Harness h = new Harness(failuresOnly(1, 4, 100, Duration.ofHours(1)));
        for (int i = 0; i < 40; i++) {
            h.get("c", "/customers", 403);
        }
        // 40 failures halving each hour: above the throttle threshold for the next ten minutes
        assertThat(h.throttles).hasSize(1);
        Instant end = Instant.parse(h.throttles.get(0).substring("throttle c 0.5 ".length()));
        assertThat(end).isEqualTo(h.clock.instant().plus(Duration.ofMinutes(10)));
        long events = h.anomalyEvents().size();
        h.clock.advance(Duration.ofMinutes(10).minusMillis(1));
        h.get("c", "/customers", 200);
        assertThat(h.throttles).hasSize(1);
        h.clock.advance(Duration.ofMillis(1));
        h.get("c", "/customers", 200);
        assertThat(h.throttles).hasSize(2);
        assertThat(h.throttles.get(1)).isEqualTo("throttle c 0.5 " + end.plus(Duration.ofMinutes(10)));
        assertThat(h.anomalyEvents()).hasSize((int) events);
        assertThat(h.score("c").action()).isEqualTo(AnomalyAction.THROTTLE);
    }

    /** scoreOf reports a quarantine up to its last millisecond and a throttle from its end. */
    @Test
    void scoreOfReportsTheQuarantineUntilExactlyItsEnd() {
        Harness h = new Harness(failuresOnly(1, 2, 4));
        for (int i = 0; i < 50; i++) {
            h.get("c", "/customers", 403);
        }
        Instant end = h.store.until.get("c");
        assertThat(end).isEqualTo(h.clock.instant().plus(Duration.ofMinutes(10)));
        h.clock.advance(Duration.ofMinutes(10).minusMillis(1));
        assertThat(h.score("c").action()).isEqualTo(AnomalyAction.QUARANTINE);
        h.clock.advance(Duration.ofMillis(1));
        assertThat(h.score("c").action()).isEqualTo(AnomalyAction.THROTTLE);
    }
}
