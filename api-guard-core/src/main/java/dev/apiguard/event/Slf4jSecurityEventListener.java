package dev.apiguard.event;

import dev.apiguard.internal.ClockTimeMeter;
import io.github.bucket4j.Bucket;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.slf4j.event.Level;

/**
 * The default listener: logs each event through SLF4J on the logger {@code dev.apiguard.event}
 * at its kind's {@link EventType#level() level} (for the library's kinds: refusals at INFO, allowed
 * requests at DEBUG, faults and misused credentials at WARN; a host's own kinds at the level they
 * declare), with the caller's id in the MDC under {@code apiguard.caller} while the line is written.
 *
 * <p><b>A flood does not flood the log.</b> INFO and WARN lines are written within a budget per
 * event type, by default {@value #DEFAULT_LINES} lines per {@link #DEFAULT_PERIOD} (refilled
 * greedily; a host's kinds each get a budget of their own, up to {@value #MAX_HOST_TYPES} kinds, and
 * share one past that); beyond it lines of that type are counted, not written, and the next line of the type
 * that is written ends with {@code suppressed=N}, the number left out since the one before. A
 * scraper refused 10,000 times a second thus writes 10 lines a second per kind of refusal, not
 * 10,000. Other listeners (metrics, an audit sink of your own) still get every event; use
 * {@link Builder#unlimited()} where the log itself must hold every refusal. DEBUG lines (allowed
 * requests) have no budget: DEBUG is switched on to see everything.
 *
 * <p>Thread-safe.
 */
public final class Slf4jSecurityEventListener implements SecurityEventListener {

    /** The MDC key that holds the caller's id while an event is logged. */
    public static final String MDC_CALLER = "apiguard.caller";

    /** INFO and WARN lines written per event type per {@link #DEFAULT_PERIOD} before the rest are counted. */
    public static final int DEFAULT_LINES = 100;

    /** The period of {@link #DEFAULT_LINES}: ten seconds. */
    public static final Duration DEFAULT_PERIOD = Duration.ofSeconds(10);

    /** The longest value written whole; a longer one (a path can be kilobytes) is cut. */
    static final int MAX_VALUE_LENGTH = 512;

    /** Host-defined kinds given a budget of their own; later ones share {@link #hostOverflow}. */
    static final int MAX_HOST_TYPES = 64;

    private static final int TYPES = SecurityEventType.values().length;

    private final Logger log;
    /** One budget per {@link SecurityEventType#ordinal()}; null without a budget. */
    private final Budget @Nullable [] budgets;
    /** Budgets of a host's own kinds, by event name; null without a budget. */
    private final @Nullable ConcurrentHashMap<String, Budget> hostBudgets;
    /** The budget shared by host kinds past {@link #MAX_HOST_TYPES}. */
    private final @Nullable Budget hostOverflow;

    private final @Nullable ClockTimeMeter time;
    private final int lines;
    private final Duration period;

    /** A listener logging to {@code dev.apiguard.event}, with the default budget. */
    public Slf4jSecurityEventListener() {
        this(LoggerFactory.getLogger("dev.apiguard.event"));
    }

    Slf4jSecurityEventListener(Logger log) {
        this(log, builder());
    }

    private Slf4jSecurityEventListener(Logger log, Builder b) {
        this.log = log;
        this.lines = b.lines;
        this.period = b.period;
        if (b.lines == 0) {
            this.time = null;
            this.budgets = null;
            this.hostBudgets = null;
            this.hostOverflow = null;
        } else {
            this.time = new ClockTimeMeter(b.clock);
            this.budgets = new Budget[TYPES];
            for (int i = 0; i < TYPES; i++) {
                budgets[i] = newBudget();
            }
            this.hostBudgets = new ConcurrentHashMap<>();
            this.hostOverflow = newBudget();
        }
    }

    private Budget newBudget() {
        return new Budget(Bucket.builder()
                .withCustomTimePrecision(time)
                .addLimit(l -> l.capacity(lines).refillGreedy(lines, period))
                .build());
    }

