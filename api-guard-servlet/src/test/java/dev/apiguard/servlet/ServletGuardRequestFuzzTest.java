package dev.apiguard.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.apiguard.ApiGuard;
import dev.apiguard.Decision;
import dev.apiguard.Denials;
import dev.apiguard.GuardRequest;
import dev.apiguard.QueryParameters;
import dev.apiguard.scope.RouteAuthorizationStep;
import dev.apiguard.scope.RouteDenials;
import dev.apiguard.scope.RouteRules;
import jakarta.servlet.http.HttpServletRequest;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes what {@link ServletGuardRequest} reads from a request on its own rather than through
 * the container: the raw query string ({@code access_token}, {@code api_key} and page numbers are
 * looked up there, never through {@code getParameter}) and the raw path handed over when the
 * container refuses to decode an ambiguous URI.
 *
 * <ul>
 *   <li>{@link #queryString}: the bytes before the first {@code \n} are the parameter name
 *       (none: {@code access_token}), the rest the raw query string, as UTF-8, read through
 *       {@link ServletGuardRequest#queryParameters()} ({@link QueryParameters}). Property: nothing
 *       throws; whether the name is present, its first value, the number of parameters and
 *       whether the query is readable agree with {@link Reference}, a decoder written from the
 *       WHATWG {@code application/x-www-form-urlencoded} rules made strict (a malformed escape or
 *       invalid UTF-8 makes the query unreadable and its name matches nothing; only ASCII hex
 *       digits form an escape; more than 1,000 parameters or 16 KiB is unreadable); a value is at
 *       most 256 characters; the route step answers exactly the unreadable ones with 400
 *       {@code bad-query}; at most 1 MB allocated (16 MB while fuzzing, where the instrumentation
 *       itself allocates).</li>
 *   <li>{@link #ambiguousPath}: the bytes before the first {@code \n} are the context path, the
 *       rest the request URI (ISO-8859-1), of a request whose container threw for its servlet
 *       path. Property: the route step refuses it as not canonical (400), even with a table that
 *       allows every path of one or two segments; never a bypass.</li>
 * </ul>
 */
class ServletGuardRequestFuzzTest {

    private static final RouteAuthorizationStep OPEN_TABLE = RouteAuthorizationStep.of(RouteRules.builder()
            .route("GET", "/")
            .permitAll()
            .route("GET", "/{a}")
            .permitAll()
            .route("GET", "/{a}/{b}")
            .permitAll()
            .build());
    private static final ApiGuard GUARD = ApiGuard.builder().step(OPEN_TABLE).build();

    @FuzzTest
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void queryString(byte[] data) {
        byte[] n = beforeNewline(data);
        String name = n == null ? "access_token" : new String(n, StandardCharsets.UTF_8);
        String query = new String(afterNewline(data), StandardCharsets.UTF_8);
        HttpServletRequest request = Fakes.fake(
                HttpServletRequest.class,
                Map.of(
                        "getQueryString",
                        (m, a) -> query,
                        "getMethod",
                        (m, a) -> "GET",
                        "getServletPath",
                        (m, a) -> "/"));

        long before = allocated();
        ServletGuardRequest view = new ServletGuardRequest(request);
        QueryParameters parameters = view.queryParameters();
        boolean present = view.hasQueryParameter(name);
        String value = view.queryParameter(name);
        long used = allocated() - before;
        // while fuzzing, Jazzer's instrumentation copies compared strings: 16 times the room
        long bound = (System.getenv("JAZZER_FUZZ") != null ? 16 : 1) << 20;
        if (used > bound) {
            // once more: the first use of a path loads (and, while fuzzing, instruments) classes
            before = allocated();
            ServletGuardRequest again = new ServletGuardRequest(request);
            again.queryParameters();
            again.hasQueryParameter(name);
            again.queryParameter(name);
            used = allocated() - before;
        }
        assertThat(used).as("bytes allocated").isLessThanOrEqualTo(bound);

        Reference expected = Reference.of(query);
        assertThat(present).as("'%s' in '%s'", name, query).isEqualTo(expected.first.containsKey(name));
        assertThat(value).as("first '%s' in '%s'", name, query).isEqualTo(expected.first.get(name));
        assertThat(parameters.size()).as("parameters in '%s'", query).isEqualTo(expected.count);
        assertThat(parameters.readable()).as("'%s' readable", query).isEqualTo(expected.readable());
        if (expected.tooLong) {
            assertThat(parameters.unreadable()).contains(QueryParameters.Unreadable.TOO_LONG);
        } else if (!expected.decodingFailed && expected.count > QueryParameters.MAX_PARAMETERS) {
            assertThat(parameters.unreadable()).contains(QueryParameters.Unreadable.TOO_MANY_PARAMETERS);
        }
        if (value != null) {
            assertThat(value.length()).isLessThanOrEqualTo(GuardRequest.MAX_QUERY_VALUE_LENGTH);
        }
        // the route step refuses exactly the unreadable queries, with the fixed refusal
        Decision d = OPEN_TABLE.evaluate(GUARD.exchange(view));
        assertThat(d).isEqualTo(expected.readable() ? Decision.ALLOW : Denials.badQuery());
    }

    /**
     * The reading of a query string written from the WHATWG {@code application/x-www-form-urlencoded}
     * parser made strict, independently of {@link QueryParameters}: split on {@code &}, a name up to
     * the first {@code =}; every character as its UTF-8 bytes (an unpaired surrogate has none),
     * {@code %XX} with ASCII hex digits as a byte, {@code +} as a space; the bytes decoded by the
     * JDK's UTF-8 decoder with errors reported. The first value of each decodable name, cut to 256
     * characters but never between the halves of a surrogate pair.
     */
    record Reference(Map<String, String> first, int count, boolean tooLong, boolean decodingFailed) {
        boolean readable() {
            return !tooLong && !decodingFailed && count <= QueryParameters.MAX_PARAMETERS;
        }

        static Reference of(String query) {
            Map<String, String> first = new java.util.HashMap<>();
            if (query.length() > QueryParameters.MAX_LENGTH) {
                return new Reference(first, 0, true, false);
            }
            int count = 0;
            boolean failed = false;
            for (String piece : query.split("&", -1)) {
                if (piece.isEmpty()) {
                    continue;
                }
                count++;
                int eq = piece.indexOf('=');
                String name = strictDecode(eq < 0 ? piece : piece.substring(0, eq));
                String value = eq < 0 ? "" : strictDecode(piece.substring(eq + 1));
                failed |= name == null || value == null;
                if (name != null && !first.containsKey(name)) {
                    first.put(name, value == null ? null : cap(value));
                }
            }
            return new Reference(first, count, false, failed);
        }

        private static String cap(String value) {
            int cut = Math.min(value.length(), GuardRequest.MAX_QUERY_VALUE_LENGTH);
            if (cut < value.length() && Character.isHighSurrogate(value.charAt(cut - 1))) {
                cut--;
            }
            return value.substring(0, cut);
        }
    }

    @FuzzTest
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void ambiguousPath(byte[] data) {
        byte[] c = beforeNewline(data);
        String context = c == null ? "" : new String(c, StandardCharsets.ISO_8859_1);
        String uri = new String(afterNewline(data), StandardCharsets.ISO_8859_1);
        HttpServletRequest request = Fakes.fake(
                HttpServletRequest.class,
                Map.of(
                        "getMethod", (m, a) -> "GET",
                        "getServletPath",
                                (m, a) -> {
                                    throw new IllegalArgumentException("ambiguous URI");
                                },
                        "getRequestURI", (m, a) -> uri,
                        "getContextPath", (m, a) -> context,
                        "getHeaders", (m, a) -> java.util.Collections.emptyEnumeration()));

        assertThat(OPEN_TABLE.evaluate(GUARD.exchange(new ServletGuardRequest(request))))
                .as("context '%s', URI '%s'", context, uri)
                .isEqualTo(RouteDenials.badPath());
    }

    private static String strictDecode(String s) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        java.nio.charset.CharsetEncoder utf8 = StandardCharsets.UTF_8
                .newEncoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '%') {
                if (i + 2 >= s.length()) {
                    return null;
                }
                int hi = hex(s.charAt(i + 1));
                int lo = hex(s.charAt(i + 2));
                if (hi < 0 || lo < 0) {
                    return null;
                }
                bytes.write(hi << 4 | lo);
                i += 2;
            } else if (ch == '+') {
                bytes.write(' ');
            } else {
                int end = Character.isHighSurrogate(ch) && i + 1 < s.length() ? i + 2 : i + 1;
                try {
                    ByteBuffer b = utf8.encode(java.nio.CharBuffer.wrap(s, i, end));
                    bytes.write(b.array(), b.arrayOffset() + b.position(), b.remaining());
                } catch (CharacterCodingException e) {
                    return null;
                }
                i = end - 1;
            }
        }
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray()))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static int hex(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    }

    private static byte[] beforeNewline(byte[] data) {
        for (int i = 0; i < data.length; i++) {
            if (data[i] == '\n') {
                return java.util.Arrays.copyOfRange(data, 0, i);
            }
        }
        return null;
    }

    private static byte[] afterNewline(byte[] data) {
        byte[] before = beforeNewline(data);
        return before == null ? data : java.util.Arrays.copyOfRange(data, before.length + 1, data.length);
    }

    private static long allocated() {
        return ((com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean())
                .getCurrentThreadAllocatedBytes();
    }
}
