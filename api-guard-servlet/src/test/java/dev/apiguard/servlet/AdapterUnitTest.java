package dev.apiguard.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apiguard.ApiGuard;
import dev.apiguard.Decision;
import dev.apiguard.Denials;
import dev.apiguard.GuardExchange;
import dev.apiguard.GuardStep;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The adapter's edges that need no container. */
class AdapterUnitTest {

    private static final GuardStep ALLOW_ALL = new GuardStep() {
        @Override
        public String name() {
            return "allow";
        }

        @Override
        public Decision evaluate(GuardExchange exchange) {
            return Decision.ALLOW;
        }
    };

    @Test
    void aRequestThatIsNotHttpIsRefusedNotPassedOn() {
        ApiGuard guard = ApiGuard.builder().step(ALLOW_ALL).build();
        AtomicInteger chainCalls = new AtomicInteger();
        FilterChain chain = (req, res) -> chainCalls.incrementAndGet();
        ServletRequest request = Fakes.fake(ServletRequest.class, Map.of());
        ServletResponse response = Fakes.fake(ServletResponse.class, Map.of());

        List<Filter> filters = new ArrayList<>(ApiGuardFilters.perStep(guard));
        filters.add(ApiGuardFilters.single(guard));
        for (Filter filter : filters) {
            assertThatThrownBy(() -> filter.doFilter(request, response, chain))
                    .isInstanceOf(ServletException.class)
                    .hasMessageContaining("HTTP requests only");
        }
        assertThat(chainCalls).hasValue(0);
    }

    @Test
    void aCommittedResponseIsLeftAlone() throws Exception {
        List<String> calls = new ArrayList<>();
        HttpServletResponse response =
                Fakes.fake(HttpServletResponse.class, calls, Map.of("isCommitted", (m, a) -> true));

        DenyResponseWriter.write(Denials.invalidToken(), response);

        assertThat(calls).containsExactly("isCommitted");
    }

    /** Like a container's response buffer: bytes reach the client (body) only when flushed. */
    static final class BufferedOut extends jakarta.servlet.ServletOutputStream {
        final java.io.ByteArrayOutputStream pending = new java.io.ByteArrayOutputStream();
        final java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void setWriteListener(jakarta.servlet.WriteListener listener) {}

        @Override
        public void write(int b) {
            pending.write(b);
        }

        @Override
        public void flush() {
            body.writeBytes(pending.toByteArray());
            pending.reset();
        }
    }

