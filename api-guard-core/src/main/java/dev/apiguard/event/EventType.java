package dev.apiguard.event;

import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A kind of security event: its stable dotted name, the level it is logged at and the outcome it
 * reports. The library's own kinds are the constants of {@link SecurityEventType}; a host's own
 * {@link dev.apiguard.GuardStep} defines its kinds by implementing this interface (an enum is the
 * natural form) and emits them with {@link dev.apiguard.GuardExchange#emit(EventType)}:
 *
 * <pre>{@code
 * enum TenantEvents implements EventType {
 *     TENANT_SUSPENDED("tenant.suspended", EventLevel.WARN, EventOutcome.REFUSED);
 *     ...
 * }
 * }</pre>
 *
 * <p><b>Names.</b> An event name is lower-case dotted text: two or more segments of
 * {@code [a-z][a-z0-9_]*} joined by dots, at most {@value #MAX_NAME_LENGTH} characters (for example
 * {@code tenant.suspended}); logs write it bare and metrics use it as a tag value. A host's kind
 * cannot pretend to be one of the library's: its first segment must not be a namespace the library
 * uses ({@link #RESERVED_NAMESPACES}: {@code token}, {@code dpop}, {@code ratelimit}, ...), so that
 * an alert on {@code token.rejected}, or on everything under {@code dpop.}, only ever sees the
 * library's own events. A {@link SecurityEvent} of a kind that breaks either rule is refused with an
 * {@link IllegalArgumentException} (a step that emits one fails, and the request is answered 503):
 * choose a namespace of your own, such as your product's name.
 *
 * <p>Implementations must be immutable; listeners may keep per-kind state keyed by
 * {@link #eventName()}.
 */
public interface EventType {

    /** The longest event name accepted. */
    int MAX_NAME_LENGTH = 64;

    /**
     * The first segments of the library's event names, which a host's kinds may not use:
     * {@code token}, {@code credential}, {@code request}, {@code scope}, {@code route},
     * {@code certificate}, {@code mtls}, {@code dpop}, {@code client_assertion},
     * {@code ratelimit}, {@code store}, {@code anomaly}, {@code apikey}, {@code keys},
     * {@code guard}, and {@code apiguard}.
     */
    Set<String> RESERVED_NAMESPACES = Set.of(
            "token",
            "credential",
            "request",
            "scope",
            "route",
            "certificate",
            "mtls",
            "dpop",
            "client_assertion",
            "ratelimit",
            "store",
            "anomaly",
            "apikey",
            "keys",
            "guard",
            "apiguard");

    /** The stable dotted name, for example {@code token.rejected}. */
    String eventName();

    /** The level the event is logged at. */
    EventLevel level();

    /** The outcome the event reports. Default {@link EventOutcome#NOTICE}. */
    default EventOutcome outcome() {
        return EventOutcome.NOTICE;
    }

    /**
     * Checks a host's kind against the naming rules above; the library's own kinds pass as they
     * are. {@link SecurityEvent} calls it for every event.
     *
     * @return the kind
     * @throws IllegalArgumentException when the name is malformed or in a reserved namespace
     */
    static EventType checked(EventType type) {
        Objects.requireNonNull(type, "type cannot be null");
        if (type instanceof SecurityEventType) {
            return type;
        }
        String name = type.eventName();
        if (!wellFormed(name)) {
            throw new IllegalArgumentException("event name must be lower-case dotted text ([a-z][a-z0-9_]* segments,"
                    + " at least two, at most " + MAX_NAME_LENGTH + " characters): " + shown(name));
        }
        String namespace = name.substring(0, name.indexOf('.'));
        if (RESERVED_NAMESPACES.contains(namespace)) {
            throw new IllegalArgumentException("event name " + name + " is in the namespace '" + namespace
                    + "', which api-guard reserves for its own events; choose a namespace of your own");
        }
        Objects.requireNonNull(type.level(), "level cannot be null");
        Objects.requireNonNull(type.outcome(), "outcome cannot be null");
        return type;
    }

    private static boolean wellFormed(@Nullable String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_NAME_LENGTH) {
            return false;
        }
        boolean segmentStart = true;
        int dots = 0;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (segmentStart) {
                if (c < 'a' || c > 'z') {
                    return false;
                }
                segmentStart = false;
            } else if (c == '.') {
                dots++;
                segmentStart = true;
            } else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
                return false;
            }
        }
        return dots > 0 && !segmentStart;
    }

    /** The name as shown in a message: quoted, control characters escaped, cut at 80. */
    private static String shown(@Nullable String name) {
        if (name == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < name.length() && i < 80; i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append(name.length() > 80 ? "...\"" : "\"").toString();
    }
}
