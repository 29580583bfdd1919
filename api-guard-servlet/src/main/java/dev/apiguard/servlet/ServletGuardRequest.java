package dev.apiguard.servlet;

import dev.apiguard.GuardRequest;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Objects;

/**
 * A lazy, read-only {@link GuardRequest} view over an {@link HttpServletRequest}: nothing is read
 * from the servlet request until a step asks for it.
 *
 * <ul>
 *   <li>{@link #path()} is {@code getServletPath() + getPathInfo()}: the decoded, normalized path
 *       the container dispatches to (so a rule is checked against the same path the application
 *       is served), {@code /} when both are empty. When the container refuses to decode an
 *       ambiguous URI (Jetty 12 throws for {@code %2F}, {@code //} and the like unless allowed),
 *       the raw, still-encoded path below the context path is handed over instead, which the
 *       route step then refuses as not canonical.</li>
 *   <li>{@link #headers(String)} reads at most {@value #MAX_VALUES_PER_HEADER} values per header
 *       name: more is never legitimate for the headers the guard reads, and the cap bounds the work
 *       a client can cause.</li>
 *   <li>{@link #clientCertificates()} reads the attribute
 *       {@code jakarta.servlet.request.X509Certificate}; empty when absent or of another type.</li>
 *   <li>{@link #hasQueryParameter(String)} scans the raw {@code getQueryString()} for names only
 *       (never values), at most {@value #MAX_QUERY_PARAMETERS} parameters. It never calls
 *       {@code getParameter*}, which could read and consume a form body.
 *       {@link #queryParameter(String)} reads a value the same way.</li>
 * </ul>
 *
 * <p>Not thread-safe: one view belongs to one request.
 */
public final class ServletGuardRequest implements GuardRequest {

    /** The most values read of one header name. */
    public static final int MAX_VALUES_PER_HEADER = 16;
    /** The most query parameters {@link #hasQueryParameter} looks at. */
    public static final int MAX_QUERY_PARAMETERS = 1000;

    static final String CERTIFICATE_ATTRIBUTE = "jakarta.servlet.request.X509Certificate";

    private final HttpServletRequest request;
    private String path;

    /** A view of this request. */
    public ServletGuardRequest(HttpServletRequest request) {
        this.request = Objects.requireNonNull(request, "request cannot be null");
    }

    @Override
    public String method() {
        return request.getMethod();
    }

    @Override
    public String path() {
        if (path == null) {
            path = dispatchPath(request);
        }
        return path;
    }

    static String dispatchPath(HttpServletRequest request) {
        String servletPath;
        String pathInfo;
        try {
            servletPath = request.getServletPath();
            pathInfo = request.getPathInfo();
        } catch (IllegalArgumentException ambiguous) {
            return rawPath(request);
        }
        String p = (servletPath == null ? "" : servletPath) + (pathInfo == null ? "" : pathInfo);
        return p.isEmpty() ? "/" : p;
    }

    private static String rawPath(HttpServletRequest request) {
        String uri = request.getRequestURI();
        String context = request.getContextPath();
        if (uri == null) {
            return "%";
        }
        if (context != null && !context.isEmpty() && uri.startsWith(context)) {
            uri = uri.substring(context.length());
        }
        // keep it non-canonical even if it looks clean: the container could not decode it
        return uri.indexOf('%') >= 0 || uri.indexOf(';') >= 0 || uri.contains("//") ? uri : "%" + uri;
    }

    @Override
    public List<String> headers(String name) {
        Enumeration<String> values = request.getHeaders(name);
        if (values == null || !values.hasMoreElements()) {
            return List.of();
        }
        List<String> out = new ArrayList<>(2);
        while (values.hasMoreElements() && out.size() < MAX_VALUES_PER_HEADER) {
            out.add(values.nextElement());
        }
        return Collections.unmodifiableList(out);
    }

    @Override
    public String header(String name) {
        return request.getHeader(name);
    }

    @Override
    public List<X509Certificate> clientCertificates() {
        Object chain = request.getAttribute(CERTIFICATE_ATTRIBUTE);
        if (chain instanceof X509Certificate[] certificates && certificates.length > 0) {
            for (X509Certificate c : certificates) {
                if (c == null) {
                    return List.of();
                }
            }
            return List.of(certificates);
        }
        return List.of();
    }

    @Override
    public String remoteAddress() {
        return request.getRemoteAddr();
    }

