package dev.apiguard.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apiguard.test.fixtures.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;

/**
 * The default listener's log lines: one event on one line whatever a client put in the path, no
 * field a client can forge, values cut at a bound, the level by kind of event, the caller in the
 * MDC only while the line is written.
 */
class Slf4jSecurityEventListenerTest {

    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    private static SecurityEvent event(
            SecurityEventType type, String caller, String path, Map<String, String> details) {
        return new SecurityEvent(type, NOW, caller, "192.0.2.1", "GET", path, details);
    }

    private static String path(String path) {
        return Slf4jSecurityEventListener.format(event(SecurityEventType.PATH_REJECTED, null, path, Map.of()));
    }

    @Test
    void anEventIsItsNameAndItsFieldsWithTheDetailsSortedByName() {
        String line = Slf4jSecurityEventListener.format(event(
                SecurityEventType.TOKEN_REJECTED,
                "partner-a",
                "/customers/A1",
                Map.of("reason", "expired", "issuer", "https://issuer.example")));
        assertThat(line)
                .isEqualTo("token.rejected caller=partner-a peer=192.0.2.1 method=GET path=/customers/A1"
                        + " issuer=https://issuer.example reason=expired");
        assertThat(Slf4jSecurityEventListener.format(
                        new SecurityEvent(SecurityEventType.KEY_SOURCE_REFRESHED, NOW, null, null, null, null, null)))
                .isEqualTo("keys.refreshed");
    }

