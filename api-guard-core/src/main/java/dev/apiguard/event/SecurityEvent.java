package dev.apiguard.event;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One security-relevant outcome. Immutable. Holds no credential material: details carry reasons
 * and identifiers, never tokens, keys or query strings.
 *
 * @param type the kind of event: one of {@link SecurityEventType}, or a host's own kind (checked by
 *     {@link EventType#checked}: a malformed name, or one in a namespace the library reserves, is
 *     refused)
 * @param timestamp when it happened, from the guard's clock
 * @param callerId the verified caller's id, or {@code null} before authentication
 * @param remoteAddress the TCP peer's address, or {@code null}
 * @param method the request method, or {@code null} for events outside a request
 * @param path the request path, or {@code null} for events outside a request
 * @param details further named values (for example {@code reason})
 */
public record SecurityEvent(
        EventType type,
        Instant timestamp,
        @Nullable String callerId,
        @Nullable String remoteAddress,
        @Nullable String method,
        @Nullable String path,
        Map<String, String> details) {

    public SecurityEvent {
        EventType.checked(type);
        Objects.requireNonNull(timestamp, "timestamp cannot be null");
        details = details == null ? Map.of() : Map.copyOf(details);
    }

    /** The value of a detail, or {@code null}. */
    public @Nullable String detail(String name) {
        return details.get(name);
    }
}
