package dev.apiguard.ratelimit;

import static dev.apiguard.ratelimit.Fakes.denied;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apiguard.ApiGuard;
import dev.apiguard.Caller;
import dev.apiguard.CallerKey;
import dev.apiguard.Claims;
import dev.apiguard.CredentialKind;
import dev.apiguard.Decision;
import dev.apiguard.GuardExchange;
import dev.apiguard.GuardStep;
import dev.apiguard.anomaly.AnomalyPolicy;
import dev.apiguard.anomaly.AnomalyScoringStep;
import dev.apiguard.event.SecurityEvent;
import dev.apiguard.event.SecurityEventType;
import dev.apiguard.fakes.FakeListener;
import dev.apiguard.fakes.FakeRequest;
import dev.apiguard.test.fixtures.MutableClock;
import dev.apiguard.test.fixtures.Race;
import io.github.bucket4j.BucketConfiguration;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KeyedLimitTest {

    private final MutableClock clock = MutableClock.at(Instant.parse("2026-01-01T00:00:00Z"));
    private final FakeListener events = new FakeListener();
    private final RecordingStore store = new RecordingStore();

    /** The callers' plan in every test unless said otherwise: roomy, so that the keyed limit is what refuses. */
    private static final RateLimitPlan ROOMY = RateLimitPlan.simple("roomy", 1000, Duration.ofSeconds(10));

    private static RateLimitPlan plan(String name, long quota) {
        return RateLimitPlan.simple(name, quota, Duration.ofSeconds(10));
    }

    /**
     * Authenticates {@code X-Test-Caller: id[;tenant]} (the tenant as a verified claim) and matches
     * {@code /orders/...} to the route {@code /orders/{id}}, any other path to itself.
     */
    private static GuardStep authentication() {
        return new GuardStep() {
            @Override
            public String name() {
                return "fake-auth";
            }

            @Override
            public Decision evaluate(GuardExchange exchange) {
                String path = exchange.request().path();
                exchange.matchRoute(path.startsWith("/orders/") ? "/orders/{id}" : path, Map.of(), false);
                String h = exchange.request().header("X-Test-Caller");
                if (h != null) {
                    String[] parts = h.split(";");
                    exchange.authenticate(Caller.builder(parts[0], CredentialKind.BEARER_JWT)
                            .issuer("https://issuer")
                            .claims(parts.length > 1 ? Claims.of(Map.of("tenant", parts[1])) : Claims.none())
                            .build());
                }
                return Decision.ALLOW;
            }
        };
    }

    private RateLimitStep step(RateLimitPolicy.Builder policy) {
        return RateLimitStep.builder(policy.build()).store(store).build();
    }

    private ApiGuard guard(RateLimitStep step, GuardStep... more) {
        ApiGuard.Builder b = ApiGuard.builder().clock(clock).listener(events).step(authentication());
        for (GuardStep s : more) {
            b.step(s);
        }
        return b.step(step).build();
    }

    private ApiGuard guard(RateLimitPolicy.Builder policy) {
        return guard(step(policy));
    }

    private static RateLimitPolicy.Builder policy(KeyedLimit... limits) {
        RateLimitPolicy.Builder b = RateLimitPolicy.builder().plan(ROOMY);
        for (KeyedLimit l : limits) {
            b.limit(l);
        }
        return b;
    }

    private static FakeRequest get(String path, String caller) {
        return FakeRequest.get(path).header("X-Test-Caller", caller);
    }

    private static Decision send(ApiGuard guard, FakeRequest request) {
        return Fakes.send(guard, request);
    }

    private static int allowed(ApiGuard guard, FakeRequest request, int tries) {
        int n = 0;
        for (int i = 0; i < tries; i++) {
            if (send(guard, request).isAllowed()) {
                n++;
            }
        }
        return n;
    }

    @Test
    void aRouteCapIsOneBucketSharedByEveryCallerOfTheRoute() {
        ApiGuard guard = guard(policy(KeyedLimit.builder("search-cap", RateLimitKeys.route(), plan("search-cap", 3))
                .route("GET", "/search")
                .build()));
        assertThat(send(guard, get("/search", "a")).isAllowed()).isTrue();
        assertThat(send(guard, get("/search", "b")).isAllowed()).isTrue();
        assertThat(send(guard, get("/search", "c")).isAllowed()).isTrue();
        Decision.Deny deny = denied(send(guard, get("/search", "d")));
        assertThat(deny.status()).isEqualTo(429);
        // the headers of the cap that refused, not of the caller's roomy plan
        assertThat(deny.headers())
                .containsEntry("RateLimit-Policy", "\"burst\";q=3;w=10")
                .containsEntry("RateLimit", "\"burst\";r=0;t=4")
                .containsEntry("Retry-After", "4");
        // another route, and another method on the route, are not capped
        assertThat(allowed(guard, get("/customers", "d"), 5)).isEqualTo(5);
        assertThat(send(guard, FakeRequest.post("/search").header("X-Test-Caller", "d"))
                        .isAllowed())
                .isTrue();
        clock.advance(Duration.ofSeconds(4));
        assertThat(allowed(guard, get("/search", "e"), 3)).isEqualTo(1);
    }

    @Test
    void aRouteKeyCountsTheMatchedRouteTemplateNotThePath() {
        ApiGuard guard = guard(policy(KeyedLimit.of("orders", RateLimitKeys.route(), plan("orders", 2))));
        assertThat(send(guard, get("/orders/1", "a")).isAllowed()).isTrue();
        assertThat(send(guard, get("/orders/2", "b")).isAllowed()).isTrue();
        assertThat(send(guard, get("/orders/3?x", "c")).isAllowed()).isFalse();
        // one bucket for the route, whatever path reached it
        assertThat(store.keys().stream().filter(k -> k.startsWith("limit:")).distinct())
                .hasSize(1);
    }

    @Test
    void aCallerAndRouteLimitCountsEachCallerOnEachRouteApart() {
        ApiGuard guard =
                guard(policy(KeyedLimit.of("per-route", RateLimitKeys.callerAndRoute(), plan("per-route", 2))));
        assertThat(allowed(guard, get("/orders/1", "a"), 5)).isEqualTo(2);
        assertThat(allowed(guard, get("/customers", "a"), 5)).isEqualTo(2);
        assertThat(allowed(guard, get("/orders/9", "b"), 5)).isEqualTo(2);
    }

    @Test
    void aCallerOverItsOwnPlanDoesNotDrainTheSharedCap() {
        ApiGuard guard = guard(RateLimitPolicy.builder()
                .plan(plan("small", 2))
                .limit(KeyedLimit.of("cap", RateLimitKeys.route(), plan("cap", 5))));
        assertThat(allowed(guard, get("/search", "greedy"), 20)).isEqualTo(2);
        // the 18 refused requests of the greedy caller took nothing from the cap
        assertThat(allowed(guard, get("/search", "b"), 2)
                        + allowed(guard, get("/search", "c"), 2)
                        + allowed(guard, get("/search", "d"), 2))
                .isEqualTo(3);
    }

    @Test
    void aRefusalByTheSharedCapStillCountsAgainstTheCallersPlanAsEveryRefusedRequestDoes() {
        ApiGuard guard = guard(RateLimitPolicy.builder()
                .plan(plan("small", 3))
                .limit(KeyedLimit.of("cap", RateLimitKeys.route(), plan("cap", 1))));
        assertThat(send(guard, get("/search", "a")).isAllowed()).isTrue();
        assertThat(send(guard, get("/search", "b")).isAllowed()).isFalse(); // the cap
        assertThat(send(guard, get("/search", "b")).isAllowed()).isFalse(); // the cap
        // b took two of its three units with requests the cap refused: one left for elsewhere
        assertThat(allowed(guard, get("/customers", "b"), 5)).isEqualTo(1);
    }

    @Test
    void aSharedRefusalIsMarkedAndItsEventNamesTheRefusedCallerAndTheLimit() {
        ApiGuard guard = guard(policy(KeyedLimit.of("cap", RateLimitKeys.route(), plan("cap", 1))));
        send(guard, get("/search", "a"));
        GuardExchange ex = guard.exchange(get("/search", "b"));
        assertThat(guard.evaluate(ex).isAllowed()).isFalse();
        assertThat(ex.isRefusedBySharedLimit()).isTrue();
        SecurityEvent e = events.last(SecurityEventType.RATE_LIMITED).orElseThrow();
        assertThat(e.callerId()).isEqualTo("b");
        assertThat(e.details())
                .containsEntry("bucket", "shared")
                .containsEntry("limit", "cap")
                .containsEntry("plan", "cap");
    }

    @Test
    void aRefusalByTheCallersOwnKeyedLimitIsNotMarkedShared() {
        ApiGuard guard = guard(policy(KeyedLimit.of("mine", RateLimitKeys.callerAndRoute(), plan("mine", 1))));
        send(guard, get("/search", "a"));
        GuardExchange ex = guard.exchange(get("/search", "a"));
        assertThat(guard.evaluate(ex).isAllowed()).isFalse();
        assertThat(ex.isRefusedBySharedLimit()).isFalse();
        assertThat(events.last(SecurityEventType.RATE_LIMITED).orElseThrow().details())
                .containsEntry("bucket", "caller")
                .containsEntry("limit", "mine");
    }

    @Test
    void anomalyScoringLeavesOutRequestsASharedCapRefused() {
        AnomalyScoringStep anomaly =
                AnomalyScoringStep.builder(AnomalyPolicy.defaults()).build();
        ApiGuard guard = guard(step(policy(KeyedLimit.of("cap", RateLimitKeys.route(), plan("cap", 1)))), anomaly);
        send(guard, get("/search", "first"));
        for (int i = 0; i < 50; i++) {
            assertThat(send(guard, get("/search", "unlucky")).isAllowed()).isFalse();
        }
        // 50 refusals, none of them held against the caller: it was never even observed
        assertThat(anomaly.scoreOf(CallerKey.token("https://issuer", "unlucky"), clock.instant()))
                .isEmpty();
        assertThat(anomaly.scoreOf(CallerKey.token("https://issuer", "first"), clock.instant()))
                .isPresent();
    }

    @Test
    void aHeaderKeyNeverPutsTheClientsValueInAStoreKey() {
        ApiGuard guard = guard(policy(KeyedLimit.of("tenant", RateLimitKeys.header("X-Tenant"), plan("tenant", 2))));
        String hostile = "{evil}\r\n*\u0000" + "x".repeat(100);
        send(guard, get("/search", "a").header("X-Tenant", hostile));
        send(guard, get("/search", "a").header("X-Tenant", "acme"));
        List<String> keyed =
                store.keys().stream().filter(k -> k.startsWith("limit:")).toList();
        assertThat(keyed)
                .hasSize(2)
                .allMatch(k -> k.matches("limit:tenant:\\{[A-Za-z0-9_-]{22}}"), "a digest in a hash tag")
                .noneMatch(k -> k.contains("acme") || k.contains("evil"));
    }

    @Test
    void aHeaderValueIsSharedByTheCallersThatSendItAndAbsentMeansNotCounted() {
        ApiGuard guard = guard(policy(KeyedLimit.of("tenant", RateLimitKeys.header("X-Tenant"), plan("tenant", 2))));
        assertThat(send(guard, get("/search", "a").header("X-Tenant", "acme")).isAllowed())
                .isTrue();
        assertThat(send(guard, get("/search", "b").header("x-tenant", "acme")).isAllowed())
                .isTrue();
        assertThat(send(guard, get("/search", "c").header("X-Tenant", "acme")).isAllowed())
                .isFalse();
        assertThat(send(guard, get("/search", "c").header("X-Tenant", "other")).isAllowed())
                .isTrue();
        assertThat(allowed(guard, get("/search", "c"), 5)).isEqualTo(5);
    }

    @Test
    void oversizedValuesAllCountAsOne() {
        ApiGuard guard = guard(policy(KeyedLimit.of("tenant", RateLimitKeys.header("X-Tenant"), plan("tenant", 2))));
        int admitted = 0;
        for (int i = 0; i < 5; i++) {
            // each a different value, all longer than a part is counted on its own
            String value = i + "y".repeat(RateLimitKeys.MAX_PART_LENGTH);
            if (send(guard, get("/search", "caller-" + i).header("X-Tenant", value))
                    .isAllowed()) {
                admitted++;
            }
        }
        assertThat(admitted).isEqualTo(2);
    }

    @Test
    void repeatedHeaderValuesCountTogetherAndManyOfThemAsOneOversizedPart() {
        ApiGuard guard = guard(policy(KeyedLimit.of("tenant", RateLimitKeys.header("X-Tenant"), plan("tenant", 1))));
        assertThat(send(guard, get("/s", "a").header("X-Tenant", "a").header("X-Tenant", "b"))
                        .isAllowed())
                .isTrue();
        assertThat(send(guard, get("/s", "b").header("X-Tenant", "a").header("X-Tenant", "b"))
                        .isAllowed())
                .isFalse();
        assertThat(send(guard, get("/s", "b").header("X-Tenant", "a")).isAllowed())
                .isTrue();
        FakeRequest many = get("/s", "c");
        FakeRequest others = get("/s", "d");
        for (int i = 0; i < 100; i++) {
            many = many.header("X-Tenant", "value-" + i);
            others = others.header("X-Tenant", "other-" + i);
        }
        assertThat(send(guard, many).isAllowed()).isTrue();
        assertThat(send(guard, others).isAllowed()).isFalse(); // both oversized: one part
    }

    @Test
    void aCallerSprayingHeaderValuesGetsAFewBucketsThenOneOverflowBucket() {
        ApiGuard guard = guard(policy(KeyedLimit.builder("tenant", RateLimitKeys.header("X-Tenant"), plan("tenant", 1))
                .maxKeysPerCaller(3)
                .build()));
        int admitted = 0;
        for (int i = 0; i < 100; i++) {
            if (send(guard, get("/search", "sprayer").header("X-Tenant", "v" + i))
                    .isAllowed()) {
                admitted++;
            }
        }
        // three values in buckets of their own, then every other value in one overflow bucket
        assertThat(admitted).isEqualTo(4);
        assertThat(store.keys().stream().filter(k -> k.startsWith("limit:")).distinct())
                .hasSize(4)
                .contains("limit:tenant:"
                        + CallerKey.token("https://issuer", "sprayer").hashTag() + ":overflow");
        // a value seen in this window keeps its own bucket; another caller is not affected
        assertThat(send(guard, get("/search", "other").header("X-Tenant", "v50"))
                        .isAllowed())
                .isTrue();
        // the window is the plan's refill time: afterwards three fresh values again
        clock.advance(Duration.ofSeconds(11));
        assertThat(allowed(guard, get("/search", "sprayer").header("X-Tenant", "w1"), 1)
                        + allowed(guard, get("/search", "sprayer").header("X-Tenant", "w2"), 1)
                        + allowed(guard, get("/search", "sprayer").header("X-Tenant", "w3"), 1)
                        + allowed(guard, get("/search", "sprayer").header("X-Tenant", "w4"), 1)
                        + allowed(guard, get("/search", "sprayer").header("X-Tenant", "w5"), 1))
                .isEqualTo(4);
    }

    @Test
    void aClaimKeyIsOneBucketPerTenantAcrossItsCallers() {
        ApiGuard guard = guard(policy(KeyedLimit.of("tenant", RateLimitKeys.claim("tenant"), plan("tenant", 3))));
        assertThat(allowed(guard, get("/search", "a;acme"), 2)).isEqualTo(2);
        assertThat(allowed(guard, get("/search", "b;acme"), 2)).isEqualTo(1);
        assertThat(allowed(guard, get("/search", "c;globex"), 2)).isEqualTo(2);
        // no tenant claim: the limit does not apply
        assertThat(allowed(guard, get("/search", "d"), 5)).isEqualTo(5);
    }

    @Test
    void aCompoundKeyCountsEachCombinationAndNeedsEveryPart() {
        ApiGuard guard = guard(policy(KeyedLimit.of(
                "tenant-route",
                RateLimitKeys.compound(RateLimitKeys.claim("tenant"), RateLimitKeys.route()),
                plan("tenant-route", 1))));
        assertThat(send(guard, get("/search", "a;acme")).isAllowed()).isTrue();
        assertThat(send(guard, get("/search", "b;acme")).isAllowed()).isFalse();
        assertThat(send(guard, get("/customers", "b;acme")).isAllowed()).isTrue();
        assertThat(send(guard, get("/search", "c;globex")).isAllowed()).isTrue();
        assertThat(allowed(guard, get("/search", "d"), 3)).isEqualTo(3);
    }

    @Test
    void compoundPartsAreLengthPrefixedSoThatNoTwoCombinationsMeet() {
        RateLimitKey left = (e, c) -> e.request().header("X-A");
        RateLimitKey right = (e, c) -> e.request().header("X-B");
        ApiGuard guard = guard(policy(KeyedLimit.of("ab", RateLimitKeys.compound(left, right), plan("ab", 1))));
        assertThat(send(guard, get("/s", "a").header("X-A", "x y").header("X-B", "z"))
                        .isAllowed())
                .isTrue();
        assertThat(send(guard, get("/s", "a").header("X-A", "x").header("X-B", "y z"))
                        .isAllowed())
                .isTrue();
    }

    @Test
    void sharedAndBoundedFollowTheParts() {
        assertThat(RateLimitKeys.caller().shared()).isFalse();
        assertThat(RateLimitKeys.callerAndRoute().shared()).isFalse();
        assertThat(RateLimitKeys.route().shared()).isTrue();
        assertThat(RateLimitKeys.header("X-T").shared()).isTrue();
        assertThat(RateLimitKeys.claim("t").boundedPerCaller()).isFalse();
        assertThat(RateLimitKeys.route().boundedPerCaller()).isTrue();
        RateLimitKey callerTenant = RateLimitKeys.compound(RateLimitKeys.caller(), RateLimitKeys.claim("t"));
        assertThat(callerTenant.shared()).isFalse();
        assertThat(callerTenant.boundedPerCaller()).isFalse();
        RateLimitKey both = RateLimitKeys.compound(RateLimitKeys.caller(), RateLimitKeys.route());
        assertThat(both.boundedPerCaller()).isTrue();
        RateLimitKey host = (e, c) -> "x";
        assertThat(host.shared()).isTrue();
        assertThat(host.boundedPerCaller()).isFalse();
    }

    @Test
    void allowedAnswersReportTheMostRestrictiveBucket() {
        ApiGuard guard = guard(RateLimitPolicy.builder()
                .plan(plan("mine", 10))
                .emitHeadersOnAllowed(true)
                .limit(KeyedLimit.builder(
                                "cap", RateLimitKeys.route(), RateLimitPlan.simple("cap", 4, Duration.ofSeconds(20)))
                        .route("GET", "/search")
                        .build()));
        GuardExchange ex = guard.exchange(get("/search", "a"));
        assertThat(guard.evaluate(ex).isAllowed()).isTrue();
        assertThat(ex.responseHeaders())
                .contains(
                        Map.entry("RateLimit-Policy", "\"burst\";q=4;w=20"),
                        Map.entry("RateLimit", "\"burst\";r=3;t=5"));
        // on another route only the caller's plan applies
        GuardExchange other = guard.exchange(get("/customers", "a"));
        guard.evaluate(other);
        assertThat(other.responseHeaders()).contains(Map.entry("RateLimit-Policy", "\"burst\";q=10;w=10"));
    }

    @Test
    void aThrottledCallerPaysMoreFromItsOwnKeyedBucketsButNotFromSharedOnes() {
        RateLimitStep step = step(policy(
                KeyedLimit.of("mine", RateLimitKeys.callerAndRoute(), plan("mine", 4)),
                KeyedLimit.of("cap", RateLimitKeys.route(), plan("cap", 4))));
        ApiGuard guard = guard(step);
        step.adjustments()
                .throttle(
                        CallerKey.token("https://issuer", "slow"),
                        0.5,
                        clock.instant().plusSeconds(3600),
                        clock.instant());
        assertThat(allowed(guard, get("/search", "slow"), 10)).isEqualTo(2); // its own bucket: 4 at half
        assertThat(allowed(guard, get("/search", "b"), 10)).isEqualTo(2); // the cap: 4 minus slow's 2
    }

    @Test
    void aLimitOnOneRouteAppliesThereOnly() {
        ApiGuard guard = guard(policy(KeyedLimit.builder("payments", RateLimitKeys.caller(), plan("payments", 1))
                .route("post", "/payments")
                .build()));
        assertThat(allowed(guard, FakeRequest.post("/payments").header("X-Test-Caller", "a"), 3))
                .isEqualTo(1);
        assertThat(allowed(guard, get("/payments", "a"), 3)).isEqualTo(3);
        assertThat(store.keys())
                .contains("limit:payments:"
                        + CallerKey.token("https://issuer", "a").hashTag());
    }

    @Test
    void aRequestWithoutARouteIsNotCountedByARouteKey() {
        RateLimitPolicy limits = policy(KeyedLimit.of("cap", RateLimitKeys.route(), plan("cap", 1)))
                .build();
        ApiGuard guard = ApiGuard.builder()
                .clock(clock)
                .listener(events)
                .step(new GuardStep() {
                    @Override
                    public String name() {
                        return "auth-without-route";
                    }

                    @Override
                    public Decision evaluate(GuardExchange exchange) {
                        exchange.authenticate(
                                Caller.builder("a", CredentialKind.BEARER_JWT).build());
                        return Decision.ALLOW;
                    }
                })
                .step(RateLimitStep.builder(limits).store(store).build())
                .build();
        assertThat(allowed(guard, get("/nowhere", "a"), 3)).isEqualTo(3);
    }

    @Test
    void keyedLimitsApplyWhenTheStoreFailsOpenForThePlanBucket() {
        RateLimitStep step = RateLimitStep.builder(policy(KeyedLimit.of("cap", RateLimitKeys.route(), plan("cap", 1)))
                        .build())
                .store(new BucketStore() {
                    private final LocalBucketStore local = LocalBucketStore.defaults();

                    @Override
                    public Outcome tryConsume(String key, BucketConfiguration c, long tokens, Instant now) {
                        return key.startsWith("limit:") ? local.tryConsume(key, c, tokens, now) : Outcome.BYPASSED;
                    }

                    @Override
                    public Outcome estimate(String key, BucketConfiguration c, long tokens, Instant now) {
                        return local.estimate(key, c, tokens, now);
                    }
                })
                .build();
        ApiGuard guard = guard(step);
        assertThat(allowed(guard, get("/search", "a"), 3)).isEqualTo(1);
    }

    @Test
    void sixteenCallersReleasedAtOnceOnASharedCapGetExactlyItsCapacity() throws Exception {
        int threads = 16;
        ApiGuard guard = guard(RateLimitPolicy.builder()
                .plan(ROOMY)
                .limit(KeyedLimit.of(
                        "cap", RateLimitKeys.route(), RateLimitPlan.simple("cap", 50, Duration.ofHours(1)))));
        AtomicInteger admitted = new AtomicInteger();
        Race.run(threads, t -> {
            for (int i = 0; i < 10; i++) {
                if (send(guard, get("/search", "caller-" + t)).isAllowed()) {
                    admitted.incrementAndGet();
                }
            }
        });
        assertThat(admitted.get()).isEqualTo(50);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "Upper", "with space", "a.b", "-lead", "x123456789012345678901234567890123"})
    void aLimitNameMustBeLowerCaseAndShort(String name) {
        assertThatThrownBy(() -> KeyedLimit.of(name, RateLimitKeys.route(), ROOMY))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("limit name must match");
    }

    @Test
    void badSettingsAreRefusedNamingTheSetting() {
        assertThatThrownBy(() -> RateLimitPolicy.builder()
                        .limit(KeyedLimit.of("cap", RateLimitKeys.route(), ROOMY))
                        .limit(KeyedLimit.of("cap", RateLimitKeys.caller(), ROOMY)))
                .hasMessage("limit: a limit named cap was added already");
        assertThatThrownBy(() ->
                        KeyedLimit.builder("cap", RateLimitKeys.route(), ROOMY).maxKeysPerCaller(0))
                .hasMessage("limit cap: maxKeysPerCaller must be between 1 and 1024: 0");
        assertThatThrownBy(() ->
                        KeyedLimit.builder("cap", RateLimitKeys.route(), ROOMY).route("GET", "search"))
                .hasMessage("limit cap: route template must start with /: search");
        assertThatThrownBy(() -> RateLimitKeys.header("X Tenant"))
                .hasMessageStartingWith("header must be a header name");
        assertThatThrownBy(() -> RateLimitKeys.claim("")).hasMessageStartingWith("claim must be a name");
        assertThatThrownBy(() -> RateLimitKeys.compound(RateLimitKeys.route()))
                .hasMessage("compound needs at least two parts: 1");
        assertThatThrownBy(() -> KeyedLimit.of("cap", null, ROOMY)).hasMessageContaining("limit cap: key");
    }

    @Test
    void theLimitSaysWhatItIs() {
        KeyedLimit l = KeyedLimit.builder("cap", RateLimitKeys.route(), plan("cap", 3))
                .route("get", "/search")
                .build();
        assertThat(l.route()).isEqualTo("GET /search");
        assertThat(l.maxKeysPerCaller()).isEqualTo(KeyedLimit.DEFAULT_MAX_KEYS_PER_CALLER);
        assertThat(l.toString()).isEqualTo("KeyedLimit[cap, route, RateLimitPlan[cap, burst=3/10s], GET /search]");
        assertThat(RateLimitPolicy.builder().limit(l).build().limits()).containsExactly(l);
    }

    /** A local store that remembers every key it was asked for. */
    static final class RecordingStore implements BucketStore {
        private final LocalBucketStore local = LocalBucketStore.defaults();
        private final List<String> keys = Collections.synchronizedList(new ArrayList<>());

        List<String> keys() {
            synchronized (keys) {
                return List.copyOf(keys);
            }
        }

        @Override
        public Outcome tryConsume(String key, BucketConfiguration configuration, long tokens, Instant now) {
            keys.add(key);
            return local.tryConsume(key, configuration, tokens, now);
        }

        @Override
        public Outcome estimate(String key, BucketConfiguration configuration, long tokens, Instant now) {
            return local.estimate(key, configuration, tokens, now);
        }
    }
}
