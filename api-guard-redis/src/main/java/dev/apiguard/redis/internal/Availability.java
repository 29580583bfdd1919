package dev.apiguard.redis.internal;

import dev.apiguard.event.SecurityEvent;
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.event.SecurityEventType;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether Redis answers, shared by every Redis-backed store of one connection: one event per
 * transition, and a short back-off after a failure so that request threads do not queue up
 * behind a dead server, each waiting its full timeout.
 */
public final class Availability {

    private static final Logger LOG = LoggerFactory.getLogger(Availability.class);

    private final AtomicBoolean down = new AtomicBoolean();
    private final SecurityEventListener listener;
    private final Clock clock;
    private final String policy;
    private final long backoffNanos;
    private volatile long retryAt;

    public Availability(SecurityEventListener listener, Clock clock, String policy, long backoffNanos) {
        this.listener = listener;
        this.clock = clock;
        this.policy = policy;
        this.backoffNanos = backoffNanos;
    }

    /** Whether to skip Redis for now: it failed a moment ago. One caller per back-off probes it again. */
    public boolean skip() {
        if (!down.get()) {
            return false;
        }
        long now = System.nanoTime();
        long at = retryAt;
        if (now - at < 0) {
            return true;
        }
        // let this one request probe; the others keep skipping until the next back-off ends
        retryAt = now + backoffNanos;
        return false;
    }

    /** Whether Redis is considered down. */
    public boolean isDown() {
        return down.get();
    }

    /** Records a failed command. */
    public void failure(RuntimeException fault) {
        retryAt = System.nanoTime() + backoffNanos;
        if (down.compareAndSet(false, true)) {
            LOG.warn(
                    "Redis unavailable ({}); failure policy {} applies",
                    fault.getClass().getName(),
                    policy);
            emit(SecurityEventType.STORE_UNAVAILABLE, fault.getClass().getName());
        }
    }

    /** Records a command that succeeded. */
    public void success() {
        if (down.get() && down.compareAndSet(true, false)) {
            LOG.info("Redis answers again; shared limits resume");
            emit(SecurityEventType.STORE_RECOVERED, null);
        }
    }

    private void emit(SecurityEventType type, @Nullable String fault) {
        if (listener == SecurityEventListener.NONE) {
            return;
        }
        Map<String, String> details = fault == null
                ? Map.of("store", "redis", "policy", policy)
                : Map.of("store", "redis", "policy", policy, "fault", fault);
        try {
            listener.onEvent(new SecurityEvent(type, clock.instant(), null, null, null, null, details));
        } catch (RuntimeException e) {
            LOG.warn("security event listener failed on {}", type.eventName(), e);
        }
    }
}
