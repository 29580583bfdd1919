package dev.apiguard.redis;

import io.github.bucket4j.BucketConfiguration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * A node's takes from one bucket while {@link #DEPTH} scripts of that bucket are on their way to
 * Redis: they wait for the first to answer and go together in the next script, which takes each
 * one's tokens in turn, as that many scripts run one after another would
 * ({@code token-bucket.lua}, a batch). Limits stay exact; a busy caller's concurrent requests on
 * one node cost at most {@link #DEPTH} scripts per round trip instead of one each, in Redis and
 * in this node's event loop.
 *
 * <p>A take that finds fewer than {@link #DEPTH} scripts of its bucket in the air and nobody
 * waiting goes at once, alone, exactly as without batches: a caller's lone, sequential or sparse
 * requests never wait for another's. One that finds them joins the batch that waits, and waits for
 * the batch's answer: at most the rest of the first script's round trip and one of its own.
 * Requests of another plan or cost than the waiting batch's, a
 * DPoP request (its replay check joins its own script) and estimates go alone, and so does a take
 * beyond {@link #MOST} in one batch. The batch is sent at the time of its latest request (the
 * guard's clock): its requests are counted as of then, as one sent a moment later would be.
 *
 * <p>Written here rather than taken from Lettuce: Lettuce pipelines commands but runs each one in
 * Redis; what saves the work is one script for many requests, which only the bucket's arithmetic
 * knows how to split.
 *
 * <p>Bounded: one entry per bucket with a script in the air, a batch of at most {@link #MOST}
 * requests waiting behind them; an entry goes when its bucket's last script in the air answers
 * with nobody waiting. Thread-safe.
 */
final class BucketBatches {

    /** The most requests in one batch; the next ones go alone. */
    static final int MOST = 64;

    /**
     * Scripts of one bucket a node keeps in the air before the next requests wait for one to
     * answer: where a caller's requests seldom come within one round trip of each other, none
     * waits (a batch there would hold one request and save nothing); where they come faster, at
     * most this many scripts per round trip, and a request waits for the first of them to answer.
     */
    static final int DEPTH = 2;

    // what a failed batch's waiters find: they answer per the failure policy, nothing to trace
    private static final Exception FAILED = new Exception("bucket script failed", null, false, false) {};

    // a bucket with scripts in the air → how many, and the batch that waits behind them
    private final ConcurrentHashMap<String, Flight> flights = new ConcurrentHashMap<>();
    private final LongAdder batched = new LongAdder();
    private final LongAdder alone = new LongAdder();

    /** A take's way: alone now and then {@link #following} ({@link #LEAD}), alone ({@link #ALONE}), or a slot in a batch. */
    sealed interface Way permits Lead, Alone, Slot {}

    /** Fewer than {@link #DEPTH} scripts in the air, nobody waiting: this take sends its own, then the batch behind it. */
    static final Way LEAD = new Lead();

    /** Another script's batch cannot take this take: it goes alone, as without batches. */
    static final Way ALONE = new Alone();

    /**
     * How a take goes: {@link #LEAD} when its bucket has fewer than {@link #DEPTH} scripts in the
     * air and nobody waiting (the caller then must call {@link #following} once its own script
     * answered or failed), a {@link Slot} in the batch that waits for the scripts in the air, or
     * {@link #ALONE}.
     */
    Way enter(String key, byte[] bucketKey, BucketConfiguration configuration, long tokens, Instant now) {
        Way[] way = {ALONE};
        flights.compute(key, (k, flight) -> {
            if (flight == null) {
                way[0] = LEAD;
                Flight first = new Flight();
                first.inAir = 1;
                return first;
            }
            Batch next = flight.next;
            if (next != null && next.slots.isEmpty()) {
                next = null; // every request of it gave up waiting
                flight.next = null;
            }
            if (next == null && flight.inAir < DEPTH) {
                way[0] = LEAD; // nobody waits yet: in the air beside the other script
                flight.inAir++;
                return flight;
            }
            if (next == null) {
                next = new Batch(bucketKey, configuration, tokens, now);
                flight.next = next;
            } else if (next.tokens != tokens
                    || !next.configuration.equals(configuration)
                    || next.slots.size() >= MOST) {
                return flight;
            }
            Slot slot = new Slot(next);
            next.slots.add(slot);
            if (now.isAfter(next.now)) {
                next.now = now;
            }
            way[0] = slot;
            return flight;
        });
        if (way[0] == ALONE) {
            alone.increment();
        }
        return way[0];
    }

    /**
     * After one of the bucket's scripts answered (or failed): the batch that waited, sealed and now
     * in the air itself, or {@code null} when nobody waits (the entry goes with the last script in
     * the air).
     */
    @Nullable
    Batch following(String key) {
        Batch[] out = {null};
        flights.computeIfPresent(key, (k, flight) -> {
            flight.inAir--;
            Batch next = flight.next;
            flight.next = null;
            if (next == null || next.slots.isEmpty()) {
                return flight.inAir > 0 ? flight : null;
            }
            next.seal();
            flight.inAir++;
            out[0] = next;
            return flight;
        });
        if (out[0] != null) {
            batched.add(out[0].slots.size());
        }
        return out[0];
    }

    /** Takes the slot out of its batch if the batch was not sent yet; whether it took it out. */
    boolean withdraw(String key, Slot slot) {
        boolean[] out = {false};
        flights.computeIfPresent(key, (k, flight) -> {
            if (!slot.batch.sealed) {
                out[0] = slot.batch.slots.remove(slot);
            }
            return flight;
        });
        return out[0];
    }

    /** How many requests went in batches. */
    long batched() {
        return batched.sum();
    }

    /** How many takes found a batch waiting behind their bucket's scripts and could not join it. */
    long alone() {
        return alone.sum();
    }

    /** How many buckets have a script in the air: for tests. */
    int inFlight() {
        return flights.size();
    }

    /** How many scripts of a bucket are in the air: for tests. */
    int inAir(String key) {
        int[] out = {0};
        flights.computeIfPresent(key, (k, flight) -> {
            out[0] = flight.inAir;
            return flight;
        });
        return out[0];
    }

    /** How many takes wait in the batch behind a bucket's scripts: for tests. */
    int waiting(String key) {
        int[] out = {0};
        flights.computeIfPresent(key, (k, flight) -> {
            out[0] = flight.next == null ? 0 : flight.next.slots.size();
            return flight;
        });
        return out[0];
    }

    /** A bucket's scripts in the air and the batch behind them; changed only inside the map's compute. */
    private static final class Flight {
        int inAir;

        @Nullable
        Batch next;
    }

    /** Requests of one bucket, plan and cost sent in one script. */
    static final class Batch {
        final byte[] bucketKey;
        final BucketConfiguration configuration;
        final long tokens;
        Instant now;
        final List<Slot> slots = new ArrayList<>();
        boolean sealed;
        private final CompletableFuture<List<Object>> reply = new CompletableFuture<>();

        Batch(byte[] bucketKey, BucketConfiguration configuration, long tokens, Instant now) {
            this.bucketKey = bucketKey;
            this.configuration = configuration;
            this.tokens = tokens;
            this.now = now;
        }

        private void seal() {
            sealed = true;
            for (int i = 0; i < slots.size(); i++) {
                slots.get(i).index = i;
            }
        }

        /** How many requests the script takes for. */
        int size() {
            return slots.size();
        }

        /** The script's answer: each slot reads its own part. */
        void answer(List<Object> scriptReply) {
            reply.complete(scriptReply);
        }

        /** The script failed or was not sent: every slot answers per the failure policy. */
        void fail() {
            reply.completeExceptionally(FAILED);
        }
    }

    /** One take waiting in a batch. */
    static final class Slot implements Way {
        final Batch batch;
        volatile int index = -1; // set when the batch is sealed, before its answer

        Slot(Batch batch) {
            this.batch = batch;
        }

        /**
         * The batch's answer and this slot's place in it, or {@code null} when it failed, or did
         * not come within {@code timeoutNanos}, or the thread was interrupted.
         */
        @Nullable
        List<Object> await(long timeoutNanos) {
            try {
                return batch.reply.get(timeoutNanos, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            } catch (ExecutionException | TimeoutException e) {
                return null;
            }
        }
    }

    private static final class Lead implements Way {}

    private static final class Alone implements Way {}
}
