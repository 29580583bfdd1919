package dev.apiguard.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every bad setting fails at build time with a message that names it. */
class TokenPolicyTest {

    private static final KeySource KEYS =
            TestIssuer.named("https://issuer.example").keySource();

    @Test
    void defaultsAreTheSafeOnes() {
        TokenPolicy p = TokenPolicy.builder()
                .issuer("https://issuer.example", KEYS)
                .audience("api")
                .build();

        assertThat(p.algorithms())
                .containsExactly(JWSAlgorithm.RS256, JWSAlgorithm.PS256, JWSAlgorithm.ES256, JWSAlgorithm.EdDSA);
        assertThat(p.requireAccessTokenType()).isTrue();
        assertThat(p.clockSkew()).isEqualTo(Duration.ofSeconds(60));
        assertThat(p.maxLifetime()).isEqualTo(Duration.ofHours(1));
        assertThat(p.maxTokenLength()).isEqualTo(8192);
        assertThat(p.cacheMaximumSize()).isEqualTo(10_000);
        assertThat(p.requiredClaims()).isEmpty();
        assertThat(p.issuers()).containsOnlyKeys("https://issuer.example");
    }

    static Stream<Arguments> badSettings() {
        return Stream.of(
                Arguments.of(
                        "issuer null",
                        (Runnable) () -> TokenPolicy.builder().issuer(null, KEYS),
                        NullPointerException.class,
                        "issuer cannot be null"),
                Arguments.of(
                        "keys null",
                        (Runnable) () -> TokenPolicy.builder().issuer("i", null),
                        NullPointerException.class,
                        "keys cannot be null"),
                Arguments.of(
                        "issuer blank",
                        (Runnable) () -> TokenPolicy.builder().issuer(" ", KEYS),
                        IllegalArgumentException.class,
                        "issuer"),
                Arguments.of(
                        "issuer twice",
                        (Runnable) () -> TokenPolicy.builder().issuer("i", KEYS).issuer("i", KEYS),
                        IllegalArgumentException.class,
                        "issuer 'i' is given twice"),
                Arguments.of(
                        "audience null",
                        (Runnable) () -> TokenPolicy.builder().audience(null),
                        NullPointerException.class,
                        "audience cannot be null"),
                Arguments.of(
                        "audience blank",
                        (Runnable) () -> TokenPolicy.builder().audience(""),
                        IllegalArgumentException.class,
                        "audience"),
                Arguments.of(
                        "audience twice",
                        (Runnable) () -> TokenPolicy.builder().audience("a").audience("a"),
                        IllegalArgumentException.class,
                        "audience 'a' is given twice"),
                Arguments.of(
                        "audiences empty",
                        (Runnable) () -> TokenPolicy.builder().audiences(),
                        IllegalArgumentException.class,
                        "audiences cannot be empty"),
                Arguments.of(
                        "audiences with a blank one",
                        (Runnable) () -> TokenPolicy.builder().audiences("a", " "),
                        IllegalArgumentException.class,
                        "audience cannot be blank"),
                Arguments.of(
                        "issuerResolver null",
                        (Runnable) () -> TokenPolicy.builder().issuerResolver(null),
                        NullPointerException.class,
                        "issuerResolver cannot be null"),
                Arguments.of(
                        "resolvedIssuersMaximumSize zero",
                        (Runnable) () -> TokenPolicy.builder().resolvedIssuersMaximumSize(0),
                        IllegalArgumentException.class,
                        "resolvedIssuersMaximumSize must be between 1 and 100000: 0"),
                Arguments.of(
                        "discoveredIssuer over http on another host",
                        (Runnable) () -> TokenPolicy.builder().discoveredIssuer("http://login.example.com"),
                        IllegalArgumentException.class,
                        "issuerUri must be https; http is accepted only for a loopback host"),
                Arguments.of(
                        "discoveredIssuer with a query",
                        (Runnable) () -> TokenPolicy.builder().discoveredIssuer("https://login.example.com?x=1"),
                        IllegalArgumentException.class,
                        "issuerUri cannot have a query or a fragment"),
                Arguments.of(
                        "discoveredIssuer not a URI",
                        (Runnable) () -> TokenPolicy.builder().discoveredIssuer("https://a b"),
                        IllegalArgumentException.class,
                        "issuerUri is not a valid URI"),
                Arguments.of(
                        "algorithms empty",
                        (Runnable) () -> TokenPolicy.builder().algorithms(),
                        IllegalArgumentException.class,
                        "algorithms"),
                Arguments.of(
                        "algorithms HS256",
                        (Runnable) () -> TokenPolicy.builder().algorithms(JWSAlgorithm.RS256, JWSAlgorithm.HS256),
                        IllegalArgumentException.class,
                        "algorithms: HS256 is symmetric"),
                Arguments.of(
                        "algorithms none",
                        (Runnable) () -> TokenPolicy.builder().algorithms(new JWSAlgorithm("none")),
                        IllegalArgumentException.class,
                        "algorithms: none"),
                Arguments.of(
                        "algorithms unknown",
                        (Runnable) () -> TokenPolicy.builder().algorithms(new JWSAlgorithm("XS1")),
                        IllegalArgumentException.class,
                        "algorithms: XS1"),
                Arguments.of(
                        "clockSkew null",
                        (Runnable) () -> TokenPolicy.builder().clockSkew(null),
                        NullPointerException.class,
                        "clockSkew cannot be null"),
                Arguments.of(
                        "clockSkew negative",
                        (Runnable) () -> TokenPolicy.builder().clockSkew(Duration.ofSeconds(-1)),
                        IllegalArgumentException.class,
                        "clockSkew"),
                Arguments.of(
                        "clockSkew above 5 min",
                        (Runnable) () -> TokenPolicy.builder()
                                .clockSkew(Duration.ofMinutes(5).plusSeconds(1)),
                        IllegalArgumentException.class,
                        "clockSkew"),
                Arguments.of(
                        "maxLifetime zero",
                        (Runnable) () -> TokenPolicy.builder().maxLifetime(Duration.ZERO),
                        IllegalArgumentException.class,
                        "maxLifetime"),
                Arguments.of(
                        "maxLifetime above a day",
                        (Runnable) () -> TokenPolicy.builder().maxLifetime(Duration.ofDays(2)),
                        IllegalArgumentException.class,
                        "maxLifetime"),
                Arguments.of(
                        "maxLifetime just under 1 s",
                        (Runnable) () -> TokenPolicy.builder().maxLifetime(Duration.ofMillis(999)),
                        IllegalArgumentException.class,
                        "maxLifetime"),
                Arguments.of(
                        "maxLifetime just over a day",
                        (Runnable) () -> TokenPolicy.builder()
                                .maxLifetime(Duration.ofDays(1).plusNanos(1)),
                        IllegalArgumentException.class,
                        "maxLifetime"),
                Arguments.of(
                        "clockSkew just over 5 min",
                        (Runnable) () -> TokenPolicy.builder()
                                .clockSkew(Duration.ofMinutes(5).plusNanos(1)),
                        IllegalArgumentException.class,
                        "clockSkew"),
                Arguments.of(
                        "requiredClaims blank",
                        (Runnable) () -> TokenPolicy.builder().requiredClaims("jti", " "),
                        IllegalArgumentException.class,
                        "requiredClaims cannot hold a blank name"),
                Arguments.of(
                        "maxTokenLength 511",
                        (Runnable) () -> TokenPolicy.builder().maxTokenLength(511),
                        IllegalArgumentException.class,
                        "maxTokenLength"),
                Arguments.of(
                        "maxTokenLength 65537",
                        (Runnable) () -> TokenPolicy.builder().maxTokenLength(65_537),
                        IllegalArgumentException.class,
                        "maxTokenLength"),
                Arguments.of(
                        "cacheMaximumSize over 10 million",
                        (Runnable) () -> TokenPolicy.builder().cacheMaximumSize(10_000_001),
                        IllegalArgumentException.class,
                        "cacheMaximumSize"),
                Arguments.of(
                        "requiredClaims null element",
                        (Runnable) () -> TokenPolicy.builder().requiredClaims("jti", null),
                        NullPointerException.class,
                        "requiredClaims"),
                Arguments.of(
                        "maxTokenLength tiny",
                        (Runnable) () -> TokenPolicy.builder().maxTokenLength(10),
                        IllegalArgumentException.class,
                        "maxTokenLength"),
                Arguments.of(
                        "maxTokenLength huge",
                        (Runnable) () -> TokenPolicy.builder().maxTokenLength(1 << 20),
                        IllegalArgumentException.class,
                        "maxTokenLength"),
                Arguments.of(
                        "cacheMaximumSize negative",
                        (Runnable) () -> TokenPolicy.builder().cacheMaximumSize(-1),
                        IllegalArgumentException.class,
                        "cacheMaximumSize"),
                Arguments.of(
                        "no issuer",
                        (Runnable) () -> TokenPolicy.builder().audience("a").build(),
                        IllegalStateException.class,
                        "issuer: at least one issuer with its keys, or an issuerResolver, is required"),
                Arguments.of(
                        "no audience",
                        (Runnable) () -> TokenPolicy.builder().issuer("i", KEYS).build(),
                        IllegalStateException.class,
                        "audience: at least one audience is required"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badSettings")
    void badSettingFailsNamingIt(String name, Runnable setting, Class<? extends Throwable> type, String message) {
        assertThatThrownBy(setting::run).isInstanceOf(type).hasMessageContaining(message);
    }

    /** Each bound itself is a legal setting, and the built policy keeps what was set. */
    @Test
    void boundsThemselvesAreAccepted() {
        TokenPolicy low = TokenPolicy.builder()
                .issuer("https://issuer.example", KEYS)
                .audience("api")
                .clockSkew(Duration.ZERO)
                .maxLifetime(Duration.ofSeconds(1))
                .maxTokenLength(512)
                .cacheMaximumSize(0)
                .requiredClaims("jti", "sub")
                .build();
        assertThat(low.clockSkew()).isEqualTo(Duration.ZERO);
        assertThat(low.maxLifetime()).isEqualTo(Duration.ofSeconds(1));
        assertThat(low.maxTokenLength()).isEqualTo(512);
        assertThat(low.cacheMaximumSize()).isZero();
        assertThat(low.requiredClaims()).containsExactlyInAnyOrder("jti", "sub");

        TokenPolicy high = TokenPolicy.builder()
                .issuer("https://issuer.example", KEYS)
                .audience("api")
                .clockSkew(Duration.ofMinutes(5))
                .maxLifetime(Duration.ofDays(1))
                .maxTokenLength(65_536)
                .cacheMaximumSize(10_000_000)
                .build();
        assertThat(high.clockSkew()).isEqualTo(Duration.ofMinutes(5));
        assertThat(high.maxLifetime()).isEqualTo(Duration.ofDays(1));
        assertThat(high.maxTokenLength()).isEqualTo(65_536);
        assertThat(high.cacheMaximumSize()).isEqualTo(10_000_000);
        assertThat(AccessTokenVerifier.of(high).caches()).isTrue();
        assertThat(AccessTokenVerifier.of(low).caches()).isFalse();
    }
}
