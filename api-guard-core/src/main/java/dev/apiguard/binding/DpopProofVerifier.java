package dev.apiguard.binding;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import dev.apiguard.LocalReplayCache;
import dev.apiguard.ReplayCache;
import dev.apiguard.binding.DpopVerification.NonceRequired;
import dev.apiguard.binding.DpopVerification.Reason;
import dev.apiguard.binding.DpopVerification.Rejected;
import dev.apiguard.binding.DpopVerification.Verified;
import dev.apiguard.binding.internal.DpopHtu;
import dev.apiguard.binding.internal.DpopNonces;
import dev.apiguard.internal.Check;
import dev.apiguard.internal.CompactJws;
import dev.apiguard.internal.ConstantTime;
import dev.apiguard.internal.SignatureCheck;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies DPoP proofs (RFC 9449 §4.3) against a {@link DpopPolicy}.
 *
 * <p>Thread-safe; build one per policy and share it (it holds the policy's replay cache and nonce
 * key). {@link #verify} never throws for anything a client sent and never logs the proof or the
 * token. The checks, in order, each refusing with a {@link Rejected} reason:
 * <ol>
 *   <li>length against {@link DpopPolicy#maxProofLength()}, before any parsing;</li>
 *   <li>compact JWS syntax (the same strict splitting as access tokens: three segments of canonical
 *       base64url, JSON objects); a JWE is refused;</li>
 *   <li>header {@code typ} {@code dpop+jwt}; {@code alg} on the policy's list ({@code none},
 *       {@code HS*} never); no {@code crit};</li>
 *   <li>header {@code jwk}: a public asymmetric key (a private member or an {@code oct} key is
 *       refused) whose type and curve fit {@code alg}, RSA of 2048 to 4096 bits (the sender picks
 *       the key, and a junk RSA-8192 proof would cost about 4 ms of CPU to verify);</li>
 *   <li>the signature, with that key;</li>
 *   <li>claims {@code jti}, {@code htm}, {@code htu}, {@code iat} present and typed;
 *       {@code htm} equal to the method; {@code htu} equal to the request URI after
 *       normalisation (lower-case scheme and host, default port dropped, query and fragment
 *       dropped); {@code iat} within {@link DpopPolicy#iatWindow()} of now;</li>
 *   <li>with an access token: {@code ath} = base64url(SHA-256(token)), and the proof key's RFC 7638
 *       thumbprint equal to the token's {@code cnf.jkt} (both compared in constant time);</li>
 *   <li>with server nonces on: a valid {@code nonce}, else {@link NonceRequired};</li>
 *   <li>last, so that no refused proof takes room in it: the {@code jti} recorded in the replay
 *       cache under {@code dpop:} + SHA-256(jkt, jti) until {@code iat} + window; a replay, a full
 *       cache and an unreachable cache all refuse.</li>
 * </ol>
 */
public final class DpopProofVerifier {

    private static final Logger LOG = LoggerFactory.getLogger(DpopProofVerifier.class);
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();
    private static final Set<String> PRIVATE_MEMBERS = Set.of("d", "p", "q", "dp", "dq", "qi", "oth", "k");
    private static final int MAX_JTI_LENGTH = 1024;
    static final int MAX_RSA_BITS = 4096;

    private final DpopPolicy policy;
    private final ReplayCache replayCache;
    private final @Nullable DpopNonces nonces;

    private DpopProofVerifier(DpopPolicy policy, ReplayCache replayCache) {
        this.policy = policy;
        this.replayCache = replayCache;
        Duration nonceValidity = policy.nonceValidity(); // null when server nonces are off
        this.nonces = nonceValidity != null ? DpopNonces.create(policy.nonceSecret(), nonceValidity) : null;
    }

    /**
     * A verifier for the policy, remembering proof {@code jti}s in this JVM
     * ({@link LocalReplayCache#defaults()}, made per verifier).
     */
    public static DpopProofVerifier of(DpopPolicy policy) {
        return of(policy, LocalReplayCache.defaults());
    }

    /**
     * A verifier for the policy, remembering proof {@code jti}s in the given cache: share one
     * between app nodes (Redis) so that a proof replayed at another node is refused.
     */
    public static DpopProofVerifier of(DpopPolicy policy, ReplayCache replayCache) {
        return new DpopProofVerifier(Check.notNull("policy", policy), Check.notNull("replayCache", replayCache));
    }

    /** The policy this verifier enforces. */
    public DpopPolicy policy() {
        return policy;
    }

    /** Where proof {@code jti}s are remembered. */
    public ReplayCache replayCache() {
        return replayCache;
    }

    /** A fresh server nonce for {@code now}, or {@code null} when server nonces are off. */
    public @Nullable String nonce(Instant now) {
        return nonces == null ? null : nonces.issue(now);
    }

    /**
     * Verifies one proof.
     *
     * @param proof the {@code DPoP} header value; null is refused
     * @param method the request method
     * @param htu the request URI the proof must name (query and fragment are ignored)
     * @param accessToken the access token sent with the proof, or null when there is none (at a
     *     token endpoint); when given, {@code ath} is required
     * @param tokenJkt the token's {@code cnf.jkt}, or null when there is no token
     * @param now the instant to check {@code iat} against, from the guard's clock
     * @return the proof key's thumbprint, or why the proof is refused; never null
     */
    public DpopVerification verify(
            @Nullable String proof,
            String method,
            String htu,
            @Nullable String accessToken,
            @Nullable String tokenJkt,
            Instant now) {
        Objects.requireNonNull(htu, "htu cannot be null");
        return verifyCanonical(proof, method, DpopHtu.normalize(htu), accessToken, tokenJkt, now);
    }

    /** As {@link #verify}, with {@code htu} already in canonical form (or null: nothing matches). */
    DpopVerification verifyCanonical(
            @Nullable String proof,
            String method,
            @Nullable String canonicalHtu,
            @Nullable String accessToken,
            @Nullable String tokenJkt,
            Instant now) {
        return verifyCanonical(
                proof,
                method,
                canonicalHtu == null ? List.of() : List.of(canonicalHtu),
                accessToken,
                tokenJkt,
                null,
                now);
    }

    /**
     * As {@link #verify}, accepting any of the canonical URIs (none: nothing matches); with an
     * {@code owner} (the caller's {@link dev.apiguard.CallerKey#hashTag()}), the proof's {@code jti}
     * counts against that caller's {@linkplain DpopPolicy#replayQuotaPerCaller() quota} of the replay
     * cache.
     */
    DpopVerification verifyCanonical(
            @Nullable String proof,
            String method,
            List<String> canonicalHtus,
            @Nullable String accessToken,
            @Nullable String tokenJkt,
            @Nullable String owner,
            Instant now) {
        return verifyCanonical(proof, method, canonicalHtus, accessToken, tokenJkt, owner, now, null);
    }

    /** Where {@link #verifyCanonical} leaves the {@code jti} to record, when it does not record it. */
    static final class Deferral {
        ReplayCache.@Nullable Claim claim;
    }

    /**
     * As above; with a {@code deferral}, a proof valid in every other respect is answered
     * {@link Verified} without recording its {@code jti}: the claim to record is left in the deferral,
     * and {@link #recorded} turns the cache's outcome into the verification.
     */
    DpopVerification verifyCanonical(
            @Nullable String proof,
            String method,
            List<String> canonicalHtus,
            @Nullable String accessToken,
            @Nullable String tokenJkt,
            @Nullable String owner,
            Instant now,
            @Nullable Deferral deferral) {
        Objects.requireNonNull(method, "method cannot be null");
        Objects.requireNonNull(now, "now cannot be null");
        try {
            return check(proof, method, canonicalHtus, accessToken, tokenJkt, owner, now, deferral);
        } catch (RuntimeException e) {
            // a parser or provider failing on hostile input is a refusal; the message may quote input
            LOG.debug("DPoP proof verification failed with {}", e.getClass().getName());
            return new Rejected(Reason.MALFORMED);
        }
    }

    private DpopVerification check(
            @Nullable String proof,
            String method,
            List<String> canonicalHtus,
            @Nullable String accessToken,
            @Nullable String tokenJkt,
            @Nullable String owner,
            Instant now,
            @Nullable Deferral deferral) {
        if (proof == null || proof.isEmpty()) {
            return new Rejected(Reason.MISSING);
        }
        if (proof.length() > policy.maxProofLength()) {
            return new Rejected(Reason.TOO_LONG);
        }
        CompactJws.Split split = CompactJws.split(proof);
        CompactJws jws = split.jws();
        if (jws == null) {
            return new Rejected(Reason.MALFORMED);
        }
        Map<String, Object> rawHeader;
        Map<String, Object> claims;
        try {
            rawHeader = JSONObjectUtils.parse(jws.headerJson());
            claims = JSONObjectUtils.parse(jws.payloadJson());
        } catch (ParseException e) {
            return new Rejected(Reason.MALFORMED);
        }

        // header: typ, alg, crit, jwk (RFC 9449 §4.3 steps 4-7)
        if (!(rawHeader.get("typ") instanceof String typ) || !typ.equalsIgnoreCase("dpop+jwt")) {
            return new Rejected(Reason.BAD_TYPE);
        }
        if (!(rawHeader.get("alg") instanceof String algName)) {
            return new Rejected(Reason.ALG_NOT_ALLOWED);
        }
        JWSAlgorithm alg = policy.algorithms().stream()
                .filter(a -> a.getName().equals(algName))
                .findFirst()
                .orElse(null);
        if (alg == null) {
            return new Rejected(Reason.ALG_NOT_ALLOWED);
        }
        if (rawHeader.containsKey("crit") || rawHeader.containsKey("enc")) {
            return new Rejected(Reason.MALFORMED);
        }
        Object rawJwk = rawHeader.get("jwk");
        if (!(rawJwk instanceof Map<?, ?> jwkMembers)) {
            return new Rejected(Reason.BAD_JWK);
        }
        for (Object member : jwkMembers.keySet()) {
            if (PRIVATE_MEMBERS.contains(member)) {
                return new Rejected(Reason.PRIVATE_JWK);
            }
        }
        if ("oct".equals(jwkMembers.get("kty"))) {
            return new Rejected(Reason.PRIVATE_JWK);
        }
        JWK jwk;
        JWSHeader header;
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> members = (Map<String, Object>) jwkMembers;
            jwk = JWK.parse(members);
            header = JWSHeader.parse(rawHeader, Base64URL.from(jws.headerB64()));
        } catch (ParseException e) {
            return new Rejected(Reason.BAD_JWK);
        }
        if (jwk.isPrivate() || !fits(jwk, alg)) {
            return new Rejected(jwk.isPrivate() ? Reason.PRIVATE_JWK : Reason.BAD_JWK);
        }

        // signature (step 6)
        if (!SignatureCheck.verify(jwk, header, jws.signingInput(), Base64URL.from(jws.signatureB64()))) {
            return new Rejected(Reason.BAD_SIGNATURE);
        }

        // claims (steps 8-12)
        Object jti = claims.get("jti");
        Object htm = claims.get("htm");
        Object htu = claims.get("htu");
        Object iat = claims.get("iat");
        Object ath = claims.get("ath");
        if (jti == null || htm == null || htu == null || iat == null || (accessToken != null && ath == null)) {
            return new Rejected(Reason.MISSING_CLAIM);
        }
        if (!(jti instanceof String jtiText)
                || jtiText.isEmpty()
                || jtiText.length() > MAX_JTI_LENGTH
                || !(htm instanceof String htmText)
                || !(htu instanceof String htuText)
                || !(iat instanceof Long iatSeconds)
                || (ath != null && !(ath instanceof String))) {
            return new Rejected(Reason.BAD_CLAIM_TYPE);
        }
        if (!htmText.equals(method)) {
            return new Rejected(Reason.HTM_MISMATCH);
        }
        String proofHtu = DpopHtu.normalize(htuText);
        if (proofHtu == null || !canonicalHtus.contains(proofHtu)) {
            return new Rejected(Reason.HTU_MISMATCH);
        }
        Duration window = policy.iatWindow();
        if (Math.abs(iatSeconds - now.getEpochSecond()) > window.toSeconds()) {
            return new Rejected(Reason.IAT_OUT_OF_WINDOW);
        }

        // token binding (RFC 9449 §4.3 step 11, §7.1)
        String jkt = thumbprint(jwk);
        // with an access token, ath is a String (checked above)
        if (accessToken != null
                && !(ath instanceof String a
                        && ConstantTime.equals(a, sha256(accessToken, StandardCharsets.US_ASCII)))) {
            return new Rejected(Reason.ATH_MISMATCH);
        }
        if (tokenJkt != null && !ConstantTime.equals(tokenJkt, jkt)) {
            return new Rejected(Reason.JKT_MISMATCH);
        }

        // server nonce (§8)
        if (nonces != null) {
            Object nonce = claims.get("nonce");
            if (nonce == null) {
                return new NonceRequired(nonces.issue(now), DpopVerification.NonceReason.NONCE_MISSING);
            }
            if (!(nonce instanceof String n) || !nonces.isValid(n, now)) {
                return new NonceRequired(nonces.issue(now), DpopVerification.NonceReason.NONCE_INVALID);
            }
        }

        // single use (step 12), last
        String key = "dpop:" + sha256(jkt + ":" + jtiText, StandardCharsets.UTF_8);
        Instant notAfter = Instant.ofEpochSecond(iatSeconds).plus(window);
        ReplayCache.Claim claim = new ReplayCache.Claim(
                key,
                owner == null
                        ? null
                        : new ReplayCache.Quota(owner, policy.replayQuotaPerCaller(), policy.proofLifetime()),
                notAfter);
        if (deferral != null) {
            deferral.claim = claim;
            return new Verified(jkt);
        }
        return recorded(replayCache.firstUse(claim, now), jkt);
    }

    /** The verification of a proof valid in every other respect, by what the replay cache found. */
    static DpopVerification recorded(ReplayCache.Outcome outcome, String jkt) {
        return switch (outcome) {
            case FIRST_USE -> new Verified(jkt);
            case REPLAYED -> new Rejected(Reason.REPLAYED);
            case FULL -> new Rejected(Reason.REPLAY_CACHE_FULL);
            case UNAVAILABLE -> new Rejected(Reason.REPLAY_CACHE_UNAVAILABLE);
            case OVER_QUOTA -> new Rejected(Reason.REPLAY_QUOTA_EXCEEDED);
        };
    }

    /** Whether the key's type (and curve, size) fits the algorithm. */
    private static boolean fits(JWK jwk, JWSAlgorithm alg) {
        if (jwk instanceof RSAKey rsa) {
            int bits = SignatureCheck.rsaBits(rsa);
            return JWSAlgorithm.Family.RSA.contains(alg)
                    && bits >= SignatureCheck.MIN_RSA_BITS
                    && bits <= MAX_RSA_BITS
                    && rsa.getPublicExponent().decodeToBigInteger().bitLength() <= 64;
        }
        if (jwk instanceof ECKey ec) {
            Curve crv = ec.getCurve();
            return (JWSAlgorithm.ES256.equals(alg) && Curve.P_256.equals(crv))
                    || (JWSAlgorithm.ES384.equals(alg) && Curve.P_384.equals(crv))
                    || (JWSAlgorithm.ES512.equals(alg) && Curve.P_521.equals(crv));
        }
        if (jwk instanceof OctetKeyPair okp) {
            Curve crv = okp.getCurve();
            return (JWSAlgorithm.Ed25519.equals(alg) && Curve.Ed25519.equals(crv))
                    || (JWSAlgorithm.EdDSA.equals(alg) && (Curve.Ed25519.equals(crv) || Curve.Ed448.equals(crv)));
        }
        return false;
    }

    private static String thumbprint(JWK jwk) {
        try {
            return jwk.computeThumbprint().toString();
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot compute the JWK thumbprint", e);
        }
    }

    static String sha256(String text, java.nio.charset.Charset charset) {
        try {
            return B64URL.encodeToString(MessageDigest.getInstance("SHA-256").digest(text.getBytes(charset)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }

    @Override
    public String toString() {
        return "DpopProofVerifier[" + policy + "]";
    }
}
