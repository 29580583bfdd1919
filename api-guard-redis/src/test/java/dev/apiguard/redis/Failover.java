package dev.apiguard.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.ratelimit.BucketStore.Outcome;
import dev.apiguard.ratelimit.BucketStore.Status;
import io.github.bucket4j.BucketConfiguration;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * Requests on one bucket while a master fails over: each must be answered within the command
 * timeout (with room for a loaded machine: never a hang), until one is served again.
 */
record Failover(Outcome last, int bypassed) {

    static Failover requestUntilServed(
            RedisGuardState state,
            String bucket,
            BucketConfiguration configuration,
            Instant now,
            Duration commandTimeout,
            Duration within)
            throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        Outcome outcome;
        int bypassed = 0;
        do {
            long start = System.nanoTime();
            outcome = state.bucketStore().tryConsume(bucket, configuration, 1000, now);
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(tookMillis).isLessThan(commandTimeout.toMillis() + 1500);
            if (outcome.status() == Status.BYPASSED) {
                bypassed++;
            }
            Thread.sleep(20); // pacing requests while child processes fail over, not test time
        } while (outcome.status() != Status.CONSUMED && System.nanoTime() < deadline);
        return new Failover(outcome, bypassed);
    }
}
