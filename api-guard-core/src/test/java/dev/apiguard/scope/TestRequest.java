package dev.apiguard.scope;

import dev.apiguard.GuardRequest;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** A {@link GuardRequest} made by hand for tests. */
final class TestRequest implements GuardRequest {

    private final String method;
    private final String path;
    private final Map<String, List<String>> headers = new TreeMap<>();

    private TestRequest(String method, String path) {
        this.method = method;
        this.path = path;
    }

    static TestRequest of(String method, String path) {
        return new TestRequest(method, path);
    }

    TestRequest header(String name, String value) {
        headers.computeIfAbsent(name.toLowerCase(Locale.ROOT), n -> new ArrayList<>()).add(value);
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
        return List.of();
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
    public boolean hasQueryParameter(String name) {
        return false;
    }
}
