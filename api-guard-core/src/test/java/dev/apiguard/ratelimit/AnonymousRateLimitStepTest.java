package dev.apiguard.ratelimit;

import static dev.apiguard.ratelimit.Fakes.denied;
import static dev.apiguard.ratelimit.Fakes.send;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.ApiGuard;
import dev.apiguard.Decision;
import dev.apiguard.Denials;
import dev.apiguard.GuardExchange;
import dev.apiguard.GuardStep;
import dev.apiguard.TrustedProxies;
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.fakes.FakeRequest;
import dev.apiguard.ratelimit.internal.ClientAddress;
import dev.apiguard.test.fixtures.MutableClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AnonymousRateLimitStepTest {

    private final MutableClock clock = MutableClock.at(java.time.Instant.parse("2026-01-01T00:00:00Z"));

    /** Anonymous limiter first, then a fake authentication that refuses any caller named "junk". */
    private ApiGuard guard(RateLimitPolicy policy) {
        GuardStep refuseJunk = new GuardStep() {
            @Override
            public String name() {
                return "refuse-junk";
            }

            @Override
            public Decision evaluate(GuardExchange exchange) {
                String h = exchange.request().header("Authorization");
                if (h == null) {
                    return exchange.isPublicRoute() ? Decision.ALLOW : exchange.unauthenticated();
                }
                return h.contains("junk") ? Denials.invalidToken() : Decision.ALLOW;
            }
        };
        GuardStep authByAuthorization = new GuardStep() {
            @Override
            public String name() {
                return "fake-auth";
            }

            @Override
            public void prepare(GuardExchange exchange) {
                // as the route step does: GET /health is the public route
                exchange.matchRoute(
                        exchange.request().path(),
                        java.util.Map.of(),
                        exchange.request().path().equals("/health")
                                && exchange.request().method().equals("GET"));
            }

            @Override
            public Decision evaluate(GuardExchange exchange) {
                String h = exchange.request().header("Authorization");
                if (h != null && !h.contains("junk")) {
                    exchange.authenticate(
                            dev.apiguard.Caller.builder(h.substring(7), dev.apiguard.CredentialKind.BEARER_JWT)
                                    .build());
                }
                return Decision.ALLOW;
            }
        };
        return ApiGuard.builder()
                .clock(clock)
                .listener(SecurityEventListener.NONE)
                .step(AnonymousRateLimitStep.of(policy))
                .step(authByAuthorization)
                .step(refuseJunk)
                .step(RateLimitStep.of(policy))
                .build();
    }

    private RateLimitPolicy.Builder policy() {
        return RateLimitPolicy.builder().anonymousPlan(RateLimitPlan.simple("anonymous", 5, Duration.ofSeconds(10)));
    }

    @Test
    void aFloodOfJunkTokensFromOnePeerIsRefusedAfterTheAnonymousCapacity() {
        ApiGuard guard = guard(policy().build());
        assertThat(guard.steps().get(0).name()).isEqualTo("anonymous-ratelimit");
        FakeRequest junk = FakeRequest.get("/customers").header("Authorization", "Bearer junk");
        for (int i = 0; i < 5; i++) {
            assertThat(denied(send(guard, junk)).status()).isEqualTo(401);
        }
        Decision.Deny deny = denied(send(guard, junk));
        assertThat(deny.status()).isEqualTo(429);
        assertThat(deny.headers()).containsEntry("Retry-After", "2");
        // another peer is not affected
        assertThat(denied(send(guard, junk.remoteAddress("198.51.100.7"))).status())
                .isEqualTo(401);
    }

    @Test
    void aFloodFromEveryAddressOfOneIpv6NetworkSharesItsBucket() {
        ApiGuard guard = guard(policy().build());
        FakeRequest junk = FakeRequest.get("/customers").header("Authorization", "Bearer junk");
        for (int i = 1; i <= 5; i++) {
            assertThat(denied(send(guard, junk.remoteAddress("2001:db8:1:2::" + Integer.toHexString(i))))
                            .status())
                    .isEqualTo(401);
        }
        // a sixth address of the same /64: limited; an address of the next /64: not
        assertThat(denied(send(guard, junk.remoteAddress("2001:db8:1:2:ffff:ffff:ffff:fff0")))
                        .status())
                .isEqualTo(429);
        assertThat(denied(send(guard, junk.remoteAddress("2001:db8:1:3::1"))).status())
                .isEqualTo(401);
    }

    @Test
    void aPrefixOf128CountsEachIpv6AddressAlone() {
        ApiGuard guard = guard(policy().anonymousIpv6Prefix(128).build());
        FakeRequest junk = FakeRequest.get("/customers").header("Authorization", "Bearer junk");
        for (int i = 1; i <= 5; i++) {
            send(guard, junk.remoteAddress("2001:db8:1:2::1"));
        }
        assertThat(denied(send(guard, junk.remoteAddress("2001:db8:1:2::1"))).status())
                .isEqualTo(429);
        assertThat(denied(send(guard, junk.remoteAddress("2001:db8:1:2::2"))).status())
                .isEqualTo(401);
    }

    @Test
    void anIpv6PrefixOutsideThirtyTwoToOneHundredTwentyEightBitsIsAConfigurationError() {
        assertThat(RateLimitPolicy.builder().build().anonymousIpv6Prefix()).isEqualTo(64);
        assertThat(RateLimitPolicy.builder().anonymousIpv6Prefix(32).build().anonymousIpv6Prefix())
                .isEqualTo(32);
        assertThat(RateLimitPolicy.builder().anonymousIpv6Prefix(128).build().anonymousIpv6Prefix())
                .isEqualTo(128);
        for (int bits : new int[] {31, 129, 0, -64}) {
            org.assertj.core.api.Assertions.assertThatThrownBy(
                            () -> RateLimitPolicy.builder().anonymousIpv6Prefix(bits))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("anonymousIpv6Prefix")
                    .hasMessageContaining(Integer.toString(bits));
        }
    }

    @Test
    void aValidCallerFromTheFloodingPeerIsLimitedByItsOwnBucketOnly() {
        ApiGuard guard = guard(policy().build());
        FakeRequest valid = FakeRequest.get("/customers").header("Authorization", "Bearer partner-a");
        assertThat(send(guard, valid).isAllowed()).isTrue(); // learnt as a valid credential
        FakeRequest junk = FakeRequest.get("/customers").header("Authorization", "Bearer junk");
        for (int i = 0; i < 10; i++) {
            send(guard, junk);
        }
        assertThat(denied(send(guard, junk)).status()).isEqualTo(429);
        for (int i = 0; i < 20; i++) {
            assertThat(send(guard, valid).isAllowed()).as("valid request %d", i).isTrue();
        }
    }

    @Test
    void aCredentialNotYetSeenValidCountsAsAnonymousUntilThePeersBucketRefills() {
        ApiGuard guard = guard(policy().build());
        FakeRequest junk = FakeRequest.get("/customers").header("Authorization", "Bearer junk");
        for (int i = 0; i < 5; i++) {
            send(guard, junk);
        }
        // a fresh token from the flooding peer is not verified while the bucket is empty: the same 429
        FakeRequest fresh = FakeRequest.get("/customers").header("Authorization", "Bearer partner-new");
        Decision.Deny refused = denied(send(guard, fresh));
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.headers()).containsEntry("Retry-After", "2");
        clock.advance(Duration.ofSeconds(2)); // the Retry-After: one unit back
        assertThat(send(guard, fresh).isAllowed()).isTrue();
        // from now on known: the flood goes on, the peer's bucket is empty again, the token still passes
        send(guard, junk);
        assertThat(denied(send(guard, junk)).status()).isEqualTo(429);
        assertThat(send(guard, fresh).isAllowed()).isTrue();
    }

    @Test
    void validRequestsDoNotDrainThePeersBucket() {
        ApiGuard guard = guard(policy().build());
        FakeRequest valid = FakeRequest.get("/customers").header("Authorization", "Bearer partner-b");
        for (int i = 0; i < 30; i++) {
            assertThat(send(guard, valid).isAllowed()).isTrue();
        }
        assertThat(denied(send(guard, FakeRequest.get("/customers"))).status()).isEqualTo(401);
    }

    @Test
    void exemptPathsAreNeverLimited() {
        ApiGuard guard = guard(policy().anonymousExemptPaths("/health").build());
        for (int i = 0; i < 20; i++) {
            assertThat(send(guard, FakeRequest.get("/health")).isAllowed()).isTrue();
        }
        for (int i = 0; i < 5; i++) {
            send(guard, FakeRequest.get("/customers"));
        }
        assertThat(denied(send(guard, FakeRequest.get("/customers"))).status()).isEqualTo(429);
        assertThat(send(guard, FakeRequest.get("/health")).isAllowed()).isTrue();
    }

    @Test
    void theBucketRefills() {
        ApiGuard guard = guard(policy().build());
        for (int i = 0; i < 6; i++) {
            send(guard, FakeRequest.get("/customers"));
        }
        assertThat(denied(send(guard, FakeRequest.get("/customers"))).status()).isEqualTo(429);
        clock.advance(Duration.ofSeconds(2));
        assertThat(denied(send(guard, FakeRequest.get("/customers"))).status()).isEqualTo(401);
    }

    @Test
    void forwardedForCountsOnlyBehindATrustedProxy() {
        ApiGuard guard =
                guard(policy().trustedProxies(TrustedProxies.of("10.0.0.0/8")).build());
        FakeRequest viaProxy = FakeRequest.get("/customers").remoteAddress("10.0.0.5");
        for (int i = 0; i < 5; i++) {
            send(guard, viaProxy.header("X-Forwarded-For", "203.0.113." + i));
        }
        // five different clients behind the proxy: none is limited yet
        assertThat(denied(send(
                                guard,
                                FakeRequest.get("/customers")
                                        .remoteAddress("10.0.0.5")
                                        .header("X-Forwarded-For", "203.0.113.0")))
                        .status())
                .isEqualTo(401);
        // an untrusted peer cannot choose its bucket with the header
        FakeRequest spoofer = FakeRequest.get("/customers").remoteAddress("198.51.100.9");
        for (int i = 0; i < 5; i++) {
            send(guard, spoofer.header("X-Forwarded-For", "203.0.113." + (100 + i)));
        }
        assertThat(denied(send(
                                guard,
                                FakeRequest.get("/customers")
                                        .remoteAddress("198.51.100.9")
                                        .header("X-Forwarded-For", "203.0.113.200")))
                        .status())
                .isEqualTo(429);
    }

    @ParameterizedTest(name = "peer {0}, X-Forwarded-For [{1}] -> {2}")
    @CsvSource(
            delimiter = '|',
            value = {
                "198.51.100.9 | 203.0.113.1                        | 198.51.100.9", // untrusted peer: header ignored
                "10.0.0.5     |                                    | 10.0.0.5", // no header
                "10.0.0.5     | 203.0.113.1                        | 203.0.113.1",
                "10.0.0.5     | 203.0.113.1, 10.0.0.7              | 203.0.113.1", // trusted hop skipped
                "10.0.0.5     | 198.51.100.66, 203.0.113.1         | 203.0.113.1", // right-most untrusted wins: the
                // left is client-written
                "10.0.0.5     | 10.0.0.8, 10.0.0.7                 | 10.0.0.8", // all trusted: the left-most
                "10.0.0.5     | 203.0.113.1, evil.example          | 10.0.0.5", // malformed: the peer
                "10.0.0.5     | 203.0.113.1:4711                   | 10.0.0.5", // a port is malformed
                "10.0.0.5     | 2001:DB8:0:0:0:0:0:1               | 2001:db8:0:0:0:0:0:1",
                "10.0.0.5     | ,                                  | 10.0.0.5",
            })
    void clientAddressReadsForwardedForRightToLeftFromTrustedProxiesOnly(String peer, String xff, String expected) {
        FakeRequest r = FakeRequest.get("/").remoteAddress(peer);
        if (xff != null) {
            r = r.header("X-Forwarded-For", xff);
        }
        assertThat(ClientAddress.of(r, TrustedProxies.of("10.0.0.0/8"))).isEqualTo(expected);
    }

    @Test
    void anExemptPathWithAMethodThatIsNotPublicThereIsCounted() {
        // POST /health verifies its credential: it must spend the peer's budget like any other path
        ApiGuard guard = guard(policy().anonymousExemptPaths("/health").build());
        for (int i = 0; i < 5; i++) {
            assertThat(denied(send(
                                    guard,
                                    FakeRequest.of("POST", "/health")
                                            .remoteAddress("192.0.2.1")
                                            .header("Authorization", "Bearer junk-" + i)))
                            .status())
                    .isEqualTo(401);
        }
        assertThat(denied(send(
                                guard,
                                FakeRequest.of("POST", "/health")
                                        .remoteAddress("192.0.2.1")
                                        .header("Authorization", "Bearer junk-5")))
                        .status())
                .isEqualTo(429);
        assertThat(send(guard, FakeRequest.get("/health")).isAllowed())
                .as("the public route stays exempt")
                .isTrue();
    }

    @Test
    void exemptRequestsTakeNothingFromThePeersBucket() {
        ApiGuard guard = guard(policy().anonymousExemptPaths("/health").build());
        for (int i = 0; i < 20; i++) {
            assertThat(send(guard, FakeRequest.get("/health")).isAllowed()).isTrue();
        }
        // the whole capacity of 5 is still there for the other paths
        for (int i = 0; i < 5; i++) {
            assertThat(denied(send(guard, FakeRequest.get("/customers"))).status())
                    .as("request %d", i)
                    .isEqualTo(401);
        }
        assertThat(denied(send(guard, FakeRequest.get("/customers"))).status()).isEqualTo(429);
    }

    @Test
    void aCredentialRefusedAfterBeingValidIsForgottenAndCountsAgain() {
        java.util.Set<String> revoked = new java.util.HashSet<>();
        GuardStep auth = new GuardStep() {
            @Override
            public String name() {
                return "revocable-auth";
            }

            @Override
            public Decision evaluate(GuardExchange exchange) {
                exchange.matchRoute(exchange.request().path(), java.util.Map.of(), false);
                String h = exchange.request().header("Authorization");
                if (h == null || revoked.contains(h)) {
                    return Denials.invalidToken();
                }
                exchange.authenticate(
                        dev.apiguard.Caller.builder(h.substring(7), dev.apiguard.CredentialKind.BEARER_JWT)
                                .build());
                return Decision.ALLOW;
            }
        };
        ApiGuard guard = ApiGuard.builder()
                .clock(clock)
                .listener(SecurityEventListener.NONE)
                .step(AnonymousRateLimitStep.of(policy().build()))
                .step(auth)
                .build();
        FakeRequest token = FakeRequest.get("/customers").header("Authorization", "Bearer t1");
        for (int i = 0; i < 10; i++) {
            assertThat(send(guard, token).isAllowed()).isTrue(); // learnt, then let past the gate
        }
        revoked.add("Bearer t1");
        // the first refusal makes it unknown again; from then on each refusal takes a token
        for (int i = 0; i < 5; i++) {
            assertThat(denied(send(guard, token)).status()).as("refusal %d", i).isEqualTo(401);
        }
        assertThat(denied(send(guard, token)).status()).isEqualTo(429);
    }

    @Test
    void aRefusalByTheAnonymousBucketIsReportedAsAPeerEvent() {
        java.util.List<dev.apiguard.event.SecurityEvent> events = new java.util.ArrayList<>();
        ApiGuard guard = ApiGuard.builder()
                .clock(clock)
                .listener(events::add)
                .step(AnonymousRateLimitStep.of(policy().build()))
                .step(Fakes.fakeAuthentication())
                .build();
        for (int i = 0; i < 5; i++) {
            send(guard, FakeRequest.get("/customers"));
        }
        assertThat(events).noneMatch(e -> e.type() == dev.apiguard.event.SecurityEventType.RATE_LIMITED);
        assertThat(denied(send(guard, FakeRequest.get("/customers"))).status()).isEqualTo(429);
        assertThat(events)
                .filteredOn(e -> e.type() == dev.apiguard.event.SecurityEventType.RATE_LIMITED)
                .singleElement()
                .satisfies(e -> {
                    assertThat(e.detail("bucket")).isEqualTo("peer");
                    assertThat(e.detail("plan")).isEqualTo("anonymous");
                });
    }

    @Test
    void aStoreThatFailsClosedRefusesWith503AndItsRetryDelay() {
        BucketStore down = new BucketStore() {
            @Override
            public Outcome tryConsume(
                    String key, io.github.bucket4j.BucketConfiguration c, long tokens, java.time.Instant now) {
                return Outcome.unavailable(2_500_000_000L);
            }

            @Override
            public Outcome estimate(
                    String key, io.github.bucket4j.BucketConfiguration c, long tokens, java.time.Instant now) {
                return Outcome.unavailable(2_500_000_000L);
            }
        };
        ApiGuard guard = ApiGuard.builder()
                .clock(clock)
                .listener(SecurityEventListener.NONE)
                .step(AnonymousRateLimitStep.of(policy().build(), down))
                .step(Fakes.fakeAuthentication())
                .build();
        Decision.Deny deny = denied(send(guard, FakeRequest.get("/customers")));
        assertThat(deny.status()).isEqualTo(503);
        assertThat(deny.headers()).containsEntry("Retry-After", "3");
    }

    @Test
    void aRequestRefusedBeforeTheAnonymousStepStillCountsAgainstThePeer() {
        GuardStep refuseAll = new GuardStep() {
            @Override
            public String name() {
                return "refuse-all";
            }

            @Override
            public Decision evaluate(GuardExchange exchange) {
                return Denials.invalidToken();
            }
        };
        RateLimitPolicy policy = policy().build();
        BucketStore shared = LocalBucketStore.defaults();
        ApiGuard refusingFirst = ApiGuard.builder()
                .clock(clock)
                .listener(SecurityEventListener.NONE)
                .step(refuseAll)
                .step(AnonymousRateLimitStep.of(policy, shared))
                .build();
        FakeRequest junk = FakeRequest.get("/customers").header("Authorization", "Bearer junk");
        for (int i = 0; i < 5; i++) {
            assertThat(denied(send(refusingFirst, junk)).status()).isEqualTo(401);
        }
        // those five refusals emptied the peer's bucket in the shared store
        ApiGuard anonymousFirst = ApiGuard.builder()
                .clock(clock)
                .listener(SecurityEventListener.NONE)
                .step(AnonymousRateLimitStep.of(policy, shared))
                .step(Fakes.fakeAuthentication())
                .build();
        assertThat(denied(send(anonymousFirst, junk)).status()).isEqualTo(429);
    }

    /** Each use of a known credential renews it: it is forgotten only five idle minutes after its last use. */
    @Test
    void eachUseRenewsAKnownCredentialUntilItIsIdleForFiveMinutes() {
        ApiGuard guard = guard(policy().build());
        FakeRequest valid = FakeRequest.get("/customers").header("Authorization", "Bearer partner-a");
        FakeRequest junk = FakeRequest.get("/customers").header("Authorization", "Bearer junk");
        assertThat(send(guard, valid).isAllowed()).isTrue(); // learnt as a valid credential
        clock.advance(Duration.ofMinutes(4));
        drain(guard, junk);
        assertThat(send(guard, valid).isAllowed()).isTrue();
        clock.advance(Duration.ofMinutes(4)); // 8 minutes after it was learnt, 4 after its last use
        drain(guard, junk);
        assertThat(send(guard, valid).isAllowed()).as("renewed by its last use").isTrue();
        clock.advance(Duration.ofMinutes(5).plusMillis(1));
        drain(guard, junk);
        assertThat(denied(send(guard, valid)).status()).as("forgotten").isEqualTo(429);
    }

    /** Empties the peer's bucket with refused requests. */
    private static void drain(ApiGuard guard, FakeRequest junk) {
        for (int i = 0; i < 10; i++) {
            if (send(guard, junk) instanceof Decision.Deny d && d.status() == 429) {
                return;
            }
        }
        throw new AssertionError("the peer's bucket never emptied");
    }

    /** Only exempt paths go uncounted: another public route's anonymous requests take from the peer's bucket. */
    @Test
    void aPublicRouteThatIsNotExemptIsCounted() {
        ApiGuard guard = guard(policy().anonymousExemptPaths("/status").build());
        for (int i = 0; i < 5; i++) {
            assertThat(send(guard, FakeRequest.get("/health")).isAllowed()).isTrue();
        }
        Decision.Deny deny = denied(send(guard, FakeRequest.get("/health")));
        assertThat(deny.status()).isEqualTo(429);
    }
}
