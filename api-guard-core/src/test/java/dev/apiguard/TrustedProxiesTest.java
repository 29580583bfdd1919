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
        "172.32.0.0, false", "::ffff:10.0.0.1, true", "[fd00::1], true"
    })
    void containsMatchesTheBlocks(String address, boolean expected) {
        assertThat(proxies.contains(address)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "localhost",
                "example.com",
                "10.0.0",
                "1",
                "10.0.0.1.5",
                "256.1.1.1",
                "10.0.0.1 ",
                "10.0.0.1,10.0.0.2",
                "::g",
                "0x0a.0.0.1",
                "010.0.0.1"
            })
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

    /** The edges of each block: the first and last address inside, the neighbours just outside. */
    @ParameterizedTest
    @CsvSource({
        "10.0.0.0/8, 10.0.0.0, true",
        "10.0.0.0/8, 9.255.255.255, false",
        "10.0.0.0/8, 11.0.0.0, false",
        "172.16.0.0/12, 172.16.0.0, true",
        "172.16.0.0/12, 172.15.255.255, false",
        "172.16.0.0/12, 172.31.255.255, true",
        "192.168.1.7/32, 192.168.1.7, true",
        "192.168.1.7/32, 192.168.1.6, false",
        "192.168.1.6/31, 192.168.1.7, true",
        "192.168.1.6/31, 192.168.1.8, false",
        "10.0.0.0/9, 10.127.255.255, true",
        "10.0.0.0/9, 10.128.0.0, false",
        "10.0.0.0/7, 11.255.255.255, true",
        "10.0.0.0/7, 12.0.0.0, false",
        "2001:db8::/32, 2001:db8:ffff::1, true",
        "2001:db8::/32, 2001:db9::1, false",
        "2001:db8::1/128, 2001:db8::1, true",
        "2001:db8::1/128, 2001:db8::2, false",
        "2001:DB8::/32, 2001:db8::AB, true",
        "fd00::/8, 10.0.0.1, false"
    })
    void blockEdges(String cidr, String address, boolean expected) {
        assertThat(TrustedProxies.of(cidr).contains(address)).isEqualTo(expected);
    }

    /** Every hex digit, either case, is part of an IPv6 literal; the characters around them are not. */
    @ParameterizedTest
    @CsvSource({
        "2001:db8::abcd, true", "2001:db8::ABCD, true", "2001:db8::ef09, true", "2001:db8::EF09, true",
        "2001:db8::g, false", "2001:db8::G, false", "2001:db8::`, false", "2001:db8::@, false",
        "2001:db8::/, false", "2001:db8::;, false", "10.0.0.a, false"
    })
    void literalCharacters(String address, boolean expected) {
        assertThat(TrustedProxies.of("::/0", "0.0.0.0/0").contains(address)).isEqualTo(expected);
    }

    @Test
    void literalLengthIsCappedAt45Characters() {
        String mapped45 = "0000:0000:0000:0000:0000:ffff:192.168.100.200"; // 45 characters, IPv4-mapped
        assertThat(mapped45).hasSize(45);
        assertThat(TrustedProxies.of("192.168.0.0/16").contains(mapped45)).isTrue();
        // the cap counts the text as given, brackets included: no parsing of longer input
        assertThat(TrustedProxies.of("192.168.0.0/16").contains("[" + mapped45 + "]"))
                .isFalse();
        assertThat(TrustedProxies.of("192.168.0.0/16").contains("[::ffff:192.168.100.200]"))
                .isTrue();
    }

    @Test
    void widestPrefixOfEachFamilyIsAccepted() {
        assertThat(TrustedProxies.of("10.0.0.1/32").contains("10.0.0.1")).isTrue();
        assertThat(TrustedProxies.of("::1/128").contains("::1")).isTrue();
        assertThat(TrustedProxies.of("10.0.0.1/32", "::1/128").toString())
                .isEqualTo("TrustedProxies[10.0.0.1/32, ::1/128]");
    }

    /**
     * Only hex digits, dots and colons make a literal: a zone id ({@code %1}, which the JDK would
     * parse) or a bracket without its pair is no literal, and so never a trusted peer, even where
     * every address is trusted.
     */
    @ParameterizedTest
    @ValueSource(strings = {"fe80::1%1", "[fe80::1%1]", "10.0.0.1%1", "[fe80::1", "fe80::1]", "2001:db8::1]"})
    void aZoneIdOrAnUnpairedBracketIsNoLiteral(String address) {
        assertThat(TrustedProxies.of("::/0", "0.0.0.0/0").contains(address)).isFalse();
    }
}
