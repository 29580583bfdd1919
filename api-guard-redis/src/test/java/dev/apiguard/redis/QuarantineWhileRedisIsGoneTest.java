package dev.apiguard.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apiguard.CallerKey;
import dev.apiguard.StoreUnavailableException;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A quarantine a node decides while it cannot write it (Redis killed; on a cluster, the write sent to
 * a master that just failed) is kept on that node, refuses the caller there whatever the failure
 * policy, and reaches every node with the caller's next look-up once Redis answers: the scoring step
 * writes a quarantine once, when the score crosses the threshold, so a dropped write would leave the
 * scraper free on every node. docs/security-cases.md E5.
 */
@ExtendWith(RedisServerCondition.class)
class QuarantineWhileRedisIsGoneTest {

    private static final Duration TIMEOUT = Duration.ofMillis(500);

    @BeforeAll
    static void needsRedis() {
        RedisServerExtension.requireBinary();
    }

    private static RedisGuardState node(RedisServer redis, RedisFailurePolicy policy) {
        return RedisGuardState.builder(redis.uri())
                .commandTimeout(TIMEOUT)
                .failurePolicy(policy)
                .build();
    }

    /** A node without the near cache (no invalidation messages), dating its releases by {@code clock}. */
    private static RedisGuardState withoutNearCache(RedisServer redis, Clock clock) {
        return RedisGuardState.builder(redis.uri())
                .commandTimeout(TIMEOUT)
                .nearCache(Duration.ZERO)
                .clock(clock)
                .build();
    }

