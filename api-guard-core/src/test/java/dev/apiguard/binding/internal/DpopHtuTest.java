package dev.apiguard.binding.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.TrustedProxies;
import dev.apiguard.fakes.FakeRequest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** RFC 9449 §4.3 step 9: the htu a proof must name, and the canonical form of the claim. */
class DpopHtuTest {

    static final TrustedProxies PROXY = TrustedProxies.of("10.0.0.1");

    /** A POST of the path with these headers (each name to its values, in order). */
    static FakeRequest request(
            String scheme,
            String host,
            int port,
            String contextPath,
            String path,
            String remoteAddress,
            Map<String, List<String>> headers) {
        FakeRequest r = FakeRequest.post(path)
                .scheme(scheme)
                .host(host)
                .port(port)
                .contextPath(contextPath)
                .remoteAddress(remoteAddress);
        for (Map.Entry<String, List<String>> h : headers.entrySet()) {
            for (String value : h.getValue()) {
                r = r.header(h.getKey(), value);
            }
        }
        return r;
    }

    static FakeRequest direct(String scheme, String host, int port) {
        return request(scheme, host, port, "", "/payments", "192.0.2.1", Map.of());
    }

    static String viaProxy(Map<String, List<String>> headers) {
        return DpopHtu.expected(request("http", "backend", 8080, "", "/payments", "10.0.0.1", headers), PROXY);
    }

    @ParameterizedTest
    @CsvSource({
        "https, api.example, 443, https://api.example/payments",
        "https, API.Example, 8443, https://api.example:8443/payments",
        "http, api.example, 80, http://api.example/payments",
        "http, api.example, 443, http://api.example:443/payments",
        "https, api.example, 80, https://api.example:80/payments",
        "HTTPS, api.example, 443, https://api.example/payments",
        "https, ::1, 443, https://[::1]/payments",
        "https, [::1], 443, https://[::1]/payments"
    })
    void expectedIsTheRequestUriInCanonicalForm(String scheme, String host, int port, String expected) {
        assertThat(DpopHtu.expected(direct(scheme, host, port), PROXY)).isEqualTo(expected);
    }

    @Test
    void contextPathIsPartOfTheUri() {
        assertThat(DpopHtu.expected(request("https", "h", 443, "/app", "/payments", "192.0.2.1", Map.of()), PROXY))
                .isEqualTo("https://h/app/payments");
    }

    @Test
    void noSchemeOrNoHostMatchesNothing() {
        assertThat(DpopHtu.expected(direct(null, "h", 443), PROXY)).isNull();
        assertThat(DpopHtu.expected(direct("https", null, 443), PROXY)).isNull();
        assertThat(DpopHtu.expected(direct("https", "", 443), PROXY)).isNull();
    }

    @Test
    void forwardedHeadersCountOnlyFromATrustedProxy() {
        Map<String, List<String>> h =
                Map.of("X-Forwarded-Proto", List.of("https"), "X-Forwarded-Host", List.of("api.example"));
        assertThat(viaProxy(h)).isEqualTo("https://api.example/payments");
        assertThat(DpopHtu.expected(request("http", "backend", 8080, "", "/payments", "10.0.0.2", h), PROXY))
                .isEqualTo("http://backend:8080/payments");
        assertThat(DpopHtu.expected(
                        request("http", "backend", 8080, "", "/payments", "10.0.0.1", h), TrustedProxies.NONE))
                .isEqualTo("http://backend:8080/payments");
    }

    @Test
    void theLastForwardedValueIsBelieved() {
        assertThat(viaProxy(Map.of(
                        "X-Forwarded-Proto",
                        List.of("http", "https, HTTPS"),
                        "X-Forwarded-Host",
                        List.of("evil.example, api.example:8443"))))
                .isEqualTo("https://api.example:8443/payments");
        assertThat(viaProxy(Map.of("X-Forwarded-Proto", List.of("https, ")))).isEqualTo("http://backend:8080/payments");
        assertThat(viaProxy(Map.of("X-Forwarded-Proto", List.of(",https")))).isEqualTo("https://backend/payments");
        assertThat(viaProxy(Map.of("X-Forwarded-Host", List.of(",api.example"))))
                .isEqualTo("http://api.example/payments");
    }

