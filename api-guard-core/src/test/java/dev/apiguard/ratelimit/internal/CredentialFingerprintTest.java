package dev.apiguard.ratelimit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.ApiGuard;
import dev.apiguard.fakes.FakeRequest;
import org.junit.jupiter.api.Test;

/**
 * The anonymous limiter's key for a request that presents a credential: equal for the same
 * credential however it is spaced, different for any other credential or carrier.
 */
class CredentialFingerprintTest {

    static final ApiGuard GUARD = ApiGuard.builder().step(new dev.apiguard.GuardStep() {
        @Override
        public String name() {
            return "pass";
        }

        @Override
        public dev.apiguard.Decision evaluate(dev.apiguard.GuardExchange exchange) {
            return dev.apiguard.Decision.ALLOW;
        }
    }).build();

    static String of(FakeRequest request) {
        return CredentialFingerprint.of(GUARD.exchange(request));
    }

    static String authorization(String value) {
        return of(FakeRequest.get().header("Authorization", value));
    }

    @Test
    void noCredentialHasNoFingerprint() {
        assertThat(of(FakeRequest.get())).isNull();
    }

    @Test
    void fingerprintIsALowerHexSha256AndStable() {
        assertThat(authorization("Bearer abc")).matches("[0-9a-f]{64}").isEqualTo(authorization("Bearer abc"));
    }

    @Test
    void spacesAfterTheSchemeDoNotMakeANewCredential() {
        assertThat(authorization("Bearer   abc")).isEqualTo(authorization("Bearer abc"));
    }

    @Test
    void everyPartOfTheCredentialCounts() {
        String base = authorization("Bearer abc");
        assertThat(authorization("Bearer abd")).isNotEqualTo(base);
        assertThat(authorization("DPoP abc")).isNotEqualTo(base);
        assertThat(authorization("Bearerabc")).isNotEqualTo(base);
        assertThat(authorization("Bearer ")).isNotEqualTo(authorization("Bearer"));
        assertThat(authorization("Bearer ")).isNotEqualTo(authorization("Bearer  "));
        assertThat(authorization(" abc")).isNotEqualTo(authorization("abc"));
        // the same text as an API key is another credential than as an Authorization value
        assertThat(of(FakeRequest.get().header("X-API-Key", "Bearer abc"))).isNotEqualTo(base);
        assertThat(of(FakeRequest.get().header("X-API-Key", "k1"))).isNotEqualTo(of(FakeRequest.get().header("X-API-Key", "k2")));
        assertThat(of(FakeRequest.get().header("X-API-Key", "k1").header("X-API-Key", "k2")))
                .isNotEqualTo(of(FakeRequest.get().header("X-API-Key", "k1k2")));
        assertThat(of(FakeRequest.get().header("Authorization", "Bearer abc").header("X-API-Key", "k1")))
                .isNotEqualTo(base).isNotEqualTo(of(FakeRequest.get().header("X-API-Key", "k1")));
    }

    @Test
    void aValueWithoutSchemeIsTakenWhole() {
        assertThat(authorization("abc")).isNotEqualTo(authorization("abd")).isNotNull();
        assertThat(authorization("abc")).isNotEqualTo(authorization("ab"));
    }
}
