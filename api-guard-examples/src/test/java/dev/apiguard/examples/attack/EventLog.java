package dev.apiguard.examples.attack;

import static org.assertj.core.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The security events the demo servers of a class log, read back from the log: the demo's guard
 * uses the default {@code Slf4jSecurityEventListener} (logger {@code dev.apiguard.event}), and
 * slf4j-simple writes to whatever {@code System.err} is at the time of each line, so a tee on
 * {@code System.err} sees every line as it is written (and still passes it on). One line is one
 * event: {@code type caller=... peer=... method=... path=... detail=...}, logfmt.
 *
 * <p>Lines carry no server: a class reads the events {@linkplain #since since} a {@link #mark()}
 * taken when its test started, with the test's own caller ids. The listener writes at most 100
 * lines per event type per 10 s per guard, so a test counts events only below that.
 *
 * <p>Install in {@code @BeforeAll}, {@link #close()} in {@code @AfterAll}. Thread-safe.
 */
final class EventLog implements AutoCloseable {

    private static final String LOGGER = " dev.apiguard.event - ";

    /**
     * One logged event.
     *
     * @param type the event name, like {@code credential.misused}
     * @param fields the logged fields: caller, peer, method, path and the details
     */
    record Event(String type, Map<String, String> fields) {

        String field(String name) {
            return fields.get(name);
        }

        boolean is(String eventType, String... nameValuePairs) {
            if (!type.equals(eventType)) {
                return false;
            }
            for (int i = 0; i + 1 < nameValuePairs.length; i += 2) {
                if (!nameValuePairs[i + 1].equals(fields.get(nameValuePairs[i]))) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public String toString() {
            return type + " " + fields;
        }
    }

    private final PrintStream original;
    private final List<Event> events = new ArrayList<>();

    private EventLog() {
        this.original = System.err;
    }

    /** Starts reading {@code System.err}. */
    static EventLog capture() {
        EventLog log = new EventLog();
        System.setErr(new PrintStream(log.tee(), true, StandardCharsets.UTF_8));
        return log;
    }

    private OutputStream tee() {
        return new OutputStream() {
            private final ByteArrayOutputStream line = new ByteArrayOutputStream();

            @Override
            public synchronized void write(int b) {
                original.write(b);
                if (b == '\n') {
                    take(line.toString(StandardCharsets.UTF_8));
                    line.reset();
                } else {
                    line.write(b);
                }
            }

            @Override
            public synchronized void write(byte[] b, int off, int len) {
                for (int i = off; i < off + len; i++) {
                    write(b[i]);
                }
            }

            @Override
            public void flush() {
                original.flush();
            }
        };
    }

    private void take(String line) {
        int at = line.indexOf(LOGGER);
        if (at < 0) {
            return;
        }
        Event e = parse(line.substring(at + LOGGER.length()).strip());
        synchronized (events) {
            events.add(e);
            events.notifyAll();
        }
    }

    /** {@code type name=value name="quoted \" value"}, as the listener writes it. */
    static Event parse(String text) {
        int space = text.indexOf(' ');
        String type = space < 0 ? text : text.substring(0, space);
        Map<String, String> fields = new LinkedHashMap<>();
        int i = space < 0 ? text.length() : space + 1;
        while (i < text.length()) {
            int eq = text.indexOf('=', i);
            if (eq < 0) {
                break;
            }
            String name = text.substring(i, eq);
            StringBuilder value = new StringBuilder();
            int j = eq + 1;
            if (j < text.length() && text.charAt(j) == '"') {
                j++;
                while (j < text.length() && text.charAt(j) != '"') {
                    if (text.charAt(j) == '\\' && j + 1 < text.length()) {
                        j++;
                    }
                    value.append(text.charAt(j++));
                }
                j++;
            } else {
                while (j < text.length() && text.charAt(j) != ' ') {
                    value.append(text.charAt(j++));
                }
            }
            fields.put(name, value.toString());
            i = j + 1;
        }
        return new Event(type, fields);
    }

    /** The number of events read so far: pass it to {@link #since} and {@link #await}. */
    int mark() {
        synchronized (events) {
            return events.size();
        }
    }

    /** The events read after the mark. */
    List<Event> since(int mark) {
        synchronized (events) {
            return List.copyOf(events.subList(mark, events.size()));
        }
    }

    /** The events read after the mark of the type whose fields have these values. */
    List<Event> since(int mark, String type, String... nameValuePairs) {
        return since(mark).stream().filter(e -> e.is(type, nameValuePairs)).toList();
    }

    /**
     * Waits (at most 10 s) until the events read after the mark satisfy the condition, and
     * returns them; fails with what was read otherwise. For events written after the answer
     * (those of completed requests) and as a check that the log is read at all.
     */
    List<Event> await(int mark, String description, Predicate<List<Event>> condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        synchronized (events) {
            while (true) {
                List<Event> seen = List.copyOf(events.subList(mark, events.size()));
                if (condition.test(seen)) {
                    return seen;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return fail("no %s within 10 s; events since the mark: %s", description, seen);
                }
                events.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    /** Waits until at least {@code count} events of the type with these field values were read after the mark. */
    List<Event> await(int mark, int count, String type, String... nameValuePairs) throws InterruptedException {
        await(
                mark,
                count + " × " + type + " " + List.of(nameValuePairs),
                seen -> seen.stream().filter(e -> e.is(type, nameValuePairs)).count() >= count);
        return since(mark, type, nameValuePairs);
    }

    @Override
    public void close() {
        System.setErr(original);
    }
}
