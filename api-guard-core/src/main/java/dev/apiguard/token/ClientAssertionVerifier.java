package dev.apiguard.token;

import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import dev.apiguard.Caller;
import dev.apiguard.CallerKey;
import dev.apiguard.CredentialKind;
import dev.apiguard.LocalReplayCache;
import dev.apiguard.ReplayCache;
import dev.apiguard.internal.Check;
import dev.apiguard.internal.CompactJws;
import dev.apiguard.token.ClientAssertionVerification.Reason;
import dev.apiguard.token.ClientAssertionVerification.Rejected;
import dev.apiguard.token.ClientAssertionVerification.Verified;
import dev.apiguard.token.internal.ClaimSet;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authenticates clients by signed JWT assertions ({@code private_key_jwt}, RFC 7523 §2.2 and §3),
 * for host apps that authenticate clients themselves (their own token endpoint, or an API that
 * takes signed client assertions).
 *
 * <p>Thread-safe; build one per policy and share it. {@link #verify} never throws for anything a
 * client sent and never logs the assertion. The checks, in order:
 * <ol>
 *   <li>{@code client_assertion_type} is {@value ClientAssertionPolicy#JWT_BEARER_TYPE};</li>
 *   <li>length, then the same strict compact-JWS syntax as access tokens; a JWE is refused;</li>
 *   <li>header {@code alg} on the policy's list ({@code none}, {@code HS*} never), no {@code crit},
 *       and a {@code typ}, if any, that is not an access token's or a DPoP proof's;</li>
 *   <li>{@code iss} and {@code sub} both present and equal: the client id (§3 items 1, 2);
 *       the client registered;</li>
 *   <li>the signature, with that client's keys only (matching {@code kid} and key type);</li>
 *   <li>claim types; {@code aud} contains a configured endpoint URL (§3 item 3); {@code exp}
 *       present, not past, at most the policy's maximum lifetime ahead, and {@code exp − iat} no
 *       longer either (§3 item 4); {@code nbf} and {@code iat} not in the future (with skew);
 *       {@code jti} present;</li>
 *   <li>last: {@code jti} single use (§3 item 7) in the replay cache under
 *       {@code client-assertion:} + SHA-256(client id, jti) until {@code exp} + skew; a replay, a
 *       full cache and an unreachable cache all refuse.</li>
 * </ol>
 * The result is a {@link Caller} of kind {@link CredentialKind#CLIENT_ASSERTION} whose id is the
 * client id, without scopes.
 */
public final class ClientAssertionVerifier {

    private static final Logger LOG = LoggerFactory.getLogger(ClientAssertionVerifier.class);
    private static final Set<String> FOREIGN_TYPES =
            Set.of("at+jwt", "application/at+jwt", "dpop+jwt", "application/dpop+jwt");

    private final ClientAssertionPolicy policy;
    private final ReplayCache replayCache;

    private ClientAssertionVerifier(ClientAssertionPolicy policy, ReplayCache replayCache) {
        this.policy = policy;
        this.replayCache = replayCache;
    }

    /**
     * A verifier for the policy, remembering assertion {@code jti}s in this JVM
     * ({@link LocalReplayCache#defaults()}, made per verifier).
     */
    public static ClientAssertionVerifier of(ClientAssertionPolicy policy) {
        return of(policy, LocalReplayCache.defaults());
    }

    /**
     * A verifier for the policy, remembering assertion {@code jti}s in the given cache (namespace
     * {@code client-assertion:}); share a Redis one between app nodes.
     */
    public static ClientAssertionVerifier of(ClientAssertionPolicy policy, ReplayCache replayCache) {
        return new ClientAssertionVerifier(Check.notNull("policy", policy), Check.notNull("replayCache", replayCache));
    }

    /** The policy this verifier enforces. */
    public ClientAssertionPolicy policy() {
        return policy;
    }

    /** Where assertion {@code jti}s are remembered. */
    public ReplayCache replayCache() {
        return replayCache;
    }

    /**
     * Verifies a client assertion as of {@code now}.
     *
     * @param assertionType the {@code client_assertion_type} parameter as sent; null is refused
     * @param assertion the {@code client_assertion} parameter as sent; null is refused
     * @param now the instant to check {@code exp}, {@code nbf} and {@code iat} against
     * @return the client, or why the assertion is refused; never null
     */
    public ClientAssertionVerification verify(@Nullable String assertionType, @Nullable String assertion, Instant now) {
        Objects.requireNonNull(now, "now cannot be null");
        if (!ClientAssertionPolicy.JWT_BEARER_TYPE.equals(assertionType)) {
            return new Rejected(Reason.BAD_ASSERTION_TYPE);
        }
        try {
            return check(assertion, now);
        } catch (RuntimeException e) {
            LOG.debug(
                    "client assertion verification failed with {}", e.getClass().getName());
            return new Rejected(Reason.MALFORMED);
        }
    }

    private ClientAssertionVerification check(@Nullable String assertion, Instant now) {
        if (assertion == null || assertion.isEmpty()) {
            return new Rejected(Reason.MALFORMED);
        }
        if (assertion.length() > policy.maxLength()) {
            return new Rejected(Reason.TOO_LONG);
        }
        CompactJws.Split split = CompactJws.split(assertion);
        CompactJws jws = split.jws();
        if (jws == null) {
            return new Rejected(split.fault() == CompactJws.Fault.JWE ? Reason.JWE_NOT_ACCEPTED : Reason.MALFORMED);
        }
        Map<String, Object> rawHeader;
        Map<String, Object> raw;
        try {
            rawHeader = JSONObjectUtils.parse(jws.headerJson());
            raw = JSONObjectUtils.parse(jws.payloadJson());
        } catch (ParseException e) {
            return new Rejected(Reason.MALFORMED);
        }
        if (!(rawHeader.get("alg") instanceof String algName)
                || policy.algorithms().stream().noneMatch(a -> a.getName().equals(algName))) {
            return new Rejected(Reason.ALG_NOT_ALLOWED);
        }
        if (rawHeader.containsKey("crit") || rawHeader.containsKey("enc")) {
            return new Rejected(Reason.MALFORMED);
        }
        Object typ = rawHeader.get("typ");
        if (typ != null && (!(typ instanceof String t) || FOREIGN_TYPES.contains(t.toLowerCase(Locale.ROOT)))) {
            return new Rejected(Reason.BAD_TYPE);
        }
        JWSHeader header;
        try {
            header = JWSHeader.parse(rawHeader, Base64URL.from(jws.headerB64()));
        } catch (ParseException e) {
            return new Rejected(Reason.MALFORMED);
        }

        ClaimSet.Read read = ClaimSet.read(raw);
        ClaimSet c = read.claims();
        if (c == null) {
            return new Rejected(
                    Reason.of(read.reason() != null ? read.reason() : TokenVerification.Reason.BAD_CLAIM_TYPE));
        }
        if (c.iss() == null || c.sub() == null) {
            return new Rejected(Reason.MISSING_CLAIM);
        }
        if (!c.iss().equals(c.sub())) {
            return new Rejected(Reason.ISS_SUB_MISMATCH);
        }
        String clientId = c.iss();
        KeySource keys = policy.clients().get(clientId);
        if (keys == null) {
            return new Rejected(Reason.UNKNOWN_CLIENT);
        }
        TokenVerification.Reason signatureFault = AccessTokenVerifier.checkSignature(keys, header, jws);
        if (signatureFault != null) {
            return new Rejected(Reason.of(signatureFault));
        }

        if (c.exp() == null || c.aud() == null || c.jti() == null) {
            return new Rejected(Reason.MISSING_CLAIM);
        }
        if (c.aud().stream().noneMatch(policy.audiences()::contains)) {
            return new Rejected(Reason.WRONG_AUDIENCE);
        }
        Duration skew = policy.clockSkew();
        Instant exp = Instant.ofEpochSecond(c.exp());
        if (!now.isBefore(exp.plus(skew))) {
            return new Rejected(Reason.EXPIRED);
        }
        Instant latestStart = now.plus(skew);
        Instant iat = c.iat() == null ? null : Instant.ofEpochSecond(c.iat());
        if ((iat != null && iat.isAfter(latestStart))
                || (c.nbf() != null && Instant.ofEpochSecond(c.nbf()).isAfter(latestStart))) {
            return new Rejected(Reason.NOT_YET_VALID);
        }
        if (exp.isAfter(now.plus(policy.maxLifetime()).plus(skew))
                || (iat != null && Duration.between(iat, exp).compareTo(policy.maxLifetime()) > 0)) {
            return new Rejected(Reason.LIFETIME_EXCEEDED);
        }

        String key = "client-assertion:" + sha256(clientId + "\n" + c.jti());
        ReplayCache.Quota quota = new ReplayCache.Quota(
                CallerKey.client(clientId).hashTag(), policy.replayQuotaPerClient(), policy.assertionLifetime());
        ReplayCache.Outcome outcome = replayCache.firstUse(key, quota, exp.plus(skew), now);
        return switch (outcome) {
            case FIRST_USE ->
                new Verified(Caller.builder(clientId, CredentialKind.CLIENT_ASSERTION)
                        .subject(c.sub())
                        .issuedAt(iat)
                        .expiresAt(exp)
                        .tokenId(c.jti())
                        .build());
            case REPLAYED -> new Rejected(Reason.REPLAYED);
            case FULL -> new Rejected(Reason.REPLAY_CACHE_FULL);
            case UNAVAILABLE -> new Rejected(Reason.REPLAY_CACHE_UNAVAILABLE);
            case OVER_QUOTA -> new Rejected(Reason.REPLAY_QUOTA_EXCEEDED);
        };
    }

    private static String sha256(String text) {
        try {
            return Base64.getUrlEncoder()
                    .withoutPadding()
                    .encodeToString(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }

    @Override
    public String toString() {
        return "ClientAssertionVerifier[" + policy + "]";
    }
}
