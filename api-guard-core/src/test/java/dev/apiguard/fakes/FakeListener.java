package dev.apiguard.fakes;

import dev.apiguard.event.EventType;
import dev.apiguard.event.SecurityEvent;
import dev.apiguard.event.SecurityEventListener;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Keeps every event, in order, for assertions (the kit's {@code RecordingListener} for hosts). Thread-safe. */
public final class FakeListener implements SecurityEventListener {

    private final List<SecurityEvent> events = new ArrayList<>();

    @Override
    public synchronized void onEvent(SecurityEvent event) {
        events.add(event);
    }

    /** A snapshot of every event, oldest first. */
    public synchronized List<SecurityEvent> events() {
        return List.copyOf(events);
    }

    /** The types of the events, oldest first. */
    public List<EventType> types() {
        return events().stream().map(SecurityEvent::type).toList();
    }

    /** The most recent event of the type, or empty. */
    public Optional<SecurityEvent> last(EventType type) {
        List<SecurityEvent> all = events();
        for (int i = all.size() - 1; i >= 0; i--) {
            if (all.get(i).type() == type) {
                return Optional.of(all.get(i));
            }
        }
        return Optional.empty();
    }

    /** Forgets every event. */
    public synchronized void clear() {
        events.clear();
    }
}
