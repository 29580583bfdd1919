package dev.apiguard.token;

import static dev.apiguard.token.TestIssuer.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import dev.apiguard.test.fixtures.MutableClock;
import dev.apiguard.token.TokenVerification.Reason;
import dev.apiguard.token.TokenVerification.Rejected;
import dev.apiguard.token.TokenVerification.Verified;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The verified-token cache: a repeated token costs a hash and a lookup, and lives until its exp. */
class VerifiedTokenCacheTest {

    private static final TestIssuer ISSUER = TestIssuer.named("https://issuer.example");

    private final CountingSource keys = new CountingSource(new ImmutableJWKSet<>(ISSUER.publicKeys()));
    private final MutableClock clock = MutableClock.at(NOW);

    private AccessTokenVerifier verifier(long cacheSize) {
        return AccessTokenVerifier.of(TokenPolicy.builder()
                .issuer(ISSUER.issuer, KeySource.of(keys))
                .audience(TestIssuer.AUDIENCE)
                .cacheMaximumSize(cacheSize)
                .build());
    }

    @Test
    void repeatedTokenIsServedFromTheCacheWithoutAnotherKeyLookupOrSignatureCheck() {
        AccessTokenVerifier verifier = verifier(100);
        String token = ISSUER.token().sign();

        Verified first = (Verified) verifier.verify(token, NOW);
        Verified second = (Verified) verifier.verify(token, NOW.plusSeconds(10));

        assertThat(second.caller()).isSameAs(first.caller());
        assertThat(keys.lookups.get()).isEqualTo(1);
        assertThat(verifier.cachedTokens()).isEqualTo(1);
    }

    @Test
    void aCachedTokenIsServedUntilItsExpiryAndRefusedFromThen() {
        AccessTokenVerifier verifier = verifier(100);
        String token = ISSUER.token().sign(); // exp = NOW + 600 s, skew 60 s

        verifier.verify(token, NOW);

        assertThat(verifier.verify(token, NOW.plusSeconds(659)).isVerified()).isTrue();
        assertThat(keys.lookups.get()).as("served from the cache").isEqualTo(1);
        assertThat(verifier.verify(token, NOW.plusSeconds(660))).isEqualTo(new Rejected(Reason.EXPIRED));
        assertThat(verifier.cachedTokens()).isZero();
    }

    /** Through the step, whose cache look-up reuses the digest it computed: the same answers. */
    @Test
    void theStepServesARepeatedTokenFromTheCacheAndRefusesItOnceExpired() {
        AccessTokenVerifier verifier = verifier(100);
        List<dev.apiguard.event.SecurityEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        dev.apiguard.ApiGuard guard = dev.apiguard.ApiGuard.builder()
                .clock(clock)
                .listener(events::add)
                .step(AccessTokenStep.of(verifier))
                .build();
        String token = ISSUER.token().sign(); // exp = NOW + 600 s, skew 60 s

        assertThat(guard.evaluate(guard.exchange(
                                dev.apiguard.fakes.FakeRequest.get().bearer(token)))
                        .isAllowed())
                .isTrue();
        clock.advance(Duration.ofSeconds(659));
        dev.apiguard.GuardExchange cached =
                guard.exchange(dev.apiguard.fakes.FakeRequest.get().bearer(token));
        assertThat(guard.evaluate(cached).isAllowed()).isTrue();
        assertThat(cached.caller()).hasValueSatisfying(c -> assertThat(c.id()).isEqualTo("client-1"));
        assertThat(keys.lookups.get()).as("served from the cache").isEqualTo(1);

        clock.advance(Duration.ofSeconds(1));
        assertThat(guard.evaluate(guard.exchange(
                                dev.apiguard.fakes.FakeRequest.get().bearer(token)))
                        .isAllowed())
                .isFalse();
        assertThat(events)
                .last()
                .satisfies(e -> assertThat(e.details()).containsEntry("reason", Reason.EXPIRED.code()));
        // the entry left the cache at exp + skew: the token was looked at again, and refused
        assertThat(keys.lookups.get()).isEqualTo(2);
        assertThat(verifier.cachedTokens()).isZero();
    }

    @Test
    void cacheEntryIsDroppedOnceARequestsTimePassesExpiryPlusSkew() {
        AccessTokenVerifier verifier = verifier(100);
        verifier.verify(ISSUER.token().sign(), NOW);
        assertThat(verifier.cachedTokens()).isEqualTo(1);

        // the cache's time is the requests' time: any token verified later moves it
        verifier.verify("junk", NOW.plusSeconds(659));
        assertThat(verifier.cachedTokens()).isEqualTo(1);
        verifier.verify("junk", NOW.plusSeconds(660));
        assertThat(verifier.cachedTokens()).isZero();
    }

