package dev.apiguard.ratelimit;

import dev.apiguard.Caller;
import dev.apiguard.GuardExchange;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link KeyedLimit} counts a request under: the part of the bucket key that tells its
 * buckets apart (the caller, the route, a tenant, a header's value), or {@code null} when the limit
 * does not apply to the request. Built-ins are in {@link RateLimitKeys}; a host writes its own as a
 * lambda over the exchange and the verified caller.
 *
 * <p>The part never reaches a store as it is: {@link RateLimitStep} names the bucket by the limit's
 * name and the part's digest (SHA-256, 22 base64url characters in a cluster hash tag; the caller's
 * own hash tag for {@link RateLimitKeys#caller()}), so a part may hold any character and be
 * of any length; parts longer than {@link RateLimitKeys#MAX_PART_LENGTH} characters all count as
 * one. A part that a client can choose freely (a header's value) lets it spread its requests over
 * buckets: every limit of a key that is not {@link #boundedPerCaller()} holds at most
 * {@linkplain KeyedLimit.Builder#maxKeysPerCaller a few} distinct parts per caller per refill
 * time, the rest sharing one overflow bucket of that caller's.
 *
 * <p>Implementations run on the request thread for every request of a verified caller: they must be
 * fast, thread-safe and must not throw (a throwing key is a fault of the guard: 503).
 */
@FunctionalInterface
public interface RateLimitKey {

    /**
     * The key part of this request, or {@code null} when the limit does not apply to it.
     *
     * @param exchange the request, with the route the route step matched ({@link GuardExchange#routeTemplate()})
     * @param caller the verified caller
     */
    @Nullable
    String resolve(GuardExchange exchange, Caller caller);

    /**
     * Whether several callers may share one bucket of this key (default {@code true}): a refusal by
     * such a bucket is not the refused caller's doing, and is not held against it
     * ({@link GuardExchange#markRefusedBySharedLimit()}). {@code false} only when every part names
     * the caller ({@link RateLimitKeys#caller()}, {@link RateLimitKeys#callerAndRoute()}).
     */
    default boolean shared() {
        return true;
    }

    /**
     * Whether the parts one caller can make this key yield are bounded by configuration (its
     * identity, the route templates), not chosen by the client (default {@code false}). A limit of
     * an unbounded key caps the distinct parts per caller ({@link KeyedLimit.Builder#maxKeysPerCaller}).
     */
    default boolean boundedPerCaller() {
        return false;
    }
}
