package dev.apiguard.test.servlet;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * An {@link HttpServletResponse} that captures what a filter or servlet answers: status, headers,
 * body, whether and how it was committed. {@link ServletTester} hands one to the filters.
 *
 * <p>Hand-written rather than Spring's {@code MockHttpServletResponse} (Spring in every host's
 * tests) or mocks (a dozen stubs and a custom output stream per test); it keeps the rules of a
 * container's response that a filter depends on:
 * <ul>
 *   <li>Headers keep their order and are multi-valued and case-insensitive: {@code addHeader}
 *       appends, {@code setHeader} replaces every value of the name ({@code null} removes),
 *       {@code setContentType} and {@code setContentLength} set {@code Content-Type} and
 *       {@code Content-Length}; dates are written as RFC 9110 HTTP dates.</li>
 *   <li>Committed when the body is flushed ({@code flushBuffer()}, {@code flush()} of the stream
 *       or writer), when more than the buffer size ({@value #DEFAULT_BUFFER_SIZE} bytes unless
 *       set) was written, and by {@code sendError} or {@code sendRedirect}. Once committed the
 *       status and headers no longer change, and {@code reset()}, {@code resetBuffer()},
 *       {@code sendError} and {@code sendRedirect} throw {@link IllegalStateException}, as in a
 *       container.</li>
 *   <li>{@code getOutputStream()} or {@code getWriter()}, not both ({@link IllegalStateException}
 *       for the second, as in a container); the writer encodes in the response's character
 *       encoding, ISO-8859-1 unless set (the Servlet default).</li>
 *   <li>{@code sendError(status, message)} keeps the message ({@link #errorMessage()}) and writes
 *       no error page.</li>
 * </ul>
 *
 * <p>Not thread-safe: one instance is one response. Needs the Servlet 6 API on the class path.
 */
public final class TestServletResponse implements HttpServletResponse {

    /** The buffer size until {@link #setBufferSize}: beyond it, the response is committed. */
    public static final int DEFAULT_BUFFER_SIZE = 32 * 1024;

    private static final DateTimeFormatter HTTP_DATE =
            DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC).withLocale(Locale.ROOT);

    private final List<Map.Entry<String, String>> headers = new ArrayList<>();
    private final List<Cookie> cookies = new ArrayList<>();
    private final ByteArrayOutputStream content = new ByteArrayOutputStream();
    private int status = SC_OK;
    private String errorMessage;
    private String characterEncoding;
    private Locale locale = Locale.getDefault();
    private int bufferSize = DEFAULT_BUFFER_SIZE;
    private boolean committed;
    private BodyStream stream;
    private BodyWriter writer;

    /** An empty response: 200, no header, no body, not committed. */
    public TestServletResponse() {}

    // ---- what a test reads -----------------------------------------------------------------------

    /** Every header in the order written, names as given. */
    public List<Map.Entry<String, String>> headerEntries() {
        return List.copyOf(headers);
    }

    /** The body written so far, through the stream or the writer. */
    public byte[] body() {
        if (writer != null) {
            writer.drain();
        }
        return content.toByteArray();
    }

    /**
     * The body as text, in the character encoding set on the response, else UTF-8 (the encoding
     * of JSON, RFC 8259 §8.1, and of the guard's problem bodies).
     */
    public String bodyAsString() {
        return new String(body(), characterEncoding == null ? StandardCharsets.UTF_8 : charset());
    }

    /** The message given to {@code sendError(status, message)}, or {@code null}. */
    public String errorMessage() {
        return errorMessage;
    }

    /** The cookies added, in order (each also a {@code Set-Cookie} header). */
    public List<Cookie> cookies() {
        return List.copyOf(cookies);
    }

    // ---- status ----------------------------------------------------------------------------------

    @Override
    public void setStatus(int sc) {
        if (!committed) {
            this.status = sc;
        }
    }

    @Override
    public int getStatus() {
        return status;
    }

    @Override
    public void sendError(int sc, String msg) {
        checkNotCommitted("sendError");
        content.reset();
        this.status = sc;
        this.errorMessage = msg;
        this.committed = true;
    }

    @Override
    public void sendError(int sc) {
        sendError(sc, null);
    }

    @Override
    public void sendRedirect(String location, int sc, boolean clearBuffer) {
        checkNotCommitted("sendRedirect");
        if (clearBuffer) {
            content.reset();
        }
        this.status = sc;
        setHeader("Location", location);
        this.committed = true;
    }

    // ---- headers ---------------------------------------------------------------------------------

    @Override
    public void setHeader(String name, String value) {
        if (committed || name == null) {
            return;
        }
        headers.removeIf(e -> e.getKey().equalsIgnoreCase(name));
        if (value != null) {
            headers.add(Map.entry(name, value));
        }
    }

    @Override
    public void addHeader(String name, String value) {
        if (committed || name == null || value == null) {
            return;
        }
        headers.add(Map.entry(name, value));
    }

    @Override
    public void setIntHeader(String name, int value) {
        setHeader(name, Integer.toString(value));
    }

    @Override
    public void addIntHeader(String name, int value) {
        addHeader(name, Integer.toString(value));
    }

    @Override
    public void setDateHeader(String name, long date) {
        setHeader(name, HTTP_DATE.format(Instant.ofEpochMilli(date)));
    }

    @Override
    public void addDateHeader(String name, long date) {
        addHeader(name, HTTP_DATE.format(Instant.ofEpochMilli(date)));
    }

    @Override
    public boolean containsHeader(String name) {
        return getHeader(name) != null;
    }

    @Override
    public String getHeader(String name) {
        for (Map.Entry<String, String> e : headers) {
            if (e.getKey().equalsIgnoreCase(name)) {
                return e.getValue();
            }
        }
        return null;
    }

    @Override
    public Collection<String> getHeaders(String name) {
        List<String> values = new ArrayList<>();
        for (Map.Entry<String, String> e : headers) {
            if (e.getKey().equalsIgnoreCase(name)) {
                values.add(e.getValue());
            }
        }
        return values;
    }

    @Override
    public Collection<String> getHeaderNames() {
        Set<String> seen = new LinkedHashSet<>();
        List<String> names = new ArrayList<>();
        for (Map.Entry<String, String> e : headers) {
            if (seen.add(e.getKey().toLowerCase(Locale.ROOT))) {
                names.add(e.getKey());
            }
        }
        return names;
    }

    @Override
    public void addCookie(Cookie cookie) {
        if (committed) {
            return;
        }
        cookies.add(cookie);
        StringBuilder value = new StringBuilder(cookie.getName()).append('=').append(cookie.getValue());
        if (cookie.getPath() != null) {
            value.append("; Path=").append(cookie.getPath());
        }
        if (cookie.getDomain() != null) {
            value.append("; Domain=").append(cookie.getDomain());
        }
        if (cookie.getMaxAge() >= 0) {
            value.append("; Max-Age=").append(cookie.getMaxAge());
        }
        if (cookie.getSecure()) {
            value.append("; Secure");
        }
        if (cookie.isHttpOnly()) {
            value.append("; HttpOnly");
        }
        addHeader("Set-Cookie", value.toString());
    }

    @Override
    public String encodeURL(String url) {
        return url;
    }

    @Override
    public String encodeRedirectURL(String url) {
        return url;
    }

    // ---- content type and encoding ---------------------------------------------------------------

    @Override
    public void setContentType(String type) {
        if (committed) {
            return;
        }
        if (type == null) {
            setHeader("Content-Type", null);
            return;
        }
        String charsetParameter = null;
        for (String parameter : type.split(";")) {
            String p = parameter.trim();
            if (p.regionMatches(true, 0, "charset=", 0, 8)) {
                charsetParameter = p.substring(8).replace("\"", "").trim();
            }
        }
        if (charsetParameter != null && writer == null) {
            characterEncoding = charsetParameter;
        }
        setHeader("Content-Type", type);
    }

    @Override
    public String getContentType() {
        return getHeader("Content-Type");
    }

    /**
     * Sets the encoding of the writer (ignored once the writer is in use or the response
     * committed); a content type already set gets it as its {@code charset}, as Jetty writes it.
     */
    @Override
    public void setCharacterEncoding(String encoding) {
        if (committed || writer != null) {
            return;
        }
        this.characterEncoding = encoding;
        String type = getContentType();
        if (type != null && encoding != null) {
            int semicolon = type.indexOf(';');
            setHeader("Content-Type", (semicolon < 0 ? type : type.substring(0, semicolon)) + ";charset=" + encoding);
        }
    }

    /** The encoding set, else ISO-8859-1 (the Servlet default). */
    @Override
    public String getCharacterEncoding() {
        return characterEncoding == null ? StandardCharsets.ISO_8859_1.name() : characterEncoding;
    }

    private Charset charset() {
        try {
            return Charset.forName(getCharacterEncoding());
        } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
            return StandardCharsets.ISO_8859_1;
        }
    }

    @Override
    public void setContentLength(int length) {
        setContentLengthLong(length);
    }

    @Override
    public void setContentLengthLong(long length) {
        setHeader("Content-Length", length < 0 ? null : Long.toString(length));
    }

    @Override
    public void setLocale(Locale newLocale) {
        if (!committed && newLocale != null) {
            this.locale = newLocale;
        }
    }

    @Override
    public Locale getLocale() {
        return locale;
    }

    // ---- the body --------------------------------------------------------------------------------

    @Override
    public ServletOutputStream getOutputStream() {
        if (writer != null) {
            throw new IllegalStateException("getWriter() has already been called on this response");
        }
        if (stream == null) {
            stream = new BodyStream();
        }
        return stream;
    }

    @Override
    public PrintWriter getWriter() {
        if (stream != null) {
            throw new IllegalStateException("getOutputStream() has already been called on this response");
        }
        if (writer == null) {
            writer = new BodyWriter(charset());
        }
        return writer;
    }

    @Override
    public void setBufferSize(int size) {
        if (committed || content.size() > 0) {
            throw new IllegalStateException("the buffer size cannot change once content was written");
        }
        this.bufferSize = size;
    }

    @Override
    public int getBufferSize() {
        return bufferSize;
    }

    @Override
    public void flushBuffer() {
        if (writer != null) {
            writer.drain();
        }
        committed = true;
    }

    @Override
    public void resetBuffer() {
        checkNotCommitted("resetBuffer");
        if (writer != null) {
            writer.drain();
        }
        content.reset();
    }

    @Override
    public boolean isCommitted() {
        return committed;
    }

    /** Clears status, headers, cookies, body and the choice of stream or writer; not once committed. */
    @Override
    public void reset() {
        checkNotCommitted("reset");
        status = SC_OK;
        errorMessage = null;
        headers.clear();
        cookies.clear();
        content.reset();
        characterEncoding = null;
        stream = null;
        writer = null;
    }

    private void checkNotCommitted(String what) {
        if (committed) {
            throw new IllegalStateException(what + "() after the response was committed");
        }
    }

    private void written() {
        if (content.size() > bufferSize) {
            committed = true;
        }
    }

    /** Status and headers, never the body. */
    @Override
    public String toString() {
        return "TestServletResponse[" + status + (committed ? ", committed" : "") + "]";
    }

    /** The output stream: bytes go to the body; {@code flush()} commits. */
    private final class BodyStream extends ServletOutputStream {
        @Override
        public void write(int b) {
            content.write(b);
            written();
        }

        @Override
        public void write(byte[] b, int off, int len) {
            Objects.checkFromIndexSize(off, len, b.length);
            content.write(b, off, len);
            written();
        }

        @Override
        public void flush() {
            committed = true;
        }

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void setWriteListener(WriteListener listener) {
            throw new IllegalStateException("non-blocking writes need async, which the test fake does not support");
        }
    }

    /** The writer: characters go to the body in the encoding; {@code flush()} commits. */
    private final class BodyWriter extends PrintWriter {
        BodyWriter(Charset charset) {
            super(new OutputStreamWriter(
                    new java.io.OutputStream() {
                        @Override
                        public void write(int b) {
                            content.write(b);
                            written();
                        }

                        @Override
                        public void write(byte[] b, int off, int len) {
                            content.write(b, off, len);
                            written();
                        }
                    },
                    charset));
        }

        /** Moves what the encoder holds into the body, without committing. */
        void drain() {
            super.flush();
        }

        @Override
        public void flush() {
            super.flush();
            committed = true;
        }
    }
}
