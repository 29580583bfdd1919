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
            request.header("X-Forwarded-For", v);
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
        assertThat(ClientAddress.of(FakeRequest.get().header("X-Forwarded-For", "198.51.100.7"), TrustedProxies.of("10.0.0.0/8")))
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
}
