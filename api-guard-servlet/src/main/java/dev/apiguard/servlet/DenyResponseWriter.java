package dev.apiguard.servlet;

import dev.apiguard.Decision;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@link Decision.Deny} as the HTTP answer: its status, every header of
 * {@link Decision.Deny#responseHeaders()} in order (one {@code WWW-Authenticate} per challenge,
 * RFC 9110 §11.6.1; {@code Cache-Control: no-store}; {@code Allow}, {@code Retry-After}, ...), and
 * the RFC 9457 problem as an {@code application/problem+json} body in UTF-8 with its length.
 *
 * <p>The response is {@linkplain HttpServletResponse#reset() reset} first, so nothing an earlier
 * filter set leaks into the refusal. A response that is already committed is left alone: its
 * status is on the wire. Stateless and thread-safe.
 */
public final class DenyResponseWriter {

    private DenyResponseWriter() {}

    /**
     * Writes the refusal, unless the response is already committed.
     *
     * @throws IOException when the client connection fails while writing
     */
    public static void write(Decision.Deny deny, HttpServletResponse response) throws IOException {
        write(deny, List.of(), response);
    }

    /**
     * Writes the refusal followed by the headers steps added to the exchange
     * ({@link dev.apiguard.GuardExchange#responseHeaders()}, for example {@code Deprecation} and
     * {@code Sunset} of a key-authenticated request), unless the response is already committed.
     *
     * @throws IOException when the client connection fails while writing
     */
    public static void write(
            Decision.Deny deny, List<Map.Entry<String, String>> exchangeHeaders, HttpServletResponse response)
            throws IOException {
        if (response.isCommitted()) {
            return;
        }
        response.reset();
        response.setStatus(deny.status());
        for (Map.Entry<String, String> header : deny.responseHeaders()) {
            response.addHeader(header.getKey(), header.getValue());
        }
        for (Map.Entry<String, String> header : exchangeHeaders) {
            response.addHeader(header.getKey(), header.getValue());
        }
        byte[] body = deny.problem().toJson().getBytes(StandardCharsets.UTF_8);
        // JSON is UTF-8 by definition (RFC 8259 §8.1): no charset parameter
        response.setContentType(Decision.Deny.CONTENT_TYPE);
        response.setContentLength(body.length);
        ServletOutputStream out;
        try {
            out = response.getOutputStream();
        } catch (IllegalStateException writerInUse) {
            // a wrapper further out insists on the writer; the body is ASCII-safe JSON either way
            response.setCharacterEncoding(StandardCharsets.UTF_8.name());
            PrintWriter writer = response.getWriter();
            writer.write(deny.problem().toJson());
            writer.flush();
            return;
        }
        out.write(body);
        out.flush();
    }
}
