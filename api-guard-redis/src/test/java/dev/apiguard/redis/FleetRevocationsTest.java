package dev.apiguard.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apiguard.Caller;
import dev.apiguard.CredentialKind;
import dev.apiguard.Revocation;
import dev.apiguard.event.SecurityEventListener;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The fleet's revocation list: made on one node, applied by another without a round trip on the
 * request path, by message or by the periodic re-read, and kept through a Redis outage. Integration
 * tests against a real redis-server: they poll with a deadline.
 */
@ExtendWith(RedisServerExtension.class)
class FleetRevocationsTest {

    private static final String ISSUER = "https://issuer.test";
    private static final Duration RETENTION = Duration.ofMinutes(10);

    private static RedisGuardState node(String uri, String prefix) {
        return RedisGuardState.builder(uri)
                .keyPrefix(prefix)
                .listener(SecurityEventListener.NONE)
                .build();
    }

    private static Caller caller(String id, Instant issuedAt) {
        return Caller.builder(id, CredentialKind.BEARER_JWT)
                .issuer(ISSUER)
                .issuedAt(issuedAt)
                .tokenId("jti-" + id)
                .build();
    }

    private static String prefix() {
        return "t" + UUID.randomUUID().toString().substring(0, 8) + ":";
    }

    @Test
    void aClientRevokedOnOneNodeIsRefusedByAnotherWithinASecond(RedisServer redis) throws Exception {
        String prefix = prefix();
        try (RedisGuardState a = node(redis.uri(), prefix);
                RedisGuardState b = node(redis.uri(), prefix)) {
            RedisRevocations onA = a.revocations(RETENTION);
            RedisRevocations onB = b.revocations(RETENTION);
            Instant now = Instant.now();
            Caller partner = caller("partner-a", now.minusSeconds(30));
            Caller other = caller("partner-b", now.minusSeconds(30));
            assertThat(onB.revoked(partner, now)).isEmpty();

            onA.revokeClient(partner.key(), now);

            assertThat(onA.revoked(partner, now))
                    .as("at once on the writing node")
                    .contains(Revocation.Kind.CLIENT);
            assertThat(Eventually.holds(
                            Duration.ofSeconds(1),
                            () -> onB.revoked(partner, now).isPresent()))
                    .as("on the other node within 1 s")
                    .isTrue();
            assertThat(onB.revoked(other, now)).isEmpty();
            assertThat(onB.revoked(caller("partner-a", now.plusSeconds(1)), now.plusSeconds(1)))
                    .as("a token issued after the revocation")
                    .isEmpty();
        }
    }

    @Test
    void theKeyCarriesAHashTagAndExpiresWithTheRetention(RedisServer redis) throws Exception {
        String prefix = prefix();
        try (RedisGuardState a = node(redis.uri(), prefix);
                RedisClient raw = RedisClient.create(redis.uri());
                StatefulRedisConnection<String, String> c = raw.connect()) {
            Instant now = Instant.now();
            a.revocations(RETENTION).revokeToken(ISSUER, "jti-1", now);
            a.revocations(RETENTION).revokeCertificate("thumb", now);

            String key = prefix + "revoked:{r}";
            assertThat(c.sync().hkeys(key))
                    .containsExactlyInAnyOrder("t|" + ISSUER.length() + "|" + ISSUER + "|jti-1", "x|thumb");
            assertThat(c.sync().pttl(key)).isPositive().isLessThanOrEqualTo(RETENTION.toMillis());
            assertThat(c.sync().keys(prefix + "*")).containsExactly(key);
        }
    }

    @Test
    void aLostMessageIsMadeUpByThePeriodicReRead(RedisServer redis) throws Exception {
        String prefix = prefix();
        try (RedisGuardState b = node(redis.uri(), prefix);
                RedisClient raw = RedisClient.create(redis.uri());
                StatefulRedisConnection<byte[], byte[]> c =
                        raw.connect(io.lettuce.core.codec.ByteArrayCodec.INSTANCE)) {
            RedisRevocations onB = b.revocations(RETENTION);
            Instant now = Instant.now();
            Caller partner = caller("partner-a", now.minusSeconds(30));
            // what another node's script writes, but its message never arrives
            c.sync()
                    .hset(
                            bytes(prefix + "revoked:{r}"),
                            bytes(RedisRevocations.field(new Revocation(
                                    Revocation.Kind.CLIENT, ISSUER, "partner-a", now, now.plus(RETENTION)))),
                            bytes(now.toEpochMilli() + "|" + now.plus(RETENTION).toEpochMilli()));

            assertThat(Eventually.holds(
                            Duration.ofSeconds(3),
                            () -> onB.revoked(partner, now).isPresent()))
                    .as("read again within the refresh period (1 s)")
                    .isTrue();
        }
    }

