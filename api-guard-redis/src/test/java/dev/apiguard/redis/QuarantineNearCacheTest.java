package dev.apiguard.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.apiguard.CallerKey;
import dev.apiguard.QuarantineStore;
import dev.apiguard.event.SecurityEventListener;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Each node's copies of quarantines (the near cache): a known caller's request asks Redis nothing
 * for its quarantine, a quarantine set or lifted on another node reaches this one by message (not
 * by the copy's expiry), a lost message costs at most the time to live, and no copy is trusted
 * while the invalidation channel is down.
 *
 * <p>The copies age by a ticker the test moves (never at all, unless a test says so), so that a
 * change seen in time proves the message, not an expiry.
 */
@ExtendWith(RedisServerExtension.class)
class QuarantineNearCacheTest {

    private static final Instant NOW = Instant.parse("2026-12-05T12:00:00Z");
    private static final Duration MESSAGE_WITHIN = Duration.ofSeconds(5);

    private final AtomicLong nanos = new AtomicLong();
    private final Ticker ticker = nanos::get;
    private RedisServer server;
    private RedisGuardState nodeA;
    private RedisGuardState nodeB;
    private RedisClient raw;
    private RedisCommands<String, String> redis;

    @BeforeEach
    void start(RedisServer redisServer) {
        server = redisServer;
        nodeA = node(Duration.ofSeconds(30));
        nodeB = node(Duration.ofSeconds(30));
        raw = RedisClient.create(server.uri());
        StatefulRedisConnection<String, String> c = raw.connect();
        redis = c.sync();
        until(() -> nodeA.nearCacheLive() && nodeB.nearCacheLive(), "both nodes subscribed");
    }

    @AfterEach
    void stop() {
        for (AutoCloseable c : new AutoCloseable[] {nodeA, nodeB}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // closing
            }
        }
        if (raw != null) {
            raw.shutdown();
        }
    }

    private RedisGuardState node(Duration ttl) {
        return RedisGuardState.builder(server.uri())
                .listener(SecurityEventListener.NONE)
                .failurePolicy(RedisFailurePolicy.CLOSED)
                .commandTimeout(Duration.ofMillis(500))
                .nearCache(ttl)
                .ticker(ticker)
                .build();
    }

    private static CallerKey caller() {
        return CallerKey.token("https://issuer.test", "c-" + UUID.randomUUID());
    }

    private static void until(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + MESSAGE_WITHIN.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + MESSAGE_WITHIN + ": " + what);
            }
            Thread.onSpinWait();
        }
    }

    /** Sets a quarantine behind the nodes' backs: a write whose message was lost. */
    private void setWithoutMessage(CallerKey caller, Instant until) {
        redis.set(
                RedisGuardState.DEFAULT_KEY_PREFIX + "q:" + caller.hashTag(),
                Long.toString(until.toEpochMilli()),
                io.lettuce.core.SetArgs.Builder.px(3_600_000));
    }

    @Test
    void aKnownCallersLookupsAskRedisNothing() throws Exception {
        CallerKey c = caller();
        QuarantineStore store = nodeA.quarantineStore();
        try (RedisMonitor monitor = RedisMonitor.start(server)) {
            for (int i = 0; i < 100; i++) {
                assertThat(store.quarantinedUntil(c, NOW)).isEmpty();
            }
            List<String> sent = monitor.clientCommands();
            assertThat(sent.stream().filter("get"::equals)).hasSize(1);
        }
    }

    @Test
    void withoutCopiesEveryLookupReadsRedis() throws Exception {
        try (RedisGuardState direct = node(Duration.ZERO)) {
            CallerKey c = caller();
            try (RedisMonitor monitor = RedisMonitor.start(server)) {
                for (int i = 0; i < 10; i++) {
                    assertThat(direct.quarantineStore().quarantinedUntil(c, NOW))
                            .isEmpty();
                }
                assertThat(monitor.clientCommands().stream().filter("get"::equals))
                        .hasSize(10);
            }
            assertThat(direct.nearCacheLive()).isFalse();
        }
    }

    @Test
    void aQuarantineOnAnotherNodeReachesThisOneByMessage() {
        CallerKey c = caller();
        Instant until = NOW.plusSeconds(600);
        assertThat(nodeA.quarantineStore().quarantinedUntil(c, NOW)).isEmpty(); // a copy: none
        nodeB.quarantineStore().quarantine(c, until, NOW);
        until(() -> nodeA.quarantineStore().quarantinedUntil(c, NOW).isPresent(), "node A sees node B's quarantine");
        assertThat(nodeA.quarantineStore().quarantinedUntil(c, NOW)).contains(until);
        // and its end: the copy says when, by the guard's time
        assertThat(nodeA.quarantineStore().quarantinedUntil(c, until)).isEmpty();

        nodeB.quarantineStore().release(c);
        until(() -> nodeA.quarantineStore().quarantinedUntil(c, NOW).isEmpty(), "node A sees node B's release");
        // the node that wrote sees its own write at once
        nodeB.quarantineStore().quarantine(c, until, NOW);
        assertThat(nodeB.quarantineStore().quarantinedUntil(c, NOW)).contains(until);
    }

    @Test
    void aLostMessageCostsAtMostTheTimeToLive() {
        CallerKey c = caller();
        assertThat(nodeA.quarantineStore().quarantinedUntil(c, NOW)).isEmpty();
        setWithoutMessage(c, NOW.plusSeconds(600));
        assertThat(nodeA.quarantineStore().quarantinedUntil(c, NOW))
                .as("the copy is trusted while it lives")
                .isEmpty();
        nanos.addAndGet(Duration.ofSeconds(29).toNanos());
        assertThat(nodeA.quarantineStore().quarantinedUntil(c, NOW)).isEmpty();
        nanos.addAndGet(Duration.ofSeconds(1).toNanos());
        assertThat(nodeA.quarantineStore().quarantinedUntil(c, NOW))
                .as("read again once the copy expired")
                .contains(NOW.plusSeconds(600));
    }

    /**
     * A caller in use never waits for its copy to expire: once the copy is older than half its time
     * to live, a lookup answers from it and reads Redis again behind it, once (here a change whose
     * message was lost shows up without the copy expiring: the ticker does not move).
     */
    @Test
    void aCopyInUseIsReadAgainInTheBackgroundBeforeItExpires() throws Exception {
        CallerKey c = caller();
        QuarantineStore store = nodeA.quarantineStore();
        assertThat(store.quarantinedUntil(c, NOW)).isEmpty(); // the copy: none
        setWithoutMessage(c, NOW.plusSeconds(600));
        nanos.addAndGet(Duration.ofSeconds(14).toNanos());
        assertThat(store.quarantinedUntil(c, NOW))
                .as("younger than half its time to live: the copy, nothing read")
                .isEmpty();
        nanos.addAndGet(Duration.ofSeconds(1).toNanos());
        try (RedisMonitor monitor = RedisMonitor.start(server)) {
            assertThat(store.quarantinedUntil(c, NOW))
                    .as("answered from the copy at once")
                    .isEmpty();
            until(() -> store.quarantinedUntil(c, NOW).isPresent(), "the copy read again in the background");
            assertThat(store.quarantinedUntil(c, NOW)).contains(NOW.plusSeconds(600));
            assertThat(monitor.clientCommands().stream().filter("get"::equals))
                    .as("one read for the many look-ups")
                    .hasSize(1);
        }
    }

    @Test
    void noCopyIsTrustedWhileTheChannelIsDownAndCopiesReturnOnceSubscribed() {
        CallerKey c = caller();
        assertThat(nodeA.quarantineStore().quarantinedUntil(c, NOW)).isEmpty();
        redis.clientKill(io.lettuce.core.KillArgs.Builder.typePubsub());
        setWithoutMessage(c, NOW.plusSeconds(600));
        // Lettuce resubscribes by itself; until it has, and for what was missed meanwhile, copies
        // were dropped: the change is seen without any message or expiry
        until(
                () -> nodeA.quarantineStore().quarantinedUntil(c, NOW).isPresent(),
                "node A reads Redis again after its channel dropped");
        until(nodeA::nearCacheLive, "node A subscribed again");
        CallerKey other = caller();
        nodeA.quarantineStore().quarantinedUntil(other, NOW);
        nodeB.quarantineStore().quarantine(other, NOW.plusSeconds(60), NOW);
        until(
                () -> nodeA.quarantineStore().quarantinedUntil(other, NOW).isPresent(),
                "messages arrive again after the resubscription");
    }

    @Test
    void whenRedisIsGoneTheFailurePolicyAnswersNotTheCopy() throws Exception {
        try (RedisServer own = RedisServer.start();
                RedisGuardState node = RedisGuardState.builder(own.uri())
                        .listener(SecurityEventListener.NONE)
                        .failurePolicy(RedisFailurePolicy.CLOSED)
                        .commandTimeout(Duration.ofMillis(500))
                        .nearCache(Duration.ofSeconds(30))
                        .ticker(ticker)
                        .build()) {
            CallerKey c = caller();
            until(node::nearCacheLive, "subscribed");
            assertThat(node.quarantineStore().quarantinedUntil(c, NOW)).isEmpty();
            own.kill();
            until(() -> !node.nearCacheLive(), "the channel's loss noticed");
            assertThatThrownBy(() -> node.quarantineStore().quarantinedUntil(c, NOW))
                    .isInstanceOf(dev.apiguard.StoreUnavailableException.class);
        }
    }

    @Test
    void theTimeToLiveIsCheckedAtTheBuilder() {
        RedisGuardState.Builder b = RedisGuardState.builder("redis://127.0.0.1:1");
        assertThatThrownBy(() -> b.nearCache(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nearCache");
        assertThatThrownBy(() -> b.nearCache(Duration.ofMinutes(2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nearCache");
        assertThatThrownBy(() -> b.nearCacheMaximumSize(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nearCacheMaximumSize");
    }
}
