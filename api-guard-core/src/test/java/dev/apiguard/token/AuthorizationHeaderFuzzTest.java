package dev.apiguard.token;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.nimbusds.jose.jwk.JWKSet;
import dev.apiguard.ApiGuard;
import dev.apiguard.Decision;
import dev.apiguard.Denials;
import dev.apiguard.GuardExchange;
import dev.apiguard.event.SecurityEvent;
import dev.apiguard.fakes.FakeRequest;
import dev.apiguard.fakes.Fuzzing;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the {@code Authorization} header as {@link AccessTokenStep} reads it (RFC 6750 §2.1,
 * RFC 9449 §7.1), against a reference written from the RFC grammar with regular expressions.
 *
 * <p>Input: the bytes as ISO-8859-1, cut at each {@code \n} into up to four field lines of
 * {@code Authorization} (a container never hands over a value holding a line feed). Property:
 * nothing throws; the answer is exactly the reference's: two or more lines → the
 * {@link Denials#invalidRequest()} refusal; another scheme → allowed without caller;
 * {@code Bearer}/{@code DPoP} with a malformed or oversized credential → the
 * {@link Denials#invalidToken()} refusal; a well-formed {@code b64token} → what an independent
 * verifier says of it. A refusal is always one of those two constant objects, so nothing of the
 * input reaches the answer; no event holds the credential; at most 4 MB allocated per input.
 */
class AuthorizationHeaderFuzzTest {

    private static final Pattern OUR_SCHEME =
            Pattern.compile("(?:Bearer|DPoP)(?:[ \t].*)?", Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    private static final Pattern CREDENTIALS =
            Pattern.compile("(?:Bearer|DPoP) +([A-Za-z0-9._~+/-]+=*)", Pattern.CASE_INSENSITIVE);

    private static final TokenPolicy POLICY = TokenPolicy.builder()
            .issuer(
                    Fuzzing.ISSUER,
                    KeySource.fixed(
                            new JWKSet(List.of(Fuzzing.TOKEN_EC.toPublicJWK(), Fuzzing.TOKEN_RSA.toPublicJWK()))))
            .audience(Fuzzing.AUDIENCE)
            .build();
    // an independent verifier (own cache) gives the expected verdict on a well-formed credential
    private static final AccessTokenVerifier REFERENCE = AccessTokenVerifier.of(POLICY);

    @FuzzTest
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void authorizationHeader(byte[] data) {
        List<String> values = Fuzzing.lines(Fuzzing.latin1(data), 4);
        List<SecurityEvent> events = new ArrayList<>();
        ApiGuard guard = ApiGuard.builder()
                .clock(Clock.fixed(Fuzzing.NOW, ZoneOffset.UTC))
                .listener(events::add)
                .step(AccessTokenStep.of(POLICY))
                .build();
        FakeRequest withHeaders = FakeRequest.get();
        for (String v : values) {
            withHeaders = withHeaders.header("Authorization", v);
        }
        FakeRequest request = withHeaders;
        GuardExchange[] last = new GuardExchange[1];

        Decision decision = Fuzzing.allocatingAtMost(4 << 20, () -> guard.evaluate(last[0] = guard.exchange(request)));
        GuardExchange exchange = last[0];

        String header = values.get(0);
        Matcher credentials = CREDENTIALS.matcher(header);
        if (values.size() > 1) {
            assertThat(decision).isSameAs(Denials.invalidRequest());
        } else if (!OUR_SCHEME.matcher(header).matches()) {
            assertThat(decision.isAllowed()).isTrue();
            assertThat(exchange.caller()).isEmpty();
        } else if (header.length() > POLICY.maxTokenLength() + 64 || !credentials.matches()) {
            assertThat(decision).isSameAs(Denials.invalidToken());
        } else {
            String token = credentials.group(1);
            boolean valid = REFERENCE.verify(token, Fuzzing.NOW).isVerified();
            if (valid) {
                assertThat(decision.isAllowed()).isTrue();
                assertThat(exchange.caller()).isPresent();
                assertThat(exchange.credentialScheme()).isIn("Bearer", "DPoP");
            } else {
                assertThat(decision).isSameAs(Denials.invalidToken());
            }
        }
        if (values.size() == 1 && header.length() >= 16) {
            String credential = header.substring(Math.min(header.length(), 7));
            for (SecurityEvent e : events) {
                assertThat(String.valueOf(e.details())).doesNotContain(credential);
            }
        }
    }
}