    @Test
    void anEarlierRequestTimeNeverRunsTheCacheBack() {
        AccessTokenVerifier verifier = verifier(100);
        verifier.verify("junk", NOW.plusSeconds(3_600));
        String token = ISSUER.token().sign(); // exp = NOW + 600 s: past by the cache's time
        assertThat(verifier.verify(token, NOW).isVerified()).isTrue();
        assertThat(verifier.cachedTokens()).as("not kept past its expiry").isZero();
    }

    @Test
    void rejectedTokensAreNotCached() {
        AccessTokenVerifier verifier = verifier(100);
        String token = ISSUER.token().header("kid", "unknown").sign();

        verifier.verify(token, NOW);
        verifier.verify(token, NOW);

        assertThat(verifier.cachedTokens()).isZero();
        assertThat(keys.lookups.get()).isEqualTo(2);
    }

    @Test
    void cacheIsBoundedByItsMaximumSize() {
        AccessTokenVerifier verifier = verifier(5);

        for (int i = 0; i < 50; i++) {
            assertThat(verifier.verify(ISSUER.token().sign(), NOW).isVerified()).isTrue();
        }

        assertThat(verifier.cachedTokens()).isLessThanOrEqualTo(5);
    }

    @Test
    void cacheOfSizeZeroVerifiesEveryTime() {
        AccessTokenVerifier verifier = verifier(0);
        String token = ISSUER.token().sign();

        verifier.verify(token, NOW);
        verifier.verify(token, NOW);

        assertThat(keys.lookups.get()).isEqualTo(2);
        assertThat(verifier.cachedTokens()).isZero();
    }

    @Test
    void sixteenThreadsReleasedAtOnceAllVerifyTheSameTokenAndTheCacheHoldsItOnce() throws Exception {
        AccessTokenVerifier verifier = verifier(100);
        String token = ISSUER.token().sign();
        List<TokenVerification> answers = race(16, i -> verifier.verify(token, NOW));

        assertThat(answers).allSatisfy(v -> assertThat(v.isVerified()).isTrue());
        assertThat(answers).extracting(v -> ((Verified) v).caller().id()).containsOnly("client-1");
        assertThat(verifier.cachedTokens()).isEqualTo(1);
        // once cached, no thread checks a signature again
        int lookups = keys.lookups.get();
        race(16, i -> verifier.verify(token, NOW));
        assertThat(keys.lookups.get()).isEqualTo(lookups);
    }

    @Test
    void sixteenThreadsWithDistinctTokensNeverGrowTheCachePastItsBound() throws Exception {
        AccessTokenVerifier verifier = verifier(5);
        List<String> tokens = new java.util.ArrayList<>();
        for (int i = 0; i < 16 * 8; i++) {
            tokens.add(ISSUER.token().sign());
        }
        List<TokenVerification> answers = race(16, t -> {
            TokenVerification last = null;
            for (int i = 0; i < 8; i++) {
                last = verifier.verify(tokens.get(t * 8 + i), NOW);
                assertThat(last.isVerified()).isTrue();
            }
            return last;
        });

        assertThat(answers).hasSize(16);
        assertThat(verifier.cachedTokens()).isLessThanOrEqualTo(5);
    }

    /** Runs {@code work} on {@code threads} threads released at once by a barrier; the answers in thread order. */
    private static <T> List<T> race(int threads, java.util.function.IntFunction<T> work) throws Exception {
        java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(threads);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        try {
            List<java.util.concurrent.Future<T>> futures = new java.util.ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                futures.add(pool.submit(() -> {
                    start.await(30, java.util.concurrent.TimeUnit.SECONDS);
                    return work.apply(id);
                }));
            }
            List<T> answers = new java.util.ArrayList<>();
            for (java.util.concurrent.Future<T> f : futures) {
                answers.add(f.get(60, java.util.concurrent.TimeUnit.SECONDS));
            }
            return answers;
        } finally {
            pool.shutdownNow();
        }
    }

    /** A key source that counts lookups: one lookup per signature check. */
    static final class CountingSource implements JWKSource<SecurityContext> {
        final AtomicInteger lookups = new AtomicInteger();
        private final JWKSource<SecurityContext> delegate;

        CountingSource(JWKSource<SecurityContext> delegate) {
            this.delegate = delegate;
        }

        @Override
        public List<JWK> get(JWKSelector selector, SecurityContext context)
                throws com.nimbusds.jose.KeySourceException {
            lookups.incrementAndGet();
            return delegate.get(selector, context);
        }
    }
}
