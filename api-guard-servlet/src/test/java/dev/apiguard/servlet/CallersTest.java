package dev.apiguard.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apiguard.Caller;
import dev.apiguard.CredentialKind;
import jakarta.servlet.ServletRequest;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CallersTest {

    private static ServletRequest withAttribute(Object value) {
        return Fakes.fake(
                ServletRequest.class,
                Map.of("getAttribute", (m, args) -> Caller.REQUEST_ATTRIBUTE.equals(args[0]) ? value : null));
    }

    @Test
    void theCallerTheGuardExposedIsRead() {
        Caller caller = Caller.builder("partner-a", CredentialKind.BEARER_JWT).build();
        assertThat(Callers.of(withAttribute(caller))).containsSame(caller);
        assertThat(Callers.require(withAttribute(caller))).isSameAs(caller);
    }

    @Test
    void aRequestTheGuardDidNotVerifyHasNoCallerAndRequiringOneIsAWiringError() {
        assertThat(Callers.of(withAttribute(null))).isEmpty();
        // an attribute of another type under the name (another library's) is not a caller
        assertThat(Callers.of(withAttribute("partner-a"))).isEmpty();
        assertThatThrownBy(() -> Callers.require(withAttribute(null)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("behind ApiGuardFilter");
    }
}
