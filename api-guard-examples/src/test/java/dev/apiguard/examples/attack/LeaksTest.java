package dev.apiguard.examples.attack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The suite's one echo check catches what it must, in body and headers, and nothing harmless. */
class LeaksTest {

    static final String TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwYXJ0bmVyLWEiLCJzY29wZSI6InJlYWQifQ"
            + ".c2lnbmF0dXJlLW9mLXRoZS10b2tlbi1oZXJlLTAxMjM0NTY3ODk";

    static Answer answer(String header, String body) {
        return new Answer(401, Map.of("www-authenticate", List.of(header)), body);
    }

    @Test
    void theSignatureOrTheTailOfATokenInTheBodyOrAHeaderIsAnEcho() {
        String signature = TOKEN.substring(TOKEN.lastIndexOf('.') + 1);
        assertThatThrownBy(
                        () -> Leaks.assertNotEchoed(answer("Bearer", "bad: " + signature), List.of("Bearer " + TOKEN)))
                .isInstanceOf(AssertionError.class);
        assertThatThrownBy(() -> Leaks.assertNotEchoed(
                        answer("Bearer x=\"" + TOKEN.substring(TOKEN.length() - 30) + "\"", "{}"),
                        List.of("Bearer " + TOKEN)))
                .isInstanceOf(AssertionError.class);
    }

    @Test
    void fixedTextsAndShortPiecesAreNoEcho() {
        Leaks.assertNotEchoed(
                answer("Bearer error=\"invalid_token\"", "{\"type\":\"x\",\"alg\":\"RS256\"}"),
                List.of("Bearer " + TOKEN, "Basic dXNlcjpwYXNz"));
    }

    @Test
    void credentialsAreFoundInARawRequest() {
        List<String> found = Leaks.inRawRequest("GET /x?access_token=abc&y=1 HTTP/1.1\r\nHost: h\r\n"
                + "authorization: Bearer t1\r\nDPoP: p1\r\n X-Folded: hidden\r\n\r\napi_key=k1");
        assertThat(found).contains("abc", " Bearer t1", " p1", " X-Folded: hidden", "k1");
    }
}
