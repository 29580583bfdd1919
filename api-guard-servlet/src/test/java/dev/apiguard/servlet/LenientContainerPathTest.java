package dev.apiguard.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.stream.Stream;
import org.eclipse.jetty.http.UriCompliance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * B4 when the host relaxes its container: Jetty's default refuses ambiguous URIs itself, so here
 * it lets them through ({@link UriCompliance#UNSAFE}), with the servlet API either decoding them
 * or throwing on {@code getServletPath()}. The guard must still refuse them, or match them to the
 * rule of the path the container dispatches to; the application is never reached without the scope.
 */
class LenientContainerPathTest {

    static Stream<Arguments> variants() {
        return Stream.of(true, false)
                .flatMap(decode -> Stream.of(
                                "//payments",
                                "/%2570ayments",
                                "/pay%2Fments",
                                "/%2e/payments",
                                "/%2F/payments",
                                "/payments%3Bx",
                                "/.;/payments",
                                "/payments/..;/payments",
                                "/payments%5C",
                                "/%2e%2e/payments",
                                "/payments%00",
                                "/payments;x",
                                "/a/../payments",
                                "/payments%2F")
                        .map(path -> Arguments.of(decode, path)));
    }

    @ParameterizedTest(name = "decodeAmbiguousURIs={0} {1}")
    @MethodSource("variants")
    void aRelaxedContainerStillNeverLetsAVariantReachTheApplication(boolean decode, String path) throws Exception {
        try (TestApp app = new TestApp(
                (context, guard) -> TestApp.addFilter(context, new ApiGuardFilter(guard)),
                UriCompliance.UNSAFE,
                decode)) {
            String id = UUID.randomUUID().toString();
            String answer = raw(
                    app.port(),
                    "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                            + TestApp.ID_HEADER + ": " + id + "\r\n"
                            + TestApp.CALLER_HEADER + ": partner-1;MTLS_BOUND_JWT;customers:read\r\n"
                            + "Content-Length: 0\r\nConnection: close\r\n\r\n");

            assertThat(answer).matches("(?s)HTTP/1.1 (400|403|404) .*");
            if (answer.startsWith("HTTP/1.1 400") && answer.contains("application/problem+json")) {
                assertThat(answer).contains("\"type\":\"https://api-guard.dev/problems/bad-path\"");
            }
            assertThat(app.record(id).servletCalls).hasValue(0);
        }
    }

    private static String raw(int port, String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
