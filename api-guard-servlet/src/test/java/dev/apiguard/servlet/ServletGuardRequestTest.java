package dev.apiguard.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ServletGuardRequestTest {

    @ParameterizedTest(name = "[{0}] has access_token: {1}")
    @CsvSource(delimiter = '|', nullValues = "NULL", value = {
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
    void queryParameterNamesAreDecodedStrictly(String query, boolean expected) {
        assertThat(ServletGuardRequest.hasParameterName(query, "access_token")).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"%\u0664\u0661ccess_token=1", "%\uff16\uff11ccess_token=1", "%\u0666\uff11ccess_token=1"})
    void onlyAsciiHexDigitsFormAnEscape(String query) {
        // Character.digit also reads Arabic-Indic and fullwidth digits: '%٦١' is not 'a' (found by ServletGuardRequestFuzzTest)
        assertThat(ServletGuardRequest.hasParameterName(query, "access_token")).isFalse();
        assertThat(ServletGuardRequest.decode(query, 0, 3)).isNull();
    }

    @ParameterizedTest(name = "{0} parameters before it")
    @CsvSource({"0, true", "998, true", "999, true", "1000, false"})
    void theScanStopsAfterTheCap(int before, boolean seen) {
        String query = "a=1&".repeat(before) + "access_token=x";
        assertThat(ServletGuardRequest.hasParameterName(query, "access_token")).isEqualTo(seen);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"a+b | a b", "%E2%82%AC | \u20ac", "plain | plain"})
    void decodingIsUtf8WithPlusAsSpace(String raw, String decoded) {
        assertThat(ServletGuardRequest.decode(raw, 0, raw.length())).isEqualTo(decoded);
    }

    @ParameterizedTest(name = "[{0}] page = {1}")
    @CsvSource(delimiter = '|', nullValues = "NULL", value = {
        "NULL                 | NULL",
        "size=100             | NULL",
        "page=3&size=100      | 3",
        "size=1&page=7&page=9 | 7",
        "page                 | ''",
        "page=%33%34          | 34",
        "page=a+b             | a b",
        "page=%zz             | NULL",
        "pages=1              | NULL",
    })
    void queryParameterValuesAreTheFirstDecodedValue(String query, String expected) {
        assertThat(ServletGuardRequest.parameterValue(query, "page")).isEqualTo(expected);
    }

    @org.junit.jupiter.api.Test
    void queryParameterValuesAreCapped() {
        String value = ServletGuardRequest.parameterValue("page=" + "9".repeat(5000), "page");
        assertThat(value).hasSize(dev.apiguard.GuardRequest.MAX_QUERY_VALUE_LENGTH);
    }
}
