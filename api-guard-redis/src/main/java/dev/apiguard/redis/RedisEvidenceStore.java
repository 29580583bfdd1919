package dev.apiguard.redis;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.apiguard.CallerKey;
import dev.apiguard.anomaly.AnomalyPolicy;
import dev.apiguard.anomaly.Evidence;
import dev.apiguard.anomaly.EvidenceStore;
import dev.apiguard.anomaly.FleetProfile;
import dev.apiguard.redis.internal.Availability;
import dev.apiguard.redis.internal.Connection;
import dev.apiguard.redis.internal.Script;
import io.lettuce.core.ScriptOutputType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link EvidenceStore} in Redis: the fleet's profile of each caller, built by one script from
 * every node's evidence, so that each node scores a caller on what all of them saw.
 *
 * <p>Per caller, under its {@linkplain CallerKey#hashTag() hash tag} (one Redis Cluster slot): the
 * profile ({@code apiguard:ev:{tag}:p}, a string of packed doubles with the routes seen, at most
 * {@value Evidence#MAX_ROUTES}) and two Bloom generations of {@value Evidence#BLOOM_BITS} bits
 * ({@code :b0}, {@code :b1}: whether an id is new to the caller is decided over the fleet): about
 * 1.3 KiB, every key expiring after the policy's {@code idleExpiry} without evidence. The script
 * takes each evidence's time from the app, never Redis {@code TIME}; the batch and the profile are
 * packed binary, not decimal fields (a batch of six costs Redis a third of the time without
 * look-ups, half with).
 *
 * <p>Never on the request path: {@link Link#offer} queues the evidence and returns. Each node sends
 * a caller's evidence at once when no script of that caller was sent within the linger
 * ({@link RedisGuardState.Builder#evidenceLinger}, 5 ms by default); else what arrives goes in the
 * next script call, sent once the previous one answered and the linger since it passed, or as soon
 * as {@value #MAX_BATCH} pieces wait: a caller at machine speed costs one script per linger (or per
 * {@value #MAX_BATCH} requests) per node, a quiet one is sent at once. The reply (the fleet's
 * profile, this node's evidence included) is what {@link Link#view} answers until the next.
 *
 * <p>Bounded: at most {@value #MAX_BATCH} pieces of evidence queued per caller, and the configured
 * maximum queued or in flight in all ({@link RedisGuardState.Builder#evidenceQueue(int)}); beyond,
 * when Redis fails or while it is skipped after a failure, evidence is dropped and counted
 * ({@link #droppedEvidence()}), and the nodes go on scoring on their own profiles. Obtain it from
 * {@link RedisGuardState#evidenceStore()}. Thread-safe.
 */
public final class RedisEvidenceStore implements EvidenceStore {

    /** Evidence sent in one script call, and queued per caller at most. */
    static final int MAX_BATCH = 64;

    /** Decisions on arrived views waiting at most (one per caller with a batch answered). */
    static final int DECISIONS_QUEUED = 10_000;

    private static final Logger LOG = LoggerFactory.getLogger(RedisEvidenceStore.class);

    private static final Script FOLD = Script.load("evidence.lua");
    /** Bytes of one evidence in a batch (the script's {@code EVIDENCE} format). */
    static final int EVIDENCE_BYTES = 43;
    /** Bytes of a profile before its routes (the script's {@code PROFILE} format). */
    static final int PROFILE_BYTES = 154;

    private final Connection connection;
    private final String prefix;
    private final Availability availability;
    private final int maxQueued;
    private final AtomicInteger queued = new AtomicInteger();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder sent = new LongAdder();
    private final LongAdder droppedDecisions = new LongAdder();
    private final AtomicInteger decisionsPending = new AtomicInteger();
    private final LongAdder scripts = new LongAdder();
    private final ThreadPoolExecutor decisions;
    private final long lingerNanos;
    private final @Nullable ScheduledThreadPoolExecutor lingering; // null: linger 0, nothing waits
    // the batches waiting for their linger, sent at once by close(); at most one per caller
    private final ConcurrentHashMap<Pending, Runnable> waitingFlushes = new ConcurrentHashMap<>();

    RedisEvidenceStore(
            Connection connection, String prefix, Availability availability, int maxQueued, Duration linger) {
        this.connection = connection;
        this.prefix = prefix;
        this.availability = availability;
        this.maxQueued = maxQueued;
        this.lingerNanos = linger.toNanos();
        if (lingerNanos > 0) {
            // one daemon thread sends the batches that waited for the linger; at most one batch
            // waits per caller, and each holds queued evidence: bounded like the queue
            this.lingering = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "apiguard-evidence-linger");
                t.setDaemon(true);
                return t;
            });
            lingering.setRemoveOnCancelPolicy(true);
        } else {
            this.lingering = null;
        }
        // one daemon thread decides on the fleet's views as they arrive; bounded like the queue
        this.decisions = new ThreadPoolExecutor(
                1,
                1,
                0,
                TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(DECISIONS_QUEUED),
                r -> {
                    Thread t = new Thread(r, "apiguard-fleet-decisions");
                    t.setDaemon(true);
                    return t;
                },
                (r, executor) -> {
                    decisionsPending.decrementAndGet();
                    droppedDecisions.increment();
                });
    }

    /** Runs a decision on the store's thread; dropped and counted when {@value #DECISIONS_QUEUED} wait. */
    private void decide(Runnable decision) {
        decisionsPending.incrementAndGet();
        decisions.execute(() -> {
            try {
                decision.run();
            } catch (RuntimeException e) {
                LOG.warn("deciding on the fleet's view failed", e);
            } finally {
                decisionsPending.decrementAndGet();
            }
        });
    }

    /** Decisions on the fleet's views dropped so far: more than {@value #DECISIONS_QUEUED} waiting. */
    public long droppedDecisions() {
        return droppedDecisions.sum();
    }

    /**
     * Decisions on arrived views waiting or running now. Counted from before a decision is queued
     * until it has run: the executor's queue and active count would miss one its thread has taken
     * from the queue and not yet started.
     */
    public int decisionsPending() {
        return decisionsPending.get();
    }

    /**
     * Sends the batches waiting for their linger at once, waits up to a second for the scripts in
     * flight, then stops the store's threads; called by {@link RedisGuardState#close()}.
     */
    void close() {
        if (lingering != null) {
            lingering.shutdownNow(); // from now on a batch that would wait is sent at once
            for (Runnable flush : waitingFlushes.values()) {
                flush.run();
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            while (queued.get() > 0 && System.nanoTime() - deadline < 0) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
        }
        decisions.shutdownNow();
    }

    @Override
    public Link link(AnomalyPolicy policy) {
        return new RedisLink(policy);
    }

    /** Evidence dropped so far: Redis failing or skipped, or a queue full. */
    public long droppedEvidence() {
        return dropped.sum();
    }

    /** Evidence folded into the fleet's profiles so far. */
    public long sentEvidence() {
        return sent.sum();
    }

    /** Evidence queued or in flight now. */
    public int queuedEvidence() {
        return queued.get();
    }

    /** Script calls sent so far, each with a batch of one caller's evidence. */
    public long evidenceScripts() {
        return scripts.sum();
    }

    /** One request's evidence and who wants the fleet's profile once it is folded in. */
    private record Offered(Evidence evidence, Consumer<FleetProfile> onView) {}

    /**
     * One caller's evidence waiting on this node, and whether a script of the caller is in flight
     * or a batch waits for its linger.
     */
    private static final class Pending {
        final ArrayDeque<Offered> queue = new ArrayDeque<>();
        boolean inFlight; // a script in flight, or a batch waiting for its linger
        RedisLink.@Nullable Flush waiting; // the batch waiting for its linger, if one is
        boolean closed;
    }

    private final class RedisLink implements Link {

        private final byte[][] settings;
        private final Cache<CallerKey, FleetProfile> views;
        private final ConcurrentHashMap<CallerKey, Pending> pending = new ConcurrentHashMap<>();
        // when a script of each recent caller was last sent (System.nanoTime: the linger is real
        // time, not the guard's clock); only with a linger
        private final @Nullable Cache<CallerKey, Long> lastSent;

        RedisLink(AnomalyPolicy policy) {
            this.settings = new byte[][] {
                ascii(policy.halfLife().toMillis()),
                ascii(policy.longHalfLife().toMillis()),
                ascii(policy.warmUpRequests()),
                ascii(policy.warmUpPeriod().toMillis()),
                ascii(policy.idleExpiry().toMillis()),
                ascii(Evidence.BLOOM_GENERATION),
                ascii(Evidence.MAX_ROUTES)
            };
            // maintenance on the writing thread (a few entries at a time), never a task handed to
            // ForkJoinPool.commonPool(): a handoff per batch costs more than the batch's bookkeeping
            this.views = Caffeine.newBuilder()
                    .maximumSize(policy.maxCallers())
                    .executor(Runnable::run)
                    .build();
            this.lastSent = lingerNanos > 0
                    ? Caffeine.newBuilder()
                            .maximumSize(policy.maxCallers())
                            .executor(Runnable::run)
                            .expireAfterWrite(Duration.ofNanos(lingerNanos))
                            .build()
                    : null;
        }

        @Override
        public void offer(CallerKey caller, Evidence evidence, Consumer<FleetProfile> onView) {
            if (queued.get() >= maxQueued
                    || availability.of(key(caller.hashTag(), "")).skip()) {
                dropped.increment();
                return;
            }
            while (true) {
                Pending p = pending.computeIfAbsent(caller, k -> new Pending());
                List<Offered> batch = null;
                synchronized (p) {
                    if (p.closed) {
                        continue; // its sender just finished and removed it: take a new one
                    }
                    if (p.queue.size() >= MAX_BATCH) {
                        dropped.increment();
                        return;
                    }
                    p.queue.add(new Offered(evidence, onView));
                    queued.incrementAndGet();
                    if (!p.inFlight) {
                        p.inFlight = true;
                        long wait = lingerLeft(caller);
                        if (wait > 0) {
                            later(caller, p, wait);
                        } else {
                            batch = drain(p);
                        }
                    } else if (p.queue.size() >= MAX_BATCH && p.waiting != null) {
                        // a full batch goes at once rather than wait and drop what comes next
                        p.waiting.cancel();
                        batch = drain(p);
                    }
                }
                if (batch != null) {
                    send(caller, p, batch);
                }
                return;
            }
        }

        @Override
        public Optional<FleetProfile> view(CallerKey caller) {
            return Optional.ofNullable(views.getIfPresent(caller));
        }

        /** Nanoseconds until a script of the caller may be sent again: 0 when now. */
        private long lingerLeft(CallerKey caller) {
            if (lastSent == null) {
                return 0;
            }
            Long at = lastSent.getIfPresent(caller);
            return at == null ? 0 : Math.max(0, at + lingerNanos - System.nanoTime());
        }

        /**
         * Sends the caller's batch after {@code wait} ns (sooner when it fills up); at once when
         * the store is closing. Called with {@code p}'s monitor held.
         */
        private void later(CallerKey caller, Pending p, long wait) {
            Flush flush = new Flush(caller, p);
            p.waiting = flush;
            waitingFlushes.put(p, flush);
            try {
                flush.future = Objects.requireNonNull(lingering, "only a linger makes a batch wait")
                        .schedule(flush, wait, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException closing) {
                // the store is closing: nothing waits any more (the caller holds p's monitor,
                // which the flush takes again: reentrant)
                flush.run();
            }
        }

        /** A caller's batch waiting for its linger: sent once, by its timer, a full batch or close. */
        final class Flush implements Runnable {
            private final CallerKey caller;
            private final Pending p;
            volatile @Nullable ScheduledFuture<?> future;

            Flush(CallerKey caller, Pending p) {
                this.caller = caller;
                this.p = p;
            }

            /** Stops waiting, without sending: the batch goes some other way. Called with {@code p}'s monitor held. */
            void cancel() {
                p.waiting = null;
                waitingFlushes.remove(p, this);
                ScheduledFuture<?> f = future;
                if (f != null) {
                    f.cancel(false);
                }
            }

            @Override
            public void run() {
                List<Offered> batch;
                synchronized (p) {
                    if (p.waiting != this) {
                        return; // already sent: a full batch, or close
                    }
                    cancel();
                    batch = drain(p);
                }
                send(caller, p, batch);
            }
        }

        private List<Offered> drain(Pending p) {
            int n = Math.min(MAX_BATCH, p.queue.size());
            List<Offered> batch = new java.util.ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                batch.add(p.queue.poll());
            }
            return batch;
        }

        private void send(CallerKey caller, Pending p, List<Offered> batch) {
            if (lastSent != null) {
                lastSent.put(caller, System.nanoTime());
            }
            scripts.increment();
            String tag = caller.hashTag();
            byte[][] keys = {key(tag, ":p"), key(tag, ":b0"), key(tag, ":b1")};
            Availability.Shard shard = availability.of(keys[0]);
            byte[][] args = new byte[settings.length + 1][];
            System.arraycopy(settings, 0, args, 0, settings.length);
            args[settings.length] = pack(batch);
            FOLD.<byte[]>runAsync(connection.async(), ScriptOutputType.VALUE, keys, args)
                    .whenComplete((reply, fault) -> {
                        boolean failed = fault != null;
                        queued.addAndGet(-batch.size());
                        if (failed) {
                            shard.failure(fault instanceof RuntimeException r ? r : new IllegalStateException(fault));
                            dropped.add(batch.size());
                        } else {
                            shard.success();
                            FleetProfile profile = parse(reply);
                            if (profile != null) {
                                views.put(caller, profile);
                                // the latest request of the batch decides, off Lettuce's I/O thread
                                // (deciding may write a quarantine: a blocking command); queued
                                // before the evidence counts as sent, so that whoever waits for
                                // the evidence and then for the decisions never sees neither
                                Consumer<FleetProfile> decide =
                                        batch.get(batch.size() - 1).onView();
                                decide(() -> decide.accept(profile));
                            }
                            sent.add(batch.size());
                        }
                        next(caller, p, failed);
                    });
        }

        /** Sends what arrived meanwhile, or retires the caller's queue; after a failure, drops it. */
        private void next(CallerKey caller, Pending p, boolean failed) {
            List<Offered> batch;
            synchronized (p) {
                if (failed && !p.queue.isEmpty()) {
                    dropped.add(p.queue.size());
                    queued.addAndGet(-p.queue.size());
                    p.queue.clear();
                }
                if (p.queue.isEmpty()) {
                    p.inFlight = false;
                    p.closed = true;
                    pending.remove(caller, p);
                    return;
                }
                long wait = p.queue.size() >= MAX_BATCH ? 0 : lingerLeft(caller);
                if (wait > 0) {
                    later(caller, p, wait);
                    return;
                }
                batch = drain(p);
            }
            send(caller, p, batch);
        }
    }

    /**
     * A batch as the script reads it: per evidence {@value #EVIDENCE_BYTES} bytes, little-endian
     * (the script's {@code EVIDENCE} format): the time (a double: epoch milliseconds are exact up
     * to 2^53), flags, the route's hash, the three Bloom bits, the neighbourhood's 8 bytes, the
     * suffix (48 bits, exact as a double) and the page fraction. One argument instead of eleven per
     * evidence: the script spent most of its time turning decimal strings into numbers and back.
     */
    static byte[] pack(List<Offered> batch) {
        ByteBuffer b = ByteBuffer.allocate(EVIDENCE_BYTES * batch.size()).order(ByteOrder.LITTLE_ENDIAN);
        for (Offered o : batch) {
            Evidence e = o.evidence();
            int flags = (e.failure() ? 1 : 0) | (e.routed() ? 2 : 0) | (e.lookup() ? 4 : 0) | (e.miss() ? 8 : 0);
            b.putDouble(e.at()).put((byte) flags).putInt(e.routed() ? e.routeHash() : 0);
            for (int i = 0; i < 3; i++) {
                b.putShort((short) (e.lookup() ? e.bloomBit(i) : 0));
            }
            b.putLong(e.lookup() ? e.neighbourhood() : 0)
                    .putDouble(e.lookup() ? e.suffix() : 0)
                    .putDouble(e.pageFraction());
        }
        return b.array();
    }

    /**
     * The script's reply, the caller's packed profile, as a profile; null when it is not one
     * (never, but a reply is input): its first 14 doubles, little-endian.
     */
    static @Nullable FleetProfile parse(byte @Nullable [] reply) {
        if (reply == null || reply.length < PROFILE_BYTES) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(reply).order(ByteOrder.LITTLE_ENDIAN);
        double[] v = new double[14];
        for (int i = 0; i < 14; i++) {
            v[i] = b.getDouble();
            if (!Double.isFinite(v[i])) {
                return null;
            }
        }
        return new FleetProfile(
                (long) v[0],
                (long) v[1],
                (long) v[2],
                v[3],
                v[4],
                v[5],
                v[6],
                v[7],
                v[8],
                v[9],
                v[10],
                (long) v[11],
                (long) v[12],
                v[13]);
    }

    private byte[] key(String tag, String suffix) {
        return (prefix + tag + suffix).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] ascii(long n) {
        return Long.toString(n).getBytes(StandardCharsets.US_ASCII);
    }
}
