package dev.apiguard.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apiguard.test.fixtures.IssuedCertificate;
import dev.apiguard.test.fixtures.TestCertificates;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.Test;

class TestRequestTest {

    @Test
    void defaultsDescribeALocalHttpsRequest() {
        TestRequest r = TestRequest.get("/customers/ABC1234");
        assertThat(r.method()).isEqualTo("GET");
        assertThat(r.path()).isEqualTo("/customers/ABC1234");
        assertThat(r.scheme()).isEqualTo("https");
        assertThat(r.host()).isEqualTo("localhost");
        assertThat(r.port()).isEqualTo(443);
        assertThat(r.remoteAddress()).isEqualTo("127.0.0.1");
        assertThat(r.headers("Authorization")).isEmpty();
        assertThat(r.header("Authorization")).isNull();
        assertThat(r.clientCertificates()).isEmpty();
        assertThat(r.hasQueryParameter("page")).isFalse();
        assertThat(TestRequest.post("/payments").method()).isEqualTo("POST");
        assertThat(TestRequest.method("DELETE", "/x").method()).isEqualTo("DELETE");
    }

    @Test
    void headersAreCaseInsensitiveAndKeepOrderAndDuplicates() {
        TestRequest r = TestRequest.get("/")
                .header("Authorization", "Bearer one")
                .header("X-Other", "x")
                .header("authorization", "Bearer two");
        assertThat(r.headers("AUTHORIZATION")).containsExactly("Bearer one", "Bearer two");
        assertThat(r.header("x-other")).isEqualTo("x");
        assertThat(r.headerEntries())
                .extracting(java.util.Map.Entry::getKey)
                .containsExactly("Authorization", "X-Other", "authorization");
        assertThat(r.withoutHeader("AUTHORIZATION").headers("Authorization")).isEmpty();
    }

    @Test
    void isImmutableSoABaseRequestCanBeShared() {
        TestRequest base = TestRequest.get("/customers/ABC1234");
        TestRequest withToken = base.bearer("abc");
        assertThat(base.headers("Authorization")).isEmpty();
        assertThat(withToken.header("Authorization")).isEqualTo("Bearer abc");
        assertThat(base.remoteAddress("10.0.0.1").remoteAddress()).isEqualTo("10.0.0.1");
        assertThat(base.remoteAddress()).isEqualTo("127.0.0.1");
    }

    @Test
    void dpopAddsBothHeaders() {
        TestRequest r = TestRequest.post("/payments").dpop("tok", "proof");
        assertThat(r.header("Authorization")).isEqualTo("DPoP tok");
        assertThat(r.header("DPoP")).isEqualTo("proof");
    }

    @Test
    void clientCertificatesAndConnectionDetails() {
        TestCertificates pki = TestCertificates.create();
        IssuedCertificate client = pki.client("partner-a");
        assertThat(TestRequest.get("/").clientCertificate(client.certificate()).clientCertificates())
                .containsExactly(client.certificate());
        assertThat(TestRequest.get("/").clientCertificate(client).clientCertificates())
                .containsExactly(client.certificate(), pki.ca());
        assertThat(TestRequest.get("/")
                        .clientCertificate(client)
                        .clientCertificate(new X509Certificate[0])
                        .clientCertificates())
                .isEmpty();
        TestRequest r = TestRequest.get("/").scheme("http").host("api.example").port(8443);
        assertThat(r.scheme()).isEqualTo("http");
        assertThat(r.host()).isEqualTo("api.example");
        assertThat(r.port()).isEqualTo(8443);
    }

    @Test
    void queryParametersAreFoundByDecodedName() {
        TestRequest r = TestRequest.get("/customers").query("page=2&access%5Ftoken=abc&flag");
        assertThat(r.hasQueryParameter("page")).isTrue();
        assertThat(r.hasQueryParameter("access_token")).isTrue();
        assertThat(r.hasQueryParameter("flag")).isTrue();
        assertThat(r.hasQueryParameter("size")).isFalse();
        assertThat(r.hasQueryParameter("2")).isFalse();
        assertThat(r.query()).isEqualTo("page=2&access%5Ftoken=abc&flag");
        // read as the servlet adapter reads a container's query: a name that cannot be decoded is no name
        assertThat(TestRequest.get("/").query("bad=%zz&%zz").hasQueryParameter("%zz"))
                .isFalse();
    }

