package dev.apiguard.token;

import static dev.apiguard.token.TestIssuer.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apiguard.event.SecurityEvent;
import dev.apiguard.event.SecurityEventType;
import dev.apiguard.fakes.FakeListener;
import dev.apiguard.test.fixtures.MutableClock;
import dev.apiguard.test.fixtures.TestCertificates;
import dev.apiguard.token.MetadataServer.Answer;
import dev.apiguard.token.TokenVerification.Reason;
import dev.apiguard.token.TokenVerification.Rejected;
import dev.apiguard.token.TokenVerification.Verified;
import dev.apiguard.token.internal.DiscoveredJwks;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link KeySource#discovered}: an issuer's keys found through its RFC 8414 or OpenID Connect
 * metadata, served by a real HTTP server on loopback, in every way the metadata can be wrong.
 * Time is a {@link MutableClock}: the back-off is moved past, never slept through.
 */
class DiscoveredKeySourceTest {

    private static final TestIssuer KEYS = TestIssuer.named("https://keys.example");
    private static final String OAUTH = "/.well-known/oauth-authorization-server";
    private static final String OIDC = "/.well-known/openid-configuration";
    // long enough for a loopback answer on a loaded machine; the slow-document test waits it out
    private static final Duration TIMEOUT = Duration.ofSeconds(1);
    private static final Duration RETRY = Duration.ofSeconds(10);

    private final MutableClock clock = MutableClock.at(NOW);
    private final FakeListener listener = new FakeListener();
    private MetadataServer server;
    private String issuer;

