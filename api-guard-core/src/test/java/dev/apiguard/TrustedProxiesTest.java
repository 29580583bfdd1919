package dev.apiguard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TrustedProxiesTest {

    final TrustedProxies proxies = TrustedProxies.of("10.0.0.0/8", "192.168.1.7", "fd00::/8", "172.16.0.0/12");

    @ParameterizedTest
    @CsvSource({
            "10.1.2.3, true", "10.255.255.255, true", "11.0.0.1, false", "192.168.1.7, true",
            "192.168.1.8, false", "fd12:3456::1, true", "fe80::1, false", "172.31.255.255, true",
            "172.32.0.0, false", "::ffff:10.0.0.1, true", "[fd00::1], true"})
    void containsMatchesTheBlocks(String address, boolean expected) {
        assertThat(proxies.contains(address)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "localhost", "example.com", "10.0.0", "1", "10.0.0.1.5", "256.1.1.1",
            "10.0.0.1 ", "10.0.0.1,10.0.0.2", "::g", "0x0a.0.0.1", "010.0.0.1"})
    void anythingButALiteralIsNotContained(String address) {
        assertThat(proxies.contains(address)).isFalse();
    }

    @Test
    void nullAndNoneTrustNobody() {
        assertThat(proxies.contains(null)).isFalse();
        assertThat(TrustedProxies.NONE.contains("127.0.0.1")).isFalse();
        assertThat(TrustedProxies.NONE.isEmpty()).isTrue();
        assertThat(TrustedProxies.of().isEmpty()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"proxy.internal", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/x", "::/129", "10.0.0.0/8/8"})
    void badBlocksAreRefusedNamingTheSetting(String cidr) {
        assertThatThrownBy(() -> TrustedProxies.of(cidr))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("trustedProxy")
                .hasMessageContaining(cidr);
    }

    @Test
    void zeroPrefixTrustsTheWholeFamilyOnly() {
        TrustedProxies all4 = TrustedProxies.of("0.0.0.0/0");
        assertThat(all4.contains("8.8.8.8")).isTrue();
        assertThat(all4.contains("2001:db8::1")).isFalse();
    }
}
