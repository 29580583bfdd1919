package dev.apiguard.test;

import dev.apiguard.GuardRequest;
import dev.apiguard.QueryParameters;
import dev.apiguard.test.fixtures.IssuedCertificate;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An immutable {@link GuardRequest} for unit tests, built fluently; every method returns a new
 * request, so a base request can be shared and varied.
 *
 * <p>Defaults: scheme {@code https}, host {@code localhost}, port 443, remote address
 * {@code 127.0.0.1}, no headers, no query, no client certificate, no body. Headers keep their order and
 * duplicates, and are looked up case-insensitively. The path is taken as the one the container
 * dispatches to, unchanged: a test of path normalisation passes the variant it means.
 *
 * <pre>{@code
 * TestRequest request = TestRequest.get("/customers/ABC1234")
 *     .bearer(token)
 *     .clientCertificate(partner.certificate());
 * }</pre>
 *
 * <p>The same request runs through a servlet filter with
 * {@code dev.apiguard.test.servlet.ServletTester}, or as an {@code HttpServletRequest} with
 * {@code TestServletRequest.of(request)}: the query is read by {@link QueryParameters} on both
 * ways, so a malformed query gets the same answer.
 *
 * <p>Thread-safe (immutable). {@link #toString()} prints the method and path only, never a header.
 */
public final class TestRequest implements GuardRequest {

    private final String method;
    private final String path;
    private final List<Map.Entry<String, String>> headers;
    private final List<X509Certificate> certificates;
    private final String remoteAddress;
    private final String scheme;
    private final String host;
    private final int port;
    private final String query;
    private final QueryParameters parameters;
    private final byte[] body;

    private TestRequest(
            String method,
            String path,
            List<Map.Entry<String, String>> headers,
            List<X509Certificate> certificates,
            String remoteAddress,
            String scheme,
            String host,
            int port,
            String query,
            byte[] body) {
        this.method = method;
        this.path = path;
        this.headers = headers;
        this.certificates = certificates;
        this.remoteAddress = remoteAddress;
        this.scheme = scheme;
        this.host = host;
        this.port = port;
        this.query = query;
        this.body = body;
        // immutable: read once, when the request is made
        this.parameters = QueryParameters.parse(query);
    }

    /** A {@code GET} of the path. */
    public static TestRequest get(String path) {
        return method("GET", path);
    }

    /** A {@code POST} to the path. */
    public static TestRequest post(String path) {
        return method("POST", path);
    }

    /** A request with the given method, as given (use upper case, as clients send it). */
    public static TestRequest method(String method, String path) {
        Objects.requireNonNull(method, "method cannot be null");
        if (method.isEmpty()) {
            throw new IllegalArgumentException("method cannot be empty");
        }
        Objects.requireNonNull(path, "path cannot be null");
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("path must start with '/': " + path);
        }
        return new TestRequest(method, path, List.of(), List.of(), "127.0.0.1", "https", "localhost", 443, null, null);
    }

    /** Adds a header value after any already present (repeat for duplicate headers). */
    public TestRequest header(String name, String value) {
        Objects.requireNonNull(name, "header name cannot be null");
        Objects.requireNonNull(value, "header value cannot be null");
        List<Map.Entry<String, String>> more = new ArrayList<>(headers);
        more.add(Map.entry(name, value));
        return new TestRequest(
                method, path, List.copyOf(more), certificates, remoteAddress, scheme, host, port, query, body);
    }

    /** Removes every value of the header. */
    public TestRequest withoutHeader(String name) {
        List<Map.Entry<String, String>> fewer = new ArrayList<>(headers);
        fewer.removeIf(e -> e.getKey().equalsIgnoreCase(name));
        return new TestRequest(
                method, path, List.copyOf(fewer), certificates, remoteAddress, scheme, host, port, query, body);
    }

    /** Adds {@code Authorization: Bearer <token>}. */
    public TestRequest bearer(String token) {
        return header("Authorization", "Bearer " + token);
    }

    /** Adds {@code Authorization: DPoP <token>} and the {@code DPoP} proof header (RFC 9449 §7.1). */
    public TestRequest dpop(String token, String proof) {
        return header("Authorization", "DPoP " + token).header("DPoP", proof);
    }

    /** Sets the TLS client certificate chain, leaf first (none for an empty call). */
    public TestRequest clientCertificate(X509Certificate... chain) {
        return new TestRequest(method, path, headers, List.of(chain), remoteAddress, scheme, host, port, query, body);
    }

    /** Sets the TLS client certificate chain to the issued certificate's chain. */
    public TestRequest clientCertificate(IssuedCertificate certificate) {
        return clientCertificate(certificate.chainArray());
    }

    /** Sets the TCP peer's address (default {@code 127.0.0.1}). */
    public TestRequest remoteAddress(String address) {
        Objects.requireNonNull(address, "remoteAddress cannot be null");
        return new TestRequest(method, path, headers, certificates, address, scheme, host, port, query, body);
    }

    /** Sets the scheme (default {@code https}). */
    public TestRequest scheme(String newScheme) {
        Objects.requireNonNull(newScheme, "scheme cannot be null");
        return new TestRequest(method, path, headers, certificates, remoteAddress, newScheme, host, port, query, body);
    }

    /** Sets the host (default {@code localhost}). */
    public TestRequest host(String newHost) {
        Objects.requireNonNull(newHost, "host cannot be null");
        return new TestRequest(method, path, headers, certificates, remoteAddress, scheme, newHost, port, query, body);
    }

    /** Sets the port (default 443). */
    public TestRequest port(int newPort) {
        if (newPort < 1 || newPort > 65535) {
            throw new IllegalArgumentException("port must be 1..65535: " + newPort);
        }
        return new TestRequest(method, path, headers, certificates, remoteAddress, scheme, host, newPort, query, body);
    }

    /** Sets the raw query string, without {@code ?} (for example {@code page=2&access_token=x}). */
    public TestRequest query(String rawQueryString) {
        return new TestRequest(
                method, path, headers, certificates, remoteAddress, scheme, host, port, rawQueryString, body);
    }

    /**
     * Sets the body (copied). The guard never reads a body; it is for the servlet fakes
     * ({@code dev.apiguard.test.servlet}), whose request serves it from {@code getInputStream()}
     * with its length as {@code Content-Length}, and for the {@code Connection: close} a refusal
     * of a request with a body carries.
     */
    public TestRequest body(byte[] bytes) {
        Objects.requireNonNull(bytes, "body cannot be null");
        return new TestRequest(
                method, path, headers, certificates, remoteAddress, scheme, host, port, query, bytes.clone());
    }

    /** Sets the body to the text in UTF-8; see {@link #body(byte[])}. */
    public TestRequest body(String text) {
        Objects.requireNonNull(text, "body cannot be null");
        return body(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Sets an HTML form body, already encoded (for example
     * {@code client_assertion_type=...&client_assertion=...}), with
     * {@code Content-Type: application/x-www-form-urlencoded} in place of any content type set
     * before.
     */
    public TestRequest form(String urlEncodedBody) {
        Objects.requireNonNull(urlEncodedBody, "form cannot be null");
        return withoutHeader("Content-Type")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(urlEncodedBody.getBytes(StandardCharsets.US_ASCII));
    }

    /** Whether a body was set ({@link #body(byte[])}), an empty one too. */
    public boolean hasBody() {
        return body != null;
    }

    /**
     * The body's length as a container reports it ({@code getContentLengthLong()}): the
     * {@code Content-Length} header when one is set (-1 when it is not a number), else the
     * body's length when a body is set, else -1.
     */
    public long contentLength() {
        String declared = header("Content-Length");
        if (declared != null) {
            try {
                return Long.parseLong(declared.trim());
            } catch (NumberFormatException e) {
                return -1;
            }
        }
        return body == null ? -1 : body.length;
    }

    /** The body (a copy); empty when none was set. */
    public byte[] body() {
        return body == null ? new byte[0] : body.clone();
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

    /** Every header in the order added, names as given. */
    public List<Map.Entry<String, String>> headerEntries() {
        return headers;
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

    /** The raw query string, or {@code null}. */
    public String query() {
        return query;
    }

    /**
     * The query read by {@link QueryParameters#parse}, as the servlet adapter reads a container's
     * query string: the same names, values and refusals (a malformed query is
     * {@linkplain QueryParameters#unreadable() unreadable}, and the route step answers 400).
     */
    @Override
    public QueryParameters queryParameters() {
        return parameters;
    }

    /** Whether the query has a parameter of this name ({@link QueryParameters#has}). */
    @Override
    public boolean hasQueryParameter(String name) {
        return parameters.has(name);
    }

    /** The first value of the parameter, decoded and capped like the servlet adapter's ({@link QueryParameters#first}). */
    @Override
    public String queryParameter(String name) {
        return parameters.first(name);
    }

    @Override
    public String toString() {
        return "TestRequest[" + method + " " + path + "]";
    }
}
