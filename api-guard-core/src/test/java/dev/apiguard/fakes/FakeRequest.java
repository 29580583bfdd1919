package dev.apiguard.fakes;

import dev.apiguard.GuardRequest;
import dev.apiguard.QueryParameters;
import dev.apiguard.test.fixtures.IssuedCertificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The one {@link GuardRequest} of core's tests: immutable and built fluently, every method
 * returning a new request, so that a base request can be shared and varied.
 *
 * <p>Defaults: scheme {@code https}, host {@code api.example}, port 443, no context path, remote
 * address {@code 192.0.2.1}, no headers, no query, no client certificate. Headers keep their
 * order and duplicates and are looked up case-insensitively. The query is read as the servlet
 * adapter reads a container's query string ({@link QueryParameters#parse}). (The test kit's
 * {@code TestRequest} is the same for hosts; core's tests cannot use the kit, which depends on
 * core.)
 */
public final class FakeRequest implements GuardRequest {

    private final String method;
    private final String path;
    private final List<Map.Entry<String, String>> headers;
    private final List<X509Certificate> certificates;
    private final String remoteAddress;
    private final String scheme;
    private final String host;
    private final int port;
    private final String contextPath;
    private final QueryParameters parameters;
    private final Set<String> parameterNames;

    private FakeRequest(
            String method,
            String path,
            List<Map.Entry<String, String>> headers,
            List<X509Certificate> certificates,
            String remoteAddress,
            String scheme,
            String host,
            int port,
            String contextPath,
            QueryParameters parameters,
            Set<String> parameterNames) {
        this.method = method;
        this.path = path;
        this.headers = headers;
        this.certificates = certificates;
        this.remoteAddress = remoteAddress;
        this.scheme = scheme;
        this.host = host;
        this.port = port;
        this.contextPath = contextPath;
        this.parameters = parameters;
        this.parameterNames = parameterNames;
    }

    /** A request of this method and path. */
    public static FakeRequest of(String method, String path) {
        return new FakeRequest(
                Objects.requireNonNull(method, "method"),
                Objects.requireNonNull(path, "path"),
                List.of(),
                List.of(),
                "192.0.2.1",
                "https",
                "api.example",
                443,
                "",
                QueryParameters.NONE,
                Set.of());
    }

    /** {@code GET /customers/ABC1234}: a lookup on a templated route. */
    public static FakeRequest get() {
        return get("/customers/ABC1234");
    }

    /** A {@code GET} of the path. */
    public static FakeRequest get(String path) {
        return of("GET", path);
    }

    /** A {@code POST} to the path. */
    public static FakeRequest post(String path) {
        return of("POST", path);
    }

    /** Adds a header value after any already present (repeat for duplicate headers). */
    public FakeRequest header(String name, String value) {
        List<Map.Entry<String, String>> more = new ArrayList<>(headers);
        more.add(Map.entry(name, value));
        return new FakeRequest(
                method,
                path,
                List.copyOf(more),
                certificates,
                remoteAddress,
                scheme,
                host,
                port,
                contextPath,
                parameters,
                parameterNames);
    }

    /** Adds {@code Authorization: Bearer <token>}. */
    public FakeRequest bearer(String token) {
        return header("Authorization", "Bearer " + token);
    }

    /** Adds {@code Authorization: DPoP <token>} and the {@code DPoP} proof header (RFC 9449 §7.1). */
    public FakeRequest dpop(String token, String proof) {
        return header("Authorization", "DPoP " + token).header("DPoP", proof);
    }

    /** The TLS client certificate chain, leaf first (none for an empty call). */
    public FakeRequest clientCertificate(X509Certificate... chain) {
        return new FakeRequest(
                method,
                path,
                headers,
                List.of(chain),
                remoteAddress,
                scheme,
                host,
                port,
                contextPath,
                parameters,
                parameterNames);
    }

    /** The TLS client certificate chain of the issued certificate. */
    public FakeRequest clientCertificate(IssuedCertificate certificate) {
        return clientCertificate(certificate.chainArray());
    }

    /** The TCP peer's address (default {@code 192.0.2.1}). */
    public FakeRequest remoteAddress(String address) {
        return new FakeRequest(
                method,
                path,
                headers,
                certificates,
                Objects.requireNonNull(address, "address"),
                scheme,
                host,
                port,
                contextPath,
                parameters,
                parameterNames);
    }

    /** The scheme (default {@code https}). */
    public FakeRequest scheme(String newScheme) {
        return new FakeRequest(
                method,
                path,
                headers,
                certificates,
                remoteAddress,
                newScheme,
                host,
                port,
                contextPath,
                parameters,
                parameterNames);
    }

    /** The host (default {@code api.example}). */
    public FakeRequest host(String newHost) {
        return new FakeRequest(
                method,
                path,
                headers,
                certificates,
                remoteAddress,
                scheme,
                newHost,
                port,
                contextPath,
                parameters,
                parameterNames);
    }

    /** The port (default 443). */
    public FakeRequest port(int newPort) {
        return new FakeRequest(
                method,
                path,
                headers,
                certificates,
                remoteAddress,
                scheme,
                host,
                newPort,
                contextPath,
                parameters,
                parameterNames);
    }

    /** The context path (default none, the root context). */
    public FakeRequest contextPath(String newContextPath) {
        return new FakeRequest(
                method,
                path,
                headers,
                certificates,
                remoteAddress,
                scheme,
                host,
                port,
                newContextPath,
                parameters,
                parameterNames);
    }

    /** The raw query string, without {@code ?}, read as the servlet adapter reads it; null for none. */
    public FakeRequest rawQuery(String query) {
        return new FakeRequest(
                method,
                path,
                headers,
                certificates,
                remoteAddress,
                scheme,
                host,
                port,
                contextPath,
                QueryParameters.parse(query),
                parameterNames);
    }

    /** Adds the name of a query parameter the request has (without a value). */
    public FakeRequest query(String name) {
        Set<String> more = new HashSet<>(parameterNames);
        more.add(name);
        return new FakeRequest(
                method,
                path,
                headers,
                certificates,
                remoteAddress,
                scheme,
                host,
                port,
                contextPath,
                parameters,
                Set.copyOf(more));
    }

    @Override
    public String method() {
        return method;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public List<String> headers(String name) {
        List<String> values = new ArrayList<>(1);
        for (Map.Entry<String, String> e : headers) {
            if (e.getKey().equalsIgnoreCase(name)) {
                values.add(e.getValue());
            }
        }
        return List.copyOf(values);
    }

    @Override
    public List<X509Certificate> clientCertificates() {
        return certificates;
    }

    @Override
    public String remoteAddress() {
        return remoteAddress;
    }

    @Override
    public String scheme() {
        return scheme;
    }

    @Override
    public String host() {
        return host;
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public String contextPath() {
        return contextPath;
    }

    @Override
    public QueryParameters queryParameters() {
        return parameters;
    }

    @Override
    public boolean hasQueryParameter(String name) {
        return parameterNames.contains(name) || parameters.has(name);
    }

    @Override
    public String toString() {
        return "FakeRequest[" + method + " " + path + "]";
    }
}
