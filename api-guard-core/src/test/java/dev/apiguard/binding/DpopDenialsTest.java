package dev.apiguard.binding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apiguard.Decision;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The DPoP refusals: exact statuses, challenges and headers. */
class DpopDenialsTest {

    @Test
    void dpopRefusalsCarryTheirErrorAndTheAlgorithms() {
        assertThat(DpopDenials.invalidDpopProof("ES256 PS256").responseHeaders())
                .contains(Map.entry("WWW-Authenticate", "DPoP error=\"invalid_dpop_proof\", algs=\"ES256 PS256\""));
        assertThat(DpopDenials.invalidDpopToken("ES256").responseHeaders())
                .contains(Map.entry("WWW-Authenticate", "DPoP error=\"invalid_token\", algs=\"ES256\""));
        Decision.Deny nonce = DpopDenials.useDpopNonce("ES256", "abc-_09");
        assertThat(nonce.status()).isEqualTo(401);
        assertThat(nonce.responseHeaders())
                .contains(
                        Map.entry("WWW-Authenticate", "DPoP error=\"use_dpop_nonce\", algs=\"ES256\""),
                        Map.entry("DPoP-Nonce", "abc-_09"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a b", "a\"b", "a=b"})
    void aNonceOutsideBase64urlIsRefused(String nonce) {
        assertThatThrownBy(() -> DpopDenials.useDpopNonce("ES256", nonce)).isInstanceOf(IllegalArgumentException.class);
    }
}
