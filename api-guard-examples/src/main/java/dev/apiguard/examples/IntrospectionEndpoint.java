package dev.apiguard.examples;

import com.nimbusds.jose.util.JSONObjectUtils;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The demo issuer's RFC 7662 token introspection endpoint, on loopback over http: it issues opaque
 * tokens, answers {@code active:true} with their claims until they are revoked or expire, and
 * {@code active:false} for any other token. Callers authenticate with HTTP Basic (RFC 6749 §2.3.1);
 * any other caller gets 401. For the scenario and for trying the demo; not a real authorization
 * server.
 */
final class IntrospectionEndpoint implements AutoCloseable {

    private final String expectedAuthorization;
    private final String issuer;
    private final Map<String, Map<String, Object>> tokens = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private final ExecutorService executor = Executors.newFixedThreadPool(4);
    private final HttpServer server;

    private IntrospectionEndpoint(String issuer, String clientId, String secret) throws IOException {
        this.issuer = issuer;
        this.expectedAuthorization = "Basic "
                + Base64.getEncoder()
                        .encodeToString((form(clientId) + ":" + form(secret)).getBytes(StandardCharsets.UTF_8));
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/introspect", this::answer);
        server.setExecutor(executor);
        server.start();
    }

    /** Starts the endpoint of {@code issuer}, accepting the client {@code clientId} with {@code secret}. */
    static IntrospectionEndpoint start(String issuer, String clientId, String secret) throws IOException {
        return new IntrospectionEndpoint(issuer, clientId, secret);
    }

    /** {@code http://127.0.0.1:PORT/introspect}. */
    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/introspect");
    }

    /** A new opaque token of {@code clientId} with these scopes, active until {@code exp}. */
    String issue(String clientId, String scope, String audience, Instant exp) {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("active", true);
        claims.put("client_id", clientId);
        claims.put("scope", scope);
        claims.put("iss", issuer);
        claims.put("aud", audience);
        claims.put("exp", exp.getEpochSecond());
        claims.put("iat", Instant.now().getEpochSecond());
        tokens.put(token, claims);
        return token;
    }

    /** The token is inactive from now on. */
    void revoke(String token) {
        tokens.remove(token);
    }

    private void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!"POST".equals(exchange.getRequestMethod())
                    || !expectedAuthorization.equals(
                            exchange.getRequestHeaders().getFirst("Authorization"))) {
                send(exchange, 401, "{\"error\":\"invalid_client\"}");
                return;
            }
            String form = new String(exchange.getRequestBody().readNBytes(16 * 1024), StandardCharsets.UTF_8);
            String token = null;
            for (String pair : form.split("&")) {
                if (pair.startsWith("token=")) {
                    token = URLDecoder.decode(pair.substring(6), StandardCharsets.UTF_8);
                }
            }
            Map<String, Object> claims = token == null ? null : tokens.get(token);
            boolean active =
                    claims != null && Instant.now().getEpochSecond() < ((Number) claims.get("exp")).longValue();
            send(exchange, 200, active ? JSONObjectUtils.toJSONString(claims) : "{\"active\":false}");
        }
    }

    private static void send(HttpExchange exchange, int status, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private static String form(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
