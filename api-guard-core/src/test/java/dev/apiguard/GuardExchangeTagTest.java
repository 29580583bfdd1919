package dev.apiguard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apiguard.fakes.FakeGuards;
import dev.apiguard.fakes.FakeRequest;
import dev.apiguard.internal.CredentialDigest;
import org.junit.jupiter.api.Test;

class GuardExchangeTagTest {

    private final ApiGuard guard = FakeGuards.allowingAll();

    private record First(String value) {}

    private record Second(int value) {}

    private record Third(long value) {}

    @Test
    void tagsAreKeptPerTypeReplacedAndRemoved() {
        GuardExchange ex = guard.exchange(FakeRequest.of("GET", "/"));
        assertThat(ex.tag(First.class)).isNull();
        ex.tag(First.class, new First("a"));
        ex.tag(Second.class, new Second(2));
        ex.tag(First.class, new First("b"));
        assertThat(ex.tag(First.class)).isEqualTo(new First("b"));
        assertThat(ex.tag(Second.class)).isEqualTo(new Second(2));
        ex.tag(First.class, null);
        assertThat(ex.tag(First.class)).isNull();
        assertThat(ex.tag(Second.class)).isEqualTo(new Second(2));
        // a type never tagged, among others that are: looked for to the end, not past it
        assertThat(ex.tag(Third.class)).isNull();
        ex.tag(Third.class, null);
        assertThat(ex.tag(Third.class)).isNull();
    }

    @Test
    void tagsBelongToOneExchange() {
        GuardExchange one = guard.exchange(FakeRequest.of("GET", "/"));
        one.tag(First.class, new First("a"));
        assertThat(guard.exchange(FakeRequest.of("GET", "/")).tag(First.class)).isNull();
    }

    @Test
    void aNullTypeIsRefused() {
        GuardExchange ex = guard.exchange(FakeRequest.of("GET", "/"));
        assertThatThrownBy(() -> ex.tag(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void theDigestMemoAnswersEachTextWithItsOwnDigest() {
        GuardExchange ex = guard.exchange(FakeRequest.of("GET", "/"));
        CredentialDigest a = CredentialDigest.of(ex, "token-a", 0);
        assertThat(CredentialDigest.of(ex, new String("token-a"), 0)).isSameAs(a);
        assertThat(a).isEqualTo(CredentialDigest.of("token-a"));
        assertThat(CredentialDigest.of(ex, "token-b", 0))
                .isEqualTo(CredentialDigest.of("token-b"))
                .isNotEqualTo(a);
    }
}