    @BeforeEach
    void start() throws Exception {
        server = new MetadataServer();
        issuer = server.origin();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private JwksOptions options() {
        return JwksOptions.builder()
                .connectTimeout(TIMEOUT)
                .readTimeout(TIMEOUT)
                .sizeLimit(1024)
                .cacheTimeToLive(Duration.ofSeconds(40))
                .refreshAhead(Duration.ZERO)
                .minRefreshInterval(RETRY)
                .listener(listener)
                .clock(clock)
                .build();
    }

    private AccessTokenVerifier verifierOf(String issuer) {
        return AccessTokenVerifier.of(TokenPolicy.builder()
                .discoveredIssuer(issuer, options())
                .audience(TestIssuer.AUDIENCE)
                .cacheMaximumSize(0)
                .build());
    }

    private static String tokenOf(String issuer) {
        return KEYS.token().claim("iss", issuer).sign();
    }

    private static Reason reasonOf(TokenVerification v) {
        return v instanceof Rejected r ? r.reason() : null;
    }

    private List<SecurityEvent> failures() {
        return listener.events().stream()
                .filter(e -> e.type() == SecurityEventType.KEY_SOURCE_FAILED)
                .toList();
    }

    @Test
    void rfc8414MetadataAtTheRootNamesTheKeysThatVerifyTheIssuersTokens() {
        server.metadata(OAUTH, issuer, "/keys").keys("/keys", KEYS.publicKeys());
        AccessTokenVerifier verifier = verifierOf(issuer);

        TokenVerification v = verifier.verify(tokenOf(issuer), NOW);

        assertThat(v).isInstanceOf(Verified.class);
        assertThat(((Verified) v).caller().issuer()).isEqualTo(issuer);
        assertThat(server.asked).containsExactly(OAUTH, "/keys");
        assertThat(failures()).isEmpty();
    }

    @Test
    void overHttpsMetadataAndKeysAreFetchedWithTheConfiguredTlsContext() throws Exception {
        TestCertificates certificates = TestCertificates.create();
        try (MetadataServer https = new MetadataServer(certificates.serverSslContext())) {
            String secured = https.origin();
            https.metadata(OAUTH, secured, "/keys").keys("/keys", KEYS.publicKeys());
            JwksOptions trusting = JwksOptions.builder()
                    .connectTimeout(Duration.ofSeconds(2))
                    .readTimeout(Duration.ofSeconds(2))
                    .refreshAhead(Duration.ZERO)
                    .listener(listener)
                    .clock(clock)
                    .sslContext(certificates.sslContext(null))
                    .build();
            AccessTokenVerifier verifier = AccessTokenVerifier.of(TokenPolicy.builder()
                    .discoveredIssuer(secured, trusting)
                    .audience(TestIssuer.AUDIENCE)
                    .cacheMaximumSize(0)
                    .build());

            assertThat(secured).startsWith("https://localhost:");
            assertThat(verifier.verify(tokenOf(secured), NOW)).isInstanceOf(Verified.class);
            assertThat(https.asked).containsExactly(OAUTH, "/keys");
            assertThat(failures()).isEmpty();
        }
    }

    @Test
    void overHttpsAnIssuerCertificateTheJvmDoesNotTrustIsRefusedBeforeAnyRequest() throws Exception {
        try (MetadataServer https = new MetadataServer(TestCertificates.create().serverSslContext())) {
            String secured = https.origin();
            https.metadata(OAUTH, secured, "/keys").keys("/keys", KEYS.publicKeys());

            // the default options: the JVM's trust store, which does not hold the test CA
            assertThat(reasonOf(verifierOf(secured).verify(tokenOf(secured), NOW)))
                    .isEqualTo(Reason.KEYS_UNAVAILABLE);
            assertThat(https.asked)
                    .as("the TLS handshake failed: no request was sent")
                    .isEmpty();
            assertThat(failures())
                    .singleElement()
                    .satisfies(e -> assertThat(e.details())
                            .containsEntry(
                                    "fault",
                                    "javax.net.ssl.SSLHandshakeException,javax.net.ssl.SSLHandshakeException"));
        }
    }

    @Test
    void anIssuerWithAPathHasTheWellKnownSuffixInsertedBetweenHostAndPath() {
        String tenant = issuer + "/tenant-1/v2.0";
        server.metadata(OAUTH + "/tenant-1/v2.0", tenant, "/tenant-1/keys").keys("/tenant-1/keys", KEYS.publicKeys());

        assertThat(verifierOf(tenant).verify(tokenOf(tenant), NOW)).isInstanceOf(Verified.class);
        assertThat(server.asked).containsExactly(OAUTH + "/tenant-1/v2.0", "/tenant-1/keys");
    }

    @Test
    void withoutRfc8414MetadataOpenIdConnectDiscoveryIsAskedNext() {
        String tenant = issuer + "/tenant-1";
        server.metadata("/tenant-1" + OIDC, tenant, "/keys").keys("/keys", KEYS.publicKeys());

        assertThat(verifierOf(tenant).verify(tokenOf(tenant), NOW)).isInstanceOf(Verified.class);
        assertThat(server.asked).containsExactly(OAUTH + "/tenant-1", "/tenant-1" + OIDC, "/keys");
    }

    @Test
    void wellKnownPlacesFollowRfc8414AndOpenIdConnect() {
        assertThat(DiscoveredJwks.metadataUrls(URI.create("https://as.example.com")))
                .containsExactly(
                        URI.create("https://as.example.com" + OAUTH), URI.create("https://as.example.com" + OIDC));
        assertThat(DiscoveredJwks.metadataUrls(URI.create("https://as.example.com:8443/t/v2.0/")))
                .containsExactly(
                        URI.create("https://as.example.com:8443" + OAUTH + "/t/v2.0"),
                        URI.create("https://as.example.com:8443/t/v2.0" + OIDC));
    }

    @ParameterizedTest(name = "metadata naming {0}")
    @CsvSource({"http://127.0.0.1:1", "'{origin}/'", "'{origin}/other'", "'HTTP://127.0.0.1:{port}'"})
    void metadataNamingAnotherIssuerIsRefusedAndItsKeysNeverFetched(String named) {
        String other =
                named.replace("{origin}", issuer).replace("{port}", issuer.substring(issuer.lastIndexOf(':') + 1));
        server.metadata(OAUTH, other, "/keys").metadata(OIDC, other, "/keys").keys("/keys", KEYS.publicKeys());

        assertThat(reasonOf(verifierOf(issuer).verify(tokenOf(issuer), NOW))).isEqualTo(Reason.KEYS_UNAVAILABLE);
        assertThat(server.count("/keys")).isZero();
        assertThat(failures())
                .singleElement()
                .satisfies(e -> assertThat(e.details())
                        .containsEntry("metadata", issuer)
                        .containsEntry("fault", "issuer_mismatch,issuer_mismatch")
                        .containsEntry("cached", "false"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "not JSON | <html>hello</html> | not_json",
                "a JSON array | [1,2] | not_json",
                "no issuer | {\"jwks_uri\":\"{origin}/keys\"} | issuer_mismatch",
                "issuer not a string | {\"issuer\":[\"{origin}\"],\"jwks_uri\":\"{origin}/keys\"} | issuer_mismatch",
                "no jwks_uri | {\"issuer\":\"{origin}\"} | jwks_uri_missing",
                "jwks_uri not a string | {\"issuer\":\"{origin}\",\"jwks_uri\":7} | jwks_uri_missing",
                "jwks_uri over http elsewhere | {\"issuer\":\"{origin}\",\"jwks_uri\":\"http://keys.example.com/jwks\"} | jwks_uri_refused",
                "jwks_uri a file | {\"issuer\":\"{origin}\",\"jwks_uri\":\"file:///etc/passwd\"} | jwks_uri_refused",
                "jwks_uri relative | {\"issuer\":\"{origin}\",\"jwks_uri\":\"/keys\"} | jwks_uri_refused",
                "jwks_uri with a password | {\"issuer\":\"{origin}\",\"jwks_uri\":\"http://u:secret@127.0.0.1/keys\"} | jwks_uri_refused"
            })
    void aBrokenDocumentIsRefusedWithItsReason(String name, String body, String fault) {
        server.answer(OAUTH, Answer.json(body.replace("{origin}", issuer)));
        server.answer(OIDC, Answer.json(body.replace("{origin}", issuer)));
        server.keys("/keys", KEYS.publicKeys());

        assertThat(reasonOf(verifierOf(issuer).verify(tokenOf(issuer), NOW))).isEqualTo(Reason.KEYS_UNAVAILABLE);
        assertThat(server.count("/keys")).isZero();
        assertThat(failures())
                .singleElement()
                .satisfies(e -> assertThat(e.details()).containsEntry("fault", fault + "," + fault));
    }

    @Test
    void aRedirectIsNotFollowedEvenToAValidDocument() throws Exception {
        try (MetadataServer elsewhere = new MetadataServer()) {
            elsewhere.metadata(OAUTH, issuer, "/keys").keys("/keys", KEYS.publicKeys());
            server.answer(OAUTH, new Answer(302, "", Map.of("Location", elsewhere.origin() + OAUTH), false));
            server.answer(OIDC, new Answer(301, "", Map.of("Location", OAUTH), false));

            assertThat(reasonOf(verifierOf(issuer).verify(tokenOf(issuer), NOW)))
                    .isEqualTo(Reason.KEYS_UNAVAILABLE);
            assertThat(elsewhere.asked).isEmpty();
            assertThat(server.asked).containsExactly(OAUTH, OIDC);
            assertThat(failures())
                    .singleElement()
                    .satisfies(e -> assertThat(e.details()).containsEntry("fault", "redirect,redirect"));
        }
    }

    @Test
    void aDocumentOverTheSizeLimitIsRefused() {
        String padded = MetadataServer.metadataJson(issuer, issuer + "/keys")
                .replace("{", "{\"padding\":\"" + "x".repeat(1100) + "\",");
        server.answer(OAUTH, Answer.json(padded))
                .answer(OIDC, Answer.json(padded))
                .keys("/keys", KEYS.publicKeys());

        assertThat(reasonOf(verifierOf(issuer).verify(tokenOf(issuer), NOW))).isEqualTo(Reason.KEYS_UNAVAILABLE);
        assertThat(failures())
                .singleElement()
                .satisfies(e -> assertThat(e.details()).containsEntry("fault", "too_large,too_large"));
    }

    @Test
    void aSlowDocumentIsCutOffAtTheDeadline() {
        String good = MetadataServer.metadataJson(issuer, issuer + "/keys");
        server.answer(OAUTH, new Answer(200, good, Map.of(), true))
                .answer(OIDC, new Answer(200, good, Map.of(), true))
                .keys("/keys", KEYS.publicKeys());
        long start = System.nanoTime();

        assertThat(reasonOf(verifierOf(issuer).verify(tokenOf(issuer), NOW))).isEqualTo(Reason.KEYS_UNAVAILABLE);

        // two documents of 600 ms deadline each; the server would hold each for 30 s
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        assertThat(failures())
                .singleElement()
                .satisfies(e -> assertThat(e.details()).containsEntry("fault", "timeout,timeout"));
    }

    @Test
    void theStatusOfDiscoveredKeysNamesTheMetadataFaultThenTheFetch() {
        KeySource source = KeySource.discovered(URI.create(issuer), options());
        AccessTokenVerifier verifier = AccessTokenVerifier.of(TokenPolicy.builder()
                .issuer(issuer, source)
                .audience(TestIssuer.AUDIENCE)
                .cacheMaximumSize(0)
                .build());
        assertThat(verifier.verify(tokenOf(issuer), NOW)).isNotInstanceOf(Verified.class);
        // the fault as the event names it: http_404 for each document (a loaded machine may time out the second)
        String fault = failures().get(0).details().get("fault");
        assertThat(fault).startsWith("http_404,");
        assertThat(source.status()).hasValue(new KeySourceStatus(null, NOW, fault, 1, false));

        server.metadata(OAUTH, issuer, "/keys").keys("/keys", KEYS.publicKeys());
        clock.advance(RETRY);
        assertThat(verifier.verify(tokenOf(issuer), NOW)).isInstanceOf(Verified.class);
        assertThat(source.status()).hasValueSatisfying(s -> {
            assertThat(s.hasKeys()).isTrue();
            assertThat(s.lastRefresh()).isEqualTo(NOW.plus(RETRY));
            assertThat(s.failuresSinceRefresh()).isZero();
        });
    }

    @Test
    void metadataDownAtStartRefusesTokensThenAcceptsThemOnceUpWithoutARestart() {
        AccessTokenVerifier verifier = verifierOf(issuer); // start-up: nothing fetched, nothing thrown
        assertThat(server.asked).isEmpty();

        assertThat(reasonOf(verifier.verify(tokenOf(issuer), NOW))).isEqualTo(Reason.KEYS_UNAVAILABLE);
        assertThat(server.asked).containsExactly(OAUTH, OIDC);
        assertThat(failures())
                .singleElement()
                .satisfies(e -> assertThat(e.details()).containsEntry("fault", "http_404,http_404"));

        // a flood of tokens within the back-off: refused without a single fetch
        for (int i = 0; i < 50; i++) {
            assertThat(reasonOf(verifier.verify(tokenOf(issuer), NOW))).isEqualTo(Reason.KEYS_UNAVAILABLE);
        }
        assertThat(server.asked).hasSize(2);

        server.metadata(OAUTH, issuer, "/keys").keys("/keys", KEYS.publicKeys());
        clock.advance(RETRY.minusMillis(1));
        assertThat(reasonOf(verifier.verify(tokenOf(issuer), NOW))).isEqualTo(Reason.KEYS_UNAVAILABLE);
        assertThat(server.asked).hasSize(2);

        clock.advance(Duration.ofMillis(1));
        assertThat(verifier.verify(tokenOf(issuer), NOW)).isInstanceOf(Verified.class);
        assertThat(server.asked).containsExactly(OAUTH, OIDC, OAUTH, "/keys");
        assertThat(failures()).hasSize(1);
        assertThat(verifier.verify(tokenOf(issuer), NOW)).isInstanceOf(Verified.class);
        assertThat(server.count(OAUTH)).as("the metadata is kept once had").isEqualTo(2);
    }

    @Test
    void theBackOffDoublesUpToTheCacheTimeToLiveAndTheSameFaultIsReportedOnce() {
        KeySource keys = KeySource.discovered(URI.create(issuer), options());
        DiscoveredJwks source = (DiscoveredJwks) keys.jwkSource();
        AccessTokenVerifier verifier = AccessTokenVerifier.of(TokenPolicy.builder()
                .issuer(issuer, keys)
                .audience(TestIssuer.AUDIENCE)
                .cacheMaximumSize(0)
                .build());
        verifier.verify(tokenOf(issuer), NOW);
        assertThat(source.attempts()).isEqualTo(1);
        // waits of 10 s, 20 s, 40 s (the cache time to live), 40 s
        for (long wait : new long[] {10, 20, 40, 40}) {
            clock.advance(Duration.ofSeconds(wait).minusMillis(1));
            int before = source.attempts();
            verifier.verify(tokenOf(issuer), NOW);
            assertThat(source.attempts()).as("before %d s", wait).isEqualTo(before);
            clock.advance(Duration.ofMillis(1));
            verifier.verify(tokenOf(issuer), NOW);
            assertThat(source.attempts()).as("after %d s", wait).isEqualTo(before + 1);
        }
        assertThat(failures()).hasSize(1);

        server.answer(OAUTH, Answer.json("nope"));
        clock.advance(Duration.ofSeconds(40));
        verifier.verify(tokenOf(issuer), NOW);
        assertThat(failures()).hasSize(2);
        assertThat(failures().get(1).details()).containsEntry("fault", "not_json,http_404");
    }

    @Test
    void anIssuerOverHttpIsAcceptedOnlyOnLoopbackAndNeverWithQueryOrFragment() {
        assertThat(KeySource.discovered(URI.create("http://localhost:8080/realms/a"))
                        .toString())
                .isEqualTo("KeySource[discovered(http://localhost:8080/realms/a)]");
        assertThatThrownBy(() -> KeySource.discovered(URI.create("http://login.example.com")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("issuerUri must be https; http is accepted only for a loopback host"
                        + " (localhost, 127.0.0.0/8, [::1]): http://login.example.com");
        assertThatThrownBy(() -> KeySource.discovered(URI.create("https://login.example.com#x")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("issuerUri cannot have a query or a fragment");
        assertThatThrownBy(() -> KeySource.discovered(URI.create("https://user@login.example.com")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("issuerUri cannot hold user information (user:password@)");
        assertThatThrownBy(() -> KeySource.discovered(URI.create("login.example.com")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("issuerUri must be an absolute https URL");
    }
}
