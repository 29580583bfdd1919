package dev.apiguard.binding;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apiguard.binding.DpopVerification.NonceRequired;
import dev.apiguard.binding.DpopVerification.Reason;
import dev.apiguard.binding.DpopVerification.Rejected;
import dev.apiguard.binding.DpopVerification.Verified;
import dev.apiguard.test.fixtures.DpopKey;
import dev.apiguard.test.fixtures.DpopProofBuilder;
import dev.apiguard.test.fixtures.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link DpopProofVerifier#verify} check by check (RFC 9449 §4.3): the reason each malformed or
 * mistyped proof is refused with, and the edges that are still accepted.
 */
class DpopProofVerifierChecksTest {

    static final Instant NOW = Instant.parse("2030-03-01T12:00:00Z");
    static final String HTU = "https://api.example/payments";
    static final DpopKey KEY = DpopKey.ec().clock(MutableClock.at(NOW));

    final DpopProofVerifier verifier = DpopProofVerifier.of(DpopPolicy.defaults());

    static DpopProofBuilder proof() {
        return KEY.proofFor("POST", HTU);
    }

    DpopVerification verify(String proof) {
        return verifier.verify(proof, "POST", HTU, null, null, NOW);
    }

    static Rejected rejected(Reason reason) {
        return new Rejected(reason);
    }

    @Test
    void anAbsentOrEmptyProofIsMissing() {
        assertThat(verify(null)).isEqualTo(rejected(Reason.MISSING));
        assertThat(verify("")).isEqualTo(rejected(Reason.MISSING));
        assertThat(verify(proof().sign())).isEqualTo(new Verified(KEY.thumbprint()));
    }

    @Test
    void aProofOfExactlyTheMaximumLengthIsReadAndOneCharacterMoreIsNot() {
        // the smallest maximum a policy takes is 1,024: a long jti brings the proof above it
        String jti = "j".repeat(700);
        String proof = proof().jti(jti).sign();
        assertThat(proof.length()).isGreaterThan(1024);
        DpopProofVerifier exact = DpopProofVerifier.of(
                DpopPolicy.builder().maxProofLength(proof.length()).build());
        assertThat(exact.verify(proof, "POST", HTU, null, null, NOW)).isEqualTo(new Verified(KEY.thumbprint()));
        String another = proof().jti(jti.replace('j', 'k')).sign();
        assertThat(another).hasSameSizeAs(proof);
        DpopProofVerifier shorter = DpopProofVerifier.of(
                DpopPolicy.builder().maxProofLength(proof.length() - 1).build());
        assertThat(shorter.verify(another, "POST", HTU, null, null, NOW)).isEqualTo(rejected(Reason.TOO_LONG));
    }

    @Test
    void aProofThatIsNotACompactJwsOrDeclaresCritOrEncIsMalformed() {
        String good = proof().sign();
        assertThat(verify(good.substring(0, good.lastIndexOf('.')))).isEqualTo(rejected(Reason.MALFORMED));
        assertThat(verify(good + ".x")).isEqualTo(rejected(Reason.MALFORMED));
        assertThat(verify("a.b.c")).isEqualTo(rejected(Reason.MALFORMED));
        assertThat(verify(proof().header("crit", List.of("exp")).sign())).isEqualTo(rejected(Reason.MALFORMED));
        assertThat(verify(proof().header("enc", "A256GCM").sign())).isEqualTo(rejected(Reason.MALFORMED));
    }

    @Test
    void aSymmetricOrUnparsableJwkIsRefused() {
        assertThat(verify(proof().header("jwk", Map.of("kty", "oct")).sign())).isEqualTo(rejected(Reason.PRIVATE_JWK));
        assertThat(verify(proof().header("jwk", Map.of("kty", "oct", "k", "c2VjcmV0"))
                        .sign()))
                .isEqualTo(rejected(Reason.PRIVATE_JWK));
        assertThat(verify(proof().header("jwk", Map.of("kty", "EC")).sign())).isEqualTo(rejected(Reason.BAD_JWK));
        assertThat(verify(proof().header("jwk", Map.of("kty", "nope")).sign())).isEqualTo(rejected(Reason.BAD_JWK));
        assertThat(verify(proof().header("jwk", "not an object").sign())).isEqualTo(rejected(Reason.BAD_JWK));
    }

