package dev.apiguard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** A WWW-Authenticate challenge is built only from tokens and values safe inside a quoted string. */
class ChallengeTest {

    @Test
    void aChallengeIsTheSchemeAndItsQuotedParametersInOrder() {
        assertThat(Challenge.of("Bearer").toHeaderValue()).isEqualTo("Bearer");
        assertThat(Challenge.of("Bearer", "error", "insufficient_scope")
                        .with("scope", "customers:read orders:read")
                        .toHeaderValue())
                .isEqualTo("Bearer error=\"insufficient_scope\", scope=\"customers:read orders:read\"");
    }

    @Test
    void aSchemeThatIsNotATokenIsRefused() {
        assertThatThrownBy(() -> Challenge.of("Bear er"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("scheme is not a token: Bear er");
    }

    @Test
    void aParameterNameThatIsNotATokenIsRefused() {
        assertThatThrownBy(() -> Challenge.of("Bearer", "err=or", "x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("parameter name is not a token: err=or");
    }

    /** A quote, a backslash or a control character would break out of the quoted string. */
    @Test
    void aValueUnsafeInAQuotedStringIsRefused() {
        for (String unsafe : new String[] {"a\"b", "a\\b", "a\r\nb"}) {
            assertThatThrownBy(() -> Challenge.of("Bearer", "error", unsafe))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("parameter error has characters unsafe in a challenge");
        }
    }
}
