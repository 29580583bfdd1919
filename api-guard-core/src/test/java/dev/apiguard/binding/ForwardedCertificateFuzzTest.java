package dev.apiguard.binding;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.apiguard.ApiGuard;
import dev.apiguard.GuardExchange;
import dev.apiguard.TrustedProxies;
import dev.apiguard.binding.CertificateResolution.Refused;
import dev.apiguard.binding.CertificateResolution.Resolved;
import dev.apiguard.binding.internal.ForwardedCertificateHeader;
import dev.apiguard.binding.internal.ForwardedCertificateHeader.Der;
import dev.apiguard.binding.internal.ForwardedCertificateHeader.Malformed;
import dev.apiguard.binding.internal.XfccHeader;
import dev.apiguard.fakes.FakeRequest;
import dev.apiguard.fakes.Fuzzing;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the forwarded client-certificate readers (RFC 8705 §3 behind a TLS-terminating proxy):
 * Envoy {@code x-forwarded-client-cert}, RFC 9440 {@code Client-Cert} and nginx's escaped PEM,
 * through {@link ClientCertificates} configured with a trusted proxy and a test CA
 * ({@code fuzz-ca.pem}, which signed {@code fuzz-client.pem}).
 *
 * <p>Input: the bytes as ISO-8859-1, cut at each {@code \n} into up to three field lines of the
 * header. Property: nothing throws; the header parser answers absent, DER no longer than the
 * value, or a malformed reason from the documented set, and an oversized value is refused before
 * decoding; the resolution is none, a refusal whose reason is {@code forwarded_} and one of those
 * or a certificate check, or the one certificate the CA signed (nothing else can chain to it;
 * the anchor itself is a CA certificate, never a client's);
 * the Envoy tokenizer's answer has the shape its Javadoc gives; at most 1 MB allocated per input.
 */
class ForwardedCertificateFuzzTest {

    private static final String HEADER = "X-Client-Cert";
    private static final int MAX = ClientCertificates.DEFAULT_MAX_HEADER_LENGTH;
    private static final Set<String> MALFORMED = Set.of(
            "oversized",
            "multiple_fields",
            "rfc9440_syntax",
            "rfc9440_base64",
            "percent_encoding",
            "pem_syntax",
            "pem_base64",
            "xfcc_duplicate_key",
            "xfcc_hash_mismatch",
            "xfcc_bad_key",
            "xfcc_control_character",
            "xfcc_empty_element",
            "xfcc_misplaced_quote",
            "xfcc_pair_without_equals",
            "xfcc_text_after_quote",
            "xfcc_unquoted_equals",
            "xfcc_unterminated_quote");
    private static final X509Certificate CA = Fuzzing.ca();
    private static final X509Certificate CLIENT = Fuzzing.client();
    private static final ClientCertificates CERTIFICATES = ClientCertificates.builder()
            .forwardedHeader(HEADER)
            .trustedProxies(TrustedProxies.of("192.0.2.1"))
            .forwardedTrustAnchors(List.of(CA))
            .build();
    // the exchange's clock dates the chain check; the step itself is not run here
    private static final ApiGuard GUARD = ApiGuard.builder()
            .clock(Clock.fixed(Fuzzing.NOW, ZoneOffset.UTC))
            .step(new NoStep())
            .build();

    private static final class NoStep implements dev.apiguard.GuardStep {
        @Override
        public String name() {
            return "none";
        }

        @Override
        public dev.apiguard.Decision evaluate(GuardExchange exchange) {
            return dev.apiguard.Decision.ALLOW;
        }
    }

    @FuzzTest
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void forwardedHeader(byte[] data) throws Exception {
        String text = Fuzzing.latin1(data);
        List<String> lines = Fuzzing.lines(text, 3);

        ForwardedCertificateHeader.Parsed parsed =
                Fuzzing.allocatingAtMost(1 << 20, () -> ForwardedCertificateHeader.parse(lines, MAX));

        if (text.length() - (lines.size() - 1) > MAX) {
            assertThat(parsed).isEqualTo(new Malformed(CertificateRejection.FORWARDED_OVERSIZED));
        }
        if (parsed instanceof Malformed m) {
            assertThat(m.reason().code()).startsWith("forwarded_");
            assertThat(m.reason().code().substring("forwarded_".length())).isIn(MALFORMED);
        } else if (parsed instanceof Der der) {
            assertThat(der.bytes().length).isLessThanOrEqualTo(text.length());
        }

        FakeRequest withHeaders = FakeRequest.get();
        for (String line : lines) {
            withHeaders = withHeaders.header(HEADER, line);
        }
        FakeRequest request = withHeaders;
        GuardExchange exchange = GUARD.exchange(request);
        CertificateResolution resolution = Fuzzing.allocatingAtMost(1 << 20, () -> CERTIFICATES.resolve(exchange));

        if (resolution instanceof Refused refused) {
            assertThat(refused.reason().code()).startsWith("forwarded_");
            String reason = refused.reason().code().substring("forwarded_".length());
            assertThat(reason).isIn(union(MALFORMED, Set.of("not_a_certificate", "untrusted_chain")));
        } else if (resolution instanceof Resolved resolved) {
            // the client certificate only: the anchor itself is a CA certificate, refused as a client's
            assertThat(resolved.certificate()).isEqualTo(CLIENT);
            assertThat(resolved.source()).isEqualTo(CertificateSource.FORWARDED);
            assertThat(parsed).isInstanceOf(Der.class);
        } else {
            assertThat(resolution).isSameAs(CertificateResolution.NONE);
            assertThat(parsed).isInstanceOf(ForwardedCertificateHeader.Absent.class);
        }

        // the Envoy tokenizer on the first line: a non-empty list of non-empty elements of token keys
        List<List<String[]>> elements;
        try {
            elements = XfccHeader.parse(lines.get(0));
        } catch (IllegalArgumentException syntax) {
            assertThat(syntax.getMessage()).isIn(MALFORMED);
            return;
        }
        assertThat(elements)
                .isNotEmpty()
                .allSatisfy(pairs -> assertThat(pairs)
                        .isNotEmpty()
                        .allSatisfy(pair -> assertThat(pair[0]).matches("[A-Za-z0-9_-]+")));
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        java.util.HashSet<String> all = new java.util.HashSet<>(a);
        all.addAll(b);
        return all;
    }
}
