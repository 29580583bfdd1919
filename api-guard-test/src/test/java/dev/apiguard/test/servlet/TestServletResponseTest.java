package dev.apiguard.test.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apiguard.Decision;
import dev.apiguard.Denials;
import dev.apiguard.servlet.DenyResponseWriter;
import jakarta.servlet.http.Cookie;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TestServletResponseTest {

    final TestServletResponse response = new TestServletResponse();

    @Test
    void startsEmpty() {
        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(response.headerEntries()).isEmpty();
        assertThat(response.body()).isEmpty();
        assertThat(response.isCommitted()).isFalse();
        assertThat(response.getCharacterEncoding()).isEqualTo("ISO-8859-1");
        assertThat(response.getBufferSize()).isEqualTo(TestServletResponse.DEFAULT_BUFFER_SIZE);
    }

    @Test
    void headersAreMultiValuedCaseInsensitiveAndInOrder() {
        response.addHeader("WWW-Authenticate", "Bearer");
        response.addHeader("www-authenticate", "DPoP algs=\"ES256\"");
        response.setHeader("Cache-Control", "no-cache");
        response.setHeader("cache-control", "no-store");
        response.setIntHeader("Retry-After", 30);
        response.addDateHeader("Sunset", 1445412480000L);
        response.addHeader("X-Null", null);

        assertThat(response.getHeaders("WWW-AUTHENTICATE")).containsExactly("Bearer", "DPoP algs=\"ES256\"");
        assertThat(response.getHeader("Cache-Control")).isEqualTo("no-store");
        assertThat(response.getHeaders("Cache-Control")).hasSize(1);
        assertThat(response.getHeader("retry-after")).isEqualTo("30");
        assertThat(response.getHeader("Sunset")).isEqualTo("Wed, 21 Oct 2015 07:28:00 GMT");
        assertThat(response.containsHeader("x-null")).isFalse();
        assertThat(response.getHeaderNames())
                .containsExactly("WWW-Authenticate", "cache-control", "Retry-After", "Sunset");
        response.setHeader("Retry-After", null);
        assertThat(response.containsHeader("Retry-After")).isFalse();
    }

    @Test
    void theStreamCapturesBytesAndFlushingCommits() throws Exception {
        response.setContentType("application/json");
        response.setContentLength(2);
        response.getOutputStream().write("{}".getBytes(StandardCharsets.US_ASCII));
        assertThat(response.isCommitted()).isFalse();

        response.getOutputStream().flush();

        assertThat(response.isCommitted()).isTrue();
        assertThat(response.bodyAsString()).isEqualTo("{}");
        assertThat(response.getContentType()).isEqualTo("application/json");
        assertThat(response.getHeader("Content-Length")).isEqualTo("2");
        assertThatThrownBy(response::getWriter).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void onceCommittedTheStatusAndHeadersStayAndResetIsRefused() throws Exception {
        response.setStatus(401);
        response.flushBuffer();

        response.setStatus(200);
        response.setHeader("X-Late", "1");

        assertThat(response.getStatus()).isEqualTo(401);
        assertThat(response.containsHeader("X-Late")).isFalse();
        assertThatThrownBy(response::reset).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(response::resetBuffer).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> response.sendError(500)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void writingMoreThanTheBufferCommits() throws Exception {
        response.setBufferSize(16);
        response.getOutputStream().write(new byte[16]);
        assertThat(response.isCommitted()).isFalse();
        response.getOutputStream().write(1);
        assertThat(response.isCommitted()).isTrue();
        assertThatThrownBy(() -> response.setBufferSize(32)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void theWriterEncodesInTheResponsesEncoding() {
        response.setContentType("text/plain;charset=UTF-8");
        PrintWriter writer = response.getWriter();
        writer.write("caf\u00e9");

        assertThat(response.body()).isEqualTo("caf\u00e9".getBytes(StandardCharsets.UTF_8));
        assertThat(response.bodyAsString()).isEqualTo("caf\u00e9");
        assertThat(response.isCommitted())
                .as("reading the body does not commit")
                .isFalse();
        assertThatThrownBy(response::getOutputStream).isInstanceOf(IllegalStateException.class);
        writer.flush();
        assertThat(response.isCommitted()).isTrue();
    }

    @Test
    void settingTheEncodingAfterTheTypeAddsItsCharset() {
        response.setContentType("application/problem+json");
        response.setCharacterEncoding("UTF-8");

        assertThat(response.getContentType()).isEqualTo("application/problem+json;charset=UTF-8");
        assertThat(response.getCharacterEncoding()).isEqualTo("UTF-8");
    }

    @Test
    void resetClearsEverythingBeforeTheCommit() throws Exception {
        response.setStatus(201);
        response.addHeader("X-Before", "1");
        response.getWriter().write("partial");

        response.reset();

        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(response.headerEntries()).isEmpty();
        assertThat(response.body()).isEmpty();
        response.getOutputStream().write('x'); // the writer's choice is cleared too
        assertThat(response.bodyAsString()).isEqualTo("x");
    }

    @Test
    void sendErrorKeepsTheMessageAndCommits() throws Exception {
        response.getOutputStream().write('x');

        response.sendError(404, "no such customer");

        assertThat(response.getStatus()).isEqualTo(404);
        assertThat(response.errorMessage()).isEqualTo("no such customer");
        assertThat(response.body()).isEmpty();
        assertThat(response.isCommitted()).isTrue();
    }

    @Test
    void sendRedirectSetsTheLocation() throws Exception {
        response.sendRedirect("/elsewhere");

        assertThat(response.getStatus()).isEqualTo(302);
        assertThat(response.getHeader("Location")).isEqualTo("/elsewhere");
        assertThat(response.isCommitted()).isTrue();
    }

    @Test
    void cookiesAreKeptAndWrittenAsSetCookie() {
        Cookie cookie = new Cookie("session", "abc");
        cookie.setPath("/");
        cookie.setSecure(true);
        cookie.setHttpOnly(true);

        response.addCookie(cookie);

        assertThat(response.cookies()).containsExactly(cookie);
        assertThat(response.getHeader("Set-Cookie")).isEqualTo("session=abc; Path=/; Secure; HttpOnly");
    }

    @Test
    void theGuardsRefusalIsCapturedAsAContainerWouldSendIt() throws Exception {
        response.addHeader("X-Earlier-Filter", "leaks?");
        Decision.Deny deny = Denials.invalidToken();

        DenyResponseWriter.write(deny, List.of(Map.entry("Deprecation", "true")), response);

        assertThat(response.getStatus()).isEqualTo(401);
        assertThat(response.containsHeader("X-Earlier-Filter"))
                .as("reset first")
                .isFalse();
        assertThat(response.getHeaders("WWW-Authenticate")).containsExactly("Bearer error=\"invalid_token\"");
        assertThat(response.getHeader("Deprecation")).isEqualTo("true");
        assertThat(response.getContentType()).isEqualTo("application/problem+json");
        assertThat(response.bodyAsString()).isEqualTo(deny.problem().toJson());
        assertThat(response.getHeader("Content-Length")).isEqualTo(Integer.toString(response.body().length));
        assertThat(response.isCommitted()).isTrue();
    }
}
