package dev.apiguard.examples.attack;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A raw HTTP/1.1 client over TLS: sends the bytes exactly as given (duplicate headers, odd paths,
 * folded or oversized header lines, control bytes) where the JDK HttpClient would normalise or
 * refuse them, and reads one answer. Reading stops at the end of the first response (by
 * {@code Content-Length} or chunked framing), at the end of the stream, or after 10 s of silence.
 */
final class RawTls {

    private RawTls() {}

    /** Sends the request text (ISO-8859-1, so any byte can be written) and reads the answer. */
    static Answer exchange(SSLContext tls, int port, String request) throws IOException {
        try (SSLSocket socket = handshaken(tls, port)) {
            OutputStream out = socket.getOutputStream();
            try {
                out.write(request.getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            } catch (IOException e) {
                // the server may answer and close while a huge request is still being written
            }
            return read(socket.getInputStream());
        }
    }

    /**
     * A connected socket after its TLS handshake. A handshake that fails at the socket level (a
     * broken pipe or reset, seen on a loaded two-core machine before any request byte is sent) is
     * tried once more on a new connection: nothing of the request under test was sent yet, so the
     * retry cannot change what the test observes. A TLS alert is never retried.
     */
    private static SSLSocket handshaken(SSLContext tls, int port) throws IOException {
        for (int attempt = 1; ; attempt++) {
            SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", port);
            try {
                socket.setSoTimeout(10_000);
                socket.startHandshake();
                return socket;
            } catch (java.net.SocketException e) {
                socket.close();
                if (attempt == 2) {
                    throw e;
                }
            } catch (IOException | RuntimeException e) {
                socket.close();
                throw e;
            }
        }
    }

    /**
     * Sends the requests one after another over one TLS connection, as a keep-alive client does:
     * each is written once the answer to the one before has been read. An answer of status 0 means
     * the server closed the connection (or went silent) before answering that request.
     */
    static List<Answer> exchanges(SSLContext tls, int port, List<String> requests) throws IOException {
        try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            socket.startHandshake();
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            List<Answer> answers = new ArrayList<>();
            for (String request : requests) {
                out.write(request.getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                answers.add(read(in));
            }
            return answers;
        }
    }

    /** Reads one answer: up to the end of the first response, the end of the stream, or 10 s of silence. */
    private static Answer read(InputStream in) {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try {
            int n;
            while ((n = in.read(buf)) > 0) {
                received.write(buf, 0, n);
                if (complete(received.toString(StandardCharsets.ISO_8859_1))) {
                    break;
                }
            }
        } catch (SocketTimeoutException e) {
            // answered without closing and without framing: take what arrived
        } catch (IOException e) {
            // reset after the answer, or before any
        }
        return parse(received.toString(StandardCharsets.ISO_8859_1));
    }

    /** Whether the text holds one whole response. */
    static boolean complete(String text) {
        int end = text.indexOf("\r\n\r\n");
        if (end < 0) {
            return false;
        }
        Answer head = parse(text.substring(0, end + 4));
        String body = text.substring(end + 4);
        if (head.first("Content-Length").isPresent()) {
            return body.length()
                    >= Long.parseLong(head.first("Content-Length").get().trim());
        }
        if (head.first("Transfer-Encoding")
                .map(v -> v.toLowerCase(Locale.ROOT).contains("chunked"))
                .orElse(false)) {
            return body.endsWith("0\r\n\r\n");
        }
        return head.status() == 204 || head.status() == 304 || head.status() / 100 == 1;
    }

    /** Parses a response; status 0 when there is none. */
    static Answer parse(String text) {
        if (!text.startsWith("HTTP/1.")) {
            return new Answer(0, Map.of(), text);
        }
        int end = text.indexOf("\r\n\r\n");
        String head = end < 0 ? text : text.substring(0, end);
        String body = end < 0 ? "" : text.substring(end + 4);
        String[] lines = head.split("\r\n");
        String[] statusLine = lines[0].split(" ", 3);
        int status = statusLine.length > 1 && statusLine[1].matches("[0-9]{3}") ? Integer.parseInt(statusLine[1]) : 0;
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.computeIfAbsent(
                                lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                        .add(lines[i].substring(colon + 1).trim());
            }
        }
        if (headers.getOrDefault("transfer-encoding", List.of()).stream().anyMatch(v -> v.contains("chunked"))) {
            body = dechunk(body);
        }
        return new Answer(status, headers, body);
    }

    private static String dechunk(String body) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < body.length()) {
            int eol = body.indexOf("\r\n", i);
            if (eol < 0) {
                break;
            }
            int size;
            try {
                size = Integer.parseInt(body.substring(i, eol).split(";")[0].trim(), 16);
            } catch (NumberFormatException e) {
                break;
            }
            if (size == 0) {
                break;
            }
            int start = eol + 2;
            out.append(body, start, Math.min(body.length(), start + size));
            i = start + size + 2;
        }
        return out.toString();
    }
}
