package dev.apiguard.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.GuardRequest;
import dev.apiguard.QueryParameters;
import jakarta.servlet.http.HttpServletRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The adapter's query string: the raw {@code getQueryString()} read by {@link QueryParameters}
 * (whose decoding {@code QueryParametersTest} covers), once per request, never through
 * {@code getParameter}.
 */
class ServletGuardRequestTest {

    private static ServletGuardRequest view(String query, List<String> calls) {
        return new ServletGuardRequest(
                Fakes.fake(HttpServletRequest.class, calls, Map.of("getQueryString", (m, a) -> query)));
    }

    private static ServletGuardRequest view(String query) {
        return view(query, new ArrayList<>());
    }

    @ParameterizedTest(name = "[{0}] has access_token: {1}")
    @CsvSource(
            delimiter = '|',
            nullValues = "NULL",
            value = {
                "NULL                          | false",
                "''                            | false",
                "access_token                  | true",
                "access_token=                 | true",
                "access_token=abc              | true",
                "a=1&access_token=abc          | true",
                "a=1&&access_token             | true",
                "=x&access_token=1             | true",
                "access%5Ftoken=1              | true",
                "access%5ftoken=1              | true",
                "%61ccess_token=1              | true",
                "access_token%3D=1             | false",
                "access_token+=1               | false",
                "access%zz_token=1             | false",
                "access_token%                 | false",
                "access_token%5                | false",
                "%C0%AFaccess_token            | false",
                "b=%zz&access_token=1          | true",
                "x=access_token                | false",
                "access_tokens=1               | false",
                "ACCESS_TOKEN=1                | false",
                "a=b=access_token              | false",
            })
    void queryParameterNamesAreDecodedAsTheContainerDecodesThem(String query, boolean expected) {
        assertThat(view(query).hasQueryParameter("access_token")).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"%\u0664\u0661ccess_token=1", "%\uff16\uff11ccess_token=1", "%\u0666\uff11ccess_token=1"})
    void onlyAsciiHexDigitsFormAnEscape(String query) {
        // Character.digit also reads Arabic-Indic and fullwidth digits: '%٦١' is not 'a' (found by
        // ServletGuardRequestFuzzTest)
        ServletGuardRequest view = view(query);
        assertThat(view.hasQueryParameter("access_token")).isFalse();
        assertThat(view.queryParameters().unreadable()).contains(QueryParameters.Unreadable.MALFORMED_ESCAPE);
    }

    /** Before issue 13 the scan stopped after 1,000 parameters, and a credential behind them was not seen. */
    @ParameterizedTest(name = "{0} parameters before it")
    @CsvSource({"0, true", "998, true", "999, true", "1000, false", "4000, false"})
    void aCredentialIsSeenWhereverItStandsAndBeyondTheCapTheQueryIsUnreadable(int before, boolean readable) {
        ServletGuardRequest view = view("a&".repeat(before) + "access_token=x");
        assertThat(view.hasQueryParameter("access_token")).isTrue();
        assertThat(view.queryParameters().readable()).isEqualTo(readable);
    }

    @ParameterizedTest(name = "[{0}] page = {1}")
    @CsvSource(
            delimiter = '|',
            nullValues = "NULL",
            value = {
                "NULL                 | NULL",
                "size=100             | NULL",
                "page=3&size=100      | 3",
                "size=1&page=7&page=9 | 7",
                "page                 | ''",
                "page=%33%34          | 34",
                "page=%2B5            | +5",
                "page=a+b             | a b",
                "page=%zz             | NULL",
                "pages=1              | NULL",
            })
    void queryParameterValuesAreTheFirstDecodedValue(String query, String expected) {
        assertThat(view(query).queryParameter("page")).isEqualTo(expected);
    }

    @Test
    void queryParameterValuesAreCapped() {
        assertThat(view("page=" + "9".repeat(5000)).queryParameter("page"))
                .hasSize(GuardRequest.MAX_QUERY_VALUE_LENGTH);
    }

    @Test
    void theQueryStringIsReadOnceAndNeverThroughGetParameter() {
        List<String> calls = new ArrayList<>();
        ServletGuardRequest view = view("page=1&access_token=x", calls);
        assertThat(calls).isEmpty(); // lazy
        view.hasQueryParameter("access_token");
        view.queryParameter("page");
        view.queryParameters().readable();
        assertThat(view.queryParameters()).isSameAs(view.queryParameters());
        assertThat(calls).containsExactly("getQueryString");
    }

    @Test
    void authorizationIsReadOnceAndOtherHeadersOnEveryCall() {
        List<String> calls = new ArrayList<>();
        ServletGuardRequest view = new ServletGuardRequest(Fakes.fake(
                HttpServletRequest.class,
                calls,
                Map.of("getHeaders", (m, a) -> java.util.Collections.enumeration(List.of("value of " + a[0])))));
        assertThat(view.headers("Authorization")).containsExactly("value of Authorization");
        assertThat(view.headers("Authorization")).containsExactly("value of Authorization");
        assertThat(view.header("Authorization")).isEqualTo("value of Authorization");
        assertThat(view.headers("DPoP")).containsExactly("value of DPoP");
        assertThat(view.headers("DPoP")).containsExactly("value of DPoP");
        assertThat(calls).containsExactly("getHeaders", "getHeaders", "getHeaders");
    }

    @Test
    void theCapIsTheParsersCap() {
        assertThat(ServletGuardRequest.MAX_QUERY_PARAMETERS)
                .isEqualTo(QueryParameters.MAX_PARAMETERS)
                .isEqualTo(1000);
    }
}
