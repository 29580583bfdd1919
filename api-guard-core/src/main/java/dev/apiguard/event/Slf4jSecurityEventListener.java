package dev.apiguard.event;

import java.util.HexFormat;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.slf4j.event.Level;

/**
 * The default listener: logs each event through SLF4J on the logger {@code dev.apiguard.event},
 * refusals at INFO, allowed requests at DEBUG and faults at WARN, with the caller's id in the
 * MDC under {@code apiguard.caller} while the line is written.
 *
 * <p>Thread-safe.
 */
public final class Slf4jSecurityEventListener implements SecurityEventListener {

    /** The MDC key that holds the caller's id while an event is logged. */
    public static final String MDC_CALLER = "apiguard.caller";

    /** The longest value written whole; a longer one (a path can be kilobytes) is cut. */
    static final int MAX_VALUE_LENGTH = 512;

    private final Logger log;

    /** A listener logging to {@code dev.apiguard.event}. */
    public Slf4jSecurityEventListener() {
        this(LoggerFactory.getLogger("dev.apiguard.event"));
    }

    Slf4jSecurityEventListener(Logger log) {
        this.log = log;
    }

    @Override
    public void onEvent(SecurityEvent event) {
        Level level = switch (event.type()) {
            case REQUEST_ALLOWED, TOKEN_ACCEPTED -> Level.DEBUG;
            case KEY_SOURCE_FAILED, STEP_FAILED, LISTENER_FAILED, STORE_UNAVAILABLE -> Level.WARN;
            default -> Level.INFO;
        };
        // nothing built, nothing put in the MDC, for a line that is not written (allowed requests
        // while DEBUG is off: the common case, once per request)
        if (!log.isEnabledForLevel(level)) {
            return;
        }
        String previous = MDC.get(MDC_CALLER);
        if (event.callerId() != null) {
            MDC.put(MDC_CALLER, mdcValue(event.callerId()));
        }
        try {
            String line = format(event);
            switch (level) {
                case DEBUG -> log.debug(line);
                case WARN -> log.warn(line);
                default -> log.info(line);
            }
        } finally {
            if (previous == null) {
                MDC.remove(MDC_CALLER);
            } else {
                MDC.put(MDC_CALLER, previous);
            }
        }
    }

    static String format(SecurityEvent event) {
        StringBuilder sb = new StringBuilder(event.type().eventName());
        append(sb, "caller", event.callerId());
        append(sb, "peer", event.remoteAddress());
        append(sb, "method", event.method());
        append(sb, "path", event.path());
        for (Map.Entry<String, String> d : new java.util.TreeMap<>(event.details()).entrySet()) {
            append(sb, d.getKey(), d.getValue());
        }
        return sb.toString();
    }

    /**
     * {@code name=value}, logfmt style: the value bare when it is visible ASCII without a double
     * quote, a backslash or {@code =}; else in double quotes, with a backslash before each double
     * quote and backslash in it. Either way no character can end the line or start a field of its
     * own (log injection): line breaks and the other control characters (C0, DEL, C1, U+2028,
     * U+2029) are written as a backslash, {@code u} and four hex digits. A value longer than
     * {@value #MAX_VALUE_LENGTH} characters is cut, and the count of the rest written.
     */
    private static void append(StringBuilder sb, String name, String value) {
        if (value == null) {
            return;
        }
        sb.append(' ').append(name).append('=');
        int length = Math.min(value.length(), MAX_VALUE_LENGTH);
        boolean bare = length > 0 && length == value.length();
        for (int i = 0; i < length && bare; i++) {
            char c = value.charAt(i);
            bare = c > 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '=';
        }
        if (bare) {
            sb.append(value);
            return;
        }
        sb.append('"');
        for (int i = 0; i < length; i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else {
                appendEscapingControls(sb, c);
            }
        }
        if (length < value.length()) {
            sb.append("...(").append(value.length() - length).append(" more)");
        }
        sb.append('"');
    }

    /** The caller's id as put in the MDC: control characters escaped as in a logged value, cut alike. */
    static String mdcValue(String callerId) {
        boolean plain = callerId.length() <= MAX_VALUE_LENGTH;
        for (int i = 0; i < callerId.length() && plain; i++) {
            plain = !isControl(callerId.charAt(i));
        }
        if (plain) {
            return callerId; // the common case: no copy
        }
        StringBuilder sb = new StringBuilder(Math.min(callerId.length(), MAX_VALUE_LENGTH));
        for (int i = 0; i < callerId.length() && i < MAX_VALUE_LENGTH; i++) {
            appendEscapingControls(sb, callerId.charAt(i));
        }
        return sb.toString();
    }

    private static boolean isControl(char c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029';
    }

    private static void appendEscapingControls(StringBuilder sb, char c) {
        if (isControl(c)) {
            sb.append("\\u").append(HexFormat.of().toHexDigits(c));
        } else {
            sb.append(c);
        }
    }
}
