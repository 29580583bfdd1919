package dev.apiguard.redis;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
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
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link EvidenceStore} in Redis: the fleet's profile of each caller, built by one script from
 * every node's evidence, so that each node scores a caller on what all of them saw.
 *
 * <p>Per caller, under its {@linkplain CallerKey#hashTag() hash tag} (one Redis Cluster slot): the
 * profile ({@code apiguard:ev:{tag}:p}, a string of packed doubles with the last
 * {@value Evidence#WALKS} walks followed and the routes seen, at most {@value Evidence#MAX_ROUTES}) and two Bloom generations of {@value Evidence#BLOOM_BITS} bits
 * ({@code :b0}, {@code :b1}: whether an id is new to the caller is decided over the fleet): about
 * 1.3 KiB, every key expiring after the policy's {@code idleExpiry} without evidence. The script
 * takes each evidence's time from the app, never Redis {@code TIME}; the batch and the profile are
 * packed binary, not decimal fields (a batch of six costs Redis a third of the time without
 * look-ups, half with).
 *
 * <p>Never waited for on the request path: {@link Link#offer} queues the evidence and returns. Each
 * node sends a caller's evidence at once when no script of that caller was sent within the linger
 * ({@link RedisGuardState.Builder#evidenceLinger}, 5 ms by default); else what arrives goes in the
 * next script call, sent once the previous one answered and the linger since it passed (by the
 * caller's first request after that, or by a sweeper thread within 50 ms when no request comes),
 * or as soon as {@value #MAX_BATCH} pieces wait: a caller at machine speed costs one script per
 * linger (or per {@value #MAX_BATCH} requests) per node, a quiet one is sent at once. The reply (the fleet's profile, this node's evidence included) is what
 * {@link Link#view} answers until the next; the latest request of the batch decides on it, on
 * the thread that completed the reply, and a decision that changes something is carried out on a
 * thread of the store's ({@code apiguard-fleet-decisions}).
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

    /** Decisions' consequences waiting at most (a quarantine to write, events to publish). */
    static final int DECISIONS_QUEUED = 10_000;

    /**
     * The longest the sweeper sleeps while the callers' own requests send what waited for the
     * linger (nanoseconds; the linger when that is longer): evidence that waits for a request
     * that does not come goes within about this long.
     */
    static final long MAX_SWEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private static final Logger LOG = LoggerFactory.getLogger(RedisEvidenceStore.class);

    private static final Script FOLD = Script.load("evidence.lua");
    /** The profile's key suffix, after the caller's hash tag. */
    static final String PROFILE = ":p";
    /** Bytes of one evidence in a batch (the script's {@code EVIDENCE} format). */
    static final int EVIDENCE_BYTES = 43;
    /** Bytes of one walk in a profile (the script's {@code WALK_RECORD}): neighbourhood, suffix, direction. */
    static final int WALK_RECORD_BYTES = 8 + 8 + 1;
    /**
     * Bytes of a profile before its routes (the script's {@code PROFILE} format): 16 doubles, the
     * walks (a count, then each walk), the routes' count.
     */
    static final int PROFILE_BYTES = 16 * 8 + 1 + Evidence.WALKS * WALK_RECORD_BYTES + 1;

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
    // the callers' batches waiting for their linger, at most one per caller and link
    private final Set<RedisLink.Pending> lingering = ConcurrentHashMap.newKeySet();
    private final @Nullable Sweeper sweeper; // null: linger 0, nothing waits
    private volatile boolean closing;
    private final Ticker ticker; // times the linger (System.nanoTime; tests move theirs by hand)

    RedisEvidenceStore(
            Connection connection,
            String prefix,
            Availability availability,
            int maxQueued,
            Duration linger,
            Ticker ticker) {
        this.connection = connection;
        this.ticker = ticker;
        this.prefix = prefix;
        this.availability = availability;
        this.maxQueued = maxQueued;
        this.lingerNanos = linger.toNanos();
        this.sweeper = lingerNanos > 0 ? new Sweeper() : null;
        // one daemon thread carries out the decisions that change something (rare: most views
        // change nothing, and are decided on the thread that read them); bounded like the queue
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
        if (sweeper != null) {
            sweeper.thread.start(); // once every field is set
        }
    }

    /**
     * Carries out what a decision started on the store's thread; dropped and counted when
     * {@value #DECISIONS_QUEUED} wait.
     */
    private void carryOut(Runnable started) {
        decisionsPending.incrementAndGet();
        decisions.execute(() -> {
            try {
                started.run();
            } catch (RuntimeException e) {
                LOG.warn("carrying out a decision on the fleet's view failed", e);
            } finally {
                decisionsPending.decrementAndGet();
            }
        });
    }

    /**
     * Decisions on the fleet's views whose consequences were dropped so far: more than
     * {@value #DECISIONS_QUEUED} waiting.
     */
    public long droppedDecisions() {
        return droppedDecisions.sum();
    }

    /**
     * Decisions' consequences waiting or running now. Counted from before one is queued until it
     * has run: the executor's queue and active count would miss one its thread has taken from the
     * queue and not yet started.
     */
    public int decisionsPending() {
        return decisionsPending.get();
    }

    /**
     * Sends the batches waiting for their linger at once, waits up to a second for the scripts in
     * flight, then stops the store's threads; called by {@link RedisGuardState#close()}.
     */
    void close() {
        closing = true; // from now on a batch that would wait is sent at once
        if (sweeper != null) {
            sweeper.stop();
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

    /**
     * Sends the batches whose linger passed and no request of their caller sent: a thread of the
     * store's, asleep while nothing waits. While it finds nothing left over (the callers' requests
     * sent it) it sleeps twice as long each time, up to {@link #MAX_SWEEP_NANOS}: a batch per
     * linger must not cost a timer's wake-ups (two thread switches, tens of microseconds each on
     * a virtual machine) when the next request of the caller sends it anyway. A dedicated thread
     * rather than a {@link java.util.concurrent.ScheduledExecutorService}: its timer is one
     * deadline per batch, rescheduled with a wake-up each time.
     */
    private final class Sweeper implements Runnable {
        private final Thread thread;
        private final long maxSleep = Math.max(lingerNanos, MAX_SWEEP_NANOS);
        private volatile boolean idle;

        Sweeper() {
            this.thread = new Thread(this, "apiguard-evidence-linger");
            thread.setDaemon(true);
        }

        /** A batch began to wait: the sweeper wakes if it sleeps without a timer. */
        void waiting() {
            if (idle) {
                LockSupport.unpark(thread);
            }
        }

        void stop() {
            LockSupport.unpark(thread);
            try {
                thread.join(TimeUnit.SECONDS.toMillis(1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void run() {
            long sleep = lingerNanos;
            while (!closing) {
                if (sleep >= maxSleep && lingering.isEmpty()) {
                    // nothing waits and nothing did for a while: sleep until a batch waits
                    idle = true;
                    if (lingering.isEmpty() && !closing) {
                        LockSupport.park(this);
                    }
                    idle = false;
                    sleep = lingerNanos;
                    continue;
                }
                LockSupport.parkNanos(this, sleep);
                sleep = sweep(false) > 0 ? lingerNanos : Math.min(maxSleep, sleep * 2);
            }
            sweep(true);
        }

        /** Sends the batches due (all when closing); returns how many it sent. Never throws. */
        private int sweep(boolean all) {
            try {
                return sweepDue(all);
            } catch (RuntimeException e) {
                // the thread must go on: batches would otherwise wait for their callers' requests
                LOG.warn("sending anomaly evidence that waited for the linger failed", e);
                return 0;
            }
        }

        private int sweepDue(boolean all) {
            int swept = 0;
            long now = ticker.read();
            for (RedisLink.Pending p : lingering) {
                if (p.sendIfDue(now, all)) {
                    swept++;
                }
            }
            return swept;
        }
    }

    /** One request's evidence and who decides on the fleet's profile once it is folded in. */
    private record Offered(Evidence evidence, Decider decider) {}

    private final class RedisLink implements Link {

        /**
         * One caller's evidence waiting on this node, and whether a script of the caller is in
         * flight or a batch waits for its linger.
         */
        final class Pending {
            final CallerKey caller;
            final ArrayDeque<Offered> queue = new ArrayDeque<>();
            boolean inFlight; // a script in flight, or a batch waiting for its linger
            boolean waiting; // a batch waiting for its linger (in the store's lingering set)
            long dueAt; // when the waiting batch may go (the ticker's nanoseconds)
            boolean closed;

            Pending(CallerKey caller) {
                this.caller = caller;
            }

            /**
             * The batch waits until {@code wait} ns from now, unless that is no time or the store
             * closes: then the caller sends it at once. Called with the monitor held.
             */
            boolean lingers(long wait) {
                if (wait <= 0 || closing) {
                    return false;
                }
                waiting = true;
                dueAt = ticker.read() + wait;
                lingering.add(this);
                if (closing) {
                    // close() began meanwhile and its last sweep may have missed this batch
                    stopWaiting();
                    return false;
                }
                Objects.requireNonNull(sweeper, "only a linger makes a batch wait")
                        .waiting();
                return true;
            }

            /** Called with the monitor held. */
            void stopWaiting() {
                waiting = false;
                lingering.remove(this);
            }

            /** Sends the waiting batch if its linger passed at {@code now} (or {@code all}); the sweeper's. */
            boolean sendIfDue(long now, boolean all) {
                List<Offered> batch;
                synchronized (this) {
                    if (!waiting || (!all && now - dueAt < 0)) {
                        return false;
                    }
                    stopWaiting();
                    batch = drain(this);
                }
                send(this, batch);
                return true;
            }
        }

        private final byte[][] settings;
        private final Cache<CallerKey, FleetProfile> views;
        private final ConcurrentHashMap<CallerKey, Pending> pending = new ConcurrentHashMap<>();
        // when a script of each recent caller was last sent (the ticker's nanoseconds: the linger
        // is real time, not the guard's clock); only with a linger
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
                            .ticker(ticker)
                            .expireAfterWrite(Duration.ofNanos(lingerNanos))
                            .build()
                    : null;
        }

        @Override
        public void offer(CallerKey caller, Evidence evidence, Decider decider) {
            if (queued.get() >= maxQueued) {
                dropped.increment();
                return;
            }
            while (true) {
                Pending p = pending.computeIfAbsent(caller, Pending::new);
                List<Offered> batch = null;
                synchronized (p) {
                    if (p.closed) {
                        continue; // its sender just finished and removed it: take a new one
                    }
                    if (p.queue.size() >= MAX_BATCH) {
                        dropped.increment();
                        return;
                    }
                    p.queue.add(new Offered(evidence, decider));
                    queued.incrementAndGet();
                    if (!p.inFlight) {
                        p.inFlight = true;
                        if (!p.lingers(lingerLeft(caller))) {
                            batch = drain(p);
                        }
                    } else if (p.waiting && (p.queue.size() >= MAX_BATCH || ticker.read() - p.dueAt >= 0)) {
                        // the linger passed (or a full batch, which goes at once rather than drop
                        // what comes next): this request sends it, no timer needs to wake
                        p.stopWaiting();
                        batch = drain(p);
                    }
                }
                if (batch != null) {
                    send(p, batch);
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
            return at == null ? 0 : Math.max(0, at + lingerNanos - ticker.read());
        }

        private List<Offered> drain(Pending p) {
            int n = Math.min(MAX_BATCH, p.queue.size());
            List<Offered> batch = new java.util.ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                batch.add(p.queue.poll());
            }
            return batch;
        }

        private void send(Pending p, List<Offered> batch) {
            CallerKey caller = p.caller;
            String tag = caller.hashTag();
            byte[][] keys = {key(tag, PROFILE), key(tag, ":b0"), key(tag, ":b1")};
            Availability.Shard shard = availability.of(keys[0]);
            if (shard.skip()) {
                // Redis failed lately: the batch is dropped and counted, checked once per batch
                // rather than for every request's evidence
                dropped.add(batch.size());
                queued.addAndGet(-batch.size());
                next(p, true);
                return;
            }
            if (lastSent != null) {
                lastSent.put(caller, ticker.read());
            }
            scripts.increment();
            byte[][] args = new byte[settings.length + 1][];
            System.arraycopy(settings, 0, args, 0, settings.length);
            args[settings.length] = pack(batch);
            FOLD.<byte[]>runAsync(connection.async(), ScriptOutputType.VALUE, keys, args)
                    .whenComplete((reply, fault) -> {
                        boolean failed = fault != null;
                        if (failed) {
                            shard.failure(fault);
                            dropped.add(batch.size());
                        } else {
                            shard.success();
                            FleetProfile profile = parse(reply);
                            if (profile != null) {
                                views.put(caller, profile);
                                decide(batch.get(batch.size() - 1).decider(), profile);
                            }
                            sent.add(batch.size());
                        }
                        // no longer queued once decided (and what it starts queued): whoever waits
                        // for the queue to empty, then for the decisions, never sees neither
                        queued.addAndGet(-batch.size());
                        next(p, failed);
                    });
        }

        /**
         * The latest request of the batch decides, here on the thread that completed the reply
         * (Lettuce's, or the sender's when the reply came first: the decision does not block);
         * what it starts may block (a quarantine written to Redis), and is carried out on the
         * store's thread. Queued before the evidence counts as sent, so that whoever waits for the
         * evidence and then for the decisions never sees neither.
         */
        private void decide(Decider decider, FleetProfile profile) {
            Runnable started;
            try {
                started = decider.decide(profile);
            } catch (RuntimeException e) {
                LOG.warn("deciding on the fleet's view failed", e);
                return;
            }
            if (started != null) {
                carryOut(started);
            }
        }

        /** Sends what arrived meanwhile, or retires the caller's queue; after a failure, drops it. */
        private void next(Pending p, boolean failed) {
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
                    pending.remove(p.caller, p);
                    return;
                }
                if (p.queue.size() < MAX_BATCH && p.lingers(lingerLeft(p.caller))) {
                    return;
                }
                batch = drain(p);
            }
            send(p, batch);
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
