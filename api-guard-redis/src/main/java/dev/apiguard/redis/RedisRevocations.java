package dev.apiguard.redis;

import dev.apiguard.Caller;
import dev.apiguard.CallerKey;
import dev.apiguard.Revocation;
import dev.apiguard.Revocations;
import dev.apiguard.internal.RevocationEntries;
import dev.apiguard.internal.RevocationSet;
import dev.apiguard.redis.internal.Availability;
import dev.apiguard.redis.internal.Connection;
import dev.apiguard.redis.internal.Script;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Revocations} shared by the fleet through Redis, without a Redis round trip on the
 * request path: every node keeps the whole revocation list in memory and checks requests against
 * that copy (hash look-ups).
 *
 * <ul>
 *   <li>One key, {@code apiguard:revoked:{r}}, a hash of every entry in force (its hash tag puts it
 *       in one Redis Cluster slot); it expires one retention after the latest revocation.</li>
 *   <li>{@code revoke...} runs one script that drops lapsed entries, refuses a new one when
 *       {@link #maximumSize()} entries are in force, records the entry and publishes on
 *       {@code apiguard:revocations}; the node applies its own revocation at once.</li>
 *   <li>Every node reads the hash when the store starts, on each message (within milliseconds),
 *       when its subscription is made again after a reconnect, and every
 *       {@code refresh} (default 1 s) in case a message was lost: a revocation made on any node is
 *       applied by every node within about a second.</li>
 *   <li>A node adds what it reads to what it knew and forgets an entry only when it lapses:
 *       revocations are never withdrawn, so a Redis that lost its data (restarted without
 *       persistence) does not let a revoked credential back in on the nodes that knew it.</li>
 * </ul>
 * While Redis is unreachable, the node keeps its copy: revocations already known keep applying;
 * those made meanwhile cannot be (every {@code revoke...} throws {@link IllegalStateException}
 * naming {@code redis}, since an operator must know a revocation did not happen), and those made
 * on other nodes just before the outage arrive when Redis is back. Obtain it from
 * {@link RedisGuardState#revocations(Duration)}; closed with the state. Thread-safe.
 */
public final class RedisRevocations implements Revocations, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RedisRevocations.class);
    private static final Script REVOKE = Script.load("revoke.lua");

    private final Connection connection;
    private final Availability availability;
    private final byte[] key;
    private final byte[] channel;
    private final Duration retention;
    private final int maximumSize;
    private final Clock clock;
    private final StatefulRedisPubSubConnection<byte[], byte[]> subscription;
    private final ScheduledExecutorService reader;
    private final AtomicLong failedReads = new AtomicLong();
    private volatile RevocationSet set = RevocationSet.EMPTY;

    RedisRevocations(
            Connection connection,
            Availability availability,
            String keyPrefix,
            Duration retention,
            int maximumSize,
            Duration refresh,
            Clock clock,
            StatefulRedisPubSubConnection<byte[], byte[]> subscription) {
        this.connection = connection;
        this.availability = availability;
        this.key = (keyPrefix + "revoked:{r}").getBytes(StandardCharsets.UTF_8);
        this.channel = (keyPrefix + "revocations").getBytes(StandardCharsets.UTF_8);
        this.retention = retention;
        this.maximumSize = maximumSize;
        this.clock = clock;
        this.subscription = subscription;
        this.reader = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "api-guard-revocations");
            t.setDaemon(true);
            return t;
        });
        subscription.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(byte[] from, byte[] message) {
                readSoon(); // never on Lettuce's event loop: it would wait for itself
            }

            @Override
            public void subscribed(byte[] to, long count) {
                readSoon(); // also after a reconnect: messages sent meanwhile were lost
            }
        });
        try {
            subscription.sync().subscribe(channel);
        } catch (RuntimeException e) {
            subscription.close();
            reader.shutdownNow();
            throw e;
        }
        read(); // loaded at start; a failure leaves the list empty until the next read
        long period = refresh.toMillis();
        reader.scheduleWithFixedDelay(this::read, period, period, TimeUnit.MILLISECONDS);
    }

    /** How many entries in force the shared list holds at most; a revocation beyond is refused. */
    public int maximumSize() {
        return maximumSize;
    }

    @Override
    public Duration retention() {
        return retention;
    }

    @Override
    public void revokeClient(CallerKey client, Instant now) {
        record(RevocationEntries.client(client, now, retention));
    }

    @Override
    public void revokeToken(String issuer, String jti, Instant now) {
        record(RevocationEntries.token(issuer, jti, now, retention));
    }

    @Override
    public void revokeCertificate(String x5tS256, Instant now) {
        record(RevocationEntries.certificate(x5tS256, now, retention));
    }

    private void record(Revocation entry) {
        Availability.Shard shard = availability.of(key);
        Long recorded;
        try {
            recorded = REVOKE.run(
                    connection.sync(),
                    ScriptOutputType.INTEGER,
                    new byte[][] {key},
                    utf8(field(entry)),
                    utf8(value(entry)),
                    utf8(Long.toString(entry.revokedAt().toEpochMilli())),
                    utf8(Long.toString(retention.toMillis())),
                    utf8(Integer.toString(maximumSize)),
                    channel);
            shard.success();
        } catch (RuntimeException e) {
            shard.failure(e);
            throw new IllegalStateException(
                    "redis: the revocation was not recorded (" + e.getClass().getSimpleName() + "); try again", e);
        }
        if (recorded == null || recorded != 1L) {
            throw new IllegalStateException("redis: the revocation list is full (maximumSize " + maximumSize
                    + " entries in force); nothing revoked");
        }
        merge(List.of(entry), entry.revokedAt()); // this node applies it at once
    }

    @Override
    public Optional<Revocation.Kind> revoked(Caller caller, Instant now) {
        return Optional.ofNullable(set.revoked(caller, now));
    }

    @Override
    public List<Revocation> list(Instant now) {
        return set.inForce(now);
    }

    /** Reads the shared hash now and adds it to this node's copy; keeps the copy when Redis fails. */
    void read() {
        Map<byte[], byte[]> hash;
        try {
            hash = connection.sync().hgetall(key);
        } catch (RuntimeException e) {
            failedReads.incrementAndGet();
            LOG.debug(
                    "revocations: read failed, keeping this node's copy ({})",
                    e.getClass().getSimpleName());
            return;
        }
        List<Revocation> read = new ArrayList<>();
        for (Map.Entry<byte[], byte[]> e : hash.entrySet()) {
            Revocation r = parse(
                    new String(e.getKey(), StandardCharsets.UTF_8), new String(e.getValue(), StandardCharsets.UTF_8));
            if (r != null) {
                read.add(r);
            }
        }
        merge(read, clock.instant());
    }

    /** How many reads of the shared hash failed since the store started (the copy was kept each time). */
    long failedReads() {
        return failedReads.get();
    }

    private void readSoon() {
        try {
            reader.execute(this::read);
        } catch (RejectedExecutionException closed) {
            // closing
        }
    }

    /** The copy with these entries added and lapsed ones dropped; of two entries of one credential, the later. */
    private synchronized void merge(List<Revocation> entries, Instant now) {
        Map<String, Revocation> byCredential = new LinkedHashMap<>();
        for (Revocation r : set.all()) {
            put(byCredential, r, now);
        }
        for (Revocation r : entries) {
            put(byCredential, r, now);
        }
        set = RevocationSet.of(byCredential.values());
    }

    private static void put(Map<String, Revocation> byCredential, Revocation r, Instant now) {
        if (now.isBefore(r.expiresAt())) {
            byCredential.merge(field(r), r, (a, b) -> b.revokedAt().isAfter(a.revokedAt()) ? b : a);
        }
    }

    /** {@code c|<issuer length>|<issuer>|<client id>}, {@code t|<issuer length>|<issuer>|<jti>} or {@code x|<thumbprint>}. */
    static String field(Revocation r) {
        String issuer = r.issuer();
        return switch (r.kind()) {
            case CLIENT -> "c|" + Objects.requireNonNull(issuer).length() + '|' + issuer + '|' + r.id();
            case TOKEN -> "t|" + Objects.requireNonNull(issuer).length() + '|' + issuer + '|' + r.id();
            case CERTIFICATE -> "x|" + r.id();
        };
    }

    private static String value(Revocation r) {
        return r.revokedAt().toEpochMilli() + "|" + r.expiresAt().toEpochMilli();
    }

    /** The entry a field and value hold, or null for a malformed (foreign) one. */
    static @Nullable Revocation parse(String field, String value) {
        try {
            int bar = value.indexOf('|');
            Instant revokedAt = Instant.ofEpochMilli(Long.parseLong(value.substring(0, bar)));
            Instant expiresAt = Instant.ofEpochMilli(Long.parseLong(value.substring(bar + 1)));
            if (field.startsWith("x|") && field.length() > 2) {
                return new Revocation(Revocation.Kind.CERTIFICATE, null, field.substring(2), revokedAt, expiresAt);
            }
            Revocation.Kind kind = field.startsWith("c|")
                    ? Revocation.Kind.CLIENT
                    : field.startsWith("t|") ? Revocation.Kind.TOKEN : null;
            if (kind == null) {
                return null;
            }
            int lengthEnd = field.indexOf('|', 2);
            int length = Integer.parseInt(field.substring(2, lengthEnd));
            int idStart = lengthEnd + 1 + length + 1;
            if (length < 0 || idStart >= field.length() || field.charAt(idStart - 1) != '|') {
                return null;
            }
            return new Revocation(
                    kind,
                    field.substring(lengthEnd + 1, lengthEnd + 1 + length),
                    field.substring(idStart),
                    revokedAt,
                    expiresAt);
        } catch (RuntimeException malformed) {
            return null;
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Stops reading and closes the subscription (the state's connection stays open). */
    @Override
    public void close() {
        reader.shutdownNow();
        try {
            subscription.sync().unsubscribe(channel);
        } catch (RuntimeException e) {
            LOG.debug("revocations: unsubscribe failed", e);
        }
        subscription.close();
    }

    @Override
    public String toString() {
        return "RedisRevocations[retention=" + retention + ", maximumSize=" + maximumSize + "]";
    }
}
