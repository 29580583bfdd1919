package dev.apiguard.test;

import dev.apiguard.event.EventType;
import dev.apiguard.event.SecurityEvent;
import dev.apiguard.event.SecurityEventListener;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A {@link SecurityEventListener} that keeps every event it receives, in order, for assertions.
 *
 * <p>Thread-safe: events may arrive from several request threads; the accessors return snapshots.
 * It holds every event until {@link #clear()}, so it belongs in tests, never in production.
 *
 * <pre>{@code
 * RecordingListener events = new RecordingListener();
 * ApiGuard guard = ApiGuard.builder().listener(events).step(step).build();
 * // ... send requests ...
 * assertThat(events.types()).containsExactly(SecurityEventType.TOKEN_REJECTED);
 * }</pre>
 */
public final class RecordingListener implements SecurityEventListener {

    private final List<SecurityEvent> events = new ArrayList<>();

    /** Records the event. */
    @Override
    public void onEvent(SecurityEvent event) {
        synchronized (events) {
            events.add(event);
        }
    }

    /** A snapshot of every recorded event, oldest first. */
    public List<SecurityEvent> events() {
        synchronized (events) {
            return List.copyOf(events);
        }
    }

    /** A snapshot of the types of the recorded events, oldest first. */
    public List<EventType> types() {
        return events().stream().map(SecurityEvent::type).toList();
    }

    /** The most recent event of the given type, or empty when none was recorded. */
    public Optional<SecurityEvent> last(EventType type) {
        List<SecurityEvent> all = events();
        for (int i = all.size() - 1; i >= 0; i--) {
            if (all.get(i).type() == type) {
                return Optional.of(all.get(i));
            }
        }
        return Optional.empty();
    }

    /** Forgets every recorded event. */
    public void clear() {
        synchronized (events) {
            events.clear();
        }
    }
}
