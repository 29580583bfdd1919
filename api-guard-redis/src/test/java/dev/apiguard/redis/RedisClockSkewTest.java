package dev.apiguard.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.CallerKey;
import dev.apiguard.QuarantineStore;
import dev.apiguard.ReplayCache;
import dev.apiguard.ReplayCache.Outcome;
import dev.apiguard.test.RecordingListener;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The app nodes' clock and Redis's clock disagree: here the app's clock is ten years behind, as if
 * Redis's ran ten years ahead. Entries still last as long as the app meant, because they are set
 * with a time to live ({@code PX}) from the app's {@code now}, not with an instant on Redis's clock
 * ({@code PXAT}), which would have expired them at once: a quarantine lifted as soon as imposed, a
 * DPoP proof or client assertion replayable at once.
 */
@ExtendWith(RedisServerExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisClockSkewTest {

    private static final Instant APP_NOW = Instant.parse("2016-03-01T12:00:00Z");
    private static final String PREFIX = "skew:";

    private final RecordingListener events = new RecordingListener();
    private RedisGuardState state;
    private RedisClient raw;
    private StatefulRedisConnection<String, String> rawConnection;
    private CallerKey id;

    @BeforeAll
    void connect(RedisServer server) {
        state = RedisGuardState.builder(server.uri())
                .keyPrefix(PREFIX)
                .listener(events)
                .clock(Clock.fixed(APP_NOW, ZoneOffset.UTC))
                .build();
        raw = RedisClient.create(server.uri());
        rawConnection = raw.connect();
    }

    @AfterAll
    void close() {
        if (rawConnection != null) {
            rawConnection.close();
            raw.shutdown();
        }
        if (state != null) {
            state.close();
        }
    }

    @BeforeEach
    void fresh() {
        id = TwoNodesTest.key(UUID.randomUUID().toString());
        events.clear();
    }

    private long pttl(String key) {
        return rawConnection.sync().pttl(key);
    }

    @Test
    void aQuarantineLastsItsLengthByTheAppsClock() {
        QuarantineStore store = state.quarantineStore();
        Instant until = APP_NOW.plus(Duration.ofMinutes(15));
        store.quarantine(id, until, APP_NOW);
        assertThat(store.quarantinedUntil(id, APP_NOW)).contains(until);
        assertThat(store.quarantinedUntil(id, until)).isEmpty();
        assertThat(pttl(PREFIX + "q:" + id.hashTag()))
                .isBetween(
                        Duration.ofMinutes(14).toMillis(),
                        Duration.ofMinutes(15).toMillis());
        assertThat(events.events()).isEmpty();
    }

    @Test
    void aQuarantineEndedByTheAppsClockIsRemoved() {
        QuarantineStore store = state.quarantineStore();
        store.quarantine(id, APP_NOW.plus(Duration.ofMinutes(15)), APP_NOW);
        store.quarantine(id, APP_NOW, APP_NOW);
        assertThat(rawConnection.sync().exists(PREFIX + "q:" + id.hashTag())).isZero();
        assertThat(store.quarantinedUntil(id, APP_NOW.minusSeconds(1))).isEmpty();
    }

    @Test
    void aQuarantineWithoutEndIsKeptACenturyAndIsNoRedisFailure() {
        QuarantineStore store = state.quarantineStore();
        store.quarantine(id, Instant.MAX, APP_NOW);
        assertThat(store.quarantinedUntil(id, APP_NOW)).contains(Instant.ofEpochMilli(Long.MAX_VALUE));
        assertThat(pttl(PREFIX + "q:" + id.hashTag()))
                .isGreaterThan(Duration.ofDays(36_499).toMillis());
        assertThat(events.events()).isEmpty();
    }

    @Test
    void anIdentifierStaysReplayedForItsWindowByTheAppsClock() {
        ReplayCache cache = state.replayCache();
        Instant notAfter = APP_NOW.plus(Duration.ofMinutes(2));
        assertThat(cache.firstUse(id.id(), notAfter, APP_NOW)).isEqualTo(Outcome.FIRST_USE);
        assertThat(cache.firstUse(id.id(), notAfter, APP_NOW)).isEqualTo(Outcome.REPLAYED);
        assertThat(pttl(PREFIX + "replay:" + id.id()))
                .isBetween(
                        Duration.ofSeconds(110).toMillis(),
                        Duration.ofMinutes(2).toMillis());
    }

    @Test
    void anIdentifierWhoseWindowHasPassedIsStillRememberedOneSecond() {
        ReplayCache cache = state.replayCache();
        assertThat(cache.firstUse(id.id(), APP_NOW.minusSeconds(5), APP_NOW)).isEqualTo(Outcome.FIRST_USE);
        assertThat(cache.firstUse(id.id(), APP_NOW.minusSeconds(5), APP_NOW)).isEqualTo(Outcome.REPLAYED);
        assertThat(pttl(PREFIX + "replay:" + id.id())).isBetween(1L, 1_000L);
    }

    @Test
    void aQuotaCountsByTheAppsClockAndItsKeysShareTheCallersHashTag() {
        ReplayCache cache = state.replayCache();
        ReplayCache.Quota quota = new ReplayCache.Quota(id.hashTag(), 2, Duration.ofMinutes(2));
        Instant notAfter = APP_NOW.plus(Duration.ofMinutes(2));
        assertThat(cache.firstUse("a", quota, notAfter, APP_NOW)).isEqualTo(Outcome.FIRST_USE);
        assertThat(cache.firstUse("a", quota, notAfter, APP_NOW)).isEqualTo(Outcome.REPLAYED);
        assertThat(cache.firstUse("b", quota, notAfter, APP_NOW)).isEqualTo(Outcome.FIRST_USE);
        assertThat(cache.firstUse("c", quota, notAfter, APP_NOW)).isEqualTo(Outcome.OVER_QUOTA);
        String owner = PREFIX + "replay:" + id.hashTag() + ":";
        assertThat(pttl(owner + "a"))
                .isBetween(
                        Duration.ofSeconds(110).toMillis(),
                        Duration.ofMinutes(2).toMillis());
        // the slot number is the app's, not Redis's: Redis's clock is years ahead
        assertThat(rawConnection.sync().get(owner + "n:" + quota.slot(APP_NOW))).isEqualTo("2");
        assertThat(rawConnection.sync().exists(owner + "c")).isZero();
        // two slots later the count is gone: the owner may record again
        Instant later = APP_NOW.plus(Duration.ofMinutes(4));
        assertThat(cache.firstUse("c", quota, later.plus(Duration.ofMinutes(2)), later))
                .isEqualTo(Outcome.FIRST_USE);
    }
}
