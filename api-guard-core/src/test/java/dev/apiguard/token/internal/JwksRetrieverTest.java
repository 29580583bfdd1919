package dev.apiguard.token.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The JWKS fetch against a real HTTP server on loopback: the size limit to the byte, the status
 * codes taken as a document, and why a fetch failed (the message names the limit, not a timeout).
 */
class JwksRetrieverTest {

    private static final int LIMIT = 1_000;
    // generous: no test here waits for it; a fetch that did would fail with the deadline's message
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final AtomicReference<byte[]> body = new AtomicReference<>();
    private final AtomicInteger status = new AtomicInteger(200);
    private final CountDownLatch release = new CountDownLatch(1);
    private HttpServer server;
    private URL url;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/jwks", exchange -> {
            byte[] b = body.get();
            exchange.getResponseHeaders().add("Content-Type", "application/jwk-set+json");
            exchange.sendResponseHeaders(status.get(), b.length == 0 ? -1 : b.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(b);
            }
        });
        server.start();
        url = new URL("http://127.0.0.1:" + server.getAddress().getPort() + "/jwks");
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.stop(0);
    }

    private JwksRetriever retriever() {
        return new JwksRetriever(TIMEOUT, TIMEOUT, LIMIT, null);
    }

    private static byte[] document(int length) {
        String prefix = "{\"keys\":[],\"pad\":\"";
        return (prefix + "x".repeat(length - prefix.length() - 2) + "\"}").getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void aDocumentOfExactlyTheLimitIsTakenWithItsContentType() throws Exception {
        body.set(document(LIMIT));
        var resource = retriever().retrieveResource(url);
        assertThat(resource.getContent()).hasSize(LIMIT).startsWith("{\"keys\":[]");
        assertThat(resource.getContentType()).isEqualTo("application/jwk-set+json");
    }

    @Test
    void oneByteOverTheLimitIsRefusedForItsSizeNotByTheDeadline() {
        body.set(document(LIMIT + 1));
        assertThatThrownBy(() -> retriever().retrieveResource(url))
                .isInstanceOf(IOException.class)
                .hasMessage("JWKS document exceeds the size limit of " + LIMIT + " bytes");
    }

    @ParameterizedTest
    @ValueSource(ints = {200, 203, 299})
    void a2xxAnswerIsADocument(int code) throws Exception {
        status.set(code);
        body.set(document(100));
        assertThat(retriever().retrieveResource(url).getContent()).startsWith("{\"keys\"");
    }

    @ParameterizedTest
    @ValueSource(ints = {300, 304, 404, 500, 503})
    void anyOtherStatusIsAFailureNamingIt(int code) {
        status.set(code);
        body.set(code == 304 ? new byte[0] : document(100));
        assertThatThrownBy(() -> retriever().retrieveResource(url))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(Integer.toString(code));
    }

    @Test
    void aUrlTheHttpClientCannotTakeIsAnIoException() throws Exception {
        assertThatThrownBy(() -> retriever()
                        .retrieveResource(new URL(
                                "http://127.0.0.1:" + server.getAddress().getPort() + "/jwks?a b")))
                .isInstanceOf(IOException.class)
                .hasMessage("not a valid JWKS URL");
    }

    @Test
    void anInterruptedFetchGivesUpAtOnceAndKeepsTheInterrupt() throws Exception {
        server.createContext("/held", exchange -> {
            try {
                release.await(30, TimeUnit.SECONDS); // never answers while the test runs
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
        });
        URL held = new URL("http://127.0.0.1:" + server.getAddress().getPort() + "/held");

        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> retriever().retrieveResource(held)).isInstanceOf(InterruptedIOException.class);
            // whoever interrupted the fetching thread (a shutdown) must still see it
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void anOversizedDocumentIsCutOffNotDownloadedToTheEnd() throws Exception {
        CompletableFuture<Boolean> wroteItAll = new CompletableFuture<>();
        server.createContext("/huge", exchange -> {
            byte[] chunk = new byte[64 * 1024];
            Arrays.fill(chunk, (byte) 'x');
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                for (int i = 0; i < 1024; i++) { // 64 MiB, far more than socket buffers hold
                    out.write(chunk);
                }
                wroteItAll.complete(true);
            } catch (IOException clientClosed) {
                wroteItAll.complete(false);
            }
        });
        URL huge = new URL("http://127.0.0.1:" + server.getAddress().getPort() + "/huge");

        assertThatThrownBy(() -> retriever().retrieveResource(huge))
                .isInstanceOf(IOException.class)
                .hasMessage("JWKS document exceeds the size limit of " + LIMIT + " bytes");
        // the exchange was cancelled and its connection closed: the server could not write the rest
        assertThat(wroteItAll.get(30, TimeUnit.SECONDS))
                .as("the whole 64 MiB was read")
                .isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "http://a b/%zz", "/target", "http://127.0.0.1:1/target"})
    void aRedirectIsNeverFollowedWhereverItPointsAndIsAnIoException(String location) throws Exception {
        AtomicInteger followed = new AtomicInteger();
        server.createContext("/moved", exchange -> {
            if (!location.isEmpty()) {
                exchange.getResponseHeaders().add("Location", location);
            }
            exchange.sendResponseHeaders(302, -1);
            exchange.close();
        });
        server.createContext("/target", exchange -> {
            followed.incrementAndGet();
            exchange.sendResponseHeaders(200, 2);
            exchange.getResponseBody().write("{}".getBytes(StandardCharsets.UTF_8));
            exchange.close();
        });
        URL moved = new URL("http://127.0.0.1:" + server.getAddress().getPort() + "/moved");

        assertThatThrownBy(() -> retriever().retrieveResource(moved))
                .isExactlyInstanceOf(IOException.class)
                .hasMessage("HTTP 302: redirects are not followed");
        assertThat(followed).hasValue(0);
    }

    @Test
    void aTricklingEndpointIsCutOffAtTheDeadlineAndItsConnectionClosed() throws Exception {
        CompletableFuture<Boolean> wroteItAll = new CompletableFuture<>();
        server.createContext("/trickle", exchange -> {
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                for (int i = 0; i < 600; i++) { // a byte every 50 ms for 30 s: each well within any read timeout
                    out.write('x');
                    out.flush();
                    if (release.await(50, TimeUnit.MILLISECONDS)) {
                        break;
                    }
                }
                wroteItAll.complete(true);
            } catch (IOException | InterruptedException clientClosed) {
                wroteItAll.complete(false);
            }
        });
        URL trickle = new URL("http://127.0.0.1:" + server.getAddress().getPort() + "/trickle");
        Duration timeout = Duration.ofMillis(150);

        assertThatThrownBy(() -> new JwksRetriever(timeout, timeout, LIMIT, null).retrieveResource(trickle))
                .isInstanceOf(IOException.class)
                .hasMessageMatching("JWKS fetch (took longer than \\d+ ms|past its deadline)");
        // the exchange was given up: the server's next write fails, long before its 30 s are over
        assertThat(wroteItAll.get(20, TimeUnit.SECONDS))
                .as("the endpoint trickled to the end")
                .isFalse();
    }
}
