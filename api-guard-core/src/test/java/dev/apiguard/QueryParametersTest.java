package dev.apiguard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apiguard.QueryParameters.Unreadable;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link QueryParameters} against what Jetty 12.1 and Tomcat 11 serve for the same query strings
 * (checked through both containers by the examples' {@code QueryAgreementTest}).
 */
class QueryParametersTest {

    static Stream<Arguments> readable() {
        return Stream.of(
                // query, name, first value (null: absent)
                Arguments.of("page=1&size=2", "page", "1"),
                Arguments.of("page=1&size=2", "size", "2"),
                Arguments.of("page=%2B5&size=%2B100", "page", "+5"),
                Arguments.of("page=%2b5", "page", "+5"),
                Arguments.of("page=1&page=2", "page", "1"),
                Arguments.of("&&page=1&&", "page", "1"),
                Arguments.of("page", "page", ""),
                Arguments.of("page=", "page", ""),
                Arguments.of("x&page", "page", ""),
                Arguments.of("=x&page=1", "page", "1"),
                Arguments.of("=x&page=1", "", "x"),
                Arguments.of("a=b=c&page=1", "a", "b=c"),
                Arguments.of("page=a+b%20c", "page", "a b c"),
                Arguments.of("pa+ge=5", "pa ge", "5"),
                Arguments.of("pa+ge=5", "page", null),
                Arguments.of("%70age=3", "page", "3"),
                Arguments.of("p%61ge=4", "page", "4"),
                Arguments.of("access%5Ftoken=x", "access_token", "x"),
                Arguments.of("access%5ftoken", "access_token", ""),
                Arguments.of("page=1;size=2", "page", "1;size=2"),
                Arguments.of("page=1;size=2", "size", null),
                Arguments.of("page=1%26size=2", "page", "1&size=2"),
                Arguments.of("page=1%26size=2", "size", null),
                Arguments.of("PAGE=1", "page", null),
                Arguments.of("page=%252B5", "page", "%2B5"),
                Arguments.of("%26=1&page=3", "&", "1"),
                Arguments.of("page%3D7=1", "page=7", "1"),
                Arguments.of("page%3D7=1", "page", null),
                Arguments.of("page=%00", "page", "\u0000"),
                Arguments.of("page=%0D%0A", "page", "\r\n"),
                Arguments.of("page=%7F", "page", "\u007f"),
                Arguments.of("page=%EF%BF%BF", "page", "\uffff"),
                Arguments.of("page=%EF%BF%BD", "page", "\ufffd"),
                Arguments.of("page=%F0%9F%98%80", "page", "\ud83d\ude00"),
                Arguments.of("page=%F4%8F%BF%BF", "page", "\udbff\udfff"),
                Arguments.of("page=%C3%A9t%C3%A9", "page", "\u00e9t\u00e9"),
                // characters the container hands over decoded (Jetty decodes the request line as UTF-8)
                Arguments.of("page=\u00e9", "page", "\u00e9"),
                Arguments.of("page=\ufffd", "page", "\ufffd"),
                Arguments.of("p\u00e9ge=1", "p\u00e9ge", "1"),
                Arguments.of("page=\ud83d\ude00", "page", "\ud83d\ude00"),
                Arguments.of("page=|^`{}\"<>[]", "page", "|^`{}\"<>[]"),
                Arguments.of("page=1#x", "page", "1#x"));
    }

    @ParameterizedTest(name = "[{0}] {1} = {2}")
    @MethodSource("readable")
    void readsTheNamesAndValuesTheContainersServe(String query, String name, String value) {
        QueryParameters p = QueryParameters.parse(query);
        assertThat(p.readable()).as("readable").isTrue();
        assertThat(p.unreadable()).isEmpty();
        assertThat(p.has(name)).isEqualTo(value != null);
        assertThat(p.first(name)).isEqualTo(value);
    }

    static Stream<Arguments> unreadable() {
        return Stream.of(
                Arguments.of("%", Unreadable.MALFORMED_ESCAPE),
                Arguments.of("page=%", Unreadable.MALFORMED_ESCAPE),
                Arguments.of("page=%4", Unreadable.MALFORMED_ESCAPE),
                Arguments.of("page=%4&x=1", Unreadable.MALFORMED_ESCAPE),
                Arguments.of("page=%G0", Unreadable.MALFORMED_ESCAPE),
                Arguments.of("page=%0G", Unreadable.MALFORMED_ESCAPE),
                Arguments.of("page=%:0", Unreadable.MALFORMED_ESCAPE),
                Arguments.of("page=%@0", Unreadable.MALFORMED_ESCAPE),
                Arguments.of("page=%`1", Unreadable.MALFORMED_ESCAPE),
                Arguments.of("page=%u0041", Unreadable.MALFORMED_ESCAPE),
                Arguments.of("page=%%41", Unreadable.MALFORMED_ESCAPE),
                Arguments.of("%4=1", Unreadable.MALFORMED_ESCAPE),
                Arguments.of("x=%\u0664\u0661", Unreadable.MALFORMED_ESCAPE),
                Arguments.of("x=%\uff16\uff11", Unreadable.MALFORMED_ESCAPE),
                Arguments.of("page=%C3%28", Unreadable.INVALID_UTF8),
                Arguments.of("page=%C3", Unreadable.INVALID_UTF8),
                Arguments.of("%C3=1", Unreadable.INVALID_UTF8),
                Arguments.of("page=%C3x", Unreadable.INVALID_UTF8),
                Arguments.of("page=%C3+", Unreadable.INVALID_UTF8),
                Arguments.of("page=%C3\u00a9", Unreadable.INVALID_UTF8),
                Arguments.of("page=%E2%82", Unreadable.INVALID_UTF8),
                Arguments.of("page=%E2%82&x", Unreadable.INVALID_UTF8),
                Arguments.of("page=%C3%A9%A9", Unreadable.INVALID_UTF8),
                Arguments.of("page=%80", Unreadable.INVALID_UTF8),
                Arguments.of("page=%BF", Unreadable.INVALID_UTF8),
                Arguments.of("page=%FF", Unreadable.INVALID_UTF8),
                Arguments.of("page=%FE", Unreadable.INVALID_UTF8),
                Arguments.of("page=1&%FF", Unreadable.INVALID_UTF8),
                // overlong forms of '/' and NUL
                Arguments.of("page=%C0%AF", Unreadable.INVALID_UTF8),
                Arguments.of("page=%C1%BF", Unreadable.INVALID_UTF8),
                Arguments.of("page=%C0%80", Unreadable.INVALID_UTF8),
                Arguments.of("page=%E0%80%AF", Unreadable.INVALID_UTF8),
                Arguments.of("page=%E0%9F%BF", Unreadable.INVALID_UTF8),
                Arguments.of("page=%F0%80%80%AF", Unreadable.INVALID_UTF8),
                Arguments.of("page=%F0%8F%BF%BF", Unreadable.INVALID_UTF8),
                // UTF-8 of surrogates (CESU-8), above U+10FFFF
                Arguments.of("page=%ED%A0%80", Unreadable.INVALID_UTF8),
                Arguments.of("page=%ED%BF%BF", Unreadable.INVALID_UTF8),
                Arguments.of("page=%ED%A0%BD%ED%B8%80", Unreadable.INVALID_UTF8),
                Arguments.of("page=%F4%90%80%80", Unreadable.INVALID_UTF8),
                Arguments.of("page=%F5%80%80%80", Unreadable.INVALID_UTF8),
                Arguments.of("page=%F8%88%80%80%80", Unreadable.INVALID_UTF8),
                // unpaired surrogates no container hands over
                Arguments.of("page=\ud800", Unreadable.INVALID_UTF8),
                Arguments.of("page=\udc00", Unreadable.INVALID_UTF8),
                Arguments.of("page=a\ud800b", Unreadable.INVALID_UTF8),
                Arguments.of("p\udfffge=1", Unreadable.INVALID_UTF8),
                Arguments.of("page=\udc00\ud800", Unreadable.INVALID_UTF8),
                // the first problem is the reason
                Arguments.of("a=%G0&b=%FF", Unreadable.MALFORMED_ESCAPE),
                Arguments.of("a=%FF&b=%G0", Unreadable.INVALID_UTF8),
                Arguments.of("x&".repeat(1000) + "x", Unreadable.TOO_MANY_PARAMETERS),
                Arguments.of("x&".repeat(1000) + "%G0", Unreadable.TOO_MANY_PARAMETERS),
                Arguments.of("%G0&" + "x&".repeat(1000), Unreadable.MALFORMED_ESCAPE),
                Arguments.of("x".repeat(QueryParameters.MAX_LENGTH + 1), Unreadable.TOO_LONG));
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("unreadable")
    void refusesWhatTheContainersCannotServe(String query, Unreadable reason) {
        QueryParameters p = QueryParameters.parse(query);
        assertThat(p.readable()).isFalse();
        assertThat(p.unreadable()).contains(reason);
    }

    @ParameterizedTest(name = "{0} parameters")
    @CsvSource({"1, true", "999, true", "1000, true", "1001, false", "5000, false"})
    void atMostAThousandParameters(int count, boolean readable) {
        QueryParameters p = QueryParameters.parse("a&".repeat(count - 1) + "access_token=x");
        assertThat(p.readable()).isEqualTo(readable);
        assertThat(p.size()).isEqualTo(count);
        // every parameter is read, beyond the cap too: a credential there is still seen
        assertThat(p.has("access_token")).isTrue();
    }

    @Test
    void everyPieceWithANameCountsAndEmptyPiecesDoNot() {
        assertThat(QueryParameters.parse("&&a&&a=1&=2&b=&").size()).isEqualTo(4);
        assertThat(QueryParameters.parse("&").size()).isZero();
        assertThat(QueryParameters.parse("&".repeat(5000)).readable()).isTrue();
        assertThat(QueryParameters.parse("=&".repeat(1001)).unreadable()).contains(Unreadable.TOO_MANY_PARAMETERS);
    }

    @Test
    void theLengthBoundIsInclusiveAndNothingOfALongerQueryIsRead() {
        String atBound = "page=1&x=" + "y".repeat(QueryParameters.MAX_LENGTH - 9);
        assertThat(atBound).hasSize(QueryParameters.MAX_LENGTH);
        assertThat(QueryParameters.parse(atBound).first("page")).isEqualTo("1");
        QueryParameters longer = QueryParameters.parse(atBound + "y");
        assertThat(longer.unreadable()).contains(Unreadable.TOO_LONG);
        assertThat(longer.has("page")).isFalse();
        assertThat(longer.size()).isZero();
    }

    @Test
    void noQueryIsNone() {
        assertThat(QueryParameters.parse(null)).isSameAs(QueryParameters.NONE);
        assertThat(QueryParameters.parse("")).isSameAs(QueryParameters.NONE);
        assertThat(QueryParameters.NONE.readable()).isTrue();
        assertThat(QueryParameters.NONE.has("page")).isFalse();
        assertThat(QueryParameters.NONE.first("page")).isNull();
        assertThat(QueryParameters.NONE.size()).isZero();
    }

    @Test
    void aMalformedParameterHidesNoOtherOne() {
        QueryParameters p = QueryParameters.parse("b=%zz&access_token=1&%zz=2&c=%FF");
        assertThat(p.unreadable()).contains(Unreadable.MALFORMED_ESCAPE);
        assertThat(p.has("access_token")).isTrue();
        assertThat(p.has("b")).isTrue();
        assertThat(p.first("b")).isNull();
        assertThat(p.has("c")).isTrue();
        assertThat(p.has("%zz")).isFalse();
        assertThat(p.size()).isEqualTo(4);
    }

    @Test
    void theFirstValueStaysTheFirstWhateverFollows() {
        assertThat(QueryParameters.parse("page=1&page=%zz").first("page")).isEqualTo("1");
        assertThat(QueryParameters.parse("page=%zz&page=1").first("page")).isNull();
        assertThat(QueryParameters.parse("page&page=1").first("page")).isEmpty();
    }

    @Test
    void valuesAreCutToTheCapAndNeverBetweenTwoHalvesOfACharacter() {
        int cap = GuardRequest.MAX_QUERY_VALUE_LENGTH;
        assertThat(QueryParameters.parse("page=" + "9".repeat(5000)).first("page"))
                .hasSize(cap);
        assertThat(QueryParameters.parse("page=" + "%41".repeat(1000)).first("page"))
                .isEqualTo("A".repeat(cap));
        assertThat(QueryParameters.parse("page=" + "a".repeat(cap - 1) + "%F0%9F%98%80")
                        .first("page"))
                .isEqualTo("a".repeat(cap - 1));
        assertThat(QueryParameters.parse("page=" + "a".repeat(cap - 2) + "%F0%9F%98%80")
                        .first("page"))
                .isEqualTo("a".repeat(cap - 2) + "\ud83d\ude00");
        // the whole value is still checked: a bad byte after the cap makes the query unreadable
        assertThat(QueryParameters.parse("page=" + "a".repeat(1000) + "%FF").readable())
                .isFalse();
        // names are not cut
        String name = "n".repeat(2000);
        assertThat(QueryParameters.parse(name + "=1").first(name)).isEqualTo("1");
    }

    // ---- decodeAll: every parameter, as getParameterValues serves them (adapters, test fakes) ----

    @ParameterizedTest(name = "[{0}] {1} = {2}")
    @MethodSource("readable")
    void decodeAllServesTheFirstValueParseReads(String query, String name, String value) {
        List<Map.Entry<String, String>> all = QueryParameters.decodeAll(query);
        assertThat(all.stream()
                        .filter(e -> e.getKey().equals(name))
                        .map(Map.Entry::getValue)
                        .findFirst()
                        .orElse(null))
                .isEqualTo(value);
        assertThat(all).hasSize(QueryParameters.parse(query).size());
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @MethodSource("unreadable")
    void decodeAllRefusesWhatCannotBeDecoded(String query, Unreadable reason) {
        if (reason == Unreadable.MALFORMED_ESCAPE || reason == Unreadable.INVALID_UTF8) {
            assertThatThrownBy(() -> QueryParameters.decodeAll(query))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageEndingWith(reason.code());
        } else if (query.contains("%G0")) {
            // beyond the parameter cap, the malformed escape is still one
            assertThatThrownBy(() -> QueryParameters.decodeAll(query)).hasMessageEndingWith("malformed_escape");
        } else {
            // the guard's bounds on its own work are not the container's: every parameter is served
            assertThat(QueryParameters.decodeAll(query)).isNotEmpty();
        }
    }

    @Test
    void decodeAllKeepsOrderDuplicatesAndWholeValues() {
        String longValue = "%41".repeat(3000);
        assertThat(QueryParameters.decodeAll("b=2&a&&a=1&=x&c=" + longValue + "&a=%C3%A9+z"))
                .containsExactly(
                        Map.entry("b", "2"),
                        Map.entry("a", ""),
                        Map.entry("a", "1"),
                        Map.entry("", "x"),
                        Map.entry("c", "A".repeat(3000)),
                        Map.entry("a", "\u00e9 z"));
        assertThat(QueryParameters.decodeAll(null)).isEmpty();
        assertThat(QueryParameters.decodeAll("")).isEmpty();
        assertThat(QueryParameters.decodeAll("&&")).isEmpty();
    }

    @Test
    void toStringHoldsNothingOfTheQuery() {
        QueryParameters p = QueryParameters.parse("access_token=secret-value&page=%G0");
        assertThat(p.toString())
                .doesNotContain("secret", "access_token", "page", "G0")
                .isEqualTo("QueryParameters[2 parameters, malformed_escape]");
    }

    @Test
    void aLongQueryOfManyEscapedParametersIsReadWithinABoundedAllocation() {
        StringBuilder distinct = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            distinct.append("k").append(i).append("=%E2%82%AC&");
        }
        String same = "k%C3%A9=%E2%82%AC&".repeat(900);
        for (String q : new String[] {distinct.toString(), same}) {
            assertThat(q.length()).isLessThanOrEqualTo(QueryParameters.MAX_LENGTH);
            QueryParameters.parse(q); // once first: class loading is not the parser's
            long before = allocated();
            QueryParameters p = QueryParameters.parse(q);
            long used = allocated() - before;
            assertThat(p.readable()).isTrue();
            assertThat(used).as("bytes allocated").isLessThan(1 << 20);
        }
    }

    private static long allocated() {
        return ((com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean())
                .getCurrentThreadAllocatedBytes();
    }
}
