package dev.apiguard.test.servlet;

import dev.apiguard.QueryParameters;
import dev.apiguard.test.TestRequest;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ReadListener;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletConnection;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import jakarta.servlet.http.HttpUpgradeHandler;
import jakarta.servlet.http.Part;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.io.UnsupportedEncodingException;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.security.Principal;
import java.security.cert.X509Certificate;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link TestRequest} as a {@link HttpServletRequest}, for running a servlet filter without a
 * container ({@link ServletTester} makes one per request).
 *
 * <p>Hand-written rather than Spring's {@code MockHttpServletRequest}, which would bring Spring
 * into every host's tests, and rather than a mocking library, whose stubs answer what the test
 * author guessed a container answers. This fake answers what Jetty 12 and Tomcat 11 answer for
 * the same request, where a filter of the guard or of the host asks:
 * <ul>
 *   <li>method, path, query, headers, scheme, host, port, remote address and body come from the
 *       {@code TestRequest}. The path is the one the container dispatches to: by default
 *       {@code getServletPath()} is the whole path, {@code getPathInfo()} is {@code null} and the
 *       context path is empty ({@link #setContextPath}, {@link #setServletPath},
 *       {@link #setPathInfo} model another mapping). {@code getRequestURI()} is context path,
 *       servlet path and path info.</li>
 *   <li>Headers keep their order and duplicates and are looked up case-insensitively. A body
 *       without a {@code Content-Length} or {@code Transfer-Encoding} header gets
 *       {@code Content-Length} as a client sends it.</li>
 *   <li>The query is {@code getQueryString()}, raw. {@code getParameter*} read it, and the form of
 *       a {@code POST} with {@code Content-Type: application/x-www-form-urlencoded}, with
 *       {@link QueryParameters#decodeAll}: the decoder the guard reads the query with, so that a
 *       parameter is the same for the guard and the application. A query or form that cannot be
 *       decoded (a malformed escape, invalid UTF-8) makes {@code getParameter*} throw an
 *       {@link IllegalArgumentException}, as Jetty and Tomcat throw (and answer 400). Once the
 *       form was read as parameters, the body is consumed: {@code getInputStream()} is empty, as
 *       in a container.</li>
 *   <li>{@code getInputStream()} or {@code getReader()} (one of them, as in a container) serve the
 *       body; the reader decodes it in the request's character encoding, UTF-8 when none is
 *       set.</li>
 *   <li>The TLS client certificate chain is the attribute
 *       {@code jakarta.servlet.request.X509Certificate}; attributes are a plain map.</li>
 *   <li>Dispatcher type {@link DispatcherType#REQUEST} ({@link #setDispatcherType}), no async
 *       support ({@code startAsync()} throws {@link IllegalStateException}, as a container does
 *       when the filter chain does not support async), no user principal (a filter wraps the
 *       request to add one), a session made on demand, in memory.</li>
 *   <li>What has no meaning without a container answers an empty value: {@code getServletContext()}
 *       and {@code getRequestDispatcher()} are {@code null}, {@code authenticate} is false,
 *       {@code getCookies()} reads the {@code Cookie} header ({@code null} when absent).</li>
 * </ul>
 *
 * <p>Mutable (attributes, dispatcher type, mapping) and not thread-safe: one instance is one
 * request. Needs the Servlet 6 API on the class path, which the kit declares {@code provided}.
 */
public final class TestServletRequest implements HttpServletRequest {

    private static final String CERTIFICATE_ATTRIBUTE = "jakarta.servlet.request.X509Certificate";
    private static final String FORM = "application/x-www-form-urlencoded";
    private static final AtomicLong IDS = new AtomicLong();

    private final TestRequest request;
    private final List<Map.Entry<String, String>> headers;
    private final byte[] body;
    private final Map<String, Object> attributes = new LinkedHashMap<>();
    private final String requestId = Long.toString(IDS.incrementAndGet());
    private DispatcherType dispatcherType = DispatcherType.REQUEST;
    private String contextPath = "";
    private String servletPath;
    private String pathInfo;
    private String characterEncoding;
    private Map<String, String[]> parameters;
    private boolean formConsumed;
    private boolean usedStream;
    private boolean usedReader;
    private Session session;

    private TestServletRequest(TestRequest request) {
        this.request = request;
        this.servletPath = request.path();
        this.body = request.body();
        List<Map.Entry<String, String>> all = new ArrayList<>(request.headerEntries());
        if (request.hasBody()
                && request.header("Content-Length") == null
                && request.header("Transfer-Encoding") == null) {
            all.add(Map.entry("Content-Length", Integer.toString(body.length)));
        }
        this.headers = List.copyOf(all);
        List<X509Certificate> chain = request.clientCertificates();
        if (!chain.isEmpty()) {
            attributes.put(CERTIFICATE_ATTRIBUTE, chain.toArray(new X509Certificate[0]));
        }
    }

    /** The request as a servlet request, dispatched as {@link DispatcherType#REQUEST}. */
    public static TestServletRequest of(TestRequest request) {
        return new TestServletRequest(Objects.requireNonNull(request, "request cannot be null"));
    }

    /** The request this one serves. */
    public TestRequest testRequest() {
        return request;
    }

    // ---- what a test sets ------------------------------------------------------------------------

    /** Sets the dispatcher type (default {@link DispatcherType#REQUEST}), for a redispatch. */
    public TestServletRequest setDispatcherType(DispatcherType type) {
        this.dispatcherType = type;
        return this;
    }

    /** Sets the context path (default empty), for example {@code /api}. */
    public TestServletRequest setContextPath(String path) {
        this.contextPath = Objects.requireNonNull(path, "contextPath cannot be null");
        return this;
    }

    /** Sets the servlet path (default the request's whole path). */
    public TestServletRequest setServletPath(String path) {
        this.servletPath = Objects.requireNonNull(path, "servletPath cannot be null");
        return this;
    }

    /** Sets the path info (default {@code null}). */
    public TestServletRequest setPathInfo(String path) {
        this.pathInfo = path;
        return this;
    }

    // ---- the request line and the connection ----------------------------------------------------

    @Override
    public String getMethod() {
        return request.method();
    }

    @Override
    public String getContextPath() {
        return contextPath;
    }

    @Override
    public String getServletPath() {
        return servletPath;
    }

    @Override
    public String getPathInfo() {
        return pathInfo;
    }

    @Override
    public String getPathTranslated() {
        return null;
    }

    @Override
    public String getRequestURI() {
        return contextPath + servletPath + (pathInfo == null ? "" : pathInfo);
    }

    @Override
    public StringBuffer getRequestURL() {
        StringBuffer url = new StringBuffer(getScheme()).append("://").append(getServerName());
        int port = getServerPort();
        boolean defaultPort =
                ("https".equals(getScheme()) && port == 443) || ("http".equals(getScheme()) && port == 80);
        if (!defaultPort) {
            url.append(':').append(port);
        }
        return url.append(getRequestURI());
    }

    @Override
    public String getQueryString() {
        return request.query();
    }

    @Override
    public String getProtocol() {
        return "HTTP/1.1";
    }

    @Override
    public String getScheme() {
        return request.scheme();
    }

    @Override
    public boolean isSecure() {
        return "https".equalsIgnoreCase(request.scheme());
    }

    @Override
    public String getServerName() {
        return request.host();
    }

    @Override
    public int getServerPort() {
        return request.port();
    }

    @Override
    public String getRemoteAddr() {
        return request.remoteAddress();
    }

    @Override
    public String getRemoteHost() {
        return request.remoteAddress();
    }

    /** Always 0: the fake has no socket. */
    @Override
    public int getRemotePort() {
        return 0;
    }

    @Override
    public String getLocalName() {
        return request.host();
    }

    @Override
    public String getLocalAddr() {
        return "127.0.0.1";
    }

    @Override
    public int getLocalPort() {
        return request.port();
    }

    @Override
    public DispatcherType getDispatcherType() {
        return dispatcherType;
    }

    @Override
    public String getRequestId() {
        return requestId;
    }

    /** Empty: HTTP/1.1 has no protocol request id. */
    @Override
    public String getProtocolRequestId() {
        return "";
    }

    @Override
    public ServletConnection getServletConnection() {
        return new ServletConnection() {
            @Override
            public String getConnectionId() {
                return requestId;
            }

            @Override
            public String getProtocol() {
                return "HTTP/1.1";
            }

            @Override
            public String getProtocolConnectionId() {
                return "";
            }

            @Override
            public boolean isSecure() {
                return TestServletRequest.this.isSecure();
            }
        };
    }

    // ---- headers ---------------------------------------------------------------------------------

    @Override
    public String getHeader(String name) {
        for (Map.Entry<String, String> e : headers) {
            if (e.getKey().equalsIgnoreCase(name)) {
                return e.getValue();
            }
        }
        return null;
    }

    @Override
    public Enumeration<String> getHeaders(String name) {
        List<String> values = new ArrayList<>(1);
        for (Map.Entry<String, String> e : headers) {
            if (e.getKey().equalsIgnoreCase(name)) {
                values.add(e.getValue());
            }
        }
        return Collections.enumeration(values);
    }

    @Override
    public Enumeration<String> getHeaderNames() {
        Set<String> seen = new LinkedHashSet<>();
        List<String> names = new ArrayList<>();
        for (Map.Entry<String, String> e : headers) {
            if (seen.add(e.getKey().toLowerCase(Locale.ROOT))) {
                names.add(e.getKey());
            }
        }
        return Collections.enumeration(names);
    }

    /** The header as an int, -1 when absent; {@link NumberFormatException} when not a number. */
    @Override
    public int getIntHeader(String name) {
        String value = getHeader(name);
        return value == null ? -1 : Integer.parseInt(value.trim());
    }

    /**
     * The header as epoch milliseconds, -1 when absent; {@link IllegalArgumentException} when not
     * an HTTP date.
     */
    @Override
    public long getDateHeader(String name) {
        String value = getHeader(name);
        if (value == null) {
            return -1;
        }
        try {
            return ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME)
                    .toInstant()
                    .toEpochMilli();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("not an HTTP date: " + name, e);
        }
    }

    @Override
    public Cookie[] getCookies() {
        List<Cookie> cookies = new ArrayList<>();
        for (Map.Entry<String, String> e : headers) {
            if (!e.getKey().equalsIgnoreCase("Cookie")) {
                continue;
            }
            for (String pair : e.getValue().split(";")) {
                int eq = pair.indexOf('=');
                if (eq <= 0) {
                    continue;
                }
                String value = pair.substring(eq + 1).trim();
                if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                    value = value.substring(1, value.length() - 1);
                }
                try {
                    cookies.add(new Cookie(pair.substring(0, eq).trim(), value));
                } catch (IllegalArgumentException notAToken) {
                    // a container skips a cookie whose name is not a token
                }
            }
        }
        return cookies.isEmpty() ? null : cookies.toArray(new Cookie[0]);
    }

    @Override
    public Locale getLocale() {
        return Locale.getDefault();
    }

    @Override
    public Enumeration<Locale> getLocales() {
        return Collections.enumeration(List.of(Locale.getDefault()));
    }

    // ---- the body --------------------------------------------------------------------------------

    @Override
    public String getContentType() {
        return getHeader("Content-Type");
    }

    @Override
    public int getContentLength() {
        long length = getContentLengthLong();
        return length > Integer.MAX_VALUE ? -1 : (int) length;
    }

    @Override
    public long getContentLengthLong() {
        return request.contentLength();
    }

    /** The encoding set, else the {@code charset} of the content type, else {@code null}. */
    @Override
    public String getCharacterEncoding() {
        if (characterEncoding != null) {
            return characterEncoding;
        }
        String type = getContentType();
        if (type == null) {
            return null;
        }
        for (String parameter : type.split(";")) {
            String p = parameter.trim();
            if (p.regionMatches(true, 0, "charset=", 0, 8)) {
                return p.substring(8).replace("\"", "").trim();
            }
        }
        return null;
    }

    @Override
    public void setCharacterEncoding(String encoding) throws UnsupportedEncodingException {
        try {
            Charset.forName(encoding);
        } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
            throw new UnsupportedEncodingException(encoding);
        }
        if (!usedReader) {
            this.characterEncoding = encoding;
        }
    }

    /** The body; empty once the form was read as parameters. Not with {@link #getReader()}. */
    @Override
    public ServletInputStream getInputStream() {
        if (usedReader) {
            throw new IllegalStateException("getReader() has already been called on this request");
        }
        usedStream = true;
        return new BodyStream(formConsumed ? new byte[0] : body);
    }

    /** The body in the request's encoding (UTF-8 when none). Not with {@link #getInputStream()}. */
    @Override
    public BufferedReader getReader() {
        if (usedStream) {
            throw new IllegalStateException("getInputStream() has already been called on this request");
        }
        usedReader = true;
        return new BufferedReader(
                new InputStreamReader(new ByteArrayInputStream(formConsumed ? new byte[0] : body), charset()));
    }

    private Charset charset() {
        String encoding = getCharacterEncoding();
        try {
            return encoding == null ? StandardCharsets.UTF_8 : Charset.forName(encoding);
        } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
            return StandardCharsets.UTF_8;
        }
    }

    // ---- parameters ------------------------------------------------------------------------------

    @Override
    public String getParameter(String name) {
        String[] values = parameters().get(name);
        return values == null ? null : values[0];
    }

    @Override
    public String[] getParameterValues(String name) {
        String[] values = parameters().get(name);
        return values == null ? null : values.clone();
    }

    @Override
    public Enumeration<String> getParameterNames() {
        return Collections.enumeration(parameters().keySet());
    }

    @Override
    public Map<String, String[]> getParameterMap() {
        return parameters();
    }

    /** The query's parameters, then the form's (read once, on first use), as a container merges them. */
    private Map<String, String[]> parameters() {
        if (parameters != null) {
            return parameters;
        }
        List<Map.Entry<String, String>> all = new ArrayList<>(QueryParameters.decodeAll(getQueryString()));
        if (isForm() && !usedStream && !usedReader) {
            all.addAll(QueryParameters.decodeAll(new String(body, charset())));
            formConsumed = true;
        }
        Map<String, List<String>> merged = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : all) {
            merged.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue());
        }
        Map<String, String[]> map = new LinkedHashMap<>();
        merged.forEach((name, values) -> map.put(name, values.toArray(new String[0])));
        parameters = Collections.unmodifiableMap(map);
        return parameters;
    }

    private boolean isForm() {
        String type = getContentType();
        if (!"POST".equals(getMethod()) || type == null) {
            return false;
        }
        int semicolon = type.indexOf(';');
        return (semicolon < 0 ? type : type.substring(0, semicolon))
                .trim()
                .toLowerCase(Locale.ROOT)
                .equals(FORM);
    }

    // ---- attributes ------------------------------------------------------------------------------

    @Override
    public Object getAttribute(String name) {
        return attributes.get(name);
    }

    @Override
    public Enumeration<String> getAttributeNames() {
        return Collections.enumeration(new ArrayList<>(attributes.keySet()));
    }

    /** Sets the attribute; a {@code null} value removes it, as the Servlet API specifies. */
    @Override
    public void setAttribute(String name, Object value) {
        Objects.requireNonNull(name, "attribute name cannot be null");
        if (value == null) {
            attributes.remove(name);
        } else {
            attributes.put(name, value);
        }
    }

    @Override
    public void removeAttribute(String name) {
        attributes.remove(name);
    }

    // ---- security: none until a filter wraps the request -------------------------------------------

    @Override
    public String getAuthType() {
        return null;
    }

    @Override
    public String getRemoteUser() {
        return null;
    }

    @Override
    public Principal getUserPrincipal() {
        return null;
    }

    @Override
    public boolean isUserInRole(String role) {
        return false;
    }

    /** False: there is no container authentication to run. */
    @Override
    public boolean authenticate(HttpServletResponse response) {
        return false;
    }

    /** Always fails: there is no container realm. */
    @Override
    public void login(String username, String password) throws ServletException {
        throw new ServletException("login is not supported by the test fake");
    }

    @Override
    public void logout() {
        // nobody is logged in
    }

    // ---- sessions: in memory, on demand ------------------------------------------------------------

    @Override
    public HttpSession getSession(boolean create) {
        if (session != null && !session.valid) {
            session = null;
        }
        if (session == null && create) {
            session = new Session();
        }
        return session;
    }

    @Override
    public HttpSession getSession() {
        return getSession(true);
    }

    @Override
    public String changeSessionId() {
        if (session == null) {
            throw new IllegalStateException("the request has no session");
        }
        session.id = UUID.randomUUID().toString();
        return session.id;
    }

    @Override
    public String getRequestedSessionId() {
        return null;
    }

    @Override
    public boolean isRequestedSessionIdValid() {
        return false;
    }

    @Override
    public boolean isRequestedSessionIdFromCookie() {
        return false;
    }

    @Override
    public boolean isRequestedSessionIdFromURL() {
        return false;
    }

    // ---- what needs a container --------------------------------------------------------------------

    /** {@code null}: the fake has no web application. */
    @Override
    public ServletContext getServletContext() {
        return null;
    }

    /** {@code null}: the fake has no servlet to dispatch to. */
    @Override
    public RequestDispatcher getRequestDispatcher(String path) {
        return null;
    }

    /** Throws {@link IllegalStateException}, as a container does for a chain without async support. */
    @Override
    public AsyncContext startAsync() {
        throw new IllegalStateException("async is not supported by the test fake");
    }

    /** Throws {@link IllegalStateException}, as a container does for a chain without async support. */
    @Override
    public AsyncContext startAsync(ServletRequest servletRequest, ServletResponse servletResponse) {
        throw new IllegalStateException("async is not supported by the test fake");
    }

    @Override
    public boolean isAsyncStarted() {
        return false;
    }

    @Override
    public boolean isAsyncSupported() {
        return false;
    }

    /** Throws {@link IllegalStateException}: async was never started. */
    @Override
    public AsyncContext getAsyncContext() {
        throw new IllegalStateException("async was not started");
    }

    /** Throws {@link ServletException}, as a container does for a request that is not multipart. */
    @Override
    public Collection<Part> getParts() throws ServletException {
        throw new ServletException("the test fake reads no multipart/form-data");
    }

    /** Throws {@link ServletException}, as a container does for a request that is not multipart. */
    @Override
    public Part getPart(String name) throws ServletException {
        throw new ServletException("the test fake reads no multipart/form-data");
    }

    /** Throws {@link ServletException}: the fake has no connection to upgrade. */
    @Override
    public <T extends HttpUpgradeHandler> T upgrade(Class<T> handlerClass) throws ServletException {
        throw new ServletException("upgrade is not supported by the test fake");
    }

    /** The method and path, never a header. */
    @Override
    public String toString() {
        return "TestServletRequest[" + getMethod() + " " + getRequestURI() + "]";
    }

    /** The body, once. */
    private static final class BodyStream extends ServletInputStream {
        private final ByteArrayInputStream in;

        BodyStream(byte[] bytes) {
            this.in = new ByteArrayInputStream(bytes);
        }

        @Override
        public int read() {
            return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) {
            return in.read(b, off, len);
        }

        @Override
        public boolean isFinished() {
            return in.available() == 0;
        }

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void setReadListener(ReadListener listener) {
            throw new IllegalStateException("non-blocking reads need async, which the test fake does not support");
        }
    }

    /** A session in memory, never expiring. */
    private static final class Session implements HttpSession {
        private final Map<String, Object> attributes = new LinkedHashMap<>();
        private final long created = System.currentTimeMillis();
        private String id = UUID.randomUUID().toString();
        private int maxInactiveInterval;
        private boolean valid = true;

        @Override
        public long getCreationTime() {
            checkValid();
            return created;
        }

        @Override
        public String getId() {
            return id;
        }

        @Override
        public long getLastAccessedTime() {
            checkValid();
            return created;
        }

        @Override
        public ServletContext getServletContext() {
            return null;
        }

        @Override
        public void setMaxInactiveInterval(int interval) {
            this.maxInactiveInterval = interval;
        }

        @Override
        public int getMaxInactiveInterval() {
            return maxInactiveInterval;
        }

        @Override
        public Object getAttribute(String name) {
            checkValid();
            return attributes.get(name);
        }

        @Override
        public Enumeration<String> getAttributeNames() {
            checkValid();
            return Collections.enumeration(new ArrayList<>(attributes.keySet()));
        }

        @Override
        public void setAttribute(String name, Object value) {
            checkValid();
            if (value == null) {
                attributes.remove(name);
            } else {
                attributes.put(name, value);
            }
        }

        @Override
        public void removeAttribute(String name) {
            checkValid();
            attributes.remove(name);
        }

        @Override
        public void invalidate() {
            checkValid();
            valid = false;
            attributes.clear();
        }

        @Override
        public boolean isNew() {
            checkValid();
            return true;
        }

        private void checkValid() {
            if (!valid) {
                throw new IllegalStateException("the session was invalidated");
            }
        }
    }
}
