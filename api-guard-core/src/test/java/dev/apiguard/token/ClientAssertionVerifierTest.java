package dev.apiguard.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apiguard.CredentialKind;
import dev.apiguard.LocalReplayCache;
import dev.apiguard.test.fixtures.LocalIssuer;
import dev.apiguard.test.fixtures.PublicKeyForm;
import dev.apiguard.test.fixtures.TokenBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** private_key_jwt client assertions, RFC 7523 §3, each rule refused on its own. */
class ClientAssertionVerifierTest {

    static final Instant NOW = Instant.parse("2030-03-01T12:00:00Z");
    static final String ENDPOINT = "https://auth.example/token";
    static final String TYPE = ClientAssertionPolicy.JWT_BEARER_TYPE;
    static final dev.apiguard.test.fixtures.MutableClock CLOCK = dev.apiguard.test.fixtures.MutableClock.at(NOW);
    static final LocalIssuer CLIENT_A = LocalIssuer.ec("client-a").clock(CLOCK);
    static final LocalIssuer CLIENT_B = LocalIssuer.rsa("client-b").clock(CLOCK);
    static final LocalIssuer STRANGER = LocalIssuer.ec("client-a").clock(CLOCK);

    final ClientAssertionVerifier verifier = ClientAssertionVerifier.of(policy().build());

    static ClientAssertionPolicy.Builder policy() {
        return ClientAssertionPolicy.builder()
                .client("client-a", KeySource.fixed(CLIENT_A.publicJwks()))
                .client("client-b", KeySource.fixed(CLIENT_B.publicJwks()))
                .audience(ENDPOINT);
    }

    /** A good assertion of client-a: iss = sub = client-a, aud the endpoint, 2 minutes, a jti. */
    static TokenBuilder assertion() {
        return assertion(CLIENT_A, "client-a");
    }

    static TokenBuilder assertion(LocalIssuer signer, String clientId) {
        return signer.token()
                .issuer(clientId)
                .subject(clientId)
                .without("client_id")
                .audience(ENDPOINT)
                .withoutType()
                .lifetime(Duration.ofMinutes(2));
    }

    ClientAssertionVerification verify(String assertion) {
        return verifier.verify(TYPE, assertion, NOW);
    }

    @Test
    void validAssertionAuthenticatesTheClient() {
        ClientAssertionVerification result = verify(assertion().sign());

        assertThat(result).isInstanceOfSatisfying(ClientAssertionVerification.Verified.class, v -> {
            assertThat(v.caller().id()).isEqualTo("client-a");
            assertThat(v.caller().kind()).isEqualTo(CredentialKind.CLIENT_ASSERTION);
            assertThat(v.caller().kind().isSenderConstrained()).isTrue();
            assertThat(v.caller().scopes()).isEmpty();
        });
        assertThat(verify(assertion(CLIENT_B, "client-b").sign()).isVerified()).isTrue();
        assertThat(verify(assertion()
                                .type("JWT")
                                .audience("https://other.example", ENDPOINT)
                                .sign())
                        .isVerified())
                .isTrue();
    }