    @Override
    public String scheme() {
        return request.getScheme();
    }

    @Override
    public String host() {
        return request.getServerName();
    }

    @Override
    public int port() {
        return request.getServerPort();
    }

    @Override
    public String contextPath() {
        String context = request.getContextPath();
        return context == null ? "" : context;
    }

    @Override
    public boolean hasQueryParameter(String name) {
        Objects.requireNonNull(name, "name cannot be null");
        return hasParameterName(request.getQueryString(), name);
    }

    @Override
    public String queryParameter(String name) {
        Objects.requireNonNull(name, "name cannot be null");
        return parameterValue(request.getQueryString(), name);
    }

    /**
     * The first value of the parameter in the raw query string, decoded like its name and cut to
     * {@link GuardRequest#MAX_QUERY_VALUE_LENGTH} characters; {@code ""} for a name without
     * {@code =}; {@code null} when absent or malformed. Looks at most at
     * {@value #MAX_QUERY_PARAMETERS} parameters.
     */
    static String parameterValue(String query, String name) {
        if (query == null || query.isEmpty()) {
            return null;
        }
        int start = 0;
        int seen = 0;
        int n = query.length();
        while (start <= n && seen < MAX_QUERY_PARAMETERS) {
            int amp = query.indexOf('&', start);
            int end = amp < 0 ? n : amp;
            int eq = query.indexOf('=', start);
            int nameEnd = eq >= 0 && eq < end ? eq : end;
            if (nameEnd > start && name.equals(decode(query, start, nameEnd))) {
                if (nameEnd == end) {
                    return "";
                }
                // never decode more than the cap allows (3 characters per escaped byte)
                int valueEnd = Math.min(end, nameEnd + 1 + 3 * GuardRequest.MAX_QUERY_VALUE_LENGTH);
                String value = decode(query, nameEnd + 1, valueEnd);
                if (value == null) {
                    return null;
                }
                return value.length() > GuardRequest.MAX_QUERY_VALUE_LENGTH
                        ? value.substring(0, GuardRequest.MAX_QUERY_VALUE_LENGTH) : value;
            }
            seen++;
            if (amp < 0) {
                break;
            }
            start = amp + 1;
        }
        return null;
    }

    /**
     * Whether the raw query string has a parameter of that name: split on {@code &}, the name
     * before {@code =}, percent-decoded as UTF-8 with {@code +} as space. A name with a malformed
     * escape or invalid UTF-8 matches nothing.
     */
    static boolean hasParameterName(String query, String name) {
        if (query == null || query.isEmpty()) {
            return false;
        }
        int start = 0;
        int seen = 0;
        int n = query.length();
        while (start <= n && seen < MAX_QUERY_PARAMETERS) {
            int amp = query.indexOf('&', start);
            int end = amp < 0 ? n : amp;
            int eq = query.indexOf('=', start);
            int nameEnd = eq >= 0 && eq < end ? eq : end;
            if (nameEnd > start && name.equals(decode(query, start, nameEnd))) {
                return true;
            }
            seen++;
            if (amp < 0) {
                break;
            }
            start = amp + 1;
        }
        return false;
    }

    /** The decoded text, or {@code null} when the escapes or the UTF-8 are malformed. */
    static String decode(String s, int from, int to) {
        boolean plain = true;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c == '%' || c == '+') {
                plain = false;
                break;
            }
        }
        if (plain) {
            return s.substring(from, to);
        }
        ByteBuffer bytes = ByteBuffer.allocate((to - from) * 3);
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= to) {
                    return null;
                }
                int hi = hexDigit(s.charAt(i + 1));
                int lo = hexDigit(s.charAt(i + 2));
                if (hi < 0 || lo < 0) {
                    return null;
                }
                bytes.put((byte) ((hi << 4) | lo));
                i += 2;
            } else if (c == '+') {
                bytes.put((byte) ' ');
            } else if (c < 0x80) {
                bytes.put((byte) c);
            } else {
                bytes.put(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
            }
        }
        bytes.flip();
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /**
     * The value of an ASCII hex digit, else -1. Not {@link Character#digit}, which also reads
     * Arabic-Indic, fullwidth and other Unicode digits: {@code %٦١} is no escape.
     */
    private static int hexDigit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    }

    /** The servlet request this view reads. */
    public HttpServletRequest servletRequest() {
        return request;
    }
}
