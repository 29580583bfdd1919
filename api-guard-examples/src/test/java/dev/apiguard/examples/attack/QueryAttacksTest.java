package dev.apiguard.examples.attack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The query string as the guard reads it (issue 13, item 4), against the demo server over HTTPS in
 * enforce mode, limits far above what a test sends. The demo's {@code GET /customers?page=N&size=M}
 * reads its parameters with {@code getParameter} and {@code Integer.parseInt}, so {@code +5},
 * {@code 005} and other digits than ASCII's are pages to it; the guard must count them as pages
 * too, and must refuse a query it cannot read as the container does (more than 1,000 parameters,
 * a malformed escape, invalid UTF-8) rather than let it pass unscored.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QueryAttacksTest {

    /** The demo directory holds 10,000 customers: 100 pages of 100. */
    static final int PAGES = 100;
    /** The pages a scraper gets before its quarantine: the plain one is stopped after about ten. */
    static final int STOPPED_WITHIN = 15;

    static final String BAD_QUERY = "https://api-guard.dev/problems/bad-query";

    AttackServer s;
    String reader;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        s = AttackServer.start(dir, "--anomaly", "enforce");
        reader = s.token("customers:read");
    }

    @AfterAll
    void stop() throws Exception {
        s.close();
    }

    /** The page number spelt as {@code form} says: plain, plus-signed, zero-padded, other digits. */
    static String spell(String form, int n) {
        return switch (form) {
            case "plain" -> Integer.toString(n);
            case "plus" -> "%2B" + n;
            case "zeros" -> String.format("%05d", n);
            // Integer.parseInt reads every Unicode decimal digit: U+0660.. Arabic-Indic, U+FF10.. fullwidth
            case "arabic" -> digits(n, 0x0660);
            case "fullwidth" -> digits(n, 0xFF10);
            default -> throw new IllegalArgumentException(form);
        };
    }

    private static String digits(int n, int zero) {
        StringBuilder b = new StringBuilder();
        for (char c : Integer.toString(n).toCharArray()) {
            b.appendCodePoint(zero + (c - '0'));
        }
        return java.net.URLEncoder.encode(b.toString(), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Walks the pages in order until refused; returns [pages served, last status]. */
    int[] scrape(String token, String prefix, String pageForm, String size) throws Exception {
        int served = 0;
        for (int n = 0; n < PAGES; n++) {
            Answer a = s.bearer("/customers?" + prefix + "page=" + spell(pageForm, n) + "&size=" + size, token);
            if (a.status() != 200) {
                return new int[] {served, a.status()};
            }
            assertThat(a.body()).contains("\"page\":" + n + ",\"size\":100");
            served++;
        }
        return new int[] {served, 200};
    }

    @ParameterizedTest(name = "page {0}, size {1}")
    @CsvSource({
        "plain, 100",
        "plus, %2B100",
        "zeros, 00100",
        "plain, %2B100",
        "arabic, 100",
        "fullwidth, 100",
        "plus, 100"
    })
    @DisplayName("a paging scraper is quarantined whatever spelling of the numbers the application reads")
    void pagingScraperIsQuarantinedWhateverTheSpelling(String pageForm, String size) throws Exception {
        String token = s.issuer
                .token()
                .clientId("pager-" + pageForm + "-" + size.replace("%", ""))
                .scope("customers:read")
                .sign();
        int[] run = scrape(token, "", pageForm, size);
        assertThat(run[1]).as("last status after %s pages", run[0]).isEqualTo(429);
        assertThat(run[0]).isBetween(3, STOPPED_WITHIN);
    }

    @Test
    @DisplayName("a paging scraper behind 1,000 dummy parameters gets nothing: 400 bad-query")
    void pagingBehindAThousandDummyParametersIsRefused() throws Exception {
        String token = s.issuer
                .token()
                .clientId("pager-behind-dummies")
                .scope("customers:read")
                .sign();
        int[] run = scrape(token, "a&".repeat(1000), "plain", "100");
        assertThat(run[0]).isZero();
        assertThat(run[1]).isEqualTo(400);
        s.bearer("/customers?" + "a&".repeat(1000) + "page=1&size=100", token)
                .assertRefused(400)
                .assertProblem();
    }

    @Test
    @DisplayName("at the cap (1,000 parameters with page and size) the scraper is still seen and quarantined")
    void pagingAtTheCapIsStillScored() throws Exception {
        String token = s.issuer
                .token()
                .clientId("pager-at-cap")
                .scope("customers:read")
                .sign();
        int[] run = scrape(token, "a&".repeat(998), "plain", "100");
        assertThat(run[1]).isEqualTo(429);
        assertThat(run[0]).isBetween(3, STOPPED_WITHIN);
    }

    @ParameterizedTest(name = "{0} parameters")
    @ValueSource(ints = {1001, 1500, 3000})
    @DisplayName("more than 1,000 parameters: 400 bad-query, on a protected and on the public route")
    void moreThanAThousandParametersAre400(int count) throws Exception {
        String query = "x&".repeat(count - 1) + "x";
        Answer protectedRoute =
                s.bearer("/customers/" + s.tag + "?" + query, reader).assertRefused(400);
        assertThat(protectedRoute.body()).contains(BAD_QUERY);
        Answer publicRoute = s.get("/health?" + query, null).assertRefused(400);
        assertThat(publicRoute.body()).contains(BAD_QUERY);
        s.bearer("/customers/" + s.tag + "?" + "x&".repeat(999) + "x", reader).assertStatus(200);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"access_token", "api_key", "apikey", "key", "access%5Ftoken", "%61pi_key"})
    @DisplayName("a credential parameter after 1,000 dummy parameters: 400, never served")
    void credentialAfterAThousandDummiesIs400(String name) throws Exception {
        String target = "/customers/" + s.tag + "?" + "a=1&".repeat(1000) + name + "=" + reader;
        Answer a = s.bearer(target, reader).assertRefused(400);
        assertThat(a.body()).contains(BAD_QUERY);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"api_key", "apikey", "key", "%61pi_key"})
    @DisplayName("an API key parameter within the cap is seen wherever it stands: 401 api-key-in-query")
    void apiKeyWithinTheCapIsSeen(String name) throws Exception {
        String target = "/customers/" + s.tag + "?" + "a=1&".repeat(998) + name + "=k";
        Answer a = s.get(target, null).assertRefused(401, "Bearer");
        assertThat(a.body()).contains("api-key-in-query");
    }

    @ParameterizedTest(name = "?{0}")
    @ValueSource(
            strings = {
                "x=%",
                "x=%4",
                "x=%G0",
                "x=%0G",
                "x=%C3%28",
                "x=%C3",
                "x=%C0%AF",
                "x=%ED%A0%80",
                "x=%F4%90%80%80",
                "x=%FF",
                "%FF=1",
                "x=1&%E2%82",
                "x=%%32%30",
                "page=%2",
                "x=%u0041"
            })
    @DisplayName("a malformed escape or invalid UTF-8 anywhere in the query: 400 bad-query, public route too")
    void malformedQueryIs400(String query) throws Exception {
        Answer a = s.raw(s.rawRequest("GET", "/customers/" + s.tag + "?" + query, "Authorization: Bearer " + reader))
                .assertRefused(400);
        assertThat(a.body()).contains(BAD_QUERY);
        Answer health = s.raw(null, s.rawRequest("GET", "/health?" + query)).assertRefused(400);
        assertThat(health.body()).contains(BAD_QUERY);
    }

    @ParameterizedTest(name = "?{0}")
    @ValueSource(strings = {"x=%00", "x=%0D%0A", "x=%EF%BF%BF", "x=a+b", "=x", "&&x&&", "x=a=b", "x=%25", "x;y=1"})
    @DisplayName("what both containers read is served")
    void readableOddQueriesAreServed(String query) throws Exception {
        s.raw(s.rawRequest("GET", "/customers/" + s.tag + "?" + query, "Authorization: Bearer " + reader))
                .assertStatus(200);
    }

    @Test
    @DisplayName("the refusal echoes nothing of the query")
    void theRefusalEchoesNothing() throws Exception {
        String marker = "zq" + "x".repeat(20);
        Answer a = s.raw(s.rawRequest(
                        "GET",
                        "/customers/" + s.tag + "?" + marker + "=%G0&" + "b&".repeat(1000),
                        "Authorization: Bearer " + reader))
                .assertRefused(400);
        assertThat(a.body()).doesNotContain("zq", "%G0", "G0");
        assertThat(List.copyOf(a.headers().values()).toString()).doesNotContain("zq");
    }
}
