package dev.apiguard.redis;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Waits for something other processes do (a Redis node failing over, a message between nodes, a
 * client reconnecting on its own threads): the one place the Redis tests wait in real time, on a
 * condition with a deadline, never for time itself to pass. Test time is an injected clock.
 */
public final class Eventually {

    private Eventually() {}

    /** Whether the condition held within the deadline, asked every {@code 10 ms}; false when the deadline passed first. */
    public static boolean holds(Duration deadline, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(10); // another process's work, not test time
        }
        return condition.getAsBoolean();
    }
}