    @Test
    void aForwardedProtoAloneSetsItsDefaultPortAndAForwardedHostAloneTheSchemesDefault() {
        assertThat(viaProxy(Map.of("X-Forwarded-Proto", List.of("https")))).isEqualTo("https://backend/payments");
        assertThat(viaProxy(Map.of("X-Forwarded-Proto", List.of("http")))).isEqualTo("http://backend/payments");
        assertThat(viaProxy(Map.of("X-Forwarded-Host", List.of("api.example"))))
                .isEqualTo("http://api.example/payments");
        assertThat(viaProxy(Map.of("X-Forwarded-Host", List.of("[2001:db8::1]"))))
                .isEqualTo("http://[2001:db8::1]/payments");
        assertThat(viaProxy(Map.of("X-Forwarded-Host", List.of("[2001:db8::1]:8443"))))
                .isEqualTo("http://[2001:db8::1]:8443/payments");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "api.example:0",
                "api.example:65536",
                "api.example:x",
                "api.example:",
                "api.example:123456",
                "api example",
                "a/b",
                ":443",
                "[::1"
            })
    void aMalformedForwardedHostMatchesNothing(String host) {
        assertThat(viaProxy(Map.of("X-Forwarded-Host", List.of(host)))).isNull();
    }

    @Test
    void forwardedPortEdgesAreAccepted() {
        assertThat(viaProxy(Map.of("X-Forwarded-Host", List.of("h:1")))).isEqualTo("http://h:1/payments");
        assertThat(viaProxy(Map.of("X-Forwarded-Host", List.of("h:65535")))).isEqualTo("http://h:65535/payments");
    }

    @ParameterizedTest
    @ValueSource(strings = {"ftp", "ws", "https2"})
    void aForwardedProtoOtherThanHttpOrHttpsMatchesNothing(String proto) {
        assertThat(viaProxy(Map.of("X-Forwarded-Proto", List.of(proto)))).isNull();
    }

    @ParameterizedTest
    @CsvSource({
        "https://API.example/payments?x=1#f, https://api.example/payments",
        "HTTPS://api.example:443/payments, https://api.example/payments",
        "http://api.example:80/payments, http://api.example/payments",
        "http://api.example:443/payments, http://api.example:443/payments",
        "https://api.example, https://api.example/",
        "https://api.example/a/../payments, https://api.example/a/../payments",
        "https://api.example/pay%6Dents, https://api.example/payments",
        "https://api.example:0/payments, https://api.example:0/payments"
    })
    void normalizeGivesTheCanonicalForm(String htu, String expected) {
        assertThat(DpopHtu.normalize(htu)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "/payments",
                "payments",
                "mailto:a@example.com",
                "ftp://api.example/payments",
                "https://user@api.example/payments",
                "https:///payments",
                "https://api example/",
                "urn:x:y",
                "//api.example/payments",
                "https:api.example/payments"
            })
    void normalizeRefusesAnythingButAnAbsoluteHttpUri(String htu) {
        assertThat(DpopHtu.normalize(htu)).isNull();
    }

    @Test
    void normalizeLooksAtNoMoreThanMaxLength() {
        String base = "https://api.example/";
        String atMax = base + "a".repeat(DpopHtu.MAX_LENGTH - base.length());
        assertThat(DpopHtu.normalize(atMax)).isEqualTo(atMax);
        assertThat(DpopHtu.normalize(atMax + "a")).isNull();
        assertThat(DpopHtu.normalize(null)).isNull();
    }

    @ParameterizedTest
    @CsvSource({
        "https://API.Example, https://api.example",
        "https://api.example/, https://api.example",
        "HTTPS://api.example:443, https://api.example",
        "https://api.example:8443/, https://api.example:8443",
        "http://api.example:80, http://api.example",
        "http://api.example:443, http://api.example:443",
        "https://[2001:DB8::1]:8443, https://[2001:db8::1]:8443"
    })
    void originGivesSchemeHostAndPortInCanonicalForm(String text, String expected) {
        assertThat(DpopHtu.origin(text)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "api.example",
                "/",
                "https://api.example/v1",
                "https://api.example//",
                "https://api.example?x=1",
                "https://api.example/?x=1",
                "https://api.example#f",
                "https://api.example/#f",
                "https://user@api.example",
                "ftp://api.example",
                "https://api example",
                "urn:x:y",
                "https://"
            })
    void originRefusesAnythingButSchemeAndAuthority(String text) {
        assertThat(DpopHtu.origin(text)).isNull();
    }

    @Test
    void originLooksAtNoMoreThanMaxLength() {
        String base = "https://";
        String host = "a".repeat(DpopHtu.MAX_LENGTH - base.length());
        assertThat(DpopHtu.origin(base + host)).isEqualTo(base + host);
        assertThat(DpopHtu.origin(base + host + "a")).isNull();
        assertThat(DpopHtu.origin(null)).isNull();
    }

    @Test
    void expectedAtPutsTheRequestPathAfterEachOriginAndNeverReadsTheHost() {
        Map<String, List<String>> forwarded = Map.of("X-Forwarded-Host", List.of("evil.example"));
        FakeRequest r = request("http", "backend", 8080, "/app", "/payments", "10.0.0.1", forwarded);
        assertThat(DpopHtu.expectedAt(List.of("https://api.example", "https://api.example:8443"), r))
                .containsExactly("https://api.example/app/payments", "https://api.example:8443/app/payments");
        assertThat(DpopHtu.expectedAt(List.of(), r)).isEmpty();
    }

    @Test
    void expectedAtOfAnEmptyPathIsTheRoot() {
        FakeRequest root = request("https", "h", 443, "", "", "192.0.2.1", Map.of());
        assertThat(DpopHtu.expectedAt(List.of("https://api.example"), root)).containsExactly("https://api.example/");
        assertThat(DpopHtu.expected(root, PROXY)).isEqualTo("https://h/");
    }
}
