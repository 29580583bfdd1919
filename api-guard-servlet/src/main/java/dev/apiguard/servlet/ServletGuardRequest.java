package dev.apiguard.servlet;

import dev.apiguard.GuardRequest;
import dev.apiguard.QueryParameters;
import jakarta.servlet.http.HttpServletRequest;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

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
 *       {@code jakarta.servlet.request.X509Certificate}; empty when absent or of another type. The
 *       list is made once per view (again only if the attribute is replaced), and
 *       {@code Authorization} is read once per view: several steps ask for both on every
 *       request.</li>
 *   <li>{@link #queryParameters()} reads the raw {@code getQueryString()} with
 *       {@link QueryParameters#parse}, as Jetty and Tomcat decode it for {@code getParameter}
 *       (a query of more than {@value #MAX_QUERY_PARAMETERS} parameters, a malformed escape or
 *       invalid UTF-8 is unreadable, and the route step refuses it); once per view, on first use.
 *       It never calls {@code getParameter*}, which could read and consume a form body.
 *       {@link #hasQueryParameter(String)} and {@link #queryParameter(String)} read it.</li>
 * </ul>
 *
 * <p>Not thread-safe: one view belongs to one request.
 */
public final class ServletGuardRequest implements GuardRequest {

    /** The most values read of one header name. */
    public static final int MAX_VALUES_PER_HEADER = 16;
    /** The most parameters of a readable query string ({@link QueryParameters#MAX_PARAMETERS}). */
    public static final int MAX_QUERY_PARAMETERS = QueryParameters.MAX_PARAMETERS;

    static final String CERTIFICATE_ATTRIBUTE = "jakarta.servlet.request.X509Certificate";
    private static final String AUTHORIZATION = "Authorization";

    private final HttpServletRequest request;
    // worked out on first use
    private @Nullable String path;
    private @Nullable QueryParameters query;
    // read once: several steps ask for these on every request (a request's headers do not change;
    // the certificates are read again if the attribute is replaced)
    private @Nullable List<String> authorization;
    private @Nullable Object certificateAttribute;
    private List<X509Certificate> certificates = List.of();

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
        if (name.equals(AUTHORIZATION)) {
            List<String> a = authorization;
            if (a == null) {
                a = read(name);
                authorization = a;
            }
            return a;
        }
        return read(name);
    }

    private List<String> read(String name) {
        Enumeration<String> values = request.getHeaders(name);
        if (values == null || !values.hasMoreElements()) {
            return List.of();
        }
        String first = values.nextElement();
        if (!values.hasMoreElements() && first != null) {
            return List.of(first); // the usual case: one small immutable list, no copy
        }
        List<String> out = new ArrayList<>(2);
        out.add(first);
        while (values.hasMoreElements() && out.size() < MAX_VALUES_PER_HEADER) {
            out.add(values.nextElement());
        }
        return Collections.unmodifiableList(out);
    }

    @Override
    public @Nullable String header(String name) {
        // Authorization from the memo, as the interface reads it from headers(name)
        return name.equals(AUTHORIZATION) ? GuardRequest.super.header(name) : request.getHeader(name);
    }

    @Override
    public List<X509Certificate> clientCertificates() {
        Object chain = request.getAttribute(CERTIFICATE_ATTRIBUTE);
        if (chain != certificateAttribute) {
            certificateAttribute = chain;
            certificates = certificates(chain);
        }
        return certificates;
    }

    private static List<X509Certificate> certificates(@Nullable Object chain) {
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

    /**
     * The raw {@code getQueryString()} read by {@link QueryParameters#parse}, once per view, on
     * first use. Never {@code getParameter*}, which could read and consume a form body.
     */
    @Override
    public QueryParameters queryParameters() {
        if (query == null) {
            query = QueryParameters.parse(request.getQueryString());
        }
        return query;
    }

    @Override
    public boolean hasQueryParameter(String name) {
        return queryParameters().has(name);
    }

    @Override
    public @Nullable String queryParameter(String name) {
        return queryParameters().first(name);
    }

    /** The servlet request this view reads. */
    public HttpServletRequest servletRequest() {
        return request;
    }
}