    /**
     * The kit reads the query with the servlet adapter's parser ({@link dev.apiguard.QueryParameters}):
     * before, it decoded with {@code URLDecoder}, falling back to the raw text or U+FFFD, so a
     * malformed query answered otherwise in a unit test than through a container.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "[{0}]")
    @org.junit.jupiter.params.provider.ValueSource(
            strings = {"bad=%zz&%zz", "x=%G0", "x=%C3%28", "%FF=1", "x=%", "a=%C0%AF", "a=%ED%A0%80"})
    void aMalformedQueryIsUnreadableAndRefusedAsThroughAContainer(String query) {
        TestRequest r = TestRequest.get("/health").query(query);
        assertThat(r.queryParameters())
                .hasToString(dev.apiguard.QueryParameters.parse(query).toString());
        assertThat(r.queryParameters().readable()).isFalse();
        assertThat(r.hasQueryParameter("%zz")).isFalse();
        assertThat(r.queryParameter("x")).isNull();
        assertThat(r.queryParameter("a")).isNull();

        GuardTester tester = GuardTester.of(dev.apiguard.ApiGuard.builder()
                .step(dev.apiguard.scope.RouteAuthorizationStep.of(dev.apiguard.scope.RouteRules.builder()
                        .route("GET", "/health")
                        .permitAll()
                        .build()))
                .build());
        assertThat(tester.send(r).status()).isEqualTo(400);
        assertThat(tester.send(TestRequest.get("/health").query("x=%41")).status())
                .isEqualTo(200);
    }

    @Test
    void queryParameterValuesAreTheFirstDecodedValue() {
        TestRequest r = TestRequest.get("/customers").query("page=2&size=1%30&page=9&flag");
        assertThat(r.queryParameter("page")).isEqualTo("2");
        assertThat(r.queryParameter("size")).isEqualTo("10");
        assertThat(r.queryParameter("flag")).isEmpty();
        assertThat(r.queryParameter("other")).isNull();
        assertThat(TestRequest.get("/").queryParameter("page")).isNull();
        assertThat(TestRequest.get("/").query("p=" + "x".repeat(1000)).queryParameter("p"))
                .hasSize(dev.apiguard.GuardRequest.MAX_QUERY_VALUE_LENGTH);
    }

    @Test
    void aBodyIsCopiedAndGivesTheLengthAContainerReports() {
        byte[] bytes = {1, 2, 3};
        TestRequest r = TestRequest.post("/payments").body(bytes);
        bytes[0] = 9;
        assertThat(r.body()).containsExactly(1, 2, 3);
        r.body()[1] = 9;
        assertThat(r.body()).containsExactly(1, 2, 3);
        assertThat(r.hasBody()).isTrue();
        assertThat(r.contentLength()).isEqualTo(3);
        assertThat(TestRequest.post("/").body("caf\u00e9").body()).hasSize(5);
        assertThat(TestRequest.post("/").body(new byte[0]).contentLength()).isZero();
        assertThat(TestRequest.get("/").hasBody()).isFalse();
        assertThat(TestRequest.get("/").body()).isEmpty();
        assertThat(TestRequest.get("/").contentLength()).isEqualTo(-1);
        assertThat(TestRequest.get("/").header("Content-Length", "12").contentLength())
                .isEqualTo(12);
        assertThat(TestRequest.get("/").header("Content-Length", "x").contentLength())
                .isEqualTo(-1);
        assertThat(r.bearer("t").header("X", "y").query("a=1").body()).containsExactly(1, 2, 3);
    }

    @Test
    void aFormSetsItsContentType() {
        TestRequest r =
                TestRequest.post("/token").header("content-type", "text/plain").form("grant_type=client_credentials");
        assertThat(r.headers("Content-Type")).containsExactly("application/x-www-form-urlencoded");
        assertThat(new String(r.body(), java.nio.charset.StandardCharsets.US_ASCII))
                .isEqualTo("grant_type=client_credentials");
    }

    @Test
    void toStringNeverShowsHeaders() {
        assertThat(TestRequest.get("/x").bearer("secret-token-value").toString())
                .isEqualTo("TestRequest[GET /x]");
    }

    @Test
    void refusesPathsWithoutLeadingSlash() {
        assertThatThrownBy(() -> TestRequest.get("customers"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("path");
        assertThatThrownBy(() -> TestRequest.get("/").port(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
