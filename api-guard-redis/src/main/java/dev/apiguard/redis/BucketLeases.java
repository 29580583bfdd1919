package dev.apiguard.redis;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.apiguard.ratelimit.BucketStore.Outcome;
import dev.apiguard.ratelimit.BucketStore.Status;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * Tokens a node took from a shared bucket ahead of use, handed out here without a round trip.
 *
 * <p>The bucket script grants a lease of up to {@code size} requests' tokens only while every
 * limit of the bucket stays above half its capacity after the grant (near the limit each request
 * is counted in Redis, one at a time), and never more than a sixteenth of a limit's capacity (a
 * limit of fewer than 32 requests is counted request by request). A lease is used within {@code validity} of its grant, by
 * the guard's clock, or dropped: tokens a node took and did not use are lost to the caller, never
 * given to anyone else, so the fleet never admits more than the bucket holds and a caller is
 * refused at most {@code nodes × min(size, capacity / 16)} requests early, and only after it
 * went above half its capacity. The size adapts per bucket: it starts at 1 (one round trip per request, exactly as
 * without leases), doubles up to {@code size} when a lease is used up within half its validity,
 * and halves when a lease expires unused or the caller slows down. Once a lease of four requests
 * or more is down to a quarter, the request that took from it returns at once and its tokens are
 * topped up to the lease's size in the background (one script, as for a lease), so that a busy
 * caller's requests do not wait for Redis; what the lease still held is then used within the
 * validity of that grant. At most one lease of more than one request is asked for at a time per
 * bucket and node; requests that arrive while it is on its way and find the lease empty wait for it
 * (at most the validity, in real time) and take from it, else ask Redis for their own tokens only.
 * A lease holds tokens, not requests: requests of another cost (a route that costs more) take from
 * the same lease; another plan drops it, and what is on its way for the old one.
 *
 * <p>Bounded: at most {@link #MAXIMUM_BUCKETS} buckets' leases per node, their tokens lost as above
 * when one is dropped. Caffeine admits a new bucket only when it is used more often than the one it
 * would evict (W-TinyLFU), so callers churning through new buckets (many client addresses against
 * the anonymous limiter) do not push a busy partner's lease out. Thread-safe.
 */
final class BucketLeases {

    /** The most buckets whose leases one node keeps. */
    static final long MAXIMUM_BUCKETS = 100_000;

    /** A grant brings at most this fraction of a limit's capacity: the bucket script's {@code LEASE_SHARE}. */
    static final int LEASE_SHARE = 16;

    private final int size;
    private final long validityNanos;
    private final Cache<String, Lease> leases;
    private final LongAdder ownFetches = new LongAdder();
    private final LongAdder topUps = new LongAdder();

    BucketLeases(int size, Duration validity) {
        this.size = size;
        this.validityNanos = validity.toNanos();
        this.leases = Caffeine.newBuilder()
                .maximumSize(MAXIMUM_BUCKETS)
                // maintenance on the request's thread, never a task handed to another thread
                .executor(Runnable::run)
                // memory only: a lease's own validity is checked against the guard's clock
                .expireAfterAccess(validity.multipliedBy(4).plusSeconds(1))
                .build();
    }

    /** The lease of a bucket, created empty. */
    Lease of(String key) {
        return leases.get(key, k -> new Lease());
    }

    /** How many takes found no tokens here and asked Redis themselves (waiting for the answer). */
    long ownFetches() {
        return ownFetches.sum();
    }

    /** How many top-ups were asked for in the background. */
    long topUps() {
        return topUps.sum();
    }

    /** One bucket's lease and the state its size adapts on. Guarded by its own monitor. */
    final class Lease {
        private @Nullable BucketConfiguration configuration;
        private long left; // tokens
        private long grantedAt = Long.MIN_VALUE;
        private long expiresAt;
        private int current = 1;
        private boolean fetching;
        private long fetchesEnded; // a waiter waits for the fetch it found, not for the ones after it
        private long lastGrant; // requests' tokens the last grant brought
        private @Nullable BucketConfiguration toppingUp; // the plan of the top-up on its way
        private long bucketRemaining;
        private long full;

        /**
         * Takes one request's tokens from the lease, or answers how many requests' tokens to ask
         * Redis for: negative, none in the lease, ask for {@code -answer} and wait; positive, taken,
         * and the lease is to be topped up with {@code answer} requests' tokens in the background
         * ({@link #toppedUp} or {@link #topUpFailed} to follow); 0, taken.
         */
        synchronized long take(BucketConfiguration asked, long cost, Instant now) {
            long t = nanos(now);
            if (!asked.equals(configuration)) {
                // another plan: what was leased under the old one is dropped
                configuration = asked;
                left = 0;
                current = 1;
                lastGrant = 0;
                grantedAt = Long.MIN_VALUE;
                if (toppingUp != null) {
                    // a top-up for the old plan serves nobody: nothing waits for it
                    toppingUp = null;
                    fetched();
                }
            }
            if (left >= cost && t < expiresAt) {
                left -= cost;
                return topUp(cost, t);
            }
            if (fetching) {
                // another request is fetching a lease: wait for it rather than ask Redis as well
                // (one more round trip; the lease it brings is meant for this request too), at
                // most the validity; counted on its own when the lease does not serve it
                if (awaitFetch() && asked.equals(configuration) && left >= cost && t < expiresAt) {
                    left -= cost;
                    return 0;
                }
                return -1;
            }
            if (grantedAt != Long.MIN_VALUE) {
                long since = t - grantedAt;
                if (left >= cost || since >= validityNanos) {
                    current = Math.max(1, current / 2); // expired unused, or slow: lease less
                } else if (since < validityNanos / 2) {
                    current = Math.min(size, current * 2); // used up quickly: lease more
                }
            }
            left = 0; // expired, or less than this request costs: lost, never handed to anyone
            fetching = current > 1;
            ownFetches.increment();
            return -current;
        }

        /**
         * After a take from the lease: how many requests' tokens to fetch ahead, 0 for none. A lease
         * of four requests or more, down to a quarter, is topped up to its size (doubled first when
         * three quarters went within a quarter of the validity), unless a fetch is on its way or the
         * last grant was of one request (near the limit: each request asks Redis for itself).
         */
        private long topUp(long cost, long t) {
            if (fetching || current < 4 || lastGrant < 2 || left >= current * cost / 4) {
                return 0;
            }
            if (t - grantedAt < validityNanos / 4) {
                current = Math.min(size, current * 2);
            }
            // what the node holds after the grant stays within what one grant may bring
            long ask = Math.min(current, share(Objects.requireNonNull(configuration), cost)) - left / cost;
            if (ask < 2) {
                return 0;
            }
            fetching = true;
            toppingUp = configuration;
            topUps.increment();
            return ask;
        }

        /**
         * Adds what Redis granted to a top-up ({@code grantedTimes} requests of {@code cost}
         * tokens, asked for under {@code plan} by a request at {@code now}) to the lease; the lease
         * then lasts the validity from {@code now}. Dropped when the plan changed meanwhile (a later
         * top-up, of the new plan, may be on its way: it is left alone).
         */
        synchronized void toppedUp(
                BucketConfiguration plan, long grantedTimes, long cost, Outcome outcome, Instant now) {
            if (!plan.equals(toppingUp)) {
                return; // the plan changed meanwhile: taken in Redis, lost, never handed to anyone
            }
            toppingUp = null;
            fetched();
            lastGrant = grantedTimes;
            if (grantedTimes < 1) {
                return;
            }
            long t = nanos(now);
            grantedAt = t;
            long add = grantedTimes > Long.MAX_VALUE / cost ? Long.MAX_VALUE : grantedTimes * cost;
            left = left > Long.MAX_VALUE - add ? Long.MAX_VALUE : left + add;
            expiresAt = t + validityNanos;
            bucketRemaining = outcome.remainingTokens();
            full = outcome.nanosToWaitForReset();
        }

        /**
         * Ends a top-up asked for under {@code plan} that failed: the lease serves what it holds,
         * then requests ask for themselves.
         */
        synchronized void topUpFailed(BucketConfiguration plan) {
            if (plan.equals(toppingUp)) {
                toppingUp = null;
                fetched();
            }
        }

        /** Whether a fetch of more than one request's tokens is on its way: for tests. */
        synchronized boolean isFetching() {
            return fetching;
        }

        /**
         * Records what Redis granted to a request of {@code cost} tokens that asked for
         * {@code asked} times that: {@code grantedTimes}, the first for the request itself. Answers
         * the request's outcome, counting what the lease now holds as the caller's.
         */
        synchronized Outcome granted(long asked, long grantedTimes, long cost, Outcome outcome, Instant now) {
            if (asked > 1 || grantedTimes > 1) {
                fetched();
            }
            lastGrant = Math.max(0, grantedTimes - 1); // the first was the request's own
            if (grantedTimes < 1) {
                return outcome;
            }
            long t = nanos(now);
            grantedAt = t;
            if (grantedTimes == 1) {
                return outcome;
            }
            left = grantedTimes - 1 > Long.MAX_VALUE / cost ? Long.MAX_VALUE : (grantedTimes - 1) * cost;
            expiresAt = t + validityNanos;
            bucketRemaining = outcome.remainingTokens();
            full = outcome.nanosToWaitForReset();
            return served();
        }

        /** Ends a fetch that failed. */
        synchronized void failed(long asked) {
            if (asked > 1) {
                fetched();
            }
        }

        /** Ends a fetch: the requests waiting for it go on. Called with the monitor held. */
        private void fetched() {
            fetching = false;
            fetchesEnded++;
            notifyAll();
        }

        /**
         * Waits, releasing the monitor, until the fetch in progress ends or the validity passed
         * (real time); whether it ended. Another fetch that begins before this thread has the
         * monitor back is not waited for: with many requests of one caller on a node, a waiter
         * would otherwise miss fetch after fetch until its validity ran out. Called with the
         * monitor held.
         */
        private boolean awaitFetch() {
            long deadline = System.nanoTime() + validityNanos;
            long found = fetchesEnded;
            try {
                while (fetchesEnded == found) {
                    long wait = deadline - System.nanoTime();
                    if (wait <= 0) {
                        return false;
                    }
                    TimeUnit.NANOSECONDS.timedWait(this, wait);
                }
                return true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }

        /** The outcome of a request served from the lease: the bucket's tokens and the lease's. */
        synchronized Outcome served() {
            return new Outcome(Status.CONSUMED, remaining(bucketRemaining, left), 0, full);
        }
    }

    /**
     * The most requests of {@code cost} tokens one grant brings: a sixteenth of the smallest
     * limit's capacity, as the bucket script's {@code LEASE_SHARE}.
     */
    static long share(BucketConfiguration configuration, long cost) {
        long share = Long.MAX_VALUE;
        for (Bandwidth b : configuration.getBandwidths()) {
            share = Math.min(share, b.getCapacity() / LEASE_SHARE / cost);
        }
        return share;
    }

    /** Tokens a caller can still spend: those in the bucket and those its lease holds here. */
    private static long remaining(long bucket, long leased) {
        return bucket > Long.MAX_VALUE - leased ? Long.MAX_VALUE : bucket + leased;
    }

    private static long nanos(Instant now) {
        return Math.addExact(Math.multiplyExact(now.getEpochSecond(), 1_000_000_000L), now.getNano());
    }
}
