package dev.apiguard.redis;

import dev.apiguard.CallerKey;
import dev.apiguard.CredentialKind;
import dev.apiguard.inventory.CallerRecord;
import dev.apiguard.inventory.CredentialRecord;
import dev.apiguard.inventory.LedgerStore;
import dev.apiguard.redis.internal.Availability;
import dev.apiguard.redis.internal.Connection;
import dev.apiguard.redis.internal.Script;
import dev.apiguard.redis.internal.TimeToLive;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inventory's ledger shared by a fleet ({@code InventoryStep.of(policy, redis.ledgerStore())}):
 * every node's inventory (JSON and page) shows what every node saw, counts added up, and the
 * least-privilege report is computed over the fleet.
 *
 * <p><b>Writes never wait for Redis.</b> {@link #record} merges the request's delta into this
 * node's buffer (one pending record per caller, at most
 * {@link RedisGuardState.Builder#ledgerBuffer(int)} callers; beyond, the delta is dropped and
 * counted, {@link #droppedDeltas()}) and returns. A daemon thread sends the buffer every
 * {@link RedisGuardState.Builder#ledgerFlushInterval(Duration)} (default 1 s): one script per
 * caller ({@code ledger.lua}, merging by the rules of {@link CallerRecord#merge}), pipelined, then
 * one script for the index ({@code ledger-index.lua}). A flush that fails drops the deltas it sent
 * and counts them; while Redis is skipped after a failure the deltas wait in the buffer;
 * {@link RedisGuardState#close()} flushes once more.
 *
 * <p><b>Keys.</b> Per caller, under its {@linkplain CallerKey#hashTag() hash tag} (one Redis
 * Cluster slot): {@code apiguard:led:{tag}} (a hash: identity, first and last seen, count, kinds),
 * {@code :g} and {@code :u} (hashes of scope to latest time: granted and used, at most
 * {@value LedgerStore#MAX_SCOPES_PER_CALLER} each), {@code :c} (a hash of credential to its
 * counters, at most {@value LedgerStore#MAX_CREDENTIALS_PER_CALLER}); and
 * {@code apiguard:led:index}, a sorted set of callers by last seen, trimmed to
 * {@link RedisGuardState.Builder#ledgerMaxCallers(int)} (the records of a caller dropped from it are
 * deleted). Every key expires {@link RedisGuardState.Builder#ledgerTimeToLive(Duration)} (default
 * 90 days) after its last write, measured from the app's time ({@code PEXPIRE}); the scripts take
 * time from the deltas, never Redis {@code TIME}.
 *
 * <p><b>Reads</b> ({@link #get}, {@link #snapshot}, {@link #size}) ask Redis, each within the command
 * timeout, and add this node's deltas not sent yet. When Redis fails or is skipped after a failure
 * they answer from this node's own view (a bounded in-memory ledger of what it recorded, the same
 * size as the index) and {@link #isDegraded()} is true: the report then carries the notice
 * {@code fleet_view_unavailable}. Nothing read from Redis echoes a credential: the ledger holds
 * client ids, certificate thumbprints and API key ids, never a token or key.
 *
 * <p>Obtain it from {@link RedisGuardState#ledgerStore()}. Thread-safe.
 */
public final class RedisLedgerStore implements LedgerStore {

    private static final Logger LOG = LoggerFactory.getLogger(RedisLedgerStore.class);

    /** Callers per call of the index script. */
    static final int INDEX_BATCH = 500;

    private static final Script MERGE = Script.load("ledger.lua");
    private static final Script INDEX = Script.load("ledger-index.lua");
    private static final Script READ = Script.load("ledger-read.lua");
    private static final CredentialKind[] KINDS = CredentialKind.values();
    private static final String[] SUFFIXES = {"", ":g", ":u", ":c"};

    private final Connection connection;
    private final String prefix;
    private final byte[] indexKey;
    private final Availability availability;
    private final Duration commandTimeout;
    private final Duration flushInterval;
    private final int buffer;
    private final int maxCallers;
    private final byte[] ttl;
    private final long ttlMillis;
    private final LedgerStore local;
    private final ConcurrentHashMap<CallerKey, CallerRecord> pending = new ConcurrentHashMap<>();
    private final AtomicInteger pendingCount = new AtomicInteger();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder sent = new LongAdder();
    private final AtomicLong latest = new AtomicLong(Long.MIN_VALUE);
    private final AtomicBoolean started = new AtomicBoolean();
    private final Object flushing = new Object();
    private volatile @Nullable ScheduledExecutorService flusher;
    private volatile boolean closed;

    RedisLedgerStore(
            Connection connection,
            String prefix,
            Availability availability,
            Duration commandTimeout,
            Duration flushInterval,
            int buffer,
            int maxCallers,
            Duration timeToLive) {
        this.connection = connection;
        this.prefix = prefix;
        this.indexKey = (prefix + "index").getBytes(StandardCharsets.UTF_8);
        this.availability = availability;
        this.commandTimeout = commandTimeout;
        this.flushInterval = flushInterval;
        this.buffer = buffer;
        this.maxCallers = maxCallers;
        this.ttlMillis = timeToLive.toMillis();
        this.ttl = ascii(ttlMillis);
        this.local = LedgerStore.inMemory(maxCallers);
    }

    /**
     * Buffers the delta for the next flush and adds it to this node's own view; never waits for
     * Redis. Dropped and counted when the buffer holds {@code ledgerBuffer} other callers already.
     */
    @Override
    public void record(CallerRecord delta) {
        Objects.requireNonNull(delta, "delta cannot be null");
        local.record(delta);
        latest.accumulateAndGet(TimeToLive.epochMillis(delta.lastSeen()), Math::max);
        if (closed) {
            dropped.increment();
            return;
        }
        boolean[] full = {false};
        pending.compute(delta.key(), (k, old) -> {
            if (old != null) {
                return old.merge(delta);
            }
            if (pendingCount.incrementAndGet() > buffer) {
                pendingCount.decrementAndGet();
                full[0] = true;
                return null;
            }
            return delta;
        });
        if (full[0]) {
            dropped.increment();
        }
        startFlusher();
    }

    /**
     * Reads the caller's record from Redis (with this node's unsent delta), applies the change and
     * writes the result in its place, synchronously. Atomic on this node, not across nodes: a delta
     * another node sends meanwhile may be lost. The inventory step never calls it (it records
     * deltas); it is for tools that rewrite a record. When Redis fails the change applies to this
     * node's view only.
     */
    @Override
    public CallerRecord update(CallerKey caller, UnaryOperator<CallerRecord> change) {
        Objects.requireNonNull(caller, "caller cannot be null");
        synchronized (flushing) {
            CallerRecord before = get(caller).orElse(null);
            CallerRecord next = Objects.requireNonNull(change.apply(before), "change returned null");
            if (!next.key().equals(caller)) {
                throw new IllegalArgumentException("change returned the record of another caller: " + next.key());
            }
            CallerRecord unsent = pending.remove(caller);
            if (unsent != null) {
                pendingCount.decrementAndGet();
            }
            local.update(caller, previous -> next);
            latest.accumulateAndGet(TimeToLive.epochMillis(next.lastSeen()), Math::max);
            if (!availability.skip()) {
                try {
                    await(connection.async().del(keys(caller.hashTag())));
                    List<CallerRecord> one = List.of(next);
                    Merged merged = merge(one);
                    index(one, merged.lastSeen());
                    if (merged.failure() != null) {
                        throw merged.failure();
                    }
                    availability.success();
                } catch (RuntimeException e) {
                    availability.failure(e);
                }
            }
            return next;
        }
    }

    @Override
    public Optional<CallerRecord> get(CallerKey caller) {
        Objects.requireNonNull(caller, "caller cannot be null");
        if (availability.skip()) {
            return local.get(caller);
        }
        CallerRecord fleet;
        try {
            fleet = parse(await(
                    READ.<List<Object>>runAsync(connection.async(), ScriptOutputType.MULTI, keys(caller.hashTag()))));
            availability.success();
        } catch (RuntimeException e) {
            availability.failure(e);
            return local.get(caller);
        }
        if (fleet != null && !fleet.key().equals(caller)) {
            fleet = null; // another caller of the same digest: 2^-128, but a reply is input
        }
        CallerRecord unsent = pending.get(caller);
        if (unsent == null) {
            return Optional.ofNullable(fleet);
        }
        return Optional.of(fleet == null ? unsent : fleet.merge(unsent));
    }

    /**
     * Every caller of the fleet's index (at most {@code ledgerMaxCallers}), least recently seen
     * first, with this node's unsent deltas; this node's own view when Redis fails.
     */
    @Override
    public List<CallerRecord> snapshot() {
        if (availability.skip()) {
            return local.snapshot();
        }
        Map<CallerKey, CallerRecord> all = new HashMap<>();
        try {
            long deadline = System.nanoTime() + commandTimeout.toNanos();
            List<byte[]> tags = awaitUntil(connection.async().zrange(indexKey, 0, -1), deadline);
            RedisClusterAsyncCommands<byte[], byte[]> async = connection.async();
            List<CompletableFuture<List<Object>>> replies = new ArrayList<>(tags.size());
            for (byte[] tag : tags) {
                replies.add(READ.<List<Object>>runAsync(
                                async, ScriptOutputType.MULTI, keys(new String(tag, StandardCharsets.UTF_8)))
                        .toCompletableFuture());
            }
            // the whole snapshot within a command timeout per thousand callers
            deadline += commandTimeout.toNanos() * (tags.size() / 1000);
            for (CompletableFuture<List<Object>> reply : replies) {
                CallerRecord r = parse(awaitUntil(reply, deadline));
                if (r != null) {
                    all.merge(r.key(), r, CallerRecord::merge);
                }
            }
            availability.success();
        } catch (RuntimeException e) {
            availability.failure(e);
            LOG.debug("ledger: snapshot read failed", e);
            return local.snapshot();
        }
        pending.forEach((k, unsent) -> all.merge(k, unsent, CallerRecord::merge));
        List<CallerRecord> sorted = new ArrayList<>(all.values());
        sorted.sort(Comparator.comparing(CallerRecord::lastSeen)
                .thenComparing(r -> r.key().value()));
        return List.copyOf(sorted.subList(Math.max(0, sorted.size() - maxCallers), sorted.size()));
    }

    /** The callers in the fleet's index (as of the last flush); this node's own count when Redis fails. */
    @Override
    public int size() {
        if (availability.skip()) {
            return local.size();
        }
        try {
            long n = await(connection.async().zcard(indexKey));
            availability.success();
            return (int) Math.min(n, maxCallers);
        } catch (RuntimeException e) {
            availability.failure(e);
            return local.size();
        }
    }

    /** Whether Redis failed and reads answer from this node's own view. */
    @Override
    public boolean isDegraded() {
        return availability.isDown();
    }

    /**
     * Sends the buffered deltas now and returns once Redis answered (or the command timeout
     * passed); the flush thread calls it every flush interval. Safe to call from any thread.
     */
    public void flush() {
        synchronized (flushing) {
            if (pending.isEmpty() || availability.skip()) {
                // Redis failed a moment ago: the deltas wait in the bounded buffer for the next flush
                return;
            }
            List<CallerRecord> batch = new ArrayList<>(Math.min(pendingCount.get(), buffer));
            for (CallerKey k : pending.keySet()) {
                CallerRecord r = pending.remove(k);
                if (r != null) {
                    pendingCount.decrementAndGet();
                    batch.add(r);
                }
            }
            if (batch.isEmpty()) {
                return;
            }
            try {
                Merged merged = merge(batch);
                index(batch, merged.lastSeen());
                if (merged.failure() != null) {
                    throw merged.failure();
                }
                availability.success();
            } catch (RuntimeException e) {
                availability.failure(e);
                LOG.debug("ledger flush failed: {} callers' deltas dropped", batch.size(), e);
            }
        }
    }

    /** The fleet's last seen of each record sent, null where it failed; the first failure, or null. */
    private record Merged(
            List<@Nullable Long> lastSeen, @Nullable RuntimeException failure) {}

    /** Sends each record's merge, pipelined. */
    private Merged merge(List<CallerRecord> batch) {
        RedisClusterAsyncCommands<byte[], byte[]> async = connection.async();
        List<CompletableFuture<byte[]>> replies = new ArrayList<>(batch.size());
        for (CallerRecord r : batch) {
            replies.add(MERGE.<byte[]>runAsync(
                            async, ScriptOutputType.VALUE, keys(r.key().hashTag()), args(r))
                    .toCompletableFuture());
        }
        long deadline = System.nanoTime() + commandTimeout.toNanos() * (1 + batch.size() / 1000);
        List<@Nullable Long> lastSeen = new ArrayList<>(batch.size());
        @Nullable RuntimeException failure = null;
        for (int i = 0; i < batch.size(); i++) {
            try {
                lastSeen.add(
                        Long.parseLong(new String(awaitUntil(replies.get(i), deadline), StandardCharsets.US_ASCII)));
                sent.increment();
            } catch (RuntimeException e) {
                lastSeen.add(null);
                dropped.increment();
                failure = failure == null ? e : failure;
            }
        }
        return new Merged(lastSeen, failure);
    }

    /** Marks the callers as seen in the index and deletes the records of those it drops. */
    private void index(List<CallerRecord> batch, List<Long> lastSeen) {
        for (int from = 0; from < batch.size(); from += INDEX_BATCH) {
            int to = Math.min(batch.size(), from + INDEX_BATCH);
            List<byte[]> args = new ArrayList<>(3 + 2 * (to - from));
            args.add(ascii(maxCallers));
            args.add(ttl);
            args.add(ascii(latest.get()));
            for (int i = from; i < to; i++) {
                if (lastSeen.get(i) != null) {
                    args.add(ascii(lastSeen.get(i)));
                    args.add(batch.get(i).key().hashTag().getBytes(StandardCharsets.UTF_8));
                }
            }
            List<Object> evicted = await(INDEX.<List<Object>>runAsync(
                    connection.async(), ScriptOutputType.MULTI, new byte[][] {indexKey}, args.toArray(byte[][]::new)));
            if (!evicted.isEmpty()) {
                RedisClusterAsyncCommands<byte[], byte[]> async = connection.async();
                List<CompletableFuture<Long>> deletions = new ArrayList<>(evicted.size());
                for (Object tag : evicted) {
                    deletions.add(async.del(keys(new String((byte[]) tag, StandardCharsets.UTF_8)))
                            .toCompletableFuture());
                }
                long deadline = System.nanoTime() + commandTimeout.toNanos();
                for (CompletableFuture<Long> d : deletions) {
                    awaitUntil(d, deadline);
                }
            }
        }
    }

    /** Deltas dropped so far: the buffer full, Redis failing or skipped, or the store closed. */
    public long droppedDeltas() {
        return dropped.sum();
    }

    /** Deltas merged into Redis so far (one per caller per flush). */
    public long sentDeltas() {
        return sent.sum();
    }

    /** Callers whose deltas wait for the next flush. */
    public int pendingCallers() {
        return pendingCount.get();
    }

    /** Stops the flush thread and flushes once. Called by {@link RedisGuardState#close()}. */
    void close() {
        closed = true;
        ScheduledExecutorService f = flusher;
        if (f != null) {
            f.shutdown();
            try {
                f.awaitTermination(commandTimeout.toMillis() * 2, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            flush();
        } catch (RuntimeException e) {
            LOG.debug("ledger: last flush failed", e);
        }
    }

    private void startFlusher() {
        if (started.get() || !started.compareAndSet(false, true)) {
            return;
        }
        ScheduledExecutorService f = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "apiguard-ledger-flush");
            t.setDaemon(true);
            return t;
        });
        long every = flushInterval.toMillis();
        f.scheduleWithFixedDelay(
                () -> {
                    try {
                        flush();
                    } catch (RuntimeException e) {
                        LOG.warn("ledger flush failed", e);
                    }
                },
                every,
                every,
                TimeUnit.MILLISECONDS);
        flusher = f;
        if (closed) {
            f.shutdown();
        }
    }

    private byte[][] args(CallerRecord r) {
        List<byte[]> a = new ArrayList<>(
                16 + 2 * (r.scopesGranted().size() + r.scopesUsed().size()));
        a.add(ttl);
        a.add(ascii(MAX_SCOPES_PER_CALLER));
        a.add(ascii(MAX_CREDENTIALS_PER_CALLER));
        CallerKey key = r.key();
        a.add(utf8(key.namespace().name()));
        a.add(utf8(key.issuer() == null ? "" : key.issuer()));
        a.add(utf8(key.id()));
        a.add(ascii(millis(r.firstSeen())));
        a.add(ascii(millis(r.lastSeen())));
        a.add(ascii(r.requestCount()));
        a.add(ascii(bits(r.credentialKinds())));
        for (Map<String, Instant> scopes : List.of(r.scopesGranted(), r.scopesUsed())) {
            a.add(ascii(scopes.size()));
            scopes.forEach((s, t) -> {
                a.add(utf8(s));
                a.add(ascii(millis(t)));
            });
        }
        a.add(ascii(r.credentials().size()));
        for (CredentialRecord c : r.credentials().values()) {
            a.add(utf8(credentialField(c)));
            a.add(ascii(String.join(
                    ",",
                    Long.toString(bits(c.kinds())),
                    Long.toString(millis(c.firstSeen())),
                    Long.toString(millis(c.lastSeen())),
                    Long.toString(c.requestCount()),
                    c.expiresAt() == null ? "" : Long.toString(millis(c.expiresAt())),
                    c.longestTokenLifetime() == null
                            ? ""
                            : Long.toString(c.longestTokenLifetime().toMillis()),
                    Long.toString(c.unboundSensitiveUses()),
                    Long.toString(c.misuses()),
                    c.lastMisused() == null ? "" : Long.toString(millis(c.lastMisused())))));
        }
        return a.toArray(byte[][]::new);
    }

    /** {@code type|issuer length|issuer|id}, or {@code type|-1|id} without issuer. */
    static String credentialField(CredentialRecord c) {
        return c.issuer() == null
                ? c.type().jsonName() + "|-1|" + c.id()
                : c.type().jsonName() + '|' + c.issuer().length() + '|' + c.issuer() + '|' + c.id();
    }

    /** The record in a reply of {@code ledger-read.lua}; null when there is none or it is not one. */
    static @Nullable CallerRecord parse(@Nullable List<Object> reply) {
        if (reply == null || reply.size() != 4) {
            return null;
        }
        try {
            Map<String, String> main = hash(reply.get(0));
            if (main.get("id") == null || main.get("f") == null) {
                return null; // expired or deleted meanwhile
            }
            String namespace = main.get("ns");
            String id = main.get("id");
            if (namespace == null) {
                return null;
            }
            CallerKey key = key(namespace, main.get("iss"), id);
            LinkedHashMap<String, CredentialRecord> credentials = new LinkedHashMap<>();
            List<CredentialRecord> creds = new ArrayList<>();
            for (Map.Entry<String, String> e : hash(reply.get(3)).entrySet()) {
                creds.add(credential(e.getKey(), e.getValue()));
            }
            creds.sort(Comparator.comparing(CredentialRecord::lastSeen).thenComparing(CredentialRecord::key));
            for (CredentialRecord c : creds) {
                credentials.put(c.key(), c);
            }
            return new CallerRecord(
                    key,
                    Instant.ofEpochMilli(Long.parseLong(main.get("f"))),
                    Instant.ofEpochMilli(Long.parseLong(main.get("l"))),
                    Long.parseLong(main.get("n")),
                    kinds(Long.parseLong(main.get("k"))),
                    stamps(hash(reply.get(1))),
                    stamps(hash(reply.get(2))),
                    credentials);
        } catch (RuntimeException e) {
            LOG.debug("ledger: a record in Redis could not be read", e);
            return null;
        }
    }

    private static CallerKey key(String namespace, @Nullable String issuer, String id) {
        return switch (CallerKey.Namespace.valueOf(namespace)) {
            case TOKEN -> CallerKey.token(issuer == null ? "" : issuer, id);
            case API_KEY -> CallerKey.apiKey(id);
            case MTLS -> CallerKey.mtlsClient(id);
            case CLIENT -> CallerKey.client(id);
        };
    }

    private static CredentialRecord credential(String field, String value) {
        int a = field.indexOf('|');
        int b = field.indexOf('|', a + 1);
        CredentialRecord.Type type = null;
        for (CredentialRecord.Type t : CredentialRecord.Type.values()) {
            if (t.jsonName().equals(field.substring(0, a))) {
                type = t;
            }
        }
        if (type == null) {
            throw new IllegalArgumentException("unknown credential type");
        }
        int length = Integer.parseInt(field.substring(a + 1, b));
        String issuer = length < 0 ? null : field.substring(b + 1, b + 1 + length);
        String id = length < 0 ? field.substring(b + 1) : field.substring(b + 2 + length);
        String[] v = value.split(",", -1);
        return new CredentialRecord(
                type,
                issuer,
                id,
                kinds(Long.parseLong(v[0])),
                Instant.ofEpochMilli(Long.parseLong(v[1])),
                Instant.ofEpochMilli(Long.parseLong(v[2])),
                Long.parseLong(v[3]),
                v[4].isEmpty() ? null : Instant.ofEpochMilli(Long.parseLong(v[4])),
                v[5].isEmpty() ? null : Duration.ofMillis(Long.parseLong(v[5])),
                Long.parseLong(v[6]),
                Long.parseLong(v[7]),
                v[8].isEmpty() ? null : Instant.ofEpochMilli(Long.parseLong(v[8])));
    }

    private static Map<String, String> hash(Object flat) {
        @SuppressWarnings("unchecked")
        List<Object> list = (List<Object>) flat;
        Map<String, String> map = new HashMap<>();
        for (int i = 0; i + 1 < list.size(); i += 2) {
            map.put(
                    new String((byte[]) list.get(i), StandardCharsets.UTF_8),
                    new String((byte[]) list.get(i + 1), StandardCharsets.UTF_8));
        }
        return map;
    }

    private static Map<String, Instant> stamps(Map<String, String> hash) {
        Map<String, Instant> out = new HashMap<>();
        hash.forEach((s, t) -> out.put(s, Instant.ofEpochMilli(Long.parseLong(t))));
        return out;
    }

    private static Set<CredentialKind> kinds(long bits) {
        Set<CredentialKind> out = EnumSet.noneOf(CredentialKind.class);
        for (CredentialKind k : KINDS) {
            if ((bits & 1L << k.ordinal()) != 0) {
                out.add(k);
            }
        }
        return out;
    }

    private static long bits(Set<CredentialKind> kinds) {
        long bits = 0;
        for (CredentialKind k : kinds) {
            bits |= 1L << k.ordinal();
        }
        return bits;
    }

    private byte[][] keys(String tag) {
        byte[][] keys = new byte[SUFFIXES.length][];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = (prefix + tag + SUFFIXES[i]).getBytes(StandardCharsets.UTF_8);
        }
        return keys;
    }

    private <T> T await(java.util.concurrent.CompletionStage<T> stage) {
        return awaitUntil(stage.toCompletableFuture(), System.nanoTime() + commandTimeout.toNanos());
    }

    private static <T> T awaitUntil(java.util.concurrent.CompletionStage<T> stage, long deadline) {
        try {
            return stage.toCompletableFuture().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("redis: interrupted", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("redis: no answer within the command timeout", e);
        }
    }

    private static long millis(Instant i) {
        return TimeToLive.epochMillis(i);
    }

    private static byte[] ascii(long n) {
        return Long.toString(n).getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "RedisLedgerStore[maxCallers=" + maxCallers + ", buffer=" + buffer + ", pending=" + pendingCount.get()
                + "]";
    }
}
