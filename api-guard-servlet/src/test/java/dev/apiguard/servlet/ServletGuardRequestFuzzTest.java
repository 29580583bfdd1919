package dev.apiguard.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.apiguard.ApiGuard;
import dev.apiguard.Denials;
import dev.apiguard.GuardRequest;
import dev.apiguard.scope.RouteAuthorizationStep;
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
 *       (none: {@code access_token}), the rest the raw query string, as UTF-8. Property: nothing
 *       throws; whether the name is present agrees with a reference decoder written from the
 *       WHATWG {@code application/x-www-form-urlencoded} rules made strict (a malformed escape or
 *       invalid UTF-8 matches nothing; only ASCII hex digits form an escape); a value is at most
 *       256 characters and only found for a present name; at most 1 MB allocated (16 MB while
 *       fuzzing, where the instrumentation itself allocates).</li>
 *   <li>{@link #ambiguousPath}: the bytes before the first {@code \n} are the context path, the
 *       rest the request URI (ISO-8859-1), of a request whose container threw for its servlet
 *       path. Property: the route step refuses it as not canonical (400), even with a table that
 *       allows every path of one or two segments; never a bypass.</li>
 * </ul>
 */
class ServletGuardRequestFuzzTest {

    private static final RouteAuthorizationStep OPEN_TABLE = RouteAuthorizationStep.of(RouteRules.builder()
            .route("GET", "/").permitAll()
            .route("GET", "/{a}").permitAll()
            .route("GET", "/{a}/{b}").permitAll()
            .build());
    private static final ApiGuard GUARD = ApiGuard.builder().step(OPEN_TABLE).build();

    @FuzzTest
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void queryString(byte[] data) {
        byte[] n = beforeNewline(data);
        String name = n == null ? "access_token" : new String(n, StandardCharsets.UTF_8);
        String query = new String(afterNewline(data), StandardCharsets.UTF_8);

        long before = allocated();
        boolean present = ServletGuardRequest.hasParameterName(query, name);
        String value = ServletGuardRequest.parameterValue(query, name);
        long used = allocated() - before;
        // while fuzzing, Jazzer's instrumentation copies compared strings: 16 times the room
        long bound = (System.getenv("JAZZER_FUZZ") != null ? 16 : 1) << 20;
        if (used > bound) {
            // once more: the first use of a path loads (and, while fuzzing, instruments) classes
            before = allocated();
            ServletGuardRequest.hasParameterName(query, name);
            ServletGuardRequest.parameterValue(query, name);
            used = allocated() - before;
        }
        assertThat(used).as("bytes allocated").isLessThanOrEqualTo(bound);

        assertThat(present).as("'%s' in '%s'", name, query).isEqualTo(referenceHasName(query, name));
        if (value != null) {
            assertThat(present).isTrue();
            assertThat(value.length()).isLessThanOrEqualTo(GuardRequest.MAX_QUERY_VALUE_LENGTH);
        }
    }

    @FuzzTest
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void ambiguousPath(byte[] data) {
        byte[] c = beforeNewline(data);
        String context = c == null ? "" : new String(c, StandardCharsets.ISO_8859_1);
        String uri = new String(afterNewline(data), StandardCharsets.ISO_8859_1);
        HttpServletRequest request = Fakes.fake(HttpServletRequest.class, Map.of(
                "getMethod", (m, a) -> "GET",
                "getServletPath", (m, a) -> {
                    throw new IllegalArgumentException("ambiguous URI");
                },
                "getRequestURI", (m, a) -> uri,
                "getContextPath", (m, a) -> context,
                "getHeaders", (m, a) -> java.util.Collections.emptyEnumeration()));

        assertThat(OPEN_TABLE.evaluate(GUARD.exchange(new ServletGuardRequest(request))))
                .as("context '%s', URI '%s'", context, uri).isEqualTo(Denials.badPath());
    }

    /** Strict form decoding of every name (at most 1,000 parameters), compared with {@code name}. */
    private static boolean referenceHasName(String query, String name) {
        if (query.isEmpty()) {
            return false;
        }
        String[] params = query.split("&", -1);
        for (int i = 0; i < params.length && i < ServletGuardRequest.MAX_QUERY_PARAMETERS; i++) {
            String p = params[i];
            int eq = p.indexOf('=');
            String raw = eq < 0 ? p : p.substring(0, eq);
            if (!raw.isEmpty() && name.equals(strictDecode(raw))) {
                return true;
            }
        }
        return false;
    }

    private static String strictDecode(String s) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
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
                byte[] b = String.valueOf(ch).getBytes(StandardCharsets.UTF_8);
                bytes.write(b, 0, b.length);
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
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
