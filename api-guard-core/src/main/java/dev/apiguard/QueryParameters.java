package dev.apiguard;

import dev.apiguard.event.ReasonCode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The parameters of a raw query string, read the way Jetty 12 ({@code UrlEncoded.decodeUtf8To})
 * and Tomcat 11 ({@code org.apache.tomcat.util.http.Parameters}) read them for
 * {@code getParameter}, so that a step sees the parameters the application is served. Parsed once
 * ({@link #parse}); the result is immutable and thread-safe.
 *
 * <ul>
 *   <li>The query is split on {@code &}; empty pieces ({@code &&}, a leading or trailing
 *       {@code &}) are no parameter. A piece is a name up to its first {@code =} and a value after
 *       it ({@code a=b=c} is {@code a} with the value {@code b=c}); a piece without {@code =} is a
 *       name with the value {@code ""}. {@code ;} separates nothing.</li>
 *   <li>Names and values are percent-decoded as UTF-8, {@code +} as a space. Only ASCII hex
 *       digits form an escape. Characters that are not escaped stand for themselves (Jetty hands
 *       over the request line decoded as UTF-8; Tomcat refuses raw non-ASCII bytes before any
 *       filter runs).</li>
 *   <li>Every parameter counts, duplicates too; the first value of a name is the one
 *       {@link #first} returns, as {@code getParameter} does. An empty name ({@code =x}) is a
 *       parameter named {@code ""}, as Jetty reads it (Tomcat refuses the request).</li>
 * </ul>
 *
 * <p>A query the guard cannot read as the container does is {@linkplain #unreadable() unreadable},
 * and the route step refuses it (400 {@link Denials#badQuery()}):
 * <ul>
 *   <li>{@link Unreadable#TOO_LONG}: more than {@value #MAX_LENGTH} characters, twice the request
 *       head Jetty 12 and Tomcat 11 accept by default (8 KiB for the request line and the headers
 *       together), so no query a container serves with its defaults is refused and the work per
 *       request stays bounded. Nothing of it is parsed.</li>
 *   <li>{@link Unreadable#TOO_MANY_PARAMETERS}: more than {@value #MAX_PARAMETERS} parameters,
 *       Tomcat's default {@code maxParameterCount} (Tomcat answers 400 beyond it; Jetty caps form
 *       bodies at 1,000 keys with {@code maxFormKeys}, not the query). Every parameter is still
 *       read, so {@link #has} sees a name beyond the cap too.</li>
 *   <li>{@link Unreadable#MALFORMED_ESCAPE}: a {@code %} not followed by two hex digits.</li>
 *   <li>{@link Unreadable#INVALID_UTF8}: escaped bytes that are not UTF-8 (overlong forms,
 *       surrogates, code points above U+10FFFF, cut sequences), or a raw unpaired surrogate.
 *       Both containers answer 400 to {@code getParameter} for these and for a malformed
 *       escape.</li>
 * </ul>
 * On an unreadable query {@link #has} and {@link #first} answer from the parameters that could be
 * read; a parameter whose name cannot be decoded is in none of them.
 */
public final class QueryParameters {

    /** The most parameters of a readable query: Tomcat's default {@code maxParameterCount}. */
    public static final int MAX_PARAMETERS = 1000;

    /** The longest readable query string, in characters: twice the containers' 8 KiB request head. */
    public static final int MAX_LENGTH = 16 * 1024;

    /** Why a query string cannot be read; {@link #code()} is the {@code cause} detail of {@code request.invalid}. */
    public enum Unreadable implements ReasonCode {
        /** Longer than {@link QueryParameters#MAX_LENGTH}. */
        TOO_LONG("too_long"),
        /** More than {@link QueryParameters#MAX_PARAMETERS} parameters. */
        TOO_MANY_PARAMETERS("too_many_parameters"),
        /** A {@code %} not followed by two ASCII hex digits. */
        MALFORMED_ESCAPE("malformed_escape"),
        /** Escaped bytes that are not UTF-8, or an unpaired surrogate. */
        INVALID_UTF8("invalid_utf8");

        private final String code;

        Unreadable(String code) {
            this.code = code;
        }

        /** The reason as a fixed lower-case token ({@code too_many_parameters}, ...). */
        @Override
        public String code() {
            return code;
        }
    }

    /** No query string. */
    public static final QueryParameters NONE = new QueryParameters(Map.of(), 0, null);

    private final Map<String, String> first;
    private final int count;
    private final @Nullable Unreadable unreadable;

    private QueryParameters(Map<String, String> first, int count, @Nullable Unreadable unreadable) {
        this.first = first;
        this.count = count;
        this.unreadable = unreadable;
    }

    /**
     * Reads the raw query string (as {@code getQueryString()} returns it: without {@code ?}, still
     * percent-encoded); {@link #NONE} for {@code null} or {@code ""}.
     */
    public static QueryParameters parse(@Nullable String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return NONE;
        }
        if (rawQuery.length() > MAX_LENGTH) {
            return new QueryParameters(Map.of(), 0, Unreadable.TOO_LONG);
        }
        return new Parser(rawQuery).parse();
    }

    /**
     * Every parameter of a raw query string (or of an {@code application/x-www-form-urlencoded}
     * body), in order, duplicates too, each name and value decoded in full by the same rules as
     * {@link #parse}: what a container's {@code getParameterValues} serves. Neither
     * {@link #MAX_LENGTH} nor {@link #MAX_PARAMETERS} applies (they bound the guard's work, and a
     * container has its own limits), and no value is cut. For adapters and test fakes that serve
     * parameters to an application; steps read {@link #parse}. Empty for {@code null} or
     * {@code ""}.
     *
     * @throws IllegalArgumentException when a name or value cannot be decoded (a malformed escape,
     *     invalid UTF-8), as {@link #unreadable()} would say; a container answers such a query 400
     */
    public static List<Map.Entry<String, String>> decodeAll(@Nullable String raw) {
        if (raw == null || raw.isEmpty()) {
            return List.of();
        }
        return new Parser(raw).all();
    }

    /** Whether the query has a parameter of this (decoded) name. */
    public boolean has(String name) {
        Objects.requireNonNull(name, "name cannot be null");
        return first.containsKey(name);
    }

    /**
     * The first value of the named parameter, decoded and cut to
     * {@value GuardRequest#MAX_QUERY_VALUE_LENGTH} characters; {@code ""} for a name without
     * {@code =}; {@code null} when absent, or when that first value cannot be decoded.
     */
    public @Nullable String first(String name) {
        Objects.requireNonNull(name, "name cannot be null");
        return first.get(name);
    }

    /** How many parameters the query has (beyond {@link #MAX_PARAMETERS} too); 0 when too long. */
    public int size() {
        return count;
    }

    /** Whether the query can be read as the container reads it. */
    public boolean readable() {
        return unreadable == null;
    }

    /** Why the query cannot be read, or empty when it can. */
    public Optional<Unreadable> unreadable() {
        return Optional.ofNullable(unreadable);
    }

    /** The counts only, never a name or value. */
    @Override
    public String toString() {
        return "QueryParameters[" + count + " parameters" + (unreadable == null ? "" : ", " + unreadable.code()) + "]";
    }

    /** One pass over the query; a char buffer reused for every piece that needs decoding. */
    private static final class Parser {
        private final String q;
        private final Map<String, String> first = new HashMap<>();
        private char @Nullable [] buffer;
        private int count;
        private @Nullable Unreadable problem;

        Parser(String q) {
            this.q = q;
        }

        QueryParameters parse() {
            int n = q.length();
            int start = 0;
            while (start <= n) {
                int amp = q.indexOf('&', start);
                int end = amp < 0 ? n : amp;
                if (end > start) {
                    parameter(start, end);
                }
                if (amp < 0) {
                    break;
                }
                start = amp + 1;
            }
            if (count > MAX_PARAMETERS && problem == null) {
                problem = Unreadable.TOO_MANY_PARAMETERS;
            }
            return new QueryParameters(first.isEmpty() ? Map.of() : first, count, problem);
        }

        private void parameter(int start, int end) {
            count++;
            if (count == MAX_PARAMETERS + 1 && problem == null) {
                problem = Unreadable.TOO_MANY_PARAMETERS;
            }
            int eq = q.indexOf('=', start);
            int nameEnd = eq >= 0 && eq < end ? eq : end;
            String name = decode(start, nameEnd, Integer.MAX_VALUE);
            boolean known = name != null && first.containsKey(name);
            String value;
            if (nameEnd == end) {
                value = "";
            } else {
                // a value is decoded in full to check it; only the first of a name is kept, capped
                value = decode(nameEnd + 1, end, known || name == null ? -1 : GuardRequest.MAX_QUERY_VALUE_LENGTH);
            }
            if (name != null && !known) {
                first.put(name, value);
            }
        }

        /** Every parameter in order, decoded in full; see {@link QueryParameters#decodeAll}. */
        List<Map.Entry<String, String>> all() {
            List<Map.Entry<String, String>> all = new ArrayList<>();
            int n = q.length();
            int start = 0;
            while (start <= n) {
                int amp = q.indexOf('&', start);
                int end = amp < 0 ? n : amp;
                if (end > start) {
                    int eq = q.indexOf('=', start);
                    int nameEnd = eq >= 0 && eq < end ? eq : end;
                    String name = decode(start, nameEnd, Integer.MAX_VALUE);
                    String value = nameEnd == end ? "" : decode(nameEnd + 1, end, Integer.MAX_VALUE);
                    if (name == null || value == null) {
                        throw new IllegalArgumentException(
                                "the query cannot be decoded: " + (problem == null ? "malformed" : problem.code()));
                    }
                    all.add(Map.entry(name, value));
                }
                if (amp < 0) {
                    break;
                }
                start = amp + 1;
            }
            return List.copyOf(all);
        }

        /**
         * The decoded text of {@code q[from, to)}, cut to {@code keep} characters ({@code -1}:
         * check only, return {@code ""}); {@code null} when malformed (the problem is recorded).
         */
        private @Nullable String decode(int from, int to, int keep) {
            int i = from;
            while (i < to) {
                char c = q.charAt(i);
                if (c == '%' || c == '+' || Character.isSurrogate(c)) {
                    break;
                }
                i++;
            }
            if (i == to) {
                // nothing to decode
                if (keep < 0) {
                    return "";
                }
                return q.substring(from, to - from > keep ? from + keep : to);
            }
            if (buffer == null || buffer.length < to - from) {
                buffer = new char[Math.max(to - from, 64)];
            }
            q.getChars(from, i, buffer, 0);
            int length = i - from;
            // UTF-8 state: the code point so far, the continuation bytes still needed, and the
            // range the next one must fall in (RFC 3629 §4: no overlong form, no surrogate, <= U+10FFFF)
            int codePoint = 0;
            int needed = 0;
            int lower = 0x80;
            int upper = 0xBF;
            while (i < to) {
                char c = q.charAt(i);
                if (c != '%') {
                    if (needed > 0) {
                        return fail(Unreadable.INVALID_UTF8);
                    }
                    if (c == '+') {
                        buffer[length++] = ' ';
                    } else if (Character.isHighSurrogate(c)
                            && i + 1 < to
                            && Character.isLowSurrogate(q.charAt(i + 1))) {
                        buffer[length++] = c;
                        buffer[length++] = q.charAt(++i);
                    } else if (Character.isSurrogate(c)) {
                        return fail(Unreadable.INVALID_UTF8);
                    } else {
                        buffer[length++] = c;
                    }
                    i++;
                    continue;
                }
                if (i + 2 >= to) {
                    return fail(Unreadable.MALFORMED_ESCAPE);
                }
                int hi = hex(q.charAt(i + 1));
                int lo = hex(q.charAt(i + 2));
                if (hi < 0 || lo < 0) {
                    return fail(Unreadable.MALFORMED_ESCAPE);
                }
                int b = hi << 4 | lo;
                i += 3;
                if (needed == 0) {
                    if (b < 0x80) {
                        buffer[length++] = (char) b;
                    } else if (b >= 0xC2 && b <= 0xDF) {
                        codePoint = b & 0x1F;
                        needed = 1;
                        lower = 0x80;
                        upper = 0xBF;
                    } else if (b >= 0xE0 && b <= 0xEF) {
                        codePoint = b & 0x0F;
                        needed = 2;
                        lower = b == 0xE0 ? 0xA0 : 0x80;
                        upper = b == 0xED ? 0x9F : 0xBF;
                    } else if (b >= 0xF0 && b <= 0xF4) {
                        codePoint = b & 0x07;
                        needed = 3;
                        lower = b == 0xF0 ? 0x90 : 0x80;
                        upper = b == 0xF4 ? 0x8F : 0xBF;
                    } else {
                        return fail(Unreadable.INVALID_UTF8);
                    }
                } else {
                    if (b < lower || b > upper) {
                        return fail(Unreadable.INVALID_UTF8);
                    }
                    lower = 0x80;
                    upper = 0xBF;
                    codePoint = codePoint << 6 | (b & 0x3F);
                    if (--needed == 0) {
                        length += Character.toChars(codePoint, buffer, length);
                    }
                }
            }
            if (needed > 0) {
                return fail(Unreadable.INVALID_UTF8);
            }
            if (keep < 0) {
                return "";
            }
            int cut = Math.min(length, keep);
            if (cut > 0 && cut < length && Character.isHighSurrogate(buffer[cut - 1])) {
                cut--; // never half a surrogate pair
            }
            return new String(buffer, 0, cut);
        }

        private @Nullable String fail(Unreadable reason) {
            if (problem == null) {
                problem = reason;
            }
            return null;
        }

        /** The value of an ASCII hex digit, else -1 (not {@link Character#digit}, which reads other digits too). */
        private static int hex(char c) {
            if (c >= '0' && c <= '9') {
                return c - '0';
            }
            if (c >= 'a' && c <= 'f') {
                return c - 'a' + 10;
            }
            return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        }
    }
}
