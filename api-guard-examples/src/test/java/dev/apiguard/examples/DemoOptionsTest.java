package dev.apiguard.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DemoOptionsTest {

    static final List<String> REQUIRED = List.of(
            "--tls-keystore",
            "k.p12",
            "--tls-password",
            "pw",
            "--issuer",
            "https://i",
            "--audience",
            "https://a",
            "--jwks",
            "jwks.json");

    static List<String> with(String... more) {
        List<String> all = new java.util.ArrayList<>(REQUIRED);
        all.addAll(List.of(more));
        return all;
    }

    @Test
    void everyHelpLineStartsWithItsFlag() {
        String[] lines = DemoOptions.helpText().split("\\R");
        assertThat(lines).hasSize(DemoOptions.FLAGS.size());
        int i = 0;
        for (String flag : DemoOptions.FLAGS.keySet()) {
            assertThat(lines[i++]).startsWith(flag + " ");
        }
    }

    @Test
    void helpPrintsTheFlagsAndExitsZero() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = DemoMain.run(
                List.of("serve", "--help"),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertThat(code).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("--port N", "--jwks FILE_OR_URL", "--max-token-lifetime DURATION");
    }

    @Test
    void unknownFlagIsAnErrorThatNamesIt() throws Exception {
        assertThatThrownBy(() -> DemoOptions.parse(with("--rate-limit-typo", "5/1s")))
                .hasMessageContaining("--rate-limit-typo");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = DemoMain.run(
                List.of("serve", "--bogus"),
                new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("unknown flag: --bogus");
    }

    @Test
    void dpopOriginsAreParsedAndChecked() throws Exception {
        assertThat(DemoOptions.parse(with(
                                "--dpop-origin",
                                "https://api.example.com",
                                "--dpop-origin",
                                "https://api2.example.com:8443"))
                        .dpopOrigins)
                .containsExactly("https://api.example.com", "https://api2.example.com:8443");
        assertThatThrownBy(() -> DemoOptions.parse(with("--dpop-origin", "https://api.example.com/v1")))
                .isInstanceOf(DemoOptions.UsageException.class)
                .hasMessageContaining("--dpop-origin");
    }

    @Test
    void oneKeySetServesEveryIssuerAndSeveralPairWithTheIssuersInOrder() throws Exception {
        List<String> two = List.of(
                "--tls-keystore",
                "k.p12",
                "--tls-password",
                "pw",
                "--audience",
                "https://a",
                "--issuer",
                "https://i1",
                "--issuer",
                "https://i2",
                "--jwks",
                "both.json");
        assertThat(DemoOptions.parse(two).jwks).containsExactly("both.json");

        List<String> paired = new java.util.ArrayList<>(two);
        paired.addAll(List.of("--jwks", "https://i2.example/jwks"));
        assertThat(DemoOptions.parse(paired).jwks).containsExactly("both.json", "https://i2.example/jwks");

        List<String> three = new java.util.ArrayList<>(paired);
        three.addAll(List.of("--jwks", "extra.json"));
        assertThatThrownBy(() -> DemoOptions.parse(three))
                .isInstanceOf(DemoOptions.UsageException.class)
                .hasMessageContaining("--jwks: give one for every --issuer, or one per --issuer");
    }

    @ParameterizedTest
    @ValueSource(strings = {"--tls-keystore", "--tls-password", "--issuer", "--audience", "--jwks"})
    void missingRequiredFlagIsNamed(String flag) {
        List<String> args = new java.util.ArrayList<>(REQUIRED);
        int i = args.indexOf(flag);
        args.remove(i + 1);
        args.remove(i);
        assertThatThrownBy(() -> DemoOptions.parse(args)).hasMessageContaining(flag);
    }

    @Test
    void issuerUrisAndSeveralAudiencesAreParsedAndAnIssuerUriNeedsNoJwks() throws Exception {
        DemoOptions o = DemoOptions.parse(List.of(
                "--tls-keystore",
                "k.p12",
                "--tls-password",
                "pw",
                "--issuer-uri",
                "https://login.example.com/tenant-1/v2.0",
                "--issuer-uri=http://127.0.0.1:8080/realms/demo",
                "--audience",
                "https://api.example.com",
                "--audience",
                "urn:api"));
        assertThat(o.issuerUris)
                .containsExactly("https://login.example.com/tenant-1/v2.0", "http://127.0.0.1:8080/realms/demo");
        assertThat(o.issuers).isEmpty();
        assertThat(o.audiences).containsExactly("https://api.example.com", "urn:api");

        // exact issuers and issuers by metadata side by side
        DemoOptions both = DemoOptions.parse(with("--issuer-uri", "https://login.example.com"));
        assertThat(both.issuers).containsExactly("https://i");
        assertThat(both.issuerUris).containsExactly("https://login.example.com");
        assertThat(both.audiences).containsExactly("https://a");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "--issuer-uri | http://login.example.com | --issuer-uri: issuerUri must be https; http is accepted only for a loopback host",
                "--issuer-uri | https://login.example.com?tenant=1 | --issuer-uri: issuerUri cannot have a query or a fragment",
                "--issuer-uri | login.example.com | --issuer-uri: issuerUri must be an absolute https URL",
                "--issuer-uri | https://i | --issuer-uri: issuer https://i is given twice",
                "--jwks | http://keys.example.com/jwks | --jwks: jwksUrl must be https; http is accepted only for a loopback host",
                "--audience | ' ' | --audience cannot be blank"
            })
    void badIssuerUrisJwksUrlsAndAudiencesAreRefusedNamingTheFlag(String flag, String value, String message) {
        assertThatThrownBy(() -> DemoOptions.parse(with(flag, value)))
                .isInstanceOf(DemoOptions.UsageException.class)
                .hasMessageStartingWith(message);
    }

    @Test
    void withoutAnyIssuerOrWithJwksButNoIssuerTheFlagsAreNamed() {
        List<String> onlyAudience = List.of("--tls-keystore", "k.p12", "--tls-password", "pw", "--audience", "a");
        assertThatThrownBy(() -> DemoOptions.parse(onlyAudience))
                .hasMessage("--issuer or --issuer-uri is required (at least one)");
        List<String> jwksWithoutIssuer = new java.util.ArrayList<>(onlyAudience);
        jwksWithoutIssuer.addAll(List.of("--issuer-uri", "https://login.example.com", "--jwks", "k.json"));
        assertThatThrownBy(() -> DemoOptions.parse(jwksWithoutIssuer))
                .hasMessage("--jwks gives the keys of --issuer: give an --issuer too");
    }

    @Test
    void introspectionFlagsAreParsedWithTheirDefaultsAndListedByHelp() throws Exception {
        DemoOptions o = DemoOptions.parse(with(
                "--introspection-url",
                "http://127.0.0.1:9000/introspect",
                "--introspection-client",
                "api-guard:s3cr:et",
                "--introspection-cache",
                "5s"));
        assertThat(o.introspectionUrl).hasToString("http://127.0.0.1:9000/introspect");
        assertThat(o.introspectionClientId).isEqualTo("api-guard");
        assertThat(o.introspectionSecret).isEqualTo("s3cr:et");
        assertThat(o.introspectionCache).isEqualTo(Duration.ofSeconds(5));
        assertThat(DemoOptions.parse(REQUIRED).introspectionCache).isEqualTo(Duration.ofSeconds(60));
        assertThat(DemoOptions.parse(REQUIRED).introspectionUrl).isNull();
        assertThat(DemoOptions.helpText())
                .contains("--introspection-url URL")
                .contains("--introspection-client ID:SECRET")
                .contains("--introspection-cache DURATION")
                .contains("(default 60s)");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "--introspection-url | http://as.example/introspect | --introspection-url: endpoint must be https",
                "--introspection-client | nosecret | --introspection-client must be ID:SECRET",
                "--introspection-client | :secret | --introspection-client must be ID:SECRET",
                "--introspection-cache | 2h | --introspection-cache must be between 1s and 1h"
            })
    void badIntrospectionValuesAreRefusedNamingTheFlagWithoutTheSecret(String flag, String value, String message) {
        assertThatThrownBy(() -> DemoOptions.parse(with(flag, value)))
                .isInstanceOf(DemoOptions.UsageException.class)
                .hasMessageStartingWith(message)
                .hasMessageNotContaining("secret");
    }

    @Test
    void introspectionUrlAndClientNeedEachOther() {
        assertThatThrownBy(() -> DemoOptions.parse(with("--introspection-url", "https://as.example/introspect")))
                .hasMessage("--introspection-url needs --introspection-client ID:SECRET");
        assertThatThrownBy(() -> DemoOptions.parse(with("--introspection-client", "a:b")))
                .hasMessage("--introspection-client needs --introspection-url");
    }

    @Test
    void helpListsTheNewFlags() {
        assertThat(DemoOptions.helpText())
                .contains("--issuer-uri URL")
                .contains("the issuer in the metadata must equal URL exactly; http only on loopback")
                .contains("its tokens are refused (401) and the reason is logged")
                .contains("accepted audiences: a token must name at least one");
    }

    @Test
    void valuesAreParsed() throws Exception {
        DemoOptions o = DemoOptions.parse(
                with("--port", "0", "--issuer", "https://j", "--jwks", "j.json", "--max-token-lifetime", "30m"));
        assertThat(o.port).isZero();
        assertThat(o.issuers).containsExactly("https://i", "https://j");
        assertThat(o.jwks).containsExactly("jwks.json", "j.json");
        assertThat(o.maxTokenLifetime).isEqualTo(Duration.ofMinutes(30));
        assertThat(DemoOptions.parse(with("--port=9443")).port).isEqualTo(9443);
        assertThat(DemoOptions.parse(REQUIRED).maxTokenLifetime).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void rateLimitFlagsAreParsedWithTheirDefaults() throws Exception {
        DemoOptions d = DemoOptions.parse(REQUIRED);
        assertThat(d.rateLimit).isEqualTo(new DemoOptions.RateLimitSetting(50, Duration.ofSeconds(1)));
        assertThat(d.anonymousRateLimit).isEqualTo(new DemoOptions.RateLimitSetting(20, Duration.ofSeconds(1)));
        assertThat(d.redis).isNull();
        assertThat(d.redisFailClosed).isFalse();
        DemoOptions o = DemoOptions.parse(with(
                "--rate-limit",
                "600/1m",
                "--anonymous-rate-limit",
                "5/10s",
                "--redis",
                "redis://127.0.0.1:6390",
                "--redis-failure",
                "closed"));
        assertThat(o.rateLimit).isEqualTo(new DemoOptions.RateLimitSetting(600, Duration.ofMinutes(1)));
        assertThat(o.anonymousRateLimit).isEqualTo(new DemoOptions.RateLimitSetting(5, Duration.ofSeconds(10)));
        assertThat(o.redis).isEqualTo("redis://127.0.0.1:6390");
        assertThat(o.redisFailClosed).isTrue();
    }

    @Test
    void redisTakesSentinelAndTlsUrisAndAClusterTakesSeeds() throws Exception {
        assertThat(DemoOptions.parse(with("--redis", "redis-sentinel://127.0.0.1:26379,127.0.0.1:26380#mymaster"))
                        .redis)
                .isEqualTo("redis-sentinel://127.0.0.1:26379,127.0.0.1:26380#mymaster");
        assertThat(DemoOptions.parse(with("--redis", "rediss://127.0.0.1:6380")).redis)
                .isEqualTo("rediss://127.0.0.1:6380");
        DemoOptions cluster =
                DemoOptions.parse(with("--redis-cluster", "redis://127.0.0.1:7000,redis://127.0.0.1:7001"));
        assertThat(cluster.redisCluster).containsExactly("redis://127.0.0.1:7000", "redis://127.0.0.1:7001");
        assertThat(cluster.redis).isNull();
    }

    @Test
    void redisAndARedisClusterAreExclusive() {
        assertThatThrownBy(() -> DemoOptions.parse(
                        with("--redis", "redis://127.0.0.1:6379", "--redis-cluster", "redis://127.0.0.1:7000")))
                .hasMessageContaining("--redis and --redis-cluster are exclusive");
    }

    @ParameterizedTest
    @CsvSource({
        "--rate-limit, 50",
        "--rate-limit, 0/1s",
        "--rate-limit, 50/500ms",
        "--rate-limit, x/1s",
        "--anonymous-rate-limit, 20/",
        "--anonymous-rate-limit, /1s",
        "--redis, http://x",
        "--redis, redis-cluster://x:1",
        "--redis-cluster, redis-sentinel://x:1#m",
        "--redis-cluster, 'redis://a:1,'",
        "--redis-cluster, 'redis://a:1,http://b:2'",
        "--redis-failure, maybe"
    })
    void badRateLimitValuesAreRefusedNamingTheFlag(String flag, String value) {
        assertThatThrownBy(() -> DemoOptions.parse(with(flag, value))).hasMessageContaining(flag);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0s", "1 h", "-5m", "1y", "h", "99999999999s", ""})
    void badDurationsAreRefusedNamingTheFlag(String value) {
        assertThatThrownBy(() -> DemoOptions.parse(with("--max-token-lifetime", value)))
                .hasMessageContaining("--max-token-lifetime");
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "65536", "http", "99999999999"})
    void badPortsAreRefused(String value) {
        assertThatThrownBy(() -> DemoOptions.parse(with("--port", value))).hasMessageContaining("--port");
    }

    @Test
    void aFlagWithoutItsValueIsRefused() {
        assertThatThrownBy(() -> DemoOptions.parse(with("--port"))).hasMessageContaining("--port needs a value");
    }

    @org.junit.jupiter.api.Test
    void anomalyModeDefaultsToEnforceAndBadValuesNameTheFlag() throws Exception {
        assertThat(DemoOptions.parse(with()).anomaly).isEqualTo(dev.apiguard.anomaly.AnomalyMode.ENFORCE);
        assertThat(DemoOptions.parse(with("--anomaly", "observe")).anomaly)
                .isEqualTo(dev.apiguard.anomaly.AnomalyMode.OBSERVE);
        assertThat(DemoOptions.parse(with("--anomaly=off")).anomaly).isEqualTo(dev.apiguard.anomaly.AnomalyMode.OFF);
        assertThatThrownBy(() -> DemoOptions.parse(with("--anomaly", "ENFORCE")))
                .hasMessageContaining("--anomaly");
        assertThat(DemoOptions.helpText()).contains("--anomaly MODE");
    }
}
