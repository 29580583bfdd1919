package dev.apiguard.ratelimit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.ApiGuard;
import dev.apiguard.Decision;
import dev.apiguard.GuardExchange;
import dev.apiguard.GuardStep;
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.fakes.FakeRequest;
import org.junit.jupiter.api.Test;

/** A fingerprint is a value: equal for the same credential, different for any other, and no credential in its text. */
class CredentialFingerprintTest {

    private final ApiGuard guard = ApiGuard.builder().listener(SecurityEventListener.NONE).step(new GuardStep() {
        @Override
        public String name() {
            return "allow";
        }

        @Override
        public Decision evaluate(GuardExchange exchange) {
            return Decision.ALLOW;
        }
    }).build();

    private CredentialFingerprint of(FakeRequest request) {
        return CredentialFingerprint.of(guard.exchange(request));
    }

    @Test
    void theSameCredentialGivesEqualFingerprintsAndAnyOtherADifferentOne() {
        CredentialFingerprint a = of(FakeRequest.get().bearer("token-a.payload.signature"));
        assertThat(of(FakeRequest.get().bearer("token-a.payload.signature"))).isEqualTo(a).hasSameHashCodeAs(a);
        assertThat(of(FakeRequest.get().bearer("token-a.payload.signaturf"))).isNotEqualTo(a);
        assertThat(of(FakeRequest.get().header("Authorization", "DPoP token-a.payload.signature"))).isNotEqualTo(a);
        assertThat(of(FakeRequest.get().bearer("token-a.payload.signature").header("X-API-Key", "k"))).isNotEqualTo(a);
        assertThat(of(FakeRequest.get().header("X-API-Key", "k"))).isNotEqualTo(a);
        assertThat(of(FakeRequest.get())).isNull();
    }

    @Test
    void itsTextHoldsNeitherTheCredentialNorTheDigest() {
        CredentialFingerprint a = of(FakeRequest.get().bearer("token-a.payload.signature"));
        assertThat(a.toString()).doesNotContain("token-a").matches("CredentialFingerprint\\[hash=-?\\d+]");
    }
}
