package dev.apiguard.token;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.nimbusds.jose.util.JSONObjectUtils;
import dev.apiguard.Caller;
import dev.apiguard.fakes.Fuzzing;
import dev.apiguard.token.TokenVerification.Reason;
import dev.apiguard.token.TokenVerification.Rejected;
import dev.apiguard.token.TokenVerification.Verified;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the reading of an RFC 7662 introspection answer: the bytes are the endpoint's body, as
 * {@link TokenIntrospector#answer} meets them after a 200 (JSON or not, UTF-8 or not).
 *
 * <p>Property: it never throws, allocates at most 4 MB, and answers a fault ({@code not_json}) for
 * anything that is not a JSON object with a boolean {@code active}, a refusal with a documented
 * reason, or a caller only for an answer that meets every rule, checked again here on the raw JSON:
 * {@code active} is {@code true}, {@code exp} (when present) an integer after now, {@code iss}
 * (when present) the policy's issuer, {@code aud} (when present) naming the policy's audience, and
 * the caller's id is {@code client_id}, else {@code azp}, else {@code sub}.
 */
class IntrospectionAnswerFuzzTest {

    private static final TokenIntrospector INTROSPECTOR = TokenIntrospector.of(
            IntrospectionPolicy.builder(Fuzzing.ISSUER, URI.create("http://127.0.0.1:9/introspect"))
                    .clientSecretBasic("fuzz", "fuzz-secret")
                    .audiences(Fuzzing.AUDIENCE)
                    .build());
    private static final Set<Reason> REASONS = EnumSet.allOf(Reason.class);
    private static final long MAX_ALLOCATION = 4 << 20;

    @FuzzTest
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void answerBody(byte[] data) {
        TokenIntrospector.Answered answered =
                Fuzzing.allocatingAtMost(MAX_ALLOCATION, () -> INTROSPECTOR.answer(data, Fuzzing.NOW));

        assertThat(answered).isNotNull();
        Map<String, Object> json = json(data);
        if (answered.result() == null) {
            assertThat(answered.fault()).isEqualTo("not_json");
            assertThat(json == null || !(json.get("active") instanceof Boolean)).isTrue();
            return;
        }
        assertThat(json).isNotNull();
        assertThat(json.get("active")).isInstanceOf(Boolean.class);
        if (answered.result() instanceof Rejected rejected) {
            assertThat(rejected.reason()).isIn(REASONS);
            if (json.get("active").equals(false)) {
                assertThat(rejected.reason()).isEqualTo(Reason.INACTIVE);
            }
            return;
        }
        Caller caller = ((Verified) answered.result()).caller();
        assertThat(json.get("active")).isEqualTo(true);
        Object exp = json.get("exp");
        if (exp != null) {
            assertThat(exp).isInstanceOf(Long.class);
            assertThat((Long) exp).isGreaterThan(Fuzzing.NOW.getEpochSecond());
            assertThat(caller.expiresAt().getEpochSecond()).isEqualTo(exp);
        }
        if (json.get("iss") != null) {
            assertThat(json.get("iss")).isEqualTo(Fuzzing.ISSUER);
        }
        Object aud = json.get("aud");
        if (aud != null) {
            assertThat(aud instanceof List<?> list ? list.contains(Fuzzing.AUDIENCE) : Fuzzing.AUDIENCE.equals(aud))
                    .isTrue();
        }
        Object id = json.get("client_id") != null
                ? json.get("client_id")
                : json.get("azp") != null ? json.get("azp") : json.get("sub");
        assertThat(caller.id()).isEqualTo(id);
        assertThat(caller.issuer()).isEqualTo(Fuzzing.ISSUER);
        assertThat(caller.claims().asMap()).doesNotContainKey("active");
    }

    private static Map<String, Object> json(byte[] data) {
        try {
            return JSONObjectUtils.parse(new String(data, StandardCharsets.UTF_8));
        } catch (ParseException | RuntimeException e) {
            return null;
        }
    }
}
