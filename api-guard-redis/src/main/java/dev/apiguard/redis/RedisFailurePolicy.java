package dev.apiguard.redis;

/**
 * What the guard does while Redis does not answer within the command timeout.
 *
 * <p>Either way, no request waits longer than the timeout, and one {@code store.unavailable}
 * event is raised when Redis goes away and one {@code store.recovered} event when it answers
 * again.
 */
public enum RedisFailurePolicy {
    /**
     * Let requests through, uncounted by the shared buckets (the default): availability first.
     * Quarantine look-ups answer "not quarantined"; replay caches still refuse (they answer
     * {@code UNAVAILABLE}: a replay check that cannot be made is never passed).
     */
    OPEN,
    /**
     * Refuse requests that need Redis with 503 and {@code Retry-After}: limits first.
     */
    CLOSED
}
