package dev.apiguard.test.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apiguard.QueryParameters;
import dev.apiguard.test.TestRequest;
import dev.apiguard.test.fixtures.TestCertificates;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpSession;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TestServletRequestTest {

    @Test
    void theRequestLineAndConnectionComeFromTheTestRequest() {
        TestServletRequest r = TestServletRequest.of(TestRequest.get("/customers/A")
                .query("page=2")
                .remoteAddress("192.0.2.7")
                .host("api.example.com")
                .port(8443));

        assertThat(r.getMethod()).isEqualTo("GET");
        assertThat(r.getServletPath()).isEqualTo("/customers/A");
        assertThat(r.getPathInfo()).isNull();
        assertThat(r.getContextPath()).isEmpty();
        assertThat(r.getRequestURI()).isEqualTo("/customers/A");
        assertThat(r.getRequestURL()).hasToString("https://api.example.com:8443/customers/A");
        assertThat(r.getQueryString()).isEqualTo("page=2");
        assertThat(r.getScheme()).isEqualTo("https");
        assertThat(r.isSecure()).isTrue();
        assertThat(r.getServerName()).isEqualTo("api.example.com");
        assertThat(r.getServerPort()).isEqualTo(8443);
        assertThat(r.getRemoteAddr()).isEqualTo("192.0.2.7");
        assertThat(r.getProtocol()).isEqualTo("HTTP/1.1");
        assertThat(r.getDispatcherType()).isEqualTo(DispatcherType.REQUEST);
        assertThat(r.getServletConnection().isSecure()).isTrue();
        assertThat(TestServletRequest.of(TestRequest.get("/")).getRequestURL()).hasToString("https://localhost/");
        assertThat(r).hasToString("TestServletRequest[GET /customers/A]");
    }

    @Test
    void theMappingCanBeSetForAContextPathOrAServletPrefix() {
        TestServletRequest r = TestServletRequest.of(TestRequest.get("/customers/A"))
                .setContextPath("/api")
                .setServletPath("/customers")
                .setPathInfo("/A")
                .setDispatcherType(DispatcherType.FORWARD);

        assertThat(r.getRequestURI()).isEqualTo("/api/customers/A");
        assertThat(r.getDispatcherType()).isEqualTo(DispatcherType.FORWARD);
    }

    @Test
    void headersAreCaseInsensitiveInOrderWithDuplicates() {
        TestServletRequest r = TestServletRequest.of(TestRequest.get("/")
                .header("Authorization", "Bearer one")
                .header("X-Count", "3")
                .header("authorization", "Bearer two")
                .header("If-Modified-Since", "Wed, 21 Oct 2015 07:28:00 GMT"));

        assertThat(r.getHeader("AUTHORIZATION")).isEqualTo("Bearer one");
        assertThat(Collections.list(r.getHeaders("Authorization"))).containsExactly("Bearer one", "Bearer two");
        assertThat(Collections.list(r.getHeaders("Absent"))).isEmpty();
        assertThat(r.getHeader("Absent")).isNull();
        assertThat(Collections.list(r.getHeaderNames()))
                .containsExactly("Authorization", "X-Count", "If-Modified-Since");
        assertThat(r.getIntHeader("x-count")).isEqualTo(3);
        assertThat(r.getIntHeader("Absent")).isEqualTo(-1);
        assertThat(r.getDateHeader("If-Modified-Since")).isEqualTo(1445412480000L);
        assertThat(r.getDateHeader("Absent")).isEqualTo(-1);
        assertThatThrownBy(() -> r.getIntHeader("Authorization")).isInstanceOf(NumberFormatException.class);
        assertThatThrownBy(() -> r.getDateHeader("Authorization")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theQueryParametersAreTheOnesQueryParametersReads() {
        String query = "page=2&page=3&q=a+b%20c&access%5Ftoken&=empty&%C3%A9t%C3%A9=%E2%82%AC&&";
        TestServletRequest r = TestServletRequest.of(TestRequest.get("/items").query(query));
        QueryParameters guard = QueryParameters.parse(query);

        for (String name : Collections.list(r.getParameterNames())) {
            assertThat(guard.has(name)).as(name).isTrue();
            assertThat(r.getParameter(name)).as(name).isEqualTo(guard.first(name));
        }
        assertThat(Collections.list(r.getParameterNames())).hasSize(5);
        assertThat(r.getParameterValues("page")).containsExactly("2", "3");
        assertThat(r.getParameter("q")).isEqualTo("a b c");
        assertThat(r.getParameter("access_token")).isEmpty();
        assertThat(r.getParameter("")).isEqualTo("empty");
        assertThat(r.getParameter("\u00e9t\u00e9")).isEqualTo("\u20ac");
        assertThat(r.getParameter("absent")).isNull();
        assertThat(r.getParameterValues("absent")).isNull();
        assertThat(r.getParameterMap()).containsOnlyKeys("page", "q", "access_token", "", "\u00e9t\u00e9");
    }

    @Test
    void aValueLongerThanTheGuardReadsIsServedWhole() {
        String value = "v".repeat(5000);
        TestServletRequest r = TestServletRequest.of(TestRequest.get("/items").query("filter=" + value));

        assertThat(r.getParameter("filter")).isEqualTo(value);
        assertThat(QueryParameters.parse("filter=" + value).first("filter")).isEqualTo(value.substring(0, 256));
    }

    @ParameterizedTest
    @ValueSource(strings = {"page=%", "%", "page=%zz", "page=%C3%28", "%C3%28", "page=%C0%AF"})
    void aQueryThatCannotBeDecodedThrowsAsTheContainersDo(String query) {
        TestServletRequest r = TestServletRequest.of(TestRequest.get("/items").query(query));

        assertThat(QueryParameters.parse(query).readable()).isFalse();
        assertThatThrownBy(() -> r.getParameter("page")).isInstanceOf(IllegalArgumentException.class);
        // the raw query is still there, for the guard to refuse
        assertThat(r.getQueryString()).isEqualTo(query);
    }

    @Test
    void theBodyIsServedWithItsLength() throws Exception {
        byte[] json = "{\"amount\":5}".getBytes(StandardCharsets.UTF_8);
        TestServletRequest r = TestServletRequest.of(TestRequest.post("/payments")
                .header("Content-Type", "application/json; charset=UTF-8")
                .body(json));

        assertThat(r.getContentLengthLong()).isEqualTo(json.length);
        assertThat(r.getContentLength()).isEqualTo(json.length);
        assertThat(r.getHeader("Content-Length")).isEqualTo(Integer.toString(json.length));
        assertThat(r.getContentType()).isEqualTo("application/json; charset=UTF-8");
        assertThat(r.getCharacterEncoding()).isEqualTo("UTF-8");
        assertThat(r.getInputStream().readAllBytes()).isEqualTo(json);
        assertThatThrownBy(r::getReader).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void theReaderDecodesTheBodyAndExcludesTheStream() throws Exception {
        TestServletRequest r = TestServletRequest.of(TestRequest.post("/notes").body("caf\u00e9"));

        assertThat(r.getReader().readLine()).isEqualTo("caf\u00e9");
        assertThatThrownBy(r::getInputStream).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void withoutABodyThereIsNoLength() throws Exception {
        TestServletRequest r = TestServletRequest.of(TestRequest.get("/"));

        assertThat(r.getContentLengthLong()).isEqualTo(-1);
        assertThat(r.getHeader("Content-Length")).isNull();
        assertThat(r.getInputStream().readAllBytes()).isEmpty();
        assertThat(r.getInputStream().isFinished()).isTrue();
        TestServletRequest declared = TestServletRequest.of(
                TestRequest.post("/").header("Transfer-Encoding", "chunked").body("x"));
        assertThat(declared.getHeader("Content-Length"))
                .as("a chunked body has no length")
                .isNull();
    }

    @Test
    void aFormIsReadAsParametersAfterTheQueryAndIsThenConsumed() throws Exception {
        TestServletRequest r = TestServletRequest.of(
                TestRequest.post("/token").query("a=query").form("a=form&client_assertion=ey.J%2B"));

        assertThat(r.getContentType()).isEqualTo("application/x-www-form-urlencoded");
        assertThat(r.getParameterValues("a")).containsExactly("query", "form");
        assertThat(r.getParameter("client_assertion")).isEqualTo("ey.J+");
        assertThat(r.getInputStream().readAllBytes())
                .as("consumed, as in a container")
                .isEmpty();
    }

    @Test
    void aFormReadAsABodyFirstIsNoParameter() throws Exception {
        TestServletRequest r = TestServletRequest.of(TestRequest.post("/token").form("a=form"));

        assertThat(new String(r.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                .isEqualTo("a=form");
        assertThat(r.getParameter("a")).isNull();
    }

    @Test
    void aFormIsReadForPostOnly() {
        TestServletRequest put =
                TestServletRequest.of(TestRequest.method("PUT", "/token").form("a=form"));

        assertThat(put.getParameter("a")).isNull();
    }

    @Test
    void attributesArePlainAndTheClientCertificateIsTheStandardOne() throws Exception {
        X509Certificate certificate =
                TestCertificates.create().client("partner-a").certificate();
        TestServletRequest r = TestServletRequest.of(TestRequest.get("/").clientCertificate(certificate));

        assertThat((X509Certificate[]) r.getAttribute("jakarta.servlet.request.X509Certificate"))
                .containsExactly(certificate);
        r.setAttribute("x", 1);
        assertThat(r.getAttribute("x")).isEqualTo(1);
        assertThat(Collections.list(r.getAttributeNames()))
                .containsExactly("jakarta.servlet.request.X509Certificate", "x");
        r.setAttribute("x", null);
        assertThat(r.getAttribute("x")).isNull();
        r.removeAttribute("jakarta.servlet.request.X509Certificate");
        assertThat(Collections.list(r.getAttributeNames())).isEmpty();
        assertThat(TestServletRequest.of(TestRequest.get("/")).getAttribute("jakarta.servlet.request.X509Certificate"))
                .isNull();
    }

    @Test
    void whatNeedsAContainerAnswersEmptyOrAsAContainerWithoutIt() throws Exception {
        TestServletRequest r = TestServletRequest.of(TestRequest.get("/"));

        assertThat(r.getUserPrincipal()).isNull();
        assertThat(r.getRemoteUser()).isNull();
        assertThat(r.getAuthType()).isNull();
        assertThat(r.isUserInRole("admin")).isFalse();
        assertThat(r.authenticate(new TestServletResponse())).isFalse();
        assertThat(r.getServletContext()).isNull();
        assertThat(r.getRequestDispatcher("/x")).isNull();
        assertThat(r.getCookies()).isNull();
        assertThat(r.isAsyncStarted()).isFalse();
        assertThat(r.isAsyncSupported()).isFalse();
        assertThatThrownBy(r::startAsync).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(r::getParts).isInstanceOf(ServletException.class);
        assertThat(r.getLocale()).isNotNull();
        assertThat(r.getRequestId()).isNotEmpty();
        assertThat(r.getHttpServletMapping()).isNotNull();
    }

    @Test
    void cookiesAreReadFromTheCookieHeader() {
        Cookie[] cookies = TestServletRequest.of(TestRequest.get("/").header("Cookie", "a=1; b=\"two\"; bad name=x"))
                .getCookies();

        assertThat(cookies).extracting(Cookie::getName).containsExactly("a", "b");
        assertThat(cookies).extracting(Cookie::getValue).containsExactly("1", "two");
    }

    @Test
    void aSessionIsMadeOnDemandInMemory() {
        TestServletRequest r = TestServletRequest.of(TestRequest.get("/"));

        assertThat(r.getSession(false)).isNull();
        HttpSession session = r.getSession();
        session.setAttribute("k", "v");
        assertThat(r.getSession(false)).isSameAs(session);
        assertThat(r.getSession().getAttribute("k")).isEqualTo("v");
        String id = session.getId();
        assertThat(r.changeSessionId()).isNotEqualTo(id);
        session.invalidate();
        assertThat(r.getSession(false)).isNull();
    }

    @Test
    void eachRequestHasItsOwnAttributesAndIds() {
        TestRequest shared = TestRequest.get("/");
        TestServletRequest one = TestServletRequest.of(shared);
        TestServletRequest two = TestServletRequest.of(shared);
        one.setAttribute("x", 1);

        assertThat(two.getAttribute("x")).isNull();
        assertThat(one.getRequestId()).isNotEqualTo(two.getRequestId());
        assertThat(one.testRequest()).isSameAs(shared);
        assertThat(List.of(one.getMethod(), two.getMethod())).containsOnly("GET");
    }
}
