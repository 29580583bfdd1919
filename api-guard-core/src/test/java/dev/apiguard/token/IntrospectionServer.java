package dev.apiguard.token;

import com.nimbusds.jose.util.JSONObjectUtils;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import javax.net.ssl.SSLContext;

/**
 * A real RFC 7662 introspection endpoint on loopback (HTTP, or HTTPS with a test CA's server
 * certificate): it answers each token as told ({@code {"active":false}} for any other), records
 * every call (its form and {@code Authorization} header), and can be made to fail: a status, a
 * garbage or oversized body, or an answer held until {@link #release()}.
 */
final class IntrospectionServer implements AutoCloseable {

    /** A recorded call: the decoded form parameters and the Authorization header (or null). */
    record Call(Map<String, String> form, String authorization) {}

    final List<Call> calls = new CopyOnWriteArrayList<>();
    final AtomicInteger inFlight = new AtomicInteger();
    private final Map<String, String> answers = new ConcurrentHashMap<>();
    private volatile Function<Call, String> check = call -> null;
    private volatile int status = 200;
    private volatile String body;
    private volatile boolean hold;
    private final CountDownLatch release = new CountDownLatch(1);
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final HttpServer server;
    private final String scheme;

    IntrospectionServer() throws IOException {
        this(null);
    }

    /** With a server TLS context: HTTPS. */
    IntrospectionServer(SSLContext tls) throws IOException {
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        if (tls == null) {
            server = HttpServer.create(loopback, 0);
            scheme = "http";
        } else {
            HttpsServer https = HttpsServer.create(loopback, 0);
            https.setHttpsConfigurator(new HttpsConfigurator(tls));
            server = https;
            scheme = "https";
        }
        server.createContext("/introspect", this::answer);
        server.setExecutor(executor);
        server.start();
    }

    URI endpoint() {
        String host = scheme.equals("https") ? "localhost" : "127.0.0.1";
        return URI.create(scheme + "://" + host + ":" + server.getAddress().getPort() + "/introspect");
    }

    /** Answers {@code token} with this JSON object. */
    IntrospectionServer active(String token, Map<String, Object> claims) {
        Map<String, Object> answer = new LinkedHashMap<>(claims);
        answer.put("active", true);
        answers.put(token, JSONObjectUtils.toJSONString(answer));
        return this;
    }

    /** Answers {@code token} with {@code {"active":false}} from now on (a revocation at the server). */
    IntrospectionServer revoke(String token) {
        answers.remove(token);
        return this;
    }

    /** Answers every call with this status and body instead (null body: as told per token). */
    IntrospectionServer fail(int newStatus, String newBody) {
        this.status = newStatus;
        this.body = newBody;
        return this;
    }

    /** Answers per token again. */
    IntrospectionServer heal() {
        this.status = 200;
        this.body = null;
        return this;
    }

    /** A check of each call's client authentication: a non-null text refuses it with 401. */
    IntrospectionServer check(Function<Call, String> refusal) {
        this.check = refusal;
        return this;
    }

    /** Holds every answer until {@link #release()} or close. */
    IntrospectionServer hold() {
        this.hold = true;
        return this;
    }

    void release() {
        release.countDown();
    }

    int callCount() {
        return calls.size();
    }

    private void answer(HttpExchange exchange) throws IOException {
        inFlight.incrementAndGet();
        try {
            String form = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Call call = new Call(decode(form), exchange.getRequestHeaders().getFirst("Authorization"));
            calls.add(call);
            if (hold) {
                release.await(30, TimeUnit.SECONDS);
            }
            String refusal = check.apply(call);
            int code = status;
            String text = body;
            if (refusal != null) {
                code = 401;
                text = "{\"error\":\"invalid_client\"}";
            } else if (text == null) {
                text = answers.getOrDefault(call.form().getOrDefault("token", ""), "{\"active\":false}");
            }
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(code, bytes.length == 0 ? -1 : bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // the client gave up (its deadline): nothing to answer
        } finally {
            inFlight.decrementAndGet();
            exchange.close();
        }
    }

    static Map<String, String> decode(String form) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String pair : form.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                out.put(
                        URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    /** Stops answering: the port is closed, a call finds nobody. */
    @Override
    public void close() {
        release.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}
