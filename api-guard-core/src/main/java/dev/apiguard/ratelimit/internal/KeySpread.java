package dev.apiguard.ratelimit.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.apiguard.internal.RequestTime;
import java.time.Duration;
import java.time.Instant;

/**
 * The distinct key parts each caller counted under, per window, for one keyed limit whose parts
 * the client chooses (a header's value): at most {@code max} per caller, so that a caller spraying
 * values cannot create buckets without bound nor escape the limit with a fresh bucket per request.
 *
 * <p>Bounded: at most {@code maximumCallers} callers are tracked (Caffeine evicts beyond), each
 * with at most {@code max} 64-bit digests, forgotten {@code window} after the caller's first part
 * by the guard's clock. An evicted caller starts afresh: it gets another {@code max} parts, which
 * the caller's own plan still limits. Per node: on a fleet of {@code n} nodes a caller may count
 * under up to {@code n * max} parts per window. Thread-safe.
 */
public final class KeySpread {

    private final int max;
    private final RequestTime requestTime = new RequestTime();
    private final Cache<String, Parts> callers;

    /** The parts of one caller in the current window; changed under its lock. */
    private static final class Parts {
        private final int max;
        private long[] seen = new long[2]; // most callers count under one part or two
        private int count;

        Parts(int max) {
            this.max = max;
        }

        synchronized boolean admit(long part) {
            for (int i = 0; i < count; i++) {
                if (seen[i] == part) {
                    return true;
                }
            }
            if (count == max) {
                return false;
            }
            if (count == seen.length) {
                seen = java.util.Arrays.copyOf(seen, Math.min(max, 2 * count));
            }
            seen[count++] = part;
            return true;
        }
    }

    /**
     * A tracker of at most {@code max} parts per caller per {@code window}, for at most
     * {@code maximumCallers} callers.
     */
    public KeySpread(int max, Duration window, long maximumCallers) {
        this.max = max;
        this.callers = Caffeine.newBuilder()
                .ticker(requestTime)
                .maximumSize(maximumCallers)
                // counted from the caller's first part: a window, not an idle time, so that a busy
                // caller gets a fresh set of parts once a window
                .expireAfterWrite(window)
                .executor(Runnable::run)
                .build();
    }

    /**
     * Whether the caller may count under the part at {@code now}: a part it used in this window,
     * or a new one while it has used fewer than {@code max}.
     *
     * @param caller the caller's hash tag
     * @param part a 64-bit digest of the part
     */
    public boolean admits(String caller, long part, Instant now) {
        requestTime.advanceTo(now);
        return callers.get(caller, c -> new Parts(max)).admit(part);
    }

    /** The number of callers tracked (for tests). */
    public long size() {
        callers.cleanUp();
        return callers.estimatedSize();
    }
}