    @Test
    void theRefusalIsFlushedSoItIsOnTheWireBeforeTheFilterReturns() throws Exception {
        BufferedOut out = new BufferedOut();
        HttpServletResponse response = Fakes.fake(HttpServletResponse.class, Map.of("getOutputStream", (m, a) -> out));

        DenyResponseWriter.write(Denials.invalidToken(), response);

        assertThat(out.body.toString(java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo(Denials.invalidToken().problem().toJson());
    }

    @Test
    void whenAWrapperInsistsOnTheWriterTheBodyGoesThroughTheWriterInUtf8() throws Exception {
        List<String> calls = new ArrayList<>();
        java.io.StringWriter delivered = new java.io.StringWriter();
        // buffered like a container's writer: nothing is delivered without a flush
        java.io.PrintWriter writer = new java.io.PrintWriter(new java.io.BufferedWriter(delivered, 8192));
        List<String> encodings = new ArrayList<>();
        HttpServletResponse response = Fakes.fake(
                HttpServletResponse.class,
                calls,
                Map.of(
                        "getOutputStream",
                                (m, a) -> {
                                    throw new IllegalStateException("getWriter() has been called");
                                },
                        "setCharacterEncoding", (m, a) -> encodings.add((String) a[0]),
                        "getWriter", (m, a) -> writer));

        DenyResponseWriter.write(Denials.invalidToken(), response);

        assertThat(delivered.toString())
                .isEqualTo(Denials.invalidToken().problem().toJson());
        assertThat(encodings).containsExactly("UTF-8");
        assertThat(calls).startsWith("isCommitted", "reset", "setStatus");
    }

    @Test
    void theWriterResetsThenWritesStatusHeadersInOrderAndTheBody() throws Exception {
        List<String> calls = new ArrayList<>();
        List<String> headers = new ArrayList<>();
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        jakarta.servlet.ServletOutputStream out = new jakarta.servlet.ServletOutputStream() {
            @Override
            public boolean isReady() {
                return true;
            }

            @Override
            public void setWriteListener(jakarta.servlet.WriteListener listener) {}

            @Override
            public void write(int b) {
                body.write(b);
            }
        };
        HttpServletResponse response = Fakes.fake(
                HttpServletResponse.class,
                calls,
                Map.of(
                        "addHeader", (m, a) -> headers.add(a[0] + ": " + a[1]),
                        "getOutputStream", (m, a) -> out));

        Decision.Deny deny = new Decision.Deny(
                401,
                List.of(dev.apiguard.Challenge.of("Bearer"), dev.apiguard.Challenge.of("DPoP", "algs", "ES256")),
                Denials.invalidToken().problem(),
                Map.of());
        DenyResponseWriter.write(deny, response);

        assertThat(calls).startsWith("isCommitted", "reset", "setStatus");
        assertThat(headers)
                .containsExactly(
                        "WWW-Authenticate: Bearer", "WWW-Authenticate: DPoP algs=\"ES256\"", "Cache-Control: no-store");
        assertThat(calls).contains("setContentType", "setContentLength");
        assertThat(body.toString(java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo(deny.problem().toJson());
    }

    @Test
    void atMostSixteenValuesOfAHeaderAreRead() {
        AtomicInteger handedOut = new AtomicInteger();
        HttpServletRequest request = Fakes.fake(
                HttpServletRequest.class, Map.of("getHeaders", (m, a) -> new java.util.Enumeration<String>() {
                    @Override
                    public boolean hasMoreElements() {
                        return true; // endless: a client sending a million values
                    }

                    @Override
                    public String nextElement() {
                        return "v" + handedOut.incrementAndGet();
                    }
                }));

        List<String> values = new ServletGuardRequest(request).headers("Authorization");

        assertThat(values)
                .hasSize(ServletGuardRequest.MAX_VALUES_PER_HEADER)
                .startsWith("v1", "v2")
                .endsWith("v16");
        assertThat(handedOut).hasValue(16);
    }

    @Test
    void absentHeadersAreAnEmptyList() {
        HttpServletRequest none = Fakes.fake(HttpServletRequest.class, Map.of());
        HttpServletRequest empty =
                Fakes.fake(HttpServletRequest.class, Map.of("getHeaders", (m, a) -> Collections.emptyEnumeration()));
        assertThat(new ServletGuardRequest(none).headers("X")).isEmpty();
        assertThat(new ServletGuardRequest(empty).headers("X")).isEmpty();
    }

    @Test
    void clientCertificatesComeFromTheStandardAttributeOnlyWhenWellTyped() {
        for (Object attribute :
                new Object[] {null, "PEM text", new Object[] {"x"}, new X509Certificate[0], new X509Certificate[] {null}
                }) {
            HttpServletRequest request = Fakes.fake(
                    HttpServletRequest.class,
                    Map.of(
                            "getAttribute",
                            (m, a) -> ServletGuardRequest.CERTIFICATE_ATTRIBUTE.equals(a[0]) ? attribute : null));
            assertThat(new ServletGuardRequest(request).clientCertificates()).isEmpty();
        }
    }

    @Test
    void aCertificateChainIsHandedOverLeafFirst() throws Exception {
        List<X509Certificate> two = jdkCertificates(2);
        X509Certificate[] chain = two.toArray(new X509Certificate[0]);
        HttpServletRequest request = Fakes.fake(
                HttpServletRequest.class,
                Map.of(
                        "getAttribute",
                        (m, a) -> ServletGuardRequest.CERTIFICATE_ATTRIBUTE.equals(a[0]) ? chain : null));

        assertThat(new ServletGuardRequest(request).clientCertificates())
                .containsExactlyElementsOf(two)
                .hasSize(2);
    }

    @Test
    void theCertificatesAreCopiedOnceAndReadAgainWhenTheAttributeIsReplaced() throws Exception {
        List<X509Certificate> two = jdkCertificates(2);
        Object[] attribute = {new X509Certificate[] {two.get(0)}};
        ServletGuardRequest view = new ServletGuardRequest(Fakes.fake(
                HttpServletRequest.class,
                Map.of(
                        "getAttribute",
                        (m, a) -> ServletGuardRequest.CERTIFICATE_ATTRIBUTE.equals(a[0]) ? attribute[0] : null)));
        List<X509Certificate> once = view.clientCertificates();
        assertThat(once).containsExactly(two.get(0));
        assertThat(view.clientCertificates()).isSameAs(once);
        attribute[0] = new X509Certificate[] {two.get(1)};
        assertThat(view.clientCertificates()).containsExactly(two.get(1));
        attribute[0] = null;
        assertThat(view.clientCertificates()).isEmpty();
        attribute[0] = new X509Certificate[] {two.get(0), null};
        assertThat(view.clientCertificates()).isEmpty();
    }

    /** Real certificates without making any: the first of the JDK's trust store. */
    private static List<X509Certificate> jdkCertificates(int n) throws Exception {
        java.security.KeyStore cacerts = java.security.KeyStore.getInstance(
                java.nio.file.Path.of(System.getProperty("java.home"), "lib", "security", "cacerts")
                        .toFile(),
                (char[]) null);
        return Collections.list(cacerts.aliases()).stream()
                .sorted()
                .limit(n)
                .map(alias -> {
                    try {
                        return (X509Certificate) cacerts.getCertificate(alias);
                    } catch (java.security.KeyStoreException e) {
                        throw new IllegalStateException(e);
                    }
                })
                .toList();
    }

    @Test
    void thePathIsServletPathPlusPathInfoAndRootWhenBothAreEmpty() {
        assertThat(path("/api", "/customers/A")).isEqualTo("/api/customers/A");
        assertThat(path("", "/customers/A")).isEqualTo("/customers/A");
        assertThat(path("/health", null)).isEqualTo("/health");
        assertThat(path("", null)).isEqualTo("/");
    }

    private static String path(String servletPath, String pathInfo) {
        HttpServletRequest request = Fakes.fake(
                HttpServletRequest.class,
                Map.of("getServletPath", (m, a) -> servletPath, "getPathInfo", (m, a) -> pathInfo));
        return new ServletGuardRequest(request).path();
    }

    @Test
    void perStepGivesOneFilterPerStepInOrder() {
        GuardStep second = new GuardStep() {
            @Override
            public String name() {
                return "second";
            }

            @Override
            public Decision evaluate(GuardExchange exchange) {
                return Decision.ALLOW;
            }
        };
        ApiGuard guard = ApiGuard.builder().step(ALLOW_ALL).step(second).build();
        assertThat(ApiGuardFilters.perStep(guard))
                .map(f -> ((GuardStepFilter) f).step().name())
                .containsExactly("allow", "second");
    }
}
