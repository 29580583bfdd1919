package dev.apiguard;

import dev.apiguard.internal.Check;
import java.time.Clock;

/**
 * What a guard hands each of its steps when it is built ({@link GuardStep#attach}): the one clock
 * of the guard. On the request path a step reads the time of the request,
 * {@link GuardExchange#now()}, taken from this clock once per request; off the request path (a
 * report, a score asked for by a governance view) it reads this clock, never one of its own.
 *
 * @param clock the guard's clock ({@link ApiGuard.Builder#clock})
 */
public record GuardContext(Clock clock) {
    public GuardContext {
        Check.notNull("clock", clock);
    }
}
