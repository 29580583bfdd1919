package dev.apiguard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.fakes.FakeRequest;
import dev.apiguard.ratelimit.BucketStore;
import dev.apiguard.ratelimit.LocalBucketStore;
import dev.apiguard.ratelimit.RateLimitPlan;
import dev.apiguard.ratelimit.RateLimitPolicy;
import dev.apiguard.ratelimit.RateLimitStep;
import io.github.bucket4j.BucketConfiguration;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A replay check a step defers (as the DPoP step does with a proof's jti): made by a later step that
 * joins it to its own store call, or by the guard after the last step; never skipped, never made for
 * a request refused before it, and its refusal is its owner's.
 */
class DeferredReplayCheckTest {

    private static final Decision.Deny REPLAYED = Denials.invalidToken();
    private final LocalReplayCache cache = LocalReplayCache.withMaximumSize(100);
    private final List<ReplayCache.Outcome> outcomes = new ArrayList<>();

    /** Authenticates the caller of {@code X-Caller} and defers the single use of {@code X-Jti}. */
    private final GuardStep owner = new GuardStep() {
        @Override
        public String name() {
            return "single-use";
        }

        @Override
        public GuardPhase phase() {
            return GuardPhase.BIND;
        }

        @Override
        public Decision evaluate(GuardExchange exchange) {
            exchange.authenticate(Caller.builder(exchange.request().header("X-Caller"), CredentialKind.BEARER_JWT)
                    .issuer("https://issuer")
                    .build());
            String jti = exchange.request().header("X-Jti");
            ReplayCache.Quota quota =
                    new ReplayCache.Quota(exchange.caller().get().key().hashTag(), 100, Duration.ofMinutes(2));
            exchange.deferReplayCheck(
                    this,
                    cache,
                    new ReplayCache.Claim("t:" + jti, quota, exchange.now().plusSeconds(60)),
                    outcome -> {
                        outcomes.add(outcome);
                        if (outcome == ReplayCache.Outcome.FIRST_USE) {
                            return Decision.ALLOW;
                        }
                        exchange.withdrawCaller();
                        return REPLAYED;
                    });
            return Decision.ALLOW;
        }
    };

    private static GuardStep refusing(GuardPhase phase) {
        return new GuardStep() {
            @Override
            public String name() {
                return "refusing";
            }

            @Override
            public GuardPhase phase() {
                return phase;
            }

            @Override
            public Decision evaluate(GuardExchange exchange) {
                return exchange.request().header("X-Refuse") != null ? Denials.insufficientScope("x") : Decision.ALLOW;
            }
        };
    }

    private static FakeRequest request(String caller, String jti) {
        return FakeRequest.get().header("X-Caller", caller).header("X-Jti", jti);
    }

    private static GuardExchange send(ApiGuard guard, FakeRequest request) {
        GuardExchange exchange = guard.exchange(request);
        Decision d = guard.evaluate(exchange);
        guard.completed(exchange, d instanceof Decision.Deny deny ? deny.status() : 200);
        return exchange;
    }

    @Test
    void aCheckNoStepTakesIsMadeByTheGuardAfterTheLastStep() {
        ApiGuard guard = ApiGuard.builder()
                .listener(SecurityEventListener.NONE)
                .step(owner)
                .step(refusing(GuardPhase.AUTHORIZE))
                .build();
        assertThat(send(guard, request("a", "1")).decision().isAllowed()).isTrue();
        GuardExchange replay = send(guard, request("a", "1"));
        assertThat(replay.decision()).isEqualTo(REPLAYED);
        assertThat(replay.deniedBy()).isSameAs(owner);
        assertThat(outcomes).containsExactly(ReplayCache.Outcome.FIRST_USE, ReplayCache.Outcome.REPLAYED);
    }

    @Test
    void aRequestRefusedBeforeTheCheckRecordsNothing() {
        ApiGuard guard = ApiGuard.builder()
                .listener(SecurityEventListener.NONE)
                .step(owner)
                .step(refusing(GuardPhase.AUTHORIZE))
                .build();
        GuardExchange refused = send(guard, request("a", "2").header("X-Refuse", "1"));
        assertThat(refused.decision().isAllowed()).isFalse();
        assertThat(outcomes).isEmpty();
        assertThat(send(guard, request("a", "2")).decision().isAllowed())
                .as("the identifier was never recorded")
                .isTrue();
    }

    @Test
    void theRateLimiterJoinsTheCheckAndAReplayTakesNoTokenAndIsTheOwnersRefusal() {
        List<String> joined = new ArrayList<>();
        BucketStore local = LocalBucketStore.defaults();
        BucketStore counting = new BucketStore() {
            @Override
            public Outcome tryConsume(String key, BucketConfiguration c, long tokens, Instant now) {
                joined.add("consume");
                return local.tryConsume(key, c, tokens, now);
            }

            @Override
            public Outcome estimate(String key, BucketConfiguration c, long tokens, Instant now) {
                return local.estimate(key, c, tokens, now);
            }

            @Override
            public Joined tryConsume(
                    String key,
                    BucketConfiguration c,
                    long tokens,
                    Instant now,
                    ReplayCache r,
                    ReplayCache.Claim claim) {
                joined.add("joined");
                return BucketStore.super.tryConsume(key, c, tokens, now, r, claim);
            }
        };
        RateLimitStep limits = RateLimitStep.builder(RateLimitPolicy.builder()
                        .plan(RateLimitPlan.simple("two", 2, Duration.ofHours(1)))
                        .build())
                .store(counting)
                .build();
        ApiGuard guard = ApiGuard.builder()
                .listener(SecurityEventListener.NONE)
                .step(owner)
                .step(limits)
                .build();
        assertThat(send(guard, request("b", "1")).decision().isAllowed()).isTrue();
        GuardExchange replay = send(guard, request("b", "1"));
        assertThat(replay.decision()).isEqualTo(REPLAYED);
        assertThat(replay.deniedBy())
                .as("the owner's refusal, not the rate limiter's")
                .isSameAs(owner);
        assertThat(joined).containsExactly("joined", "consume", "joined");
        assertThat(send(guard, request("b", "2")).decision().isAllowed())
                .as("the replay took no token: the second is there")
                .isTrue();
        assertThat(send(guard, request("b", "3")).decision())
                .isInstanceOfSatisfying(
                        Decision.Deny.class, d -> assertThat(d.status()).isEqualTo(429));
    }

    @Test
    void aCheckIsResolvedOnceAndDeferredOncePerRequest() {
        ApiGuard guard = ApiGuard.builder()
                .listener(SecurityEventListener.NONE)
                .step(owner)
                .build();
        GuardExchange exchange = guard.exchange(request("c", "1"));
        owner.evaluate(exchange);
        ReplayCache.Claim claim =
                new ReplayCache.Claim("t:x", null, exchange.now().plusSeconds(60));
        assertThatThrownBy(() -> exchange.deferReplayCheck(owner, cache, claim, o -> Decision.ALLOW))
                .isInstanceOf(IllegalStateException.class);
        DeferredReplayCheck check = exchange.takeReplayCheck().orElseThrow();
        assertThat(exchange.takeReplayCheck()).isEmpty();
        assertThat(check.check(exchange.now()).isAllowed()).isTrue();
        assertThatThrownBy(() -> check.resolve(ReplayCache.Outcome.FIRST_USE))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("resolved already");
    }
}
