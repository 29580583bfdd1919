package dev.apiguard.token;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;

/**
 * A real HTTP server on loopback that answers each path as told (404 otherwise) and records every
 * path asked for: an authorization server's metadata and key set, in every shape it could go wrong.
 */
final class MetadataServer implements AutoCloseable {

    /** An answer: status, body, extra headers, and whether to hold it until the server closes. */
    record Answer(int status, String body, Map<String, String> headers, boolean hold) {
        static Answer json(String body) {
            return new Answer(200, body, Map.of("Content-Type", "application/json"), false);
        }
    }

    final List<String> asked = new CopyOnWriteArrayList<>();
    private final Map<String, Answer> answers = new ConcurrentHashMap<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final HttpServer server;

    MetadataServer() throws IOException {
        this(null);
    }

    /** Over https with this server-side TLS context (a certificate for {@code localhost}), or plain http for null. */
    MetadataServer(SSLContext tls) throws IOException {
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        if (tls == null) {
            server = HttpServer.create(loopback, 0);
        } else {
            HttpsServer https = HttpsServer.create(loopback, 0);
            https.setHttpsConfigurator(new HttpsConfigurator(tls));
            server = https;
        }
        server.createContext("/", this::answer);
        server.setExecutor(executor);
        server.start();
    }

    /** {@code http://127.0.0.1:port}, or {@code https://localhost:port} (the certificate's name); no terminating slash. */
    String origin() {
        return server instanceof HttpsServer
                ? "https://localhost:" + server.getAddress().getPort()
                : "http://127.0.0.1:" + server.getAddress().getPort();
    }

    MetadataServer answer(String path, Answer answer) {
        answers.put(path, answer);
        return this;
    }

    MetadataServer remove(String path) {
        answers.remove(path);
        return this;
    }

    /** Serves at {@code path} metadata naming {@code issuer} and the key set at {@code jwksPath}. */
    MetadataServer metadata(String path, String issuer, String jwksPath) {
        return answer(path, Answer.json(metadataJson(issuer, origin() + jwksPath)));
    }

    MetadataServer keys(String path, JWKSet publicKeys) {
        return answer(path, Answer.json(publicKeys.toString()));
    }

    static String metadataJson(String issuer, String jwksUri) {
        return JSONObjectUtils.toJSONString(Map.of(
                "issuer",
                issuer,
                "jwks_uri",
                jwksUri,
                "token_endpoint",
                issuer + "/token",
                "response_types_supported",
                List.of("code")));
    }

    long count(String path) {
        return asked.stream().filter(path::equals).count();
    }

    private void answer(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getRawPath();
        asked.add(path);
        Answer a = answers.get(path);
        if (a == null) {
            a = new Answer(404, "", Map.of(), false);
        }
        if (a.hold()) {
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        a.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
        byte[] b = a.body().getBytes(StandardCharsets.UTF_8);
        try (OutputStream out = exchange.getResponseBody()) {
            exchange.sendResponseHeaders(a.status(), b.length == 0 ? -1 : b.length);
            out.write(b);
        } catch (IOException clientGone) {
            // the client gave up (a timeout under test)
        }
    }

    @Override
    public void close() {
        release.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}
