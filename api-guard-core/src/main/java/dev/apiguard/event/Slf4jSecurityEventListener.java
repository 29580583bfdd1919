package dev.apiguard.event;

import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

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
        String previous = MDC.get(MDC_CALLER);
        if (event.callerId() != null) {
            MDC.put(MDC_CALLER, event.callerId());
        }
        try {
            switch (event.type()) {
                case REQUEST_ALLOWED, TOKEN_ACCEPTED -> {
                    if (log.isDebugEnabled()) {
                        log.debug(format(event));
                    }
                }
                case KEY_SOURCE_FAILED, STEP_FAILED, LISTENER_FAILED, STORE_UNAVAILABLE -> log.warn(format(event));
                default -> {
                    if (log.isInfoEnabled()) {
                        log.info(format(event));
                    }
                }
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

    private static void append(StringBuilder sb, String name, String value) {
        if (value != null) {
            sb.append(' ').append(name).append('=');
            // log injection: keep one event on one line
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                sb.append(c < 0x20 || c == 0x7f ? '_' : c);
            }
        }
    }
}