    /** The lines of one kind of event: the bucket, and the lines left out since the last one written. */
    private record Budget(Bucket bucket, AtomicLong suppressed) {
        Budget(Bucket bucket) {
            this(bucket, new AtomicLong());
        }
    }

    /** The budget of this kind of event; null without budgets (every line is written). */
    private @Nullable Budget budget(EventType type) {
        Budget[] builtIns = budgets;
        ConcurrentHashMap<String, Budget> hosts = hostBudgets;
        Budget overflow = hostOverflow;
        if (builtIns == null || hosts == null || overflow == null) {
            return null;
        }
        if (type instanceof SecurityEventType builtIn) {
            return builtIns[builtIn.ordinal()];
        }
        Budget b = hosts.get(type.eventName());
        if (b != null) {
            return b;
        }
        if (hosts.size() >= MAX_HOST_TYPES) {
            return overflow;
        }
        return hosts.computeIfAbsent(type.eventName(), n -> newBudget());
    }

    /** A builder, with the default budget and the system clock. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void onEvent(SecurityEvent event) {
        Level level = switch (event.type().level()) {
            case DEBUG -> Level.DEBUG;
            case WARN -> Level.WARN;
            case ERROR -> Level.ERROR;
            default -> Level.INFO;
        };
        // nothing built, nothing put in the MDC, for a line that is not written (allowed requests
        // while DEBUG is off: the common case, once per request)
        if (!log.isEnabledForLevel(level)) {
            return;
        }
        long left = 0;
        Budget budget = level == Level.DEBUG ? null : budget(event.type());
        if (budget != null) {
            if (!budget.bucket().tryConsume(1)) {
                budget.suppressed().incrementAndGet();
                return;
            }
            left = budget.suppressed().getAndSet(0);
        }
        String previous = MDC.get(MDC_CALLER);
        if (event.callerId() != null) {
            MDC.put(MDC_CALLER, mdcValue(event.callerId()));
        }
        try {
            String line = left == 0 ? format(event) : format(event) + " suppressed=" + left;
            switch (level) {
                case DEBUG -> log.debug(line);
                case WARN -> log.warn(line);
                case ERROR -> log.error(line);
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
    private static void append(StringBuilder sb, String name, @Nullable String value) {
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

    /** Builds a {@link Slf4jSecurityEventListener}. Not thread-safe. */
    public static final class Builder {
        private int lines = DEFAULT_LINES;
        private Duration period = DEFAULT_PERIOD;
        private Clock clock = Clock.systemUTC();

        private Builder() {}

        /**
         * At most {@code lines} INFO and WARN lines per event type per {@code period}, refilled
         * greedily (a line every {@code period / lines}). Default: {@value Slf4jSecurityEventListener#DEFAULT_LINES} per
         * 10 seconds.
         *
         * @throws IllegalArgumentException when {@code lines} is not positive or the period is not
         *     positive
         */
        public Builder linesPerEventType(int lines, Duration period) {
            Objects.requireNonNull(period, "period cannot be null");
            if (lines <= 0) {
                throw new IllegalArgumentException("lines must be positive, was " + lines);
            }
            if (period.isNegative() || period.isZero()) {
                throw new IllegalArgumentException("period must be positive, was " + period);
            }
            this.lines = lines;
            this.period = period;
            return this;
        }

        /** Every line written, whatever the rate: for a log that must hold every refusal. */
        public Builder unlimited() {
            this.lines = 0;
            return this;
        }

        /** The clock the budget refills on. Default: {@link Clock#systemUTC()}. */
        public Builder clock(Clock newClock) {
            this.clock = Objects.requireNonNull(newClock, "clock cannot be null");
            return this;
        }

        /** The listener, logging to {@code dev.apiguard.event}. */
        public Slf4jSecurityEventListener build() {
            return new Slf4jSecurityEventListener(LoggerFactory.getLogger("dev.apiguard.event"), this);
        }

        Slf4jSecurityEventListener build(Logger log) {
            return new Slf4jSecurityEventListener(log, this);
        }
    }
}
