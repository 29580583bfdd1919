package dev.apiguard.benchmarks;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import jakarta.servlet.http.HttpSession;
import java.io.PrintWriter;
import java.io.Writer;
import java.lang.reflect.Proxy;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Minimal in-memory servlet objects for measuring a filter without a container: a GET request
 * over HTTPS with headers, an attribute map, the client certificate chain under
 * {@code jakarta.servlet.request.X509Certificate} and dispatcher type REQUEST; a response that
 * keeps its status and headers and discards its body. Each is a servlet wrapper around a
 * {@link Proxy} that throws for any method not implemented here, so that a filter calling
 * something unexpected fails loudly instead of reading a made-up value. {@link #recycle} makes both
 * fresh for the next request, without allocating.
 */
final class InMemoryServlet {

    static final String CERTIFICATE_ATTRIBUTE = "jakarta.servlet.request.X509Certificate";

    final Request request;
    final Response response = new Response();

    InMemoryServlet(String method, String path, X509Certificate[] clientChain) {
        this.request = new Request(method, path, clientChain);
    }

    /** Clears attributes, status and headers, and puts the certificate attribute back. */
    void recycle() {
        request.recycle();
        response.recycle();
    }

    /** A chain that answers 200 with nothing else: the trivial application. */
    static final FilterChain OK = (req, res) -> ((HttpServletResponse) res).setStatus(200);

    private static <T> T unsupported(Class<T> type) {
        return type.cast(Proxy.newProxyInstance(
                InMemoryServlet.class.getClassLoader(), new Class<?>[] {type}, (proxy, m, args) -> {
                    throw new UnsupportedOperationException(
                            type.getSimpleName() + "." + m.getName() + " is not part of the in-memory fake");
                }));
    }

    static final class Request extends HttpServletRequestWrapper {
        private final String method;
        private final String path;
        private final X509Certificate[] chain;
        // looked up without a lower-cased copy of the name, as containers do (Tomcat scans its headers
        // with equalsIgnoreCase, Jetty compares fields case-insensitively)
        private final Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        private final Map<String, Object> attributes = new HashMap<>();

        Request(String method, String path, X509Certificate[] chain) {
            super(unsupported(HttpServletRequest.class));
            this.method = method;
            this.path = path;
            this.chain = chain;
            recycle();
        }

        void recycle() {
            attributes.clear();
            if (chain != null) {
                attributes.put(CERTIFICATE_ATTRIBUTE, chain);
            }
        }

        /** Sets (replaces) a header. */
        Request header(String name, String value) {
            headers.put(name, List.of(value));
            return this;
        }

        @Override
        public String getHeader(String name) {
            List<String> v = headers.get(name);
            return v == null ? null : v.get(0);
        }

        @Override
        public Enumeration<String> getHeaders(String name) {
            List<String> v = headers.get(name);
            return v == null ? Collections.emptyEnumeration() : Collections.enumeration(v);
        }

        @Override
        public Enumeration<String> getHeaderNames() {
            return Collections.enumeration(headers.keySet());
        }

        @Override
        public Object getAttribute(String name) {
            return attributes.get(name);
        }

        @Override
        public void setAttribute(String name, Object o) {
            if (o == null) {
                attributes.remove(name);
            } else {
                attributes.put(name, o);
            }
        }

        @Override
        public void removeAttribute(String name) {
            attributes.remove(name);
        }

        @Override
        public Enumeration<String> getAttributeNames() {
            return Collections.enumeration(new ArrayList<>(attributes.keySet()));
        }

        @Override
        public DispatcherType getDispatcherType() {
            return DispatcherType.REQUEST;
        }

        @Override
        public String getMethod() {
            return method;
        }

        @Override
        public String getServletPath() {
            return path;
        }

        @Override
        public String getPathInfo() {
            return null;
        }

        @Override
        public String getRequestURI() {
            return path;
        }

        @Override
        public StringBuffer getRequestURL() {
            return new StringBuffer("https://api.example").append(path);
        }

        @Override
        public String getContextPath() {
            return "";
        }

        @Override
        public String getQueryString() {
            return null;
        }

        @Override
        public String getRemoteAddr() {
            return "203.0.113.7";
        }

        @Override
        public String getScheme() {
            return "https";
        }

        @Override
        public boolean isSecure() {
            return true;
        }

        @Override
        public String getServerName() {
            return "api.example";
        }

        @Override
        public int getServerPort() {
            return 443;
        }

        @Override
        public boolean isAsyncStarted() {
            return false;
        }

        @Override
        public HttpSession getSession(boolean create) {
            if (create) {
                throw new UnsupportedOperationException("no sessions in the in-memory fake");
            }
            return null;
        }
    }

    static final class Response extends HttpServletResponseWrapper {
        // looked up without a lower-cased copy of the name, as containers do (Tomcat scans its headers
        // with equalsIgnoreCase, Jetty compares fields case-insensitively)
        private final Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        private int status = 200;
        private final PrintWriter writer = new PrintWriter(Writer.nullWriter());
        private final ServletOutputStream out = new ServletOutputStream() {
            @Override
            public boolean isReady() {
                return true;
            }

            @Override
            public void setWriteListener(WriteListener listener) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void write(int b) {
                // discarded
            }

            @Override
            public void write(byte[] b, int off, int len) {
                // discarded
            }
        };

        Response() {
            super(unsupported(HttpServletResponse.class));
        }

        void recycle() {
            status = 200;
            headers.clear();
        }

        @Override
        public void setStatus(int sc) {
            status = sc;
        }

        @Override
        public int getStatus() {
            return status;
        }

        @Override
        public void sendError(int sc) {
            status = sc;
        }

        @Override
        public void sendError(int sc, String msg) {
            status = sc;
        }

        @Override
        public void setHeader(String name, String value) {
            List<String> v = new ArrayList<>(1);
            v.add(value);
            headers.put(name, v);
        }

        @Override
        public void addHeader(String name, String value) {
            headers.computeIfAbsent(name, k -> new ArrayList<>(1)).add(value);
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
        public boolean containsHeader(String name) {
            return headers.containsKey(name);
        }

        @Override
        public String getHeader(String name) {
            List<String> v = headers.get(name);
            return v == null ? null : v.get(0);
        }

        @Override
        public Collection<String> getHeaders(String name) {
            List<String> v = headers.get(name);
            return v == null ? List.of() : v;
        }

        @Override
        public Collection<String> getHeaderNames() {
            return headers.keySet();
        }

        @Override
        public void setContentType(String type) {
            setHeader("Content-Type", type);
        }

        @Override
        public void setCharacterEncoding(String charset) {
            // the body is discarded
        }

        @Override
        public void setContentLength(int len) {
            setIntHeader("Content-Length", len);
        }

        @Override
        public void setContentLengthLong(long len) {
            setHeader("Content-Length", Long.toString(len));
        }

        @Override
        public boolean isCommitted() {
            return false;
        }

        @Override
        public PrintWriter getWriter() {
            return writer;
        }

        @Override
        public ServletOutputStream getOutputStream() {
            return out;
        }
    }
}
