package dev.apiguard.event;

import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives security events.
 *
 * <p>Contract: {@link #onEvent} is called on the request thread, so it must be fast and should
 * not block; it should not throw, and when it does the guard logs the failure and goes on with the
 * request. The guard builds no event object at all when its listener is {@link #NONE}.
 */
@FunctionalInterface
public interface SecurityEventListener {

    /** A listener that ignores every event. */
    SecurityEventListener NONE = event -> {};

    /** Handles one event. */
    void onEvent(SecurityEvent event);

    /**
     * A listener that hands each event to every given listener in order; one that throws does not
     * keep the others from seeing the event.
     */
    static SecurityEventListener composite(SecurityEventListener... listeners) {
        List<SecurityEventListener> all = List.of(listeners);
        if (all.isEmpty()) {
            return NONE;
        }
        if (all.size() == 1) {
            return all.get(0);
        }
        Logger log = LoggerFactory.getLogger(SecurityEventListener.class);
        return event -> {
            for (SecurityEventListener l : all) {
                try {
                    l.onEvent(event);
                } catch (RuntimeException e) {
                    log.warn(
                            "security event listener {} failed on {}",
                            l.getClass().getName(),
                            event.type().eventName(),
                            e);
                }
            }
        };
    }
}
