package dev.apiguard.token;

import dev.apiguard.GuardRequest;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** A request view for tests: GET / from 192.0.2.1 over https, with headers and query names added. */
final class TestRequest implements GuardRequest {

    private final Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    private final Set<String> queryParameters = new HashSet<>();

    static TestRequest get() {
        return new TestRequest();
    }

    TestRequest header(String name, String value) {
        headers.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
        return this;
    }

    TestRequest bearer(String token) {
        return header("Authorization", "Bearer " + token);
    }

    TestRequest query(String name) {
        queryParameters.add(name);
        return this;
    }

    @Override
    public String method() {
        return "GET";
    }

    @Override
    public String path() {
        return "/customers/ABC1234";
    }

    @Override
    public List<String> headers(String name) {
        return List.copyOf(headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of()));
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
        return queryParameters.contains(name);
    }
}
