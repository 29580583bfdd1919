package dev.apiguard.fakes;

import dev.apiguard.GuardRequest;
import dev.apiguard.QueryParameters;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** A {@link GuardRequest} made by hand for tests of core capabilities. */
public final class FakeRequest implements GuardRequest {

    private final String method;
    private final String path;
    private final Map<String, List<String>> headers = new TreeMap<>();
    private final Set<String> queryParameters = new HashSet<>();
    private List<X509Certificate> certificates = List.of();
    private QueryParameters rawQuery = QueryParameters.NONE;

    private FakeRequest(String method, String path) {
        this.method = method;
        this.path = path;
    }

    /** A request of this method and path. */
    public static FakeRequest of(String method, String path) {
        return new FakeRequest(method, path);
    }

    /** {@code GET /customers/ABC1234}: a lookup on a templated route. */
    public static FakeRequest get() {
        return of("GET", "/customers/ABC1234");
    }

    /** Adds {@code Authorization: Bearer <token>}. */
    public FakeRequest bearer(String token) {
        return header("Authorization", "Bearer " + token);
    }

    /** Adds a header value. */
    public FakeRequest header(String name, String value) {
        headers.computeIfAbsent(name.toLowerCase(Locale.ROOT), n -> new ArrayList<>())
                .add(value);
        return this;
    }

    /** The client certificate chain of the TLS connection, leaf first. */
    public FakeRequest certificates(X509Certificate... chain) {
        certificates = List.of(chain);
        return this;
    }

    /** Sets the raw query string, read as the servlet adapter reads it ({@link QueryParameters#parse}). */
    public FakeRequest rawQuery(String query) {
        rawQuery = QueryParameters.parse(query);
        return this;
    }

    /** Adds a query parameter name. */
    public FakeRequest query(String name) {
        queryParameters.add(name);
        return this;
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
        return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
    }

    @Override
    public List<X509Certificate> clientCertificates() {
        return certificates;
    }

    @Override
    public String remoteAddress() {
        return "192.0.2.1";
    }

    @Override
    public String scheme() {
        return "https";
    }

    @Override
    public String host() {
        return "api.example";
    }

    @Override
    public int port() {
        return 443;
    }

    @Override
    public QueryParameters queryParameters() {
        return rawQuery;
    }

    @Override
    public boolean hasQueryParameter(String name) {
        return queryParameters.contains(name) || rawQuery.has(name);
    }
}
