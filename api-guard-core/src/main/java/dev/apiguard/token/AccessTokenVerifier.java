package dev.apiguard.token;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import dev.apiguard.Caller;
import dev.apiguard.Claims;
import dev.apiguard.CredentialKind;
import dev.apiguard.internal.CompactJws;
import dev.apiguard.internal.CredentialDigest;
import dev.apiguard.internal.RequestTime;
import dev.apiguard.internal.SignatureCheck;
import dev.apiguard.token.TokenVerification.Reason;
import dev.apiguard.token.TokenVerification.Rejected;
import dev.apiguard.token.TokenVerification.Verified;
import dev.apiguard.token.internal.ClaimSet;
import dev.apiguard.token.internal.ExpiryOnWrite;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies RFC 9068 JWT access tokens against a {@link TokenPolicy}.
 *
 * <p>Thread-safe; build one per policy with {@link #of(TokenPolicy)} and share it. Each call of
 * {@link #verify} returns a {@link TokenVerification}, never throws for anything a client sent,
 * and never puts the token into a log line, an event or an exception. The checks, in order:
 * <ol>
 *   <li>length against {@link TokenPolicy#maxTokenLength()}, before anything else;</li>
 *   <li>the verified-token cache: a token seen before costs a keyed digest of it (never kept) and a
 *       lookup, and is only
 *       checked again against its {@code exp};</li>
 *   <li>compact JWS syntax (RFC 7515 §7.1): three non-empty segments of canonical base64url,
 *       JSON objects in the first two; a five-segment JWE is refused;</li>
 *   <li>header: {@code alg} on the policy's allow-list ({@code none} and {@code HS*} never),
 *       no {@code crit}, {@code typ} {@code at+jwt} (RFC 9068 §2.1, §4);</li>
 *   <li>{@code iss} names a configured issuer, or one the policy's {@link IssuerResolver}
 *       accepts, whose keys alone are then used (RFC 9068 §4 step 3);</li>
 *   <li>signature (RFC 7515 §5.2) with the issuer's keys matching the header's {@code kid} and
 *       {@code alg}'s key type, selected by Nimbus' {@link JWKMatcher};</li>
 *   <li>claim types on the raw JSON values, then required claims, {@code aud} naming one of the policy's audiences (RFC 9068 §4
 *       step 4), {@code exp}/{@code nbf}/{@code iat} against the given instant with the clock
 *       skew (RFC 7519 §4.1.4), and the maximum lifetime.</li>
 * </ol>
 * Expected refusals are {@link Rejected} values with a stable reason code; a fault of a key source
 * is a refusal too ({@link Reason#KEYS_UNAVAILABLE}), logged by the key source.
 */
public final class AccessTokenVerifier {

    private static final Logger LOG = LoggerFactory.getLogger(AccessTokenVerifier.class);

    private static final DefaultJOSEObjectTypeVerifier<SecurityContext> AT_JWT =
            new DefaultJOSEObjectTypeVerifier<>(new JOSEObjectType("at+jwt"), new JOSEObjectType("application/at+jwt"));

    private final TokenPolicy policy;
    // the claims of nearly every token: only aud beyond what the caller carries, the configured one
    private final Claims audienceOnly;
    private final String firstAudience;
    private final Duration skew;
    private final @Nullable Cache<CredentialDigest, Caller> cache;
    // each configured issuer's own String: a cached caller refers to it instead of a copy per token
    private final Map<String, String> issuerNames;
    private final RequestTime requestTime = new RequestTime();
    // the key sources of issuers the policy's resolver accepted, bounded; null without a resolver
    private final @Nullable IssuerResolver resolver;
    private final @Nullable Cache<String, KeySource> resolved;
    private final String[] audiences;

    private AccessTokenVerifier(TokenPolicy policy) {
        this.policy = policy;
        this.firstAudience = policy.audiences().iterator().next();
        this.audienceOnly = Claims.of(Map.of("aud", firstAudience));
        Map<String, String> names = new HashMap<>();
        for (String issuer : policy.issuers().keySet()) {
            names.put(issuer, issuer);
        }
        this.issuerNames = Map.copyOf(names);
        this.audiences = policy.audiences().toArray(new String[0]);
        this.resolver = policy.issuerResolver().orElse(null);
        this.resolved = resolver == null
                ? null
                : Caffeine.newBuilder()
                        .maximumSize(policy.resolvedIssuersMaximumSize())
                        .executor(Runnable::run)
                        .build();
        this.skew = policy.clockSkew();
        if (policy.cacheMaximumSize() > 0) {
            // the cache's time is the latest request's now (never run back), so an entry leaves at
            // its exp plus the skew by the guard's clock, not by one of the cache's own; whether a
            // cached token has expired is still checked against each request's own now
            this.cache = Caffeine.newBuilder()
                    .maximumSize(policy.cacheMaximumSize())
                    .ticker(requestTime)
                    // maintenance on the calling thread keeps eviction deterministic and cheap
                    .executor(Runnable::run)
                    // each verified token stays until its exp plus the skew (a verified token always
                    // has an exp; without one, nothing is kept)
                    .expireAfter(new ExpiryOnWrite<CredentialDigest, Caller>((caller, currentTime) -> {
                        Instant exp = caller.expiresAt();
                        return exp == null ? 0 : RequestTime.epochNanos(exp.plus(skew)) - currentTime;
                    }))
                    .build();
        } else {
            this.cache = null;
        }
    }

    /** A verifier for the policy. */
    public static AccessTokenVerifier of(TokenPolicy policy) {
        return new AccessTokenVerifier(Objects.requireNonNull(policy, "policy cannot be null"));
    }

    /** The policy this verifier enforces. */
    public TokenPolicy policy() {
        return policy;
    }

    /**
     * Verifies a token as of {@code now}.
     *
     * @param token the token as sent (without the {@code Bearer} scheme); null is refused
     * @param now the instant to check {@code exp}, {@code nbf} and {@code iat} against
     * @return the verified caller, or the reason for refusal; never null, never throws for bad input
     */
    public TokenVerification verify(@Nullable String token, Instant now) {
        return verify(token, now, null);
    }

    /** As {@link #verify(String, Instant)}, with the token's digest when already computed (else null). */
    TokenVerification verify(@Nullable String token, Instant now, @Nullable CredentialDigest tokenDigest) {
        Objects.requireNonNull(now, "now cannot be null");
        try {
            if (token == null || token.isEmpty()) {
                return rejected(Reason.MALFORMED);
            }
            if (token.length() > policy.maxTokenLength()) {
                return rejected(Reason.TOO_LONG);
            }
            CredentialDigest digest = null;
            if (cache != null) {
                requestTime.advanceTo(now);
                digest = tokenDigest != null ? tokenDigest : CredentialDigest.of(token);
                Caller cached = cache.getIfPresent(digest);
                if (cached != null) {
                    return expired(cached.expiresAt(), now) ? rejected(Reason.EXPIRED) : new Verified(cached);
                }
            }
            TokenVerification result = verifyUncached(token, now);
            if (cache != null && digest != null && result instanceof Verified v) {
                cache.put(digest, v.caller());
            }
            return result;
        } catch (RuntimeException e) {
            // a parser or crypto provider failing on hostile input is a refusal, not a fault;
            // the exception's message may quote the input, so only its type is logged.
            // (Deep JSON nesting cannot overflow the stack: Nimbus' JSON parser stops at depth 255.)
            LOG.debug("token verification failed with {}", e.getClass().getName());
            return rejected(Reason.MALFORMED);
        }
    }

    /**
     * The answer of the verified-token cache for the token of this digest: verified, or expired
     * since; null when the cache does not hold it (or there is no cache).
     */
    @Nullable
    TokenVerification cached(CredentialDigest tokenDigest, Instant now) {
        if (cache == null) {
            return null;
        }
        requestTime.advanceTo(now);
        Caller cached = cache.getIfPresent(tokenDigest);
        if (cached == null) {
            return null;
        }
        return expired(cached.expiresAt(), now) ? rejected(Reason.EXPIRED) : new Verified(cached);
    }

    /** Whether verified tokens are cached (keyed by a keyed digest, never the token). */
    boolean caches() {
        return cache != null;
    }

    /** How many verified tokens the cache holds right now (for tests and metrics). */
    long cachedTokens() {
        if (cache == null) {
            return 0;
        }
        cache.cleanUp();
        return cache.estimatedSize();
    }

    private TokenVerification verifyUncached(String token, Instant now) {
        CompactJws.Split split = CompactJws.split(token);
        CompactJws jws = split.jws();
        if (jws == null) {
            return rejected(split.fault() == CompactJws.Fault.JWE ? Reason.JWE_NOT_ACCEPTED : Reason.MALFORMED);
        }

        Map<String, Object> rawHeader;
        try {
            rawHeader = JSONObjectUtils.parse(jws.headerJson());
        } catch (ParseException e) {
            return rejected(Reason.MALFORMED);
        }
        Object alg = rawHeader.get("alg");
        if (!(alg instanceof String algName)) {
            return rejected(Reason.MALFORMED);
        }
        if (rawHeader.containsKey("enc")) {
            return rejected(Reason.JWE_NOT_ACCEPTED);
        }
        if (algName.equalsIgnoreCase("none")
                || policy.algorithms().stream().noneMatch(a -> a.getName().equals(algName))) {
            return rejected(Reason.ALG_NOT_ALLOWED);
        }
        JWSHeader header;
        try {
            header = JWSHeader.parse(rawHeader, Base64URL.from(jws.headerB64()));
        } catch (ParseException e) {
            return rejected(Reason.MALFORMED);
        }
        if (header.getCriticalParams() != null) {
            // no extension is understood, so none may be critical (RFC 7515 §4.1.11)
            return rejected(Reason.MALFORMED);
        }
        if (policy.requireAccessTokenType()) {
            try {
                AT_JWT.verify(header.getType(), null);
            } catch (BadJOSEException e) {
                return rejected(Reason.BAD_TYPE);
            }
        }

        Map<String, Object> rawClaims;
        try {
            rawClaims = JSONObjectUtils.parse(jws.payloadJson());
        } catch (ParseException e) {
            return rejected(Reason.MALFORMED);
        }
        Object iss = rawClaims.get("iss");
        if (iss == null) {
            return rejected(Reason.MISSING_CLAIM);
        }
        if (!(iss instanceof String issuer)) {
            return rejected(Reason.BAD_CLAIM_TYPE);
        }
        KeySource keys = policy.issuers().get(issuer);
        if (keys == null) {
            keys = resolve(issuer);
        }
        if (keys == null) {
            return rejected(Reason.UNKNOWN_ISSUER);
        }

        Reason signatureFault = checkSignature(keys, header, jws);
        if (signatureFault != null) {
            return rejected(signatureFault);
        }

        ClaimSet.Read read = ClaimSet.read(rawClaims);
        ClaimSet claims = read.claims();
        if (claims == null) {
            return rejected(read.reason() != null ? read.reason() : Reason.BAD_CLAIM_TYPE);
        }
        return checkClaims(claims, rawClaims, now);
    }

    /** Null when one of the issuer's matching keys verifies the signature, else the reason. */
    static @Nullable Reason checkSignature(KeySource keys, JWSHeader header, CompactJws jws) {
        JWKMatcher matcher = JWKMatcher.forJWSHeader(header);
        if (matcher == null) {
            return Reason.ALG_NOT_ALLOWED;
        }
        List<JWK> candidates;
        try {
            candidates = keys.jwkSource().get(new JWKSelector(matcher), null);
        } catch (RateLimitReachedException e) {
            return Reason.UNKNOWN_KEY;
        } catch (KeySourceException e) {
            return Reason.KEYS_UNAVAILABLE;
        }
        if (candidates == null || candidates.isEmpty()) {
            return Reason.UNKNOWN_KEY;
        }
        byte[] input = jws.signingInput();
        Base64URL signature = Base64URL.from(jws.signatureB64());
        for (JWK key : candidates) {
            if (SignatureCheck.verifyWithKeySetKey(key, header, input, signature)) {
                return null;
            }
        }
        return Reason.BAD_SIGNATURE;
    }

    private TokenVerification checkClaims(ClaimSet c, Map<String, Object> raw, Instant now) {
        if (c.exp() == null || c.aud() == null || c.iat() == null) {
            return rejected(Reason.MISSING_CLAIM);
        }
        for (String name : policy.requiredClaims()) {
            if (raw.get(name) == null) {
                return rejected(Reason.MISSING_CLAIM);
            }
        }
        String id = c.identity();
        if (id == null) {
            return rejected(Reason.MISSING_CLAIM);
        }
        if (!namesAnAudience(c.aud())) {
            return rejected(Reason.WRONG_AUDIENCE);
        }
        Instant exp = Instant.ofEpochSecond(c.exp());
        Instant iat = Instant.ofEpochSecond(c.iat());
        if (expired(exp, now)) {
            return rejected(Reason.EXPIRED);
        }
        Instant latestStart = now.plus(skew);
        if (iat.isAfter(latestStart)
                || (c.nbf() != null && Instant.ofEpochSecond(c.nbf()).isAfter(latestStart))) {
            return rejected(Reason.NOT_YET_VALID);
        }
        if (exp.isBefore(iat)) {
            return rejected(Reason.BAD_CLAIM_TYPE);
        }
        if (Duration.between(iat, exp).compareTo(policy.maxLifetime()) > 0
                || exp.isAfter(now.plus(policy.maxLifetime()).plus(skew))) {
            return rejected(Reason.LIFETIME_EXCEEDED);
        }
        // a client-credentials token's sub is its client id (RFC 9068 §2.2): one String for both, cached
        String subject = id.equals(c.sub()) ? id : c.sub();
        Caller caller = Caller.builder(id, CredentialKind.BEARER_JWT)
                .subject(subject)
                .issuer(issuerNames.getOrDefault(c.iss(), c.iss()))
                .scopes(new LinkedHashSet<>(c.scopes()))
                .issuedAt(iat)
                .expiresAt(exp)
                .tokenId(c.jti())
                .confirmation(c.cnf())
                .claims(claimsOf(raw))
                .build();
        return new Verified(caller);
    }

    private boolean namesAnAudience(List<String> aud) {
        for (String accepted : audiences) {
            if (aud.contains(accepted)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The keys the policy's resolver gives a token's {@code iss} that is not an exact issuer, kept in
     * the bounded cache; null when there is no resolver, or it refuses the issuer (or fails).
     */
    private @Nullable KeySource resolve(String issuer) {
        IssuerResolver r = resolver;
        Cache<String, KeySource> sources = resolved;
        if (r == null || sources == null) {
            return null;
        }
        KeySource keys = sources.getIfPresent(issuer);
        if (keys != null) {
            return keys;
        }
        java.util.Optional<KeySource> answer;
        try {
            answer = r.keysFor(issuer);
        } catch (RuntimeException e) {
            LOG.warn(
                    "issuer resolver failed with {}; the token is refused",
                    e.getClass().getName());
            return null;
        }
        if (answer == null || answer.isEmpty()) {
            return null;
        }
        // two threads resolving the same new issuer keep the first source, so its keys are fetched once
        KeySource kept = sources.asMap().putIfAbsent(issuer, answer.get());
        return kept != null ? kept : answer.get();
    }

    /** How many resolved issuers' key sources are kept right now (for tests). */
    long resolvedIssuers() {
        if (resolved == null) {
            return 0;
        }
        resolved.cleanUp();
        return resolved.estimatedSize();
    }

    /** The claims to keep with the caller: one shared instance for a token with nothing but the usual. */
    private Claims claimsOf(Map<String, Object> raw) {
        // the first accepted audience is shared; a token naming another keeps its own copy
        Map<String, @Nullable Object> unmapped = ClaimSet.unmapped(raw, firstAudience);
        return unmapped.size() == 1 && unmapped.get("aud") == firstAudience ? audienceOnly : Claims.of(unmapped);
    }

    /**
     * Expired when now is at or after exp + skew (RFC 7519 §4.1.4, with leeway), or when there is no
     * exp (a verified token always has one: fail closed).
     */
    private boolean expired(@Nullable Instant exp, Instant now) {
        return exp == null || !now.isBefore(exp.plus(skew));
    }

    private static Rejected rejected(Reason reason) {
        return new Rejected(reason);
    }
}