    /** A decoded path can hold what a client percent-encoded: spaces, '=', quotes, line breaks. */
    static Stream<Arguments> hostilePaths() {
        return Stream.of(
                Arguments.of("a forged field", "/x caller=admin", "path=\"/x caller=admin\""),
                Arguments.of(
                        "a forged event", "/x\r\nroute.unmapped p=1", "path=\"/x\\u000d\\u000aroute.unmapped p=1\""),
                Arguments.of("a quote closing early", "/x\" caller=\"admin", "path=\"/x\\\" caller=\\\"admin\""),
                Arguments.of("a backslash before it", "/x\\\" caller=admin", "path=\"/x\\\\\\\" caller=admin\""),
                Arguments.of(
                        "NEL, LS, PS, DEL, C1",
                        "/a\u0085b\u2028c\u2029d\u007fe\u009bf",
                        "path=\"/a\\u0085b\\u2028c\\u2029d\\u007fe\\u009bf\""),
                Arguments.of("a tab, a NUL, an escape", "/a\tb\u0000c\u001bd", "path=\"/a\\u0009b\\u0000c\\u001bd\""),
                Arguments.of("letters beyond ASCII", "/kunden/m\u00fcller", "path=\"/kunden/m\u00fcller\""),
                Arguments.of("an empty value", "", "path=\"\""),
                // each character that is not bare, alone
                Arguments.of("a space", "/a b", "path=\"/a b\""),
                Arguments.of("a double quote", "/a\"b", "path=\"/a\\\"b\""),
                Arguments.of("a backslash", "/a\\b", "path=\"/a\\\\b\""),
                Arguments.of("an equals sign", "/a=b", "path=\"/a=b\""),
                Arguments.of("DEL", "/a\u007f", "path=\"/a\\u007f\""),
                Arguments.of("the first and last C1", "/a\u0080b\u009fc\u00a0d", "path=\"/a\\u0080b\\u009fc\u00a0d\""),
                Arguments.of("the last C0", "/a\u001fb", "path=\"/a\\u001fb\""),
                Arguments.of("visible ASCII is bare", "/a-b_c.d~e!$&'()*+,;:@", "path=/a-b_c.d~e!$&'()*+,;:@"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostilePaths")
    void noValueCanEndTheLineOrStartAFieldOfItsOwn(String name, String path, String expected) {
        String line = path(path);
        assertThat(line).endsWith(" " + expected);
        assertThat(line).doesNotContain("\r", "\n", "\u0085", "\u2028", "\u2029", "\u007f", "\u0000");
        // outside the quotes, the fields are exactly the ones the listener writes
        String unquoted = line.replaceAll("\"(\\\\.|[^\"\\\\])*\"", "\"\"");
        assertThat(unquoted.split(" "))
                .extracting(f -> f.contains("=") ? f.substring(0, f.indexOf('=')) : f)
                .containsExactly("route.path_rejected", "peer", "method", "path");
    }

    @Test
    void aLongValueIsCutAndTheRestCounted() {
        String line = path("/" + "a".repeat(599));
        assertThat(line).endsWith(" path=\"/" + "a".repeat(511) + "...(88 more)\"");
        assertThat(path("/" + "a".repeat(511))).endsWith(" path=/" + "a".repeat(511));
    }

    @Test
    void eachKindOfEventIsLoggedAtItsLevel() {
        RecordingLogger log = new RecordingLogger(true);
        Slf4jSecurityEventListener listener = new Slf4jSecurityEventListener(log);
        listener.onEvent(event(SecurityEventType.TOKEN_REJECTED, null, "/a", Map.of()));
        listener.onEvent(event(SecurityEventType.REQUEST_ALLOWED, "partner-a", "/a", Map.of()));
        listener.onEvent(event(SecurityEventType.TOKEN_ACCEPTED, "partner-a", "/a", Map.of()));
        listener.onEvent(event(SecurityEventType.STEP_FAILED, "partner\nb", "/a", Map.of()));
        listener.onEvent(event(SecurityEventType.KEY_SOURCE_FAILED, null, null, Map.of()));
        listener.onEvent(event(SecurityEventType.LISTENER_FAILED, null, null, Map.of()));
        listener.onEvent(event(SecurityEventType.STORE_UNAVAILABLE, null, null, Map.of()));
        listener.onEvent(event(SecurityEventType.CREDENTIAL_MISUSED, "partner-a", "/p", Map.of()));
        assertThat(log.lines)
                .containsExactly(
                        "INFO token.rejected peer=192.0.2.1 method=GET path=/a",
                        "DEBUG request.allowed caller=partner-a peer=192.0.2.1 method=GET path=/a",
                        "DEBUG token.accepted caller=partner-a peer=192.0.2.1 method=GET path=/a",
                        "WARN guard.step_failed caller=\"partner\\u000ab\" peer=192.0.2.1 method=GET path=/a",
                        "WARN keys.fetch_failed peer=192.0.2.1 method=GET",
                        "WARN guard.listener_failed peer=192.0.2.1 method=GET",
                        "WARN store.unavailable peer=192.0.2.1 method=GET",
                        "WARN credential.misused caller=partner-a peer=192.0.2.1 method=GET path=/p");
    }

    @Test
    void allowedRequestsAreNotEvenFormattedWhenDebugIsOff() {
        RecordingLogger log = new RecordingLogger(false);
        Slf4jSecurityEventListener listener = new Slf4jSecurityEventListener(log);
        listener.onEvent(event(SecurityEventType.REQUEST_ALLOWED, "partner-a", "/a", Map.of()));
        listener.onEvent(event(SecurityEventType.TOKEN_ACCEPTED, "partner-a", "/a", Map.of()));
        listener.onEvent(event(SecurityEventType.SCOPE_DENIED, "partner-a", "/a", Map.of("required", "s")));
        assertThat(log.lines)
                .containsExactly(
                        "INFO scope.denied caller=partner-a peer=192.0.2.1 method=GET" + " path=/a required=s");
    }

    @Test
    void aCallerIdWithoutControlCharactersGoesInTheMdcAsItIs() {
        String id = "partner-a";
        assertThat(Slf4jSecurityEventListener.mdcValue(id)).isSameAs(id);
        String longest = "c".repeat(512);
        assertThat(Slf4jSecurityEventListener.mdcValue(longest)).isSameAs(longest);
    }

    @Test
    void theCallerInTheMdcIsCutLikeAValue() {
        assertThat(Slf4jSecurityEventListener.mdcValue("c".repeat(600))).hasSize(512);
        assertThat(Slf4jSecurityEventListener.mdcValue("a\u2028b")).isEqualTo("a\\u2028b");
    }

    @Test
    void aCompositeHandsEachEventToEveryListenerEvenAfterOneThrew() {
        assertThat(SecurityEventListener.composite()).isSameAs(SecurityEventListener.NONE);
        List<SecurityEvent> seen = new ArrayList<>();
        SecurityEventListener one = seen::add;
        assertThat(SecurityEventListener.composite(one)).isSameAs(one);
        SecurityEventListener failing = e -> {
            throw new IllegalStateException("listener down");
        };
        SecurityEventListener both = SecurityEventListener.composite(failing, one, one);
        SecurityEvent e = event(SecurityEventType.TOKEN_REJECTED, null, "/a", Map.of());
        both.onEvent(e);
        assertThat(seen).containsExactly(e, e);
    }

    @Test
    void aFloodOfOneKindWritesItsBudgetThenCountsWhatItLeftOutOnTheNextLine() {
        MutableClock clock = MutableClock.at(NOW);
        RecordingLogger log = new RecordingLogger(false);
        Slf4jSecurityEventListener listener = Slf4jSecurityEventListener.builder()
                .linesPerEventType(3, Duration.ofSeconds(3))
                .clock(clock)
                .build(log);
        for (int i = 0; i < 10; i++) {
            listener.onEvent(event(SecurityEventType.QUARANTINE_REFUSED, "scraper", "/r/" + i, Map.of()));
        }
        assertThat(log.lines)
                .extracting(l -> l.substring(l.lastIndexOf(' ') + 1))
                .containsExactly("path=/r/0", "path=/r/1", "path=/r/2");
        // another kind of event has a budget of its own
        listener.onEvent(event(SecurityEventType.TOKEN_REJECTED, null, "/t", Map.of()));
        assertThat(log.lines).hasSize(4).last().isEqualTo("INFO token.rejected peer=192.0.2.1 method=GET path=/t");
        // one line refills per second (greedily); the line written says how many were left out
        clock.advance(Duration.ofMillis(999));
        listener.onEvent(event(SecurityEventType.QUARANTINE_REFUSED, "scraper", "/r/10", Map.of()));
        assertThat(log.lines).hasSize(4);
        clock.advance(Duration.ofMillis(1));
        listener.onEvent(event(SecurityEventType.QUARANTINE_REFUSED, "scraper", "/r/11", Map.of()));
        assertThat(log.lines)
                .hasSize(5)
                .last()
                .isEqualTo(
                        "INFO anomaly.quarantine_refused caller=scraper peer=192.0.2.1 method=GET path=/r/11 suppressed=8");
        clock.advance(Duration.ofSeconds(1));
        listener.onEvent(event(SecurityEventType.QUARANTINE_REFUSED, "scraper", "/r/12", Map.of()));
        assertThat(log.lines).hasSize(6).last().asString().endsWith("path=/r/12");
    }

    @Test
    void warningsHaveABudgetToo() {
        MutableClock clock = MutableClock.at(NOW);
        RecordingLogger log = new RecordingLogger(false);
        Slf4jSecurityEventListener listener = Slf4jSecurityEventListener.builder()
                .linesPerEventType(2, Duration.ofMinutes(1))
                .clock(clock)
                .build(log);
        for (int i = 0; i < 5; i++) {
            listener.onEvent(event(SecurityEventType.STEP_FAILED, null, "/s", Map.of()));
        }
        assertThat(log.lines)
                .containsExactly(
                        "WARN guard.step_failed peer=192.0.2.1 method=GET path=/s",
                        "WARN guard.step_failed peer=192.0.2.1 method=GET path=/s");
        clock.advance(Duration.ofSeconds(30));
        listener.onEvent(event(SecurityEventType.STEP_FAILED, null, "/s", Map.of()));
        assertThat(log.lines).last().isEqualTo("WARN guard.step_failed peer=192.0.2.1 method=GET path=/s suppressed=3");
    }

    @Test
    void debugLinesAndAnUnlimitedListenerWriteEveryLine() {
        MutableClock clock = MutableClock.at(NOW);
        RecordingLogger debug = new RecordingLogger(true);
        Slf4jSecurityEventListener budgeted = Slf4jSecurityEventListener.builder()
                .linesPerEventType(1, Duration.ofHours(1))
                .clock(clock)
                .build(debug);
        RecordingLogger all = new RecordingLogger(false);
        Slf4jSecurityEventListener unlimited = Slf4jSecurityEventListener.builder()
                .linesPerEventType(1, Duration.ofHours(1))
                .unlimited()
                .clock(clock)
                .build(all);
        for (int i = 0; i < 250; i++) {
            budgeted.onEvent(event(SecurityEventType.REQUEST_ALLOWED, "partner-a", "/a", Map.of()));
            unlimited.onEvent(event(SecurityEventType.RATE_LIMITED, "partner-a", "/a", Map.of()));
        }
        assertThat(debug.lines)
                .hasSize(250)
                .allMatch(l -> l.startsWith("DEBUG request.allowed") && !l.contains("suppressed"));
        assertThat(all.lines).hasSize(250).allMatch(l -> l.startsWith("INFO ") && !l.contains("suppressed"));
    }

    @Test
    void theDefaultBudgetIsAHundredLinesPerKindPerTenSeconds() {
        MutableClock clock = MutableClock.at(NOW);
        RecordingLogger log = new RecordingLogger(false);
        Slf4jSecurityEventListener listener =
                Slf4jSecurityEventListener.builder().clock(clock).build(log);
        for (int i = 0; i < 1_000; i++) {
            listener.onEvent(event(SecurityEventType.TOKEN_REJECTED, null, "/a", Map.of()));
        }
        assertThat(log.lines).hasSize(Slf4jSecurityEventListener.DEFAULT_LINES).hasSize(100);
        clock.advance(Slf4jSecurityEventListener.DEFAULT_PERIOD);
        for (int i = 0; i < 1_000; i++) {
            listener.onEvent(event(SecurityEventType.TOKEN_REJECTED, null, "/a", Map.of()));
        }
        assertThat(log.lines).hasSize(200).element(100).asString().endsWith(" suppressed=900");
    }

    @Test
    void aBudgetNeedsPositiveLinesAndPeriod() {
        Slf4jSecurityEventListener.Builder b = Slf4jSecurityEventListener.builder();
        assertThatThrownBy(() -> b.linesPerEventType(0, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lines");
        assertThatThrownBy(() -> b.linesPerEventType(1, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("period");
        assertThatThrownBy(() -> b.linesPerEventType(1, Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("period");
        assertThatThrownBy(() -> b.linesPerEventType(1, null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> b.clock(null)).isInstanceOf(NullPointerException.class);
    }

    /** Records "LEVEL message"; debug on or off. (The MDC cannot be seen: slf4j-simple's keeps nothing.) */
    static final class RecordingLogger extends LegacyAbstractLogger {
        final List<String> lines = new ArrayList<>();
        final boolean debug;

        RecordingLogger(boolean debug) {
            this.debug = debug;
        }

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(
                Level level, Marker marker, String message, Object[] arguments, Throwable throwable) {
            lines.add(level + " " + message);
        }

        @Override
        public boolean isTraceEnabled() {
            return false;
        }

        @Override
        public boolean isDebugEnabled() {
            return debug;
        }

        @Override
        public boolean isInfoEnabled() {
            return true;
        }

        @Override
        public boolean isWarnEnabled() {
            return true;
        }

        @Override
        public boolean isErrorEnabled() {
            return true;
        }
    }
}
