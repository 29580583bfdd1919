package dev.apiguard;

import java.security.cert.X509Certificate;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A read-only view of one HTTP request, as the guard steps see it.
 *
 * <p>The adapter that builds it (the servlet filter, or the test kit) is responsible for handing
 * over the path the container dispatches to, so that route rules cannot be bypassed through
 * {@code //}, {@code ;} parameters, percent-encoding or dot segments. Implementations are not
 * required to be thread-safe: a view belongs to one request.
 */
public interface GuardRequest {

    /** The HTTP method as sent, upper-case ({@code GET}, {@code POST}, ...). */
    String method();

    /**
     * The decoded path below the application's context path, the one the container dispatches to
     * (for example {@code /customers/ABC1234}). Never {@code null}, always starts with {@code /}.
     */
    String path();

    /**
     * Every value of the named header in the order received, or an empty list. Header names are
     * case-insensitive.
     */
    List<String> headers(String name);

    /** The first value of the named header, or {@code null} when absent. */
    default @Nullable String header(String name) {
        List<String> values = headers(name);
        return values.isEmpty() ? null : values.get(0);
    }

    /**
     * The client certificate chain of the TLS connection, leaf first, or an empty list when the
     * connection carried none.
     */
    List<X509Certificate> clientCertificates();

    /** The IP address of the TCP peer (not a forwarded address). */
    String remoteAddress();

    /** The scheme the request arrived with, {@code https} or {@code http}. */
    String scheme();

    /** The host name or address the request was sent to (the {@code Host} header, without port). */
    String host();

    /** The port the request was sent to. */
    int port();

    /**
     * The application's context path, as the request URI begins with it ({@code /api}), or the
     * empty string for the root context (the default). With {@link #path()} it makes the request
     * URI that a DPoP proof's {@code htu} names.
     */
    default String contextPath() {
        return "";
    }

    /**
     * The query string's parameters, read as the container reads them for {@code getParameter}
     * ({@link QueryParameters#parse}), from the raw query string only, never from a form body.
     * Adapters parse it once per request. Default: {@link QueryParameters#NONE}.
     */
    default QueryParameters queryParameters() {
        return QueryParameters.NONE;
    }

    /**
     * Whether the query string carries a parameter of this name (its value is never read).
     * Default: {@code queryParameters().has(name)}.
     */
    default boolean hasQueryParameter(String name) {
        return queryParameters().has(name);
    }

    /** The most characters {@link #queryParameter} returns of a value. */
    int MAX_QUERY_VALUE_LENGTH = 256;

    /**
     * The first value of the named query-string parameter, percent-decoded (UTF-8, {@code +} as
     * space) and cut to {@value #MAX_QUERY_VALUE_LENGTH} characters, or {@code null} when absent or
     * malformed. Read from the raw query string only, never from a form body. Steps read it for
     * non-secret values (a page number); never log what it returns. Default:
     * {@code queryParameters().first(name)}.
     */
    default @Nullable String queryParameter(String name) {
        return queryParameters().first(name);
    }
}
