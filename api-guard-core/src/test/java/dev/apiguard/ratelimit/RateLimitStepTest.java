package dev.apiguard.ratelimit;

import static dev.apiguard.ratelimit.Fakes.denied;
import static dev.apiguard.ratelimit.Fakes.send;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apiguard.ApiGuard;
import dev.apiguard.CallerKey;
import dev.apiguard.Decision;
import dev.apiguard.GuardExchange;
import dev.apiguard.fakes.FakeRequest;
import dev.apiguard.test.fixtures.MutableClock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RateLimitStepTest {

    private final MutableClock clock = MutableClock.at(java.time.Instant.parse("2026-01-01T00:00:00Z"));

    private RateLimitPolicy.Builder policy() {
        return RateLimitPolicy.builder();
    }

    private static FakeRequest as(String caller) {
        return FakeRequest.get("/customers").header("X-Test-Caller", caller);
    }

    private static int allowedInARow(ApiGuard guard, FakeRequest request, int max) {
        int n = 0;
        while (n < max && send(guard, request).isAllowed()) {
            n++;
        }
        return n;
    }

    @Test
    void capacityIsAdmittedThenTheNextRequestIsRefusedWith429() {
        ApiGuard guard = Fakes.guard(
                policy().plan(RateLimitPlan.simple("small", 5, Duration.ofSeconds(10)))
                        .build(),
                clock);
        assertThat(allowedInARow(guard, as("partner-a"), 100)).isEqualTo(5);
        Decision.Deny deny = denied(send(guard, as("partner-a")));
        assertThat(deny.status()).isEqualTo(429);
        assertThat(deny.problem().detail()).doesNotContain("token");
        assertThat(deny.headers())
                .containsEntry("Retry-After", "2")
                .containsEntry("RateLimit-Policy", "\"burst\";q=5;w=10")
                .containsEntry("RateLimit", "\"burst\";r=0;t=2");
    }

    @Test
    void theBucketRefillsWhenTimeAdvances() {
        ApiGuard guard = Fakes.guard(
                policy().plan(RateLimitPlan.simple("small", 5, Duration.ofSeconds(10)))
                        .build(),
                clock);
        allowedInARow(guard, as("partner-a"), 100);
        clock.advance(Duration.ofSeconds(2));
        assertThat(allowedInARow(guard, as("partner-a"), 100)).isEqualTo(1);
        clock.advance(Duration.ofSeconds(10));
        assertThat(allowedInARow(guard, as("partner-a"), 100)).isEqualTo(5);
    }

    @ParameterizedTest(name = "{0} per {1}s, {2} ms later: Retry-After {3}")
    @CsvSource({
        "50, 1, 0, 1", // 20 ms until a token: rounds up to 1
        "1, 60, 0, 60",
        "1, 60, 59500, 1", // 500 ms left: 1
        "1, 60, 30000, 30",
        "2, 7, 0, 4", // 3.5 s: 4
    })
    void retryAfterIsWholeSecondsRoundedUp(long quota, long windowSeconds, long advanceMillis, String retryAfter) {
        ApiGuard guard = Fakes.guard(
                policy().plan(RateLimitPlan.simple("p", quota, Duration.ofSeconds(windowSeconds)))
                        .build(),
                clock);
        allowedInARow(guard, as("c"), 1000);
        clock.advance(Duration.ofMillis(advanceMillis));
        assertThat(denied(send(guard, as("c"))).headers().get("Retry-After")).isEqualTo(retryAfter);
    }

    @Test
    void aPlanWithTwoLimitsEnforcesBothAndNamesBothInThePolicyField() {
        RateLimitPlan gold = RateLimitPlan.of(
                "gold",
                RateLimitPlan.Limit.of("burst", 5, Duration.ofSeconds(1)),
                RateLimitPlan.Limit.of("hourly", 8, Duration.ofHours(1)));
        ApiGuard guard = Fakes.guard(policy().plan(gold).build(), clock);
        assertThat(allowedInARow(guard, as("c"), 100)).isEqualTo(5);
        clock.advance(Duration.ofSeconds(1));
        assertThat(allowedInARow(guard, as("c"), 100)).isEqualTo(3); // the hourly limit now binds
        Decision.Deny deny = denied(send(guard, as("c")));
        assertThat(deny.headers().get("RateLimit-Policy")).isEqualTo("\"burst\";q=5;w=1, \"hourly\";q=8;w=3600");
        assertThat(deny.headers().get("Retry-After"))
                .isEqualTo("449"); // one hourly unit takes 3600 s / 8 = 450 s, 1 s of which has passed
    }

    @Test
    void routeCostsWeighRequests() {
        ApiGuard guard = Fakes.guard(
                policy().plan(RateLimitPlan.simple("p", 10, Duration.ofMinutes(1)))
                        .routeCost("GET", "/export", 4)
                        .build(),
                clock);
        FakeRequest export = FakeRequest.get("/export").header("X-Test-Caller", "c");
        assertThat(allowedInARow(guard, export, 100)).isEqualTo(2);
        assertThat(allowedInARow(guard, as("c"), 100)).isEqualTo(2);
    }

    @Test
    void aRoutePlanUsesItsOwnBucket() {
        ApiGuard guard = Fakes.guard(
                policy().plan(RateLimitPlan.simple("std", 10, Duration.ofMinutes(1)))
                        .plan(RateLimitPlan.simple("payments", 2, Duration.ofMinutes(1)))
                        .defaultPlan("std")
                        .routePlan("GET", "/payments", "payments")
                        .build(),
                clock);
        FakeRequest pay = FakeRequest.get("/payments").header("X-Test-Caller", "c");
        assertThat(allowedInARow(guard, pay, 100)).isEqualTo(2);
        assertThat(allowedInARow(guard, as("c"), 100)).isEqualTo(10);
    }

    @Test
    void theResolverChoosesThePlanFromTheCallerThenTheRegistryThenTheDefault() {
        RateLimitPolicy p = policy().plan(RateLimitPlan.simple("bronze", 1, Duration.ofMinutes(1)))
                .plan(RateLimitPlan.simple("silver", 2, Duration.ofMinutes(1)))
                .plan(RateLimitPlan.simple("gold", 3, Duration.ofMinutes(1)))
                .defaultPlan("bronze")
                .planResolver(PlanResolver.fromCaller().orElse(PlanResolver.registry(Map.of("registered", "gold"))))
                .build();
        ApiGuard guard = Fakes.guard(p, clock);
        assertThat(allowedInARow(guard, as("claims;silver"), 100)).isEqualTo(2);
        assertThat(allowedInARow(guard, as("registered"), 100)).isEqualTo(3);
        assertThat(allowedInARow(guard, as("nobody"), 100)).isEqualTo(1);
        assertThat(allowedInARow(guard, as("unknown-plan;platinum"), 100)).isEqualTo(1);
    }

    @Test
    void callersHaveSeparateBuckets() {
        ApiGuard guard = Fakes.guard(
                policy().plan(RateLimitPlan.simple("p", 3, Duration.ofMinutes(1)))
                        .build(),
                clock);
        assertThat(allowedInARow(guard, as("a"), 100)).isEqualTo(3);
        assertThat(allowedInARow(guard, as("b"), 100)).isEqualTo(3);
    }

    @ParameterizedTest(name = "factor {0}: {1} of 10")
    @CsvSource({"1.0, 10", "0.5, 5", "0.3, 3", "0.1, 1", "0.001, 1"})
    void anAdjustmentFactorScalesTheCallersCapacity(double factor, int admitted) {
        RateLimitPolicy p = policy().plan(RateLimitPlan.simple("p", 10, Duration.ofMinutes(1)))
                .build();
        RateLimitStep step = RateLimitStep.of(p);
        step.adjustments().throttle(key("c"), factor, clock.instant().plusSeconds(600), clock.instant());
        ApiGuard guard = Fakes.guard(step, clock);
        assertThat(allowedInARow(guard, as("c"), 100)).isEqualTo(admitted);
        assertThat(allowedInARow(guard, as("other"), 100)).isEqualTo(10);
        // the advertised quota is what the caller gets: never q=0 while one request per window passes
        assertThat(denied(send(guard, as("c"))).headers())
                .containsEntry("RateLimit-Policy", "\"burst\";q=" + admitted + ";w=60");
    }

    @Test
    void theAnomalyScorersThrottleIsAnAdjustmentUntilItsEnd() {
        RateLimitPolicy p = policy().plan(RateLimitPlan.simple("p", 10, Duration.ofMinutes(1)))
                .build();
        RateLimitStep step = RateLimitStep.of(p);
        dev.apiguard.ThrottleControl throttle = step.adjustments();
        throttle.throttle(key("c"), 0.5, clock.instant().plus(Duration.ofMinutes(10)), clock.instant());
        ApiGuard guard = Fakes.guard(step, clock);
        assertThat(allowedInARow(guard, as("c"), 100)).isEqualTo(5);
        clock.advance(Duration.ofMinutes(11));
        assertThat(step.adjustments().factor(key("c"), clock.instant())).isEqualTo(1.0);
        throttle.throttle(key("c"), 0.2, clock.instant().plus(Duration.ofMinutes(1)), clock.instant());
        assertThat(step.adjustments().factor(key("c"), clock.instant())).isEqualTo(0.2);
        throttle.clear(key("c"));
        assertThat(step.adjustments().factor(key("c"), clock.instant())).isEqualTo(1.0);
        throttle.throttle(key("c"), 0.2, clock.instant().minusSeconds(1), clock.instant());
        assertThat(step.adjustments().factor(key("c"), clock.instant()))
                .as("an end already past throttles nothing")
                .isEqualTo(1.0);
    }

    /** A throttled caller is told its scaled quota and what remains of it, in whole units. */
    @Test
    void fieldsAreScaledByTheCallersFactor() {
        RateLimitPlan plan = RateLimitPlan.of(
                "p",
                RateLimitPlan.Limit.of("burst", 10, Duration.ofSeconds(10)),
                RateLimitPlan.Limit.of("hour", 1000, Duration.ofHours(1)));
        BucketStore.Outcome consumed = new BucketStore.Outcome(BucketStore.Status.CONSUMED, 3_999, 0, 7_000_000_001L);
        assertThat(RateLimitStep.fields(plan, 0.5, consumed))
                .containsExactly(
                        java.util.Map.entry("RateLimit-Policy", "\"burst\";q=5;w=10, \"hour\";q=500;w=3600"),
                        java.util.Map.entry("RateLimit", "\"burst\";r=1;t=8"));

        BucketStore.Outcome rejected = new BucketStore.Outcome(BucketStore.Status.REJECTED, 0, 1, 9_000_000_000L);
        assertThat(RateLimitStep.fields(plan, 1.0, rejected)).containsEntry("RateLimit", "\"burst\";r=0;t=1");
    }

    /** An mTLS-only caller's bucket follows its certificate; every other caller's follows its id. */
    @Test
    void bucketKeyIsTheCallersKeySoNamesakesOfTwoIssuersOrNamespacesNeverShareABucket() {
        java.time.Instant t = java.time.Instant.EPOCH;
        dev.apiguard.Caller mtls = dev.apiguard.Caller.builder("c", dev.apiguard.CredentialKind.MTLS)
                .issuedAt(t)
                .certificateThumbprint("thumb")
                .build();
        dev.apiguard.Caller bearer = dev.apiguard.Caller.builder("c", dev.apiguard.CredentialKind.BEARER_JWT)
                .issuer("https://one")
                .issuedAt(t)
                .build();
        dev.apiguard.Caller bound = bearer.boundTo(dev.apiguard.CredentialKind.MTLS_BOUND_JWT, "thumb");
        dev.apiguard.Caller otherIssuer = dev.apiguard.Caller.builder("c", dev.apiguard.CredentialKind.BEARER_JWT)
                .issuer("https://two")
                .issuedAt(t)
                .build();
        dev.apiguard.Caller apiKey = dev.apiguard.Caller.builder("c", dev.apiguard.CredentialKind.API_KEY)
                .issuedAt(t)
                .tokenId("key-1")
                .build();
        assertThat(RateLimitStep.bucketKey(bearer))
                .isEqualTo(bearer.key().hashTag())
                .matches("\\{[A-Za-z0-9_-]{22}}");
        assertThat(RateLimitStep.bucketKey(bound))
                .as("the same client bound to its certificate")
                .isEqualTo(RateLimitStep.bucketKey(bearer));
        assertThat(java.util.List.of(bearer, otherIssuer, apiKey, mtls))
                .extracting(RateLimitStep::bucketKey)
                .doesNotHaveDuplicates();
        assertThat(RateLimitStep.bucketKey(mtls))
                .isEqualTo(CallerKey.mtlsClient("c").hashTag());
    }

    @Test
    void allowedAnswersCarryTheFieldsOnlyWhenAskedTo() {
        ApiGuard quiet = Fakes.guard(
                policy().plan(RateLimitPlan.simple("p", 10, Duration.ofSeconds(10)))
                        .build(),
                clock);
        GuardExchange ex = quiet.exchange(as("c"));
        quiet.evaluate(ex);
        assertThat(ex.responseHeaders()).isEmpty();

        ApiGuard loud = Fakes.guard(
                policy().plan(RateLimitPlan.simple("p", 10, Duration.ofSeconds(10)))
                        .emitHeadersOnAllowed(true)
                        .build(),
                clock);
        ex = loud.exchange(as("c"));
        loud.evaluate(ex);
        assertThat(ex.responseHeaders())
                .containsExactly(
                        java.util.Map.entry("RateLimit-Policy", "\"burst\";q=10;w=10"),
                        java.util.Map.entry("RateLimit", "\"burst\";r=9;t=1"));
    }

    @Test
    void aRequestWithoutCallerIsNotCountedByTheCallerStep() {
        ApiGuard guard = Fakes.guard(
                policy().plan(RateLimitPlan.simple("p", 1, Duration.ofMinutes(1)))
                        .build(),
                clock);
        for (int i = 0; i < 10; i++) {
            assertThat(send(guard, FakeRequest.get("/health")).isAllowed()).isTrue();
        }
    }

    @Test
    void invalidConfigurationNamesTheSetting() {
        assertThatThrownBy(() -> RateLimitPolicy.builder().defaultPlan("nope").build())
                .hasMessageStartingWith("defaultPlan");
        assertThatThrownBy(() -> RateLimitPolicy.builder()
                        .plan(RateLimitPlan.simple("a", 1, Duration.ofSeconds(1)))
                        .plan(RateLimitPlan.simple("b", 1, Duration.ofSeconds(1)))
                        .build())
                .hasMessageStartingWith("defaultPlan");
        assertThatThrownBy(() ->
                        RateLimitPolicy.builder().routePlan("GET", "/x", "nope").build())
                .hasMessageStartingWith("routePlan");
        assertThatThrownBy(() -> RateLimitPlan.simple("Bad Name", 1, Duration.ofSeconds(1)))
                .hasMessageContaining("plan name");
        assertThatThrownBy(() -> RateLimitPlan.simple("p", 0, Duration.ofSeconds(1)))
                .hasMessageContaining("quota");
        assertThatThrownBy(() -> RateLimitPlan.simple("p", 1, Duration.ofMillis(1500)))
                .hasMessageContaining("window");
    }

    @Test
    void aRefusalIsReportedAsACallerEventNamingThePlan() {
        java.util.List<dev.apiguard.event.SecurityEvent> events = new java.util.ArrayList<>();
        RateLimitPolicy p = policy().plan(RateLimitPlan.simple("small", 2, Duration.ofSeconds(10)))
                .build();
        ApiGuard guard = ApiGuard.builder()
                .clock(clock)
                .listener(events::add)
                .step(Fakes.fakeAuthentication())
                .step(RateLimitStep.of(p))
                .build();
        assertThat(allowedInARow(guard, as("partner-a"), 100)).isEqualTo(2);
        assertThat(events)
                .filteredOn(e -> e.type() == dev.apiguard.event.SecurityEventType.RATE_LIMITED)
                .singleElement()
                .satisfies(e -> {
                    assertThat(e.detail("bucket")).isEqualTo("caller");
                    assertThat(e.detail("plan")).isEqualTo("small");
                    assertThat(e.callerId()).isEqualTo("partner-a");
                });
    }

    @Test
    void aStoreThatFailsClosedRefusesCallersWith503AndItsRetryDelay() {
        BucketStore down = new BucketStore() {
            @Override
            public Outcome tryConsume(
                    String key, io.github.bucket4j.BucketConfiguration c, long tokens, java.time.Instant now) {
                return Outcome.unavailable(1_000_000_001L);
            }

            @Override
            public Outcome estimate(
                    String key, io.github.bucket4j.BucketConfiguration c, long tokens, java.time.Instant now) {
                return Outcome.unavailable(1_000_000_001L);
            }
        };
        ApiGuard guard =
                Fakes.guard(RateLimitStep.builder(policy().build()).store(down).build(), clock);
        Decision.Deny deny = denied(send(guard, as("partner-a")));
        assertThat(deny.status()).isEqualTo(503);
        assertThat(deny.headers()).containsEntry("Retry-After", "2").doesNotContainKey("RateLimit");
    }

    @Test
    void adjustmentsHandedToTheStepScaleItsLimits() {
        RateLimitPolicy p = policy().plan(RateLimitPlan.simple("p", 10, Duration.ofMinutes(1)))
                .build();
        RateLimitAdjustments adjustments = RateLimitAdjustments.withMaximumSize(10);
        LocalBucketStore store = LocalBucketStore.withMaximumSize(10);
        RateLimitStep step =
                RateLimitStep.builder(p).store(store).adjustments(adjustments).build();
        assertThat(step.policy()).isSameAs(p);
        assertThat(step.store()).isSameAs(store);
        assertThat(step.adjustments()).isSameAs(adjustments);
        adjustments.throttle(key("c"), 0.3, clock.instant().plusSeconds(600), clock.instant());
        ApiGuard guard = ApiGuard.builder()
                .clock(clock)
                .listener(dev.apiguard.event.SecurityEventListener.NONE)
                .step(Fakes.fakeAuthentication())
                .step(step)
                .build();
        assertThat(allowedInARow(guard, as("c"), 100)).isEqualTo(3);
    }

    /** The key of a token caller of this test's issuer. */
    static CallerKey key(String id) {
        return CallerKey.token("https://issuer", id);
    }

    /** The step is named ratelimit (the name a guard orders and reports steps by) and shows its default plan. */
    @Test
    void theStepIsNamedRatelimitAndShowsItsDefaultPlan() {
        RateLimitPolicy policy = policy().build();
        RateLimitStep step = RateLimitStep.of(policy);
        assertThat(step.name()).isEqualTo("ratelimit").isEqualTo(RateLimitStep.NAME);
        assertThat(step.toString()).isEqualTo("RateLimitStep[default=" + policy.defaultPlan() + "]");
    }
}