    static Stream<Arguments> refused() {
        return Stream.<Arguments>of(
                Arguments.of("iss missing", s(() -> assertion().without("iss").sign()), "missing_claim"),
                Arguments.of("sub missing", s(() -> assertion().without("sub").sign()), "missing_claim"),
                Arguments.of(
                        "iss not sub", s(() -> assertion().subject("client-b").sign()), "iss_sub_mismatch"),
                Arguments.of(
                        "unknown client",
                        s(() -> assertion(CLIENT_A, "client-z").sign()),
                        "unknown_client"),
                Arguments.of("aud missing", s(() -> assertion().without("aud").sign()), "missing_claim"),
                Arguments.of(
                        "wrong aud",
                        s(() -> assertion()
                                .audience("https://auth.example/other")
                                .sign()),
                        "wrong_audience"),
                Arguments.of("exp missing", s(() -> assertion().without("exp").sign()), "missing_claim"),
                Arguments.of(
                        "expired",
                        s(() -> assertion()
                                .issuedAt(NOW.minusSeconds(300))
                                .lifetime(Duration.ofMinutes(3))
                                .sign()),
                        "expired"),
                Arguments.of(
                        "exp too far ahead",
                        s(() -> assertion()
                                .without("iat")
                                .expiresAt(NOW.plus(Duration.ofMinutes(30)))
                                .sign()),
                        "lifetime_exceeded"),
                Arguments.of(
                        "exp - iat too long",
                        s(() -> assertion()
                                .issuedAt(NOW.minusSeconds(3600))
                                .expiresAt(NOW.plusSeconds(60))
                                .sign()),
                        "lifetime_exceeded"),
                Arguments.of(
                        "iat in the future",
                        s(() -> assertion().issuedAt(NOW.plusSeconds(600)).sign()),
                        "not_yet_valid"),
                Arguments.of("jti missing", s(() -> assertion().without("jti").sign()), "missing_claim"),
                Arguments.of("alg none (empty signature)", s(() -> assertion().unsigned()), "malformed"),
                Arguments.of(
                        "HS256 with the public key",
                        s(() -> assertion(CLIENT_B, "client-b").signedWithHs256UsingPublicKey(PublicKeyForm.PEM)),
                        "alg_not_allowed"),
                Arguments.of(
                        "key of another client",
                        s(() -> assertion(CLIENT_B, "client-b")
                                .keyId(CLIENT_A.keyId())
                                .issuer("client-a")
                                .subject("client-a")
                                .sign()),
                        "unknown_key"),
                Arguments.of(
                        "stranger's key under the client's kid",
                        s(() -> assertion().signedWith(STRANGER)),
                        "bad_signature"),
                Arguments.of("tampered signature", s(() -> assertion().tamperedSignature()), "bad_signature"),
                Arguments.of(
                        "access token as assertion",
                        s(() -> assertion().type("at+jwt").sign()),
                        "bad_type"),
                Arguments.of("two segments", s(() -> "eyJhbGciOiJFUzI1NiJ9.e30"), "malformed"),
                Arguments.of("oversized", s(() -> "a".repeat(9000)), "too_long"),
                Arguments.of(
                        "exp a string", s(() -> assertion().claim("exp", "soon").sign()), "bad_claim_type"));
    }

    static Supplier<String> s(Supplier<String> supplier) {
        return supplier;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void eachRuleRefusesOnItsOwn(String name, Supplier<String> assertion, String reason) {
        assertThat(verify(assertion.get()))
                .isEqualTo(new ClientAssertionVerification.Rejected(
                        ClientAssertionVerification.Reason.valueOf(reason.toUpperCase(java.util.Locale.ROOT))));
    }

    @Test
    void wrongAssertionTypeIsRefused() {
        String good = assertion().sign();
        assertThat(verifier.verify("urn:ietf:params:oauth:client-assertion-type:saml2-bearer", good, NOW))
                .isEqualTo(new ClientAssertionVerification.Rejected(
                        ClientAssertionVerification.Reason.BAD_ASSERTION_TYPE));
        assertThat(verifier.verify(null, good, NOW).isVerified()).isFalse();
    }

    @Test
    void sameAssertionTwiceIsAReplay() {
        String once = assertion().sign();
        assertThat(verify(once).isVerified()).isTrue();
        assertThat(verify(once))
                .isEqualTo(new ClientAssertionVerification.Rejected(ClientAssertionVerification.Reason.REPLAYED));
        // the same jti of another client is that client's own business
        assertThat(verify(assertion(CLIENT_B, "client-b").claim("jti", "shared").sign())
                        .isVerified())
                .isTrue();
        assertThat(verify(assertion().claim("jti", "shared").sign()).isVerified())
                .isTrue();
    }

    @Test
    void fullReplayCacheRefuses() {
        ClientAssertionVerifier small =
                ClientAssertionVerifier.of(policy().build(), LocalReplayCache.withMaximumSize(2));
        assertThat(small.verify(TYPE, assertion().sign(), NOW).isVerified()).isTrue();
        assertThat(small.verify(TYPE, assertion().sign(), NOW).isVerified()).isTrue();
        assertThat(small.verify(TYPE, assertion().sign(), NOW))
                .isEqualTo(
                        new ClientAssertionVerification.Rejected(ClientAssertionVerification.Reason.REPLAY_CACHE_FULL));
    }

    @Test
    void policyNamesTheMissingSetting() {
        assertThatThrownBy(
                        () -> ClientAssertionPolicy.builder().audience(ENDPOINT).build())
                .hasMessageStartingWith("client");
        assertThatThrownBy(() -> ClientAssertionPolicy.builder()
                        .client("a", KeySource.fixed(CLIENT_A.publicJwks()))
                        .build())
                .hasMessageStartingWith("audience");
        assertThatThrownBy(() -> policy().algorithms(com.nimbusds.jose.JWSAlgorithm.HS256))
                .hasMessageContaining("algorithms");
    }
}
