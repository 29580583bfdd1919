package dev.apiguard.ratelimit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.TrustedProxies;
import dev.apiguard.fakes.FakeRequest;
import java.util.Collections;
import org.junit.jupiter.api.Test;

/** The client address behind trusted proxies; the fake request's peer is 192.0.2.1. */
class ClientAddressTest {

    static final String PEER = "192.0.2.1";
    static final TrustedProxies PROXIES = TrustedProxies.of("192.0.2.0/24", "10.0.0.0/8");

    static String of(String... forwardedFor) {
        FakeRequest request = FakeRequest.get();
        for (String v : forwardedFor) {
            request = request.header("X-Forwarded-For", v);
        }
        return ClientAddress.of(request, PROXIES);
    }

    @Test
    void rightMostHopThatIsNoProxyIsTheClient() {
        assertThat(of("198.51.100.7, 203.0.113.9, 10.0.0.5")).isEqualTo("203.0.113.9");
        assertThat(of("198.51.100.7", "10.0.0.5")).isEqualTo("198.51.100.7");
    }

    @Test
    void whenEveryHopIsAProxyTheLeftMostIsTheClient() {
        assertThat(of("10.0.0.7, 10.0.0.5")).isEqualTo("10.0.0.7");
    }

    @Test
    void thirtyTwoHopsAreReadAndAThirtyThirdMakesThePeerTheClient() {
        String proxies31 = String.join(", ", Collections.nCopies(31, "10.0.0.5"));
        assertThat(of("198.51.100.7, " + proxies31)).isEqualTo("198.51.100.7");
        assertThat(of("198.51.100.7, 10.0.0.5, " + proxies31)).isEqualTo(PEER);
    }

    @Test
    void malformedHopOrNoHeaderOrAnUntrustedPeerMeanThePeer() {
        assertThat(of("198.51.100.7, proxy.internal, 10.0.0.5")).isEqualTo(PEER);
        assertThat(of("198.51.100.7:443")).isEqualTo(PEER);
        assertThat(of("")).isEqualTo(PEER);
        assertThat(of()).isEqualTo(PEER);
        assertThat(ClientAddress.of(FakeRequest.get().header("X-Forwarded-For", "198.51.100.7"), TrustedProxies.NONE))
                .isEqualTo(PEER);
        assertThat(ClientAddress.of(
                        FakeRequest.get().header("X-Forwarded-For", "198.51.100.7"), TrustedProxies.of("10.0.0.0/8")))
                .isEqualTo(PEER);
    }

    @Test
    void addressesAreCanonicalSoOneClientHasOneBucket() {
        assertThat(of("2001:DB8::1")).isEqualTo(of("2001:db8:0:0::1"));
        assertThat(ClientAddress.normalize("2001:DB8::1")).isEqualTo("2001:db8:0:0:0:0:0:1");
        assertThat(ClientAddress.normalize("198.51.100.7")).isEqualTo("198.51.100.7");
        assertThat(ClientAddress.normalize("example.com")).isNull();
        assertThat(ClientAddress.normalize("1")).isNull();
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0} /{1} -> {2}")
    @org.junit.jupiter.params.provider.CsvSource(
            delimiter = '|',
            value = {
                "2001:db8:1:2:aaaa:bbbb:cccc:dddd | 64  | 2001:db8:1:2:0:0:0:0/64",
                "2001:db8:1:2::1                  | 64  | 2001:db8:1:2:0:0:0:0/64",
                "[2001:DB8:1:2::1]                | 64  | 2001:db8:1:2:0:0:0:0/64", // brackets, upper case
                "2001:db8:1:3::1                  | 64  | 2001:db8:1:3:0:0:0:0/64", // the next /64 is another bucket
                "2001:db8:1:2:ffff::1             | 56  | 2001:db8:1:0:0:0:0:0/56",
                "2001:db8:1:2ff::1                | 56  | 2001:db8:1:200:0:0:0:0/56", // a prefix inside a byte
                "2001:db8:1:2ff::1                | 57  | 2001:db8:1:280:0:0:0:0/57",
                "2001:db8:1:2::1                  | 128 | 2001:db8:1:2:0:0:0:1",
                "2001:db8:1:2::1                  | 127 | 2001:db8:1:2:0:0:0:0/127",
                "::1                              | 64  | 0:0:0:0:0:0:0:0/64",
                "192.0.2.1                        | 64  | 192.0.2.1", // IPv4 counts alone
                "::ffff:192.0.2.1                 | 64  | 192.0.2.1", // IPv4-mapped: IPv4
                "fe80::1%eth0                     | 64  | fe80::1%eth0", // a zone id: not a literal we read, kept
                "unix:/run/app.sock               | 64  | unix:/run/app.sock",
                "example.com                      | 64  | example.com", // never resolved
                "[]                               | 64  | []",
                "[2001:db8:1:2::1                 | 64  | [2001:db8:1:2::1", // half a bracket pair: not a literal
                "2001:db8:1:2::1]                 | 64  | 2001:db8:1:2::1]",
                "1.2.3                            | 64  | 1.2.3", // InetAddress's shorthand forms are not read
                "10                               | 64  | 10",
            })
    void anIpv6ClientCountsForItsNetwork(String address, int prefix, String bucket) {
        assertThat(ClientAddress.bucket(address, prefix)).isEqualTo(bucket);
    }

    @Test
    void anEmptyAddressStandsForItself() {
        assertThat(ClientAddress.bucket("", 64)).isEmpty();
        assertThat(ClientAddress.bucket("[", 64)).isEqualTo("[");
    }

    @Test
    void everyAddressOfOneNetworkSharesOneBucket() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(64);
        java.util.Set<String> buckets = new java.util.HashSet<>();
        for (int i = 0; i < 1_000; i++) {
            String host = String.format(
                    "%x:%x:%x:%x",
                    random.nextInt(0x10000), random.nextInt(0x10000), random.nextInt(0x10000), random.nextInt(0x10000));
            buckets.add(ClientAddress.bucket("2001:db8:77:1:" + host, 64));
        }
        assertThat(buckets).containsExactly("2001:db8:77:1:0:0:0:0/64");
    }
}
