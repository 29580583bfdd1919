package dev.apiguard.binding;

import dev.apiguard.Challenge;
import dev.apiguard.Decision;
import dev.apiguard.internal.Problems;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The DPoP step's refusals (RFC 9449 §7.1, §8, §9), each with a fixed status, challenge and
 * problem text that never says which check of the proof failed.
 */
final class DpopDenials {

    /** The {@code DPoP} authentication scheme of RFC 9449. */
    static final String DPOP = "DPoP";

    private DpopDenials() {}

    /**
     * 401 with {@code WWW-Authenticate: DPoP error="invalid_dpop_proof", algs="..."}: the DPoP proof
     * is missing, malformed, or fails a check of RFC 9449 §4.3 (which one is never said).
     *
     * @param algs the space-delimited proof algorithms the server accepts
     */
    static Decision.Deny invalidDpopProof(String algs) {
        Objects.requireNonNull(algs, "algs cannot be null");
        return new Decision.Deny(
                401,
                List.of(Challenge.of(DPOP, "error", "invalid_dpop_proof").with("algs", algs)),
                Problems.of(
                        "invalid-dpop-proof",
                        "Invalid DPoP proof",
                        401,
                        "The DPoP proof is missing, malformed, reused, or does not match this request or the access token."),
                Map.of());
    }

    /**
     * 401 with {@code WWW-Authenticate: DPoP error="invalid_token", algs="..."}: the token came with
     * the {@code DPoP} scheme but is not bound to a DPoP key (RFC 9449 §7.1).
     */
    static Decision.Deny invalidDpopToken(String algs) {
        Objects.requireNonNull(algs, "algs cannot be null");
        return new Decision.Deny(
                401,
                List.of(Challenge.of(DPOP, "error", "invalid_token").with("algs", algs)),
                Problems.of(
                        "invalid-token",
                        "Invalid token",
                        401,
                        "The access token is malformed, expired, revoked, not bound to this client, or not issued for this API."),
                Map.of());
    }

    /**
     * 401 with {@code WWW-Authenticate: DPoP error="use_dpop_nonce", algs="..."} and a
     * {@code DPoP-Nonce} header (RFC 9449 §9): the client must repeat the request with a proof
     * that carries this nonce.
     *
     * @param algs the space-delimited proof algorithms the server accepts
     * @param nonce the fresh server nonce (base64url characters only)
     */
    static Decision.Deny useDpopNonce(String algs, String nonce) {
        Objects.requireNonNull(algs, "algs cannot be null");
        Objects.requireNonNull(nonce, "nonce cannot be null");
        if (!nonce.matches("[A-Za-z0-9_-]{1,256}")) {
            throw new IllegalArgumentException("nonce must be 1 to 256 base64url characters");
        }
        return new Decision.Deny(
                401,
                List.of(Challenge.of(DPOP, "error", "use_dpop_nonce").with("algs", algs)),
                Problems.of(
                        "use-dpop-nonce",
                        "DPoP nonce required",
                        401,
                        "Repeat the request with a DPoP proof that carries the nonce of the DPoP-Nonce header."),
                Map.of("DPoP-Nonce", nonce));
    }
}
