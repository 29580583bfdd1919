package dev.apiguard.token;

import static dev.apiguard.token.TestIssuer.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import dev.apiguard.test.fixtures.MutableClock;
import dev.apiguard.token.TokenVerification.Reason;
import dev.apiguard.token.TokenVerification.Rejected;
import dev.apiguard.token.TokenVerification.Verified;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Several accepted audiences; issuers resolved per token against exact URIs or a resolver for
 * tenants, each issuer's keys kept apart, and the resolved ones bounded.
 */
class IssuersAndAudiencesTest {

    private static final TestIssuer KEYS = TestIssuer.named("https://keys.example");

    private final MutableClock clock = MutableClock.at(NOW);
    private MetadataServer server;

    @BeforeEach
    void start() throws Exception {
        server = new MetadataServer();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private JwksOptions options() {
        return JwksOptions.builder()
                .connectTimeout(Duration.ofMillis(500))
                .readTimeout(Duration.ofMillis(500))
                .refreshAhead(Duration.ZERO)
                .clock(clock)
                .build();
    }

    private static Reason reasonOf(TokenVerification v) {
        return v instanceof Rejected r ? r.reason() : null;
    }

    // ---- audiences

    @Test
    void aTokenMustNameAtLeastOneOfTheAcceptedAudiences() {
        TokenPolicy policy = TokenPolicy.builder()
                .issuer(KEYS.issuer, KEYS.keySource())
                .audience("https://api.example.com")
                .audiences("https://api.example.net", "urn:api")
                .build();
        AccessTokenVerifier verifier = AccessTokenVerifier.of(policy);

        assertThat(policy.audiences()).containsExactly("https://api.example.com", "https://api.example.net", "urn:api");
        assertThat(verifier.verify(KEYS.token().claim("aud", "urn:api").sign(), NOW))
                .isInstanceOf(Verified.class);
        assertThat(verifier.verify(
                        KEYS.token()
                                .claim("aud", List.of("other", "https://api.example.net"))
                                .sign(),
                        NOW))
                .isInstanceOf(Verified.class);
        assertThat(reasonOf(verifier.verify(
                        KEYS.token().claim("aud", "https://api.example.org").sign(), NOW)))
                .isEqualTo(Reason.WRONG_AUDIENCE);
        assertThat(reasonOf(verifier.verify(
                        KEYS.token().claim("aud", List.of("other", "URN:API")).sign(), NOW)))
                .as("compared exactly")
                .isEqualTo(Reason.WRONG_AUDIENCE);
        assertThat(reasonOf(verifier.verify(KEYS.token().claim("aud", List.of()).sign(), NOW)))
                .isEqualTo(Reason.WRONG_AUDIENCE);
    }

    @Test
    @SuppressWarnings("deprecation")
    void theDeprecatedAudienceAccessorAnswersTheFirstAudience() {
        TokenPolicy policy = TokenPolicy.builder()
                .issuer(KEYS.issuer, KEYS.keySource())
                .audiences("b", "a")
                .build();
        assertThat(policy.audience()).isEqualTo("b");
        assertThat(policy.toString()).contains("audiences=[b, a]");
    }

    // ---- resolver

    @Test
    void aTenantTheResolverAcceptsIsVerifiedWithTheKeysItsMetadataNames() {
        String acme = server.origin() + "/acme/v2.0";
        server.metadata("/.well-known/oauth-authorization-server/acme/v2.0", acme, "/acme/keys")
                .keys("/acme/keys", KEYS.publicKeys());
        AccessTokenVerifier verifier = AccessTokenVerifier.of(TokenPolicy.builder()
                .issuerResolver(IssuerResolver.tenants(
                        server.origin() + "/{tenant}/v2.0", Set.of("acme", "beta")::contains, options()))
                .audience(TestIssuer.AUDIENCE)
                .build());

        TokenVerification v = verifier.verify(KEYS.token().claim("iss", acme).sign(), NOW);

        assertThat(v).isInstanceOf(Verified.class);
        assertThat(((Verified) v).caller().issuer()).isEqualTo(acme);
        assertThat(verifier.resolvedIssuers()).isEqualTo(1);
    }

    @Test
    void aFloodOfJunkIssuersCostsNoFetchAndKeepsNoState() {
        AtomicInteger asked = new AtomicInteger();
        IssuerResolver tenants = IssuerResolver.tenants(
                server.origin() + "/{tenant}/v2.0", t -> asked.incrementAndGet() > 0 && t.equals("acme"), options());
        AccessTokenVerifier verifier = AccessTokenVerifier.of(TokenPolicy.builder()
                .issuerResolver(tenants)
                .audience(TestIssuer.AUDIENCE)
                .cacheMaximumSize(0)
                .build());

        for (int i = 0; i < 800; i++) {
            String junk = switch (i % 4) {
                case 0 -> server.origin() + "/tenant-" + i + "/v2.0"; // the pattern, an unknown tenant
                case 1 -> server.origin() + "/" + "x".repeat(65) + "/v2.0"; // too long a tenant id
                case 2 -> server.origin() + "/../v2.0";
                default -> "https://evil.example/" + i;
            };
            assertThat(reasonOf(verifier.verify(KEYS.token().claim("iss", junk).sign(), NOW)))
                    .isEqualTo(Reason.UNKNOWN_ISSUER);
        }

        assertThat(server.asked).as("fetched nothing").isEmpty();
        assertThat(verifier.resolvedIssuers()).isZero();
        assertThat(asked.get())
                .as("only well-formed tenant ids reach the host's predicate")
                .isEqualTo(200);
    }

    @Test
    void resolvedIssuersAreBoundedAndAConfiguredIssuerNeverAsksTheResolver() {
        AtomicInteger calls = new AtomicInteger();
        IssuerResolver anyTenant = iss -> {
            calls.incrementAndGet();
            return iss.startsWith("https://t") ? Optional.of(KEYS.keySource()) : Optional.empty();
        };
        AccessTokenVerifier verifier = AccessTokenVerifier.of(TokenPolicy.builder()
                .issuer(KEYS.issuer, KEYS.keySource())
                .issuerResolver(anyTenant)
                .resolvedIssuersMaximumSize(10)
                .audience(TestIssuer.AUDIENCE)
                .cacheMaximumSize(0)
                .build());

        assertThat(verifier.verify(KEYS.token().sign(), NOW)).isInstanceOf(Verified.class);
        assertThat(calls).hasValue(0);
        for (int i = 0; i < 500; i++) {
            assertThat(verifier.verify(
                            KEYS.token()
                                    .claim("iss", "https://t" + i + ".example")
                                    .sign(),
                            NOW))
                    .isInstanceOf(Verified.class);
            assertThat(verifier.resolvedIssuers()).isLessThanOrEqualTo(10);
        }
        int before = calls.get();
        verifier.verify(KEYS.token().claim("iss", "https://t499.example").sign(), NOW);
        assertThat(calls.get()).as("a kept issuer is not resolved again").isEqualTo(before);
    }

    @Test
    void aResolverThatThrowsRefusesTheToken() {
        AccessTokenVerifier verifier = AccessTokenVerifier.of(TokenPolicy.builder()
                .issuerResolver(iss -> {
                    throw new IllegalStateException("tenant directory down");
                })
                .audience(TestIssuer.AUDIENCE)
                .build());

        assertThat(reasonOf(verifier.verify(KEYS.token().sign(), NOW))).isEqualTo(Reason.UNKNOWN_ISSUER);
    }

    @Test
    void aTenantTemplateIsCheckedWhenMade() {
        assertThatThrownBy(() -> IssuerResolver.tenants("https://login.example.com/v2.0", t -> true, options()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("issuerTemplate must hold {tenant} exactly once: https://login.example.com/v2.0");
        assertThatThrownBy(() -> IssuerResolver.tenants("https://x/{tenant}/{tenant}", t -> true, options()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("issuerTemplate must hold {tenant} exactly once");
        assertThatThrownBy(() -> IssuerResolver.tenants("http://login.example.com/{tenant}", t -> true, options()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("issuerUri must be https");
        assertThatThrownBy(() -> TokenPolicy.builder().audience("a").build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("or an issuerResolver");
    }

    // ---- token confusion

    /**
     * Issuer A's key signs a token claiming issuer B, whose key set holds a key of its own under A's
     * {@code kid}: B's keys alone are tried, and the signature fails, whether both issuers are
     * exact (found through metadata) or resolved tenants.
     */
    @Test
    void aKeyOfOneIssuerNeverVerifiesAnothersTokenEvenUnderTheSameKid() throws Exception {
        ECKey aKey = new ECKeyGenerator(Curve.P_256).keyID("k1").generate();
        ECKey bKey = new ECKeyGenerator(Curve.P_256).keyID("k1").generate();
        String a = server.origin() + "/a";
        String b = server.origin() + "/b";
        server.metadata("/.well-known/oauth-authorization-server/a", a, "/a/keys")
                .metadata("/.well-known/oauth-authorization-server/b", b, "/b/keys")
                .keys("/a/keys", new JWKSet(aKey.toPublicJWK()))
                .keys("/b/keys", new JWKSet(bKey.toPublicJWK()));
        AccessTokenVerifier exact = AccessTokenVerifier.of(TokenPolicy.builder()
                .discoveredIssuer(a, options())
                .discoveredIssuer(b, options())
                .audience(TestIssuer.AUDIENCE)
                .cacheMaximumSize(0)
                .build());
        AccessTokenVerifier tenants = AccessTokenVerifier.of(TokenPolicy.builder()
                .issuerResolver(
                        IssuerResolver.tenants(server.origin() + "/{tenant}", Set.of("a", "b")::contains, options()))
                .audience(TestIssuer.AUDIENCE)
                .cacheMaximumSize(0)
                .build());
        String aToken = KEYS.token()
                .signedWith(aKey, JWSAlgorithm.ES256)
                .claim("iss", a)
                .sign();
        String confused = KEYS.token()
                .signedWith(aKey, JWSAlgorithm.ES256)
                .claim("iss", b)
                .sign();
        String bToken = KEYS.token()
                .signedWith(bKey, JWSAlgorithm.ES256)
                .claim("iss", b)
                .sign();

        for (AccessTokenVerifier verifier : List.of(exact, tenants)) {
            assertThat(verifier.verify(aToken, NOW)).isInstanceOf(Verified.class);
            assertThat(verifier.verify(bToken, NOW)).isInstanceOf(Verified.class);
            assertThat(reasonOf(verifier.verify(confused, NOW))).isEqualTo(Reason.BAD_SIGNATURE);
        }
        assertThat(server.count("/a/keys")).isEqualTo(2);
        assertThat(server.count("/b/keys")).isEqualTo(2);
    }
}