    /** Whether Redis records a decision on the caller's quarantine: a write reached it. */
    private static boolean decisionRecorded(RedisServer redis, CallerKey caller) {
        RedisClient client = RedisClient.create(redis.uri());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            return c.sync().exists(RedisGuardState.DEFAULT_KEY_PREFIX + "qd:" + caller.hashTag()) == 1;
        } catch (RuntimeException notYet) {
            return false;
        } finally {
            client.shutdown();
        }
    }

    private static CallerKey caller() {
        return CallerKey.token("https://issuer.test", "c-" + UUID.randomUUID());
    }

    @Test
    void aQuarantineNotWrittenHoldsOnItsNodeAndReachesTheFleetWhenRedisReturns() throws Exception {
        try (RedisServer redis = RedisServer.start();
                RedisGuardState a = node(redis, RedisFailurePolicy.OPEN);
                RedisGuardState b = node(redis, RedisFailurePolicy.OPEN)) {
            RedisQuarantineStore onA = (RedisQuarantineStore) a.quarantineStore();
            RedisQuarantineStore onB = (RedisQuarantineStore) b.quarantineStore();
            CallerKey scraper = caller();
            CallerKey partner = caller();
            Instant now = Instant.ofEpochMilli(System.currentTimeMillis()); // the store keeps milliseconds
            Instant until = now.plus(Duration.ofMinutes(10));

            redis.kill();
            onA.quarantine(scraper, until, now);

            assertThat(onA.pendingQuarantines()).isEqualTo(1);
            assertThat(onA.quarantinedUntil(scraper, now))
                    .as("A's own decision")
                    .contains(until);
            assertThat(onA.quarantinedUntil(partner, now))
                    .as("anybody else: the failure policy")
                    .isEmpty();
            assertThat(onB.quarantinedUntil(scraper, now))
                    .as("B cannot know yet")
                    .isEmpty();

            redis.launch(); // empty: the write A could not make is nowhere in Redis
            assertThat(Eventually.holds(Duration.ofSeconds(15), () -> {
                        Instant t = Instant.now();
                        // the scraper's next request at A writes it again, once Redis answers
                        return onA.quarantinedUntil(scraper, t).equals(Optional.of(until))
                                && onB.quarantinedUntil(scraper, t).equals(Optional.of(until));
                    }))
                    .as("B sees A's quarantine")
                    .isTrue();
            assertThat(onA.pendingQuarantines()).isZero();
            assertThat(onB.quarantinedUntil(partner, Instant.now())).isEmpty();
        }
    }

    /**
     * Another node's later word wins: B lifts the caller's quarantine once Redis is back, before the
     * caller's next request at A; A drops its pending write on B's message instead of writing the
     * quarantine over the release.
     */
    @Test
    void aReleaseOnAnotherNodeAfterRedisReturnsSupersedesThePendingQuarantine() throws Exception {
        try (RedisServer redis = RedisServer.start();
                RedisGuardState a = node(redis, RedisFailurePolicy.OPEN);
                RedisGuardState b = node(redis, RedisFailurePolicy.OPEN)) {
            RedisQuarantineStore onA = (RedisQuarantineStore) a.quarantineStore();
            RedisQuarantineStore onB = (RedisQuarantineStore) b.quarantineStore();
            CallerKey caller = caller();
            Instant now = Instant.ofEpochMilli(System.currentTimeMillis());

            redis.kill();
            onA.quarantine(caller, now.plus(Duration.ofMinutes(10)), now);
            assertThat(onA.pendingQuarantines()).isEqualTo(1);

            redis.launch();
            assertThat(Eventually.holds(Duration.ofSeconds(15), () -> {
                        onB.release(caller); // fails until B has reconnected; A hears it once subscribed again
                        return onA.pendingQuarantines() == 0;
                    }))
                    .as("A dropped its pending write on B's message")
                    .isTrue();
            assertThat(onA.quarantinedUntil(caller, Instant.now()))
                    .as("released, not written over")
                    .isEmpty();
            assertThat(onB.quarantinedUntil(caller, Instant.now())).isEmpty();
        }
    }

    /**
     * Without a message to drop it (no near cache here; a node cut off from Redis misses messages
     * too), the write made again still yields to a later release: Redis records when each write was
     * decided, and a write made again is skipped when a later decision is recorded.
     */
    @Test
    void withoutMessagesALaterReleaseOnAnotherNodeIsNotOverwritten() throws Exception {
        try (RedisServer redis = RedisServer.start();
                RedisGuardState a = withoutNearCache(redis, Clock.systemUTC());
                RedisGuardState b = withoutNearCache(redis, Clock.systemUTC())) {
            RedisQuarantineStore onA = (RedisQuarantineStore) a.quarantineStore();
            RedisQuarantineStore onB = (RedisQuarantineStore) b.quarantineStore();
            CallerKey caller = caller();
            Instant decided = Instant.ofEpochMilli(System.currentTimeMillis() - 1_000);

            redis.kill();
            onA.quarantine(caller, decided.plus(Duration.ofMinutes(10)), decided);
            assertThat(onA.pendingQuarantines()).isEqualTo(1);

            redis.launch();
            assertThat(Eventually.holds(Duration.ofSeconds(15), () -> {
                        onB.release(caller); // fails until B has reconnected
                        return decisionRecorded(redis, caller);
                    }))
                    .as("B's release reached Redis")
                    .isTrue();
            // the caller's next request at A: A writes its quarantine again, or learns it was lifted
            assertThat(Eventually.holds(
                            Duration.ofSeconds(15),
                            () -> onA.quarantinedUntil(caller, Instant.now()).isEmpty()
                                    && onA.pendingQuarantines() == 0))
                    .as("A yields to the later release")
                    .isTrue();
            assertThat(onB.quarantinedUntil(caller, Instant.now()))
                    .as("released, not written over")
                    .isEmpty();
        }
    }

    /** Ordered by when each write was decided, not by when it arrived: an earlier release yields. */
    @Test
    void aReleaseDecidedBeforeThePendingQuarantineDoesNotCancelIt() throws Exception {
        Instant decided = Instant.ofEpochMilli(System.currentTimeMillis());
        try (RedisServer redis = RedisServer.start();
                RedisGuardState a = withoutNearCache(redis, Clock.systemUTC());
                // B's clock a minute behind: its release, arriving later, was decided earlier
                RedisGuardState b = withoutNearCache(redis, Clock.fixed(decided.minusSeconds(60), ZoneOffset.UTC))) {
            RedisQuarantineStore onA = (RedisQuarantineStore) a.quarantineStore();
            RedisQuarantineStore onB = (RedisQuarantineStore) b.quarantineStore();
            CallerKey caller = caller();
            Instant until = decided.plus(Duration.ofMinutes(10));

            redis.kill();
            onA.quarantine(caller, until, decided);

            redis.launch();
            assertThat(Eventually.holds(Duration.ofSeconds(15), () -> {
                        onB.release(caller);
                        return decisionRecorded(redis, caller);
                    }))
                    .isTrue();
            assertThat(Eventually.holds(
                            Duration.ofSeconds(15),
                            () -> onA.quarantinedUntil(caller, Instant.now()).equals(Optional.of(until))
                                    && onA.pendingQuarantines() == 0))
                    .as("A wrote its quarantine again")
                    .isTrue();
            assertThat(onB.quarantinedUntil(caller, Instant.now()))
                    .as("the fleet has A's quarantine")
                    .contains(until);
        }
    }

    @Test
    void underTheClosedPolicyTheNodeStillRefusesFromItsOwnQuarantine() throws Exception {
        try (RedisServer redis = RedisServer.start();
                RedisGuardState a = node(redis, RedisFailurePolicy.CLOSED)) {
            RedisQuarantineStore store = (RedisQuarantineStore) a.quarantineStore();
            CallerKey scraper = caller();
            Instant now = Instant.ofEpochMilli(System.currentTimeMillis()); // the store keeps milliseconds
            Instant until = now.plus(Duration.ofMinutes(10));

            redis.kill();
            store.quarantine(scraper, until, now);

            assertThat(store.quarantinedUntil(scraper, now)).contains(until);
            assertThatThrownBy(() -> store.quarantinedUntil(caller(), now))
                    .isInstanceOf(StoreUnavailableException.class);
        }
    }

    @Test
    void aPendingQuarantineEndsOnTimeAndALiftDropsIt() throws Exception {
        try (RedisServer redis = RedisServer.start();
                RedisGuardState a = node(redis, RedisFailurePolicy.OPEN)) {
            RedisQuarantineStore store = (RedisQuarantineStore) a.quarantineStore();
            CallerKey shortOne = caller();
            CallerKey lifted = caller();
            Instant now = Instant.ofEpochMilli(System.currentTimeMillis()); // the store keeps milliseconds

            redis.kill();
            store.quarantine(shortOne, now.plusSeconds(60), now);
            store.quarantine(lifted, now.plusSeconds(600), now);
            assertThat(store.pendingQuarantines()).isEqualTo(2);

            assertThat(store.quarantinedUntil(shortOne, now.plusSeconds(59))).isPresent();
            assertThat(store.quarantinedUntil(shortOne, now.plusSeconds(60)))
                    .as("ended")
                    .isEmpty();
            store.release(lifted);
            assertThat(store.quarantinedUntil(lifted, now)).isEmpty();
            assertThat(store.pendingQuarantines()).isZero();

            store.quarantine(lifted, now.plusSeconds(600), now);
            store.quarantine(lifted, now, now); // a quarantine that ends now: lifted
            assertThat(store.pendingQuarantines()).isZero();
        }
    }

    /** Every structure a caller can write into is bounded: a node keeps at most MAX_PENDING callers. */
    @Test
    void aNodeKeepsAtMostMaxPendingQuarantines() throws Exception {
        try (RedisServer redis = RedisServer.start();
                RedisGuardState a = node(redis, RedisFailurePolicy.OPEN)) {
            RedisQuarantineStore store = (RedisQuarantineStore) a.quarantineStore();
            Instant now = Instant.ofEpochMilli(System.currentTimeMillis()); // the store keeps milliseconds
            CallerKey first = caller();

            redis.kill();
            store.quarantine(first, now.plusSeconds(600), now);
            for (int i = 1; i < RedisQuarantineStore.MAX_PENDING + 100; i++) {
                store.quarantine(caller(), now.plusSeconds(600), now);
            }

            assertThat(store.pendingQuarantines()).isEqualTo(RedisQuarantineStore.MAX_PENDING);
            store.quarantine(first, now.plusSeconds(1200), now); // known already: its end moves
            assertThat(store.quarantinedUntil(first, now)).contains(now.plusSeconds(1200));
        }
    }
}