    @Test
    void theJtiIsANonEmptyStringOfAtMost1024Characters() {
        assertThat(verify(proof().jti("").sign())).isEqualTo(rejected(Reason.BAD_CLAIM_TYPE));
        assertThat(verify(proof().jti("j".repeat(1025)).sign())).isEqualTo(rejected(Reason.BAD_CLAIM_TYPE));
        assertThat(verify(proof().claim("jti", 42).sign())).isEqualTo(rejected(Reason.BAD_CLAIM_TYPE));
        assertThat(verify(proof().jti("j".repeat(1024)).sign())).isEqualTo(new Verified(KEY.thumbprint()));
    }

    @Test
    void htmHtuIatAndAthMustHaveTheirTypes() {
        assertThat(verify(proof().claim("htm", 1).sign())).isEqualTo(rejected(Reason.BAD_CLAIM_TYPE));
        assertThat(verify(proof().claim("htu", List.of(HTU)).sign())).isEqualTo(rejected(Reason.BAD_CLAIM_TYPE));
        assertThat(verify(proof().claim("iat", NOW.getEpochSecond() + 0.5).sign()))
                .isEqualTo(rejected(Reason.BAD_CLAIM_TYPE));
        assertThat(verify(proof().claim("iat", String.valueOf(NOW.getEpochSecond()))
                        .sign()))
                .isEqualTo(rejected(Reason.BAD_CLAIM_TYPE));
        // ath is typed even where no token asks for it
        assertThat(verify(proof().ath(7).sign())).isEqualTo(rejected(Reason.BAD_CLAIM_TYPE));
        assertThat(verify(proof().ath("unused").sign())).isEqualTo(new Verified(KEY.thumbprint()));
        for (String claim : List.of("jti", "htm", "htu", "iat")) {
            assertThat(verify(proof().without(claim).sign())).as(claim).isEqualTo(rejected(Reason.MISSING_CLAIM));
        }
    }

    @Test
    void anHtuThatIsNotAUriMatchesNothing() {
        assertThat(verifier.verify(proof().sign(), "POST", "not a uri", null, null, NOW))
                .isEqualTo(rejected(Reason.HTU_MISMATCH));
        assertThat(verify(proof().htu("https://api.example/other").sign())).isEqualTo(rejected(Reason.HTU_MISMATCH));
    }

    @Test
    void serverNoncesSayWhetherTheNonceIsMissingOrInvalid() {
        assertThat(verifier.nonce(NOW)).as("nonces off").isNull();
        DpopProofVerifier withNonces = DpopProofVerifier.of(
                DpopPolicy.builder().serverNonces(Duration.ofMinutes(5)).build());
        String nonce = withNonces.nonce(NOW);
        assertThat(nonce).isNotBlank();
        assertThat(withNonces.verify(proof().sign(), "POST", HTU, null, null, NOW))
                .isEqualTo(new NonceRequired(nonce, DpopVerification.NonceReason.NONCE_MISSING));
        assertThat(withNonces.verify(proof().nonce("forged").sign(), "POST", HTU, null, null, NOW))
                .isEqualTo(new NonceRequired(nonce, DpopVerification.NonceReason.NONCE_INVALID));
        assertThat(withNonces.verify(proof().claim("nonce", 42).sign(), "POST", HTU, null, null, NOW))
                .isEqualTo(new NonceRequired(nonce, DpopVerification.NonceReason.NONCE_INVALID));
        assertThat(withNonces.verify(proof().nonce(nonce).sign(), "POST", HTU, null, null, NOW))
                .isEqualTo(new Verified(KEY.thumbprint()));
    }

    @Test
    void onlyVerifiedIsVerifiedAndOnlyTheReplayCacheReasonsAreReplays() {
        assertThat(new Verified("jkt").isVerified()).isTrue();
        assertThat(rejected(Reason.REPLAYED).isVerified()).isFalse();
        assertThat(new NonceRequired("n", DpopVerification.NonceReason.NONCE_MISSING).isVerified())
                .isFalse();
        assertThat(rejected(Reason.REPLAYED).isReplay()).isTrue();
        assertThat(rejected(Reason.REPLAY_CACHE_FULL).isReplay()).isTrue();
        assertThat(rejected(Reason.REPLAY_CACHE_UNAVAILABLE).isReplay()).isTrue();
        for (Reason reason : List.of(
                Reason.MALFORMED,
                Reason.BAD_SIGNATURE,
                Reason.IAT_OUT_OF_WINDOW,
                Reason.JKT_MISMATCH,
                Reason.MISSING)) {
            assertThat(rejected(reason).isReplay()).as(reason.code()).isFalse();
        }
    }
}
