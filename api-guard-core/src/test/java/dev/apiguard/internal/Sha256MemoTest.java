package dev.apiguard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.ApiGuard;
import dev.apiguard.Decision;
import dev.apiguard.GuardExchange;
import dev.apiguard.GuardStep;
import dev.apiguard.fakes.FakeRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The token's SHA-256, hashed in place in its header and computed once per request. */
class Sha256MemoTest {

    private static GuardExchange exchange() {
        return ApiGuard.builder()
                .step(new GuardStep() {
                    @Override
                    public String name() {
                        return "allow";
                    }

                    @Override
                    public Decision evaluate(GuardExchange exchange) {
                        return Decision.ALLOW;
                    }
                })
                .build()
                .exchange(FakeRequest.get());
    }

    private static byte[] sha256(String text) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "ASCII header | Bearer   | abc.def-ghi_jkl~",
                "a token of other than ASCII | Bearer  | tøken-ü-€",
                "a prefix of other than ASCII | Bëarer  | token",
                "a prefix of other than Latin-1 | Be€rer  | token-€"
            })
    void theDigestIsThatOfTheCharactersAfterTheStart(String name, String prefix, String token) throws Exception {
        String header = prefix + " " + token;
        int start = header.length() - token.length();

        assertThat(Sha256Memo.of(exchange(), header, start)).isEqualTo(sha256(token));
        assertThat(Sha256Memo.of(exchange(), token)).isEqualTo(sha256(token));
    }

    @Test
    void oneRequestHashesOneTokenOnceWhoeverAsksAndHowever() throws Exception {
        GuardExchange exchange = exchange();
        String header = "Bearer  token-one";
        byte[] first = Sha256Memo.of(exchange, header, 8);

        assertThat(Sha256Memo.of(exchange, header, 8)).isSameAs(first);
        assertThat(Sha256Memo.of(exchange, new String("DPoP token-one".toCharArray()), 5))
                .as("the same characters in another string")
                .isSameAs(first);
        assertThat(Sha256Memo.of(exchange, "token-one")).isSameAs(first);
    }

    @Test
    void anotherTokenInTheSameRequestIsHashedAfresh() throws Exception {
        GuardExchange exchange = exchange();
        byte[] first = Sha256Memo.of(exchange, "Bearer token-one", 7);

        assertThat(Sha256Memo.of(exchange, "Bearer token-two", 7)).isEqualTo(sha256("token-two"));
        assertThat(Sha256Memo.of(exchange, "Bearer token-on", 7)).isEqualTo(sha256("token-on"));
        assertThat(Sha256Memo.of(exchange, "Bearer token-one", 6))
                .as("another start: other characters")
                .isEqualTo(sha256(" token-one"));
        assertThat(first).isEqualTo(sha256("token-one"));
    }
}
