package dev.apiguard.binding;

import dev.apiguard.event.ReasonCode;
import java.util.Objects;

/**
 * The outcome of {@link DpopProofVerifier#verify}: the proof key's thumbprint, a refusal with a
 * stable reason code, or a demand for a server nonce.
 *
 * <p>A refusal is a value, never an exception. Its reason is for logs and events only, never for
 * the client, which learns {@code invalid_dpop_proof} and nothing more.
 */
public sealed interface DpopVerification
        permits DpopVerification.Verified, DpopVerification.Rejected, DpopVerification.NonceRequired {

    /** Whether the proof was accepted. */
    default boolean isVerified() {
        return this instanceof Verified;
    }

    /**
     * The proof was accepted and its {@code jti} recorded.
     *
     * @param jkt the RFC 7638 SHA-256 thumbprint of the proof's public key, base64url
     */
    record Verified(String jkt) implements DpopVerification {
        public Verified {
            Objects.requireNonNull(jkt, "jkt cannot be null");
        }
    }

    /**
     * The proof was refused.
     *
     * @param reason why, as a stable code
     */
    record Rejected(Reason reason) implements DpopVerification {
        public Rejected {
            Objects.requireNonNull(reason, "reason cannot be null");
        }

        /**
         * Whether the replay cache could not record the {@code jti} (full, unreachable): no fault of
         * the sender's.
         */
        public boolean isStoreFault() {
            return reason == Reason.REPLAY_CACHE_FULL || reason == Reason.REPLAY_CACHE_UNAVAILABLE;
        }

        /** Whether the refusal is about the {@code jti}'s single use (the replay cache). */
        public boolean isReplay() {
            return reason == Reason.REPLAYED
                    || reason == Reason.REPLAY_CACHE_FULL
                    || reason == Reason.REPLAY_CACHE_UNAVAILABLE;
        }
    }

    /**
     * Server nonces are on and the proof carries no valid one (RFC 9449 §8): answer
     * {@code use_dpop_nonce} with this fresh nonce. The proof's {@code jti} was not recorded.
     *
     * @param nonce the fresh nonce for the {@code DPoP-Nonce} header
     * @param reason why the nonce is asked for
     */
    record NonceRequired(String nonce, NonceReason reason) implements DpopVerification {
        public NonceRequired {
            Objects.requireNonNull(nonce, "nonce cannot be null");
            Objects.requireNonNull(reason, "reason cannot be null");
        }
    }

    /** Why a proof was refused; {@link #code()} is the {@code reason} detail of {@code dpop.proof_rejected} and {@code dpop.replayed}. */
    enum Reason implements ReasonCode {
        /** No {@code DPoP} header, or more than one. */
        MISSING("missing"),
        /** Two or more {@code DPoP} headers. */
        MULTIPLE("multiple_proofs"),
        /** Longer than the policy's maximum; refused before parsing. */
        TOO_LONG("too_long"),
        /** Not a compact JWS of JSON objects, or a header member of the wrong type. */
        MALFORMED("malformed"),
        /** Header {@code typ} is not {@code dpop+jwt}. */
        BAD_TYPE("bad_type"),
        /** {@code alg} is missing, {@code none}, symmetric, or outside the policy. */
        ALG_NOT_ALLOWED("alg_not_allowed"),
        /** Header {@code jwk} is missing, not a JWK, or of another type or curve than {@code alg}. */
        BAD_JWK("bad_jwk"),
        /** Header {@code jwk} holds private key members (or is a symmetric key). */
        PRIVATE_JWK("private_jwk"),
        /** The signature does not verify with the header's {@code jwk}. */
        BAD_SIGNATURE("bad_signature"),
        /** A required claim ({@code jti}, {@code htm}, {@code htu}, {@code iat}, {@code ath}) is absent. */
        MISSING_CLAIM("missing_claim"),
        /** A claim has the wrong JSON type or an insane value. */
        BAD_CLAIM_TYPE("bad_claim_type"),
        /** {@code htm} is not the request's method. */
        HTM_MISMATCH("htm_mismatch"),
        /** {@code htu} is not the request's URI. */
        HTU_MISMATCH("htu_mismatch"),
        /** {@code iat} is outside the policy's window around now. */
        IAT_OUT_OF_WINDOW("iat_out_of_window"),
        /** {@code ath} is not the hash of the access token sent with the proof. */
        ATH_MISMATCH("ath_mismatch"),
        /** The proof key is not the one the token's {@code cnf.jkt} names. */
        JKT_MISMATCH("jkt_mismatch"),
        /** The proof's {@code jti} was used before. */
        REPLAYED("replayed"),
        /** The replay cache is full of live entries and could not record the {@code jti}. */
        REPLAY_CACHE_FULL("replay_cache_full"),
        /** The replay cache could not be reached. */
        REPLAY_CACHE_UNAVAILABLE("replay_cache_unavailable"),
        /**
         * The caller holds its quota of the replay cache already: a valid proof of a caller that
         * sends faster than its quota allows (answered 429, counted against that caller).
         */
        REPLAY_QUOTA_EXCEEDED("replay_quota_exceeded");

        private final String code;

        Reason(String code) {
            this.code = code;
        }

        @Override
        public String code() {
            return code;
        }
    }

    /** Why a server nonce is asked for; {@link #code()} is the {@code reason} detail of {@code dpop.nonce_required}. */
    enum NonceReason implements ReasonCode {
        /** The proof carries no {@code nonce} claim. */
        NONCE_MISSING("nonce_missing"),
        /** The proof's {@code nonce} is not one this server issued, or is too old. */
        NONCE_INVALID("nonce_invalid");

        private final String code;

        NonceReason(String code) {
            this.code = code;
        }

        @Override
        public String code() {
            return code;
        }
    }
}