    @Test
    void whileRedisIsDownANodeKeepsItsCopyAndRefusesToRevokeThenCatchesUp() throws Exception {
        try (RedisServer own = RedisServer.start();
                RedisGuardState a = node(own.uri(), "apiguard:");
                RedisGuardState b = node(own.uri(), "apiguard:")) {
            RedisRevocations onA = a.revocations(RETENTION);
            RedisRevocations onB = b.revocations(RETENTION);
            Instant now = Instant.now();
            Caller before = caller("revoked-before", now.minusSeconds(30));
            Caller during = caller("revoked-during", now.minusSeconds(30));
            Caller after = caller("revoked-after", now.minusSeconds(30));
            onA.revokeClient(before.key(), now);
            assertThat(Eventually.holds(
                            Duration.ofSeconds(1),
                            () -> onB.revoked(before, now).isPresent()))
                    .isTrue();

            own.kill();

            assertThatThrownBy(() -> onA.revokeClient(during.key(), now))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("redis: the revocation was not recorded");
            assertThat(onA.revoked(during, now)).as("not applied either").isEmpty();
            long failedBefore = onB.failedReads();
            assertThat(Eventually.holds(Duration.ofSeconds(10), () -> onB.failedReads() > failedBefore))
                    .as("a periodic re-read fails meanwhile")
                    .isTrue();
            assertThat(onB.revoked(before, now)).as("the copy stays").contains(Revocation.Kind.CLIENT);

            own.launch(); // empty: no persistence
            assertThat(Eventually.holds(Duration.ofSeconds(20), () -> {
                        try {
                            onA.revokeClient(after.key(), now);
                            return true;
                        } catch (IllegalStateException stillDown) {
                            return false;
                        }
                    }))
                    .isTrue();
            assertThat(Eventually.holds(
                            Duration.ofSeconds(2), () -> onB.revoked(after, now).isPresent()))
                    .isTrue();
            assertThat(onB.revoked(before, now))
                    .as("what a node knew survives a Redis that lost its data")
                    .contains(Revocation.Kind.CLIENT);
        }
    }

    @Test
    void theSharedListIsBoundedAndARevocationBeyondIsRefused(RedisServer redis) throws Exception {
        try (RedisGuardState a = RedisGuardState.builder(redis.uri())
                .keyPrefix(prefix())
                .listener(SecurityEventListener.NONE)
                .revocationsMaximumSize(2)
                .build()) {
            RedisRevocations list = a.revocations(RETENTION);
            Instant now = Instant.now();
            list.revokeToken(ISSUER, "1", now);
            list.revokeToken(ISSUER, "2", now);
            list.revokeToken(ISSUER, "2", now.plusSeconds(1)); // the same token: no new entry

            assertThatThrownBy(() -> list.revokeToken(ISSUER, "3", now))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("maximumSize 2");
            assertThat(list.list(now)).extracting(Revocation::id).containsExactly("1", "2");
            assertThatThrownBy(() -> a.revocations(Duration.ofMinutes(5)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("retention");
        }
    }

    @Test
    void aFieldReadsBackAsItsEntryAndForeignOnesAreIgnored() {
        Instant at = Instant.ofEpochMilli(1_000);
        Revocation client = new Revocation(Revocation.Kind.CLIENT, "https://a|b", "c|d", at, at.plusSeconds(5));
        assertThat(RedisRevocations.parse(RedisRevocations.field(client), "1000|6000"))
                .isEqualTo(client);
        assertThat(RedisRevocations.parse("c|99|x|y", "1000|6000")).isNull();
        assertThat(RedisRevocations.parse("z|x", "1000|6000")).isNull();
        assertThat(RedisRevocations.parse("x|t", "junk")).isNull();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
