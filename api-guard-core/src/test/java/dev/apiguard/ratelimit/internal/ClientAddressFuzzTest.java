package dev.apiguard.ratelimit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.apiguard.TrustedProxies;
import dev.apiguard.fakes.FakeRequest;
import dev.apiguard.fakes.Fuzzing;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes {@code X-Forwarded-For} as the anonymous rate limiter reads it: the client address behind
 * trusted proxies ({@link ClientAddress#of}) and the bucket it counts against
 * ({@link ClientAddress#bucket}).
 *
 * <p>Input: the first byte picks whether the peer (192.0.2.1) is a trusted proxy and the IPv6
 * prefix; the rest, as ISO-8859-1, is cut at each {@code \n} into up to four field lines of
 * {@code X-Forwarded-For}. Property: nothing throws; from an untrusted peer the answer is the peer
 * whatever the header says; otherwise it is the peer or the canonical form of one of the hops the
 * header names, never anything a client wrote that is not an IP literal (the answer holds only hex
 * digits, dots and colons), and never a hop that is a trusted proxy unless every hop is one; more
 * than 32 hops mean the peer. The bucket of the answer is the answer itself (IPv4, or IPv6 with a
 * prefix of 128) or its network, written as the address with its host bits cleared and
 * {@code /prefix}. At most 1 MB allocated per input.
 */
class ClientAddressFuzzTest {

    private static final String PEER = "192.0.2.1";
    private static final TrustedProxies PEER_TRUSTED = TrustedProxies.of("192.0.2.0/24", "10.0.0.0/8", "fd00::/8");
    private static final TrustedProxies PEER_UNTRUSTED = TrustedProxies.of("10.0.0.0/8", "fd00::/8");
    private static final Pattern LITERAL = Pattern.compile("[0-9a-f.:]+");
    private static final Pattern NETWORK = Pattern.compile("[0-9a-f:]+/(3[2-9]|[4-9][0-9]|1[01][0-9]|12[0-7])");

    @FuzzTest
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void forwardedFor(byte[] data) {
        if (data.length == 0) {
            return;
        }
        boolean trusted = (data[0] & 1) == 0;
        int prefix = 32 + (data[0] & 0xff) % 97;
        List<String> values = Fuzzing.lines(Fuzzing.latin1(java.util.Arrays.copyOfRange(data, 1, data.length)), 4);
        FakeRequest withHeaders = FakeRequest.get();
        for (String v : values) {
            withHeaders = withHeaders.header("X-Forwarded-For", v);
        }
        FakeRequest request = withHeaders;
        TrustedProxies proxies = trusted ? PEER_TRUSTED : PEER_UNTRUSTED;

        String client = Fuzzing.allocatingAtMost(1 << 20, () -> ClientAddress.of(request, proxies));
        String bucket = Fuzzing.allocatingAtMost(1 << 20, () -> ClientAddress.bucket(client, prefix));

        List<String> hops = new ArrayList<>();
        for (String v : values) {
            for (String hop : v.split(",", -1)) {
                hops.add(hop.trim());
            }
        }
        if (!trusted || hops.size() > 32) {
            assertThat(client).isEqualTo(PEER);
        }
        if (!client.equals(PEER)) {
            assertThat(client).matches(LITERAL);
            List<String> named = hops.stream().map(ClientAddress::normalize).toList();
            assertThat(named).contains(client);
            boolean allTrusted = named.stream().allMatch(h -> h != null && proxies.contains(h));
            if (!allTrusted) {
                assertThat(proxies.contains(client)).as(client).isFalse();
            }
        }
        if (client.indexOf(':') < 0 || prefix == 128) {
            assertThat(bucket).isEqualTo(client);
        } else {
            assertThat(bucket).matches(NETWORK).endsWith("/" + prefix);
            assertThat(ClientAddress.bucket(bucket.substring(0, bucket.indexOf('/')), prefix))
                    .isEqualTo(bucket);
        }
    }
}
