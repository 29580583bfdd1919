package dev.apiguard.token;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.apiguard.Caller;
import dev.apiguard.Claims;
import dev.apiguard.CredentialKind;
import dev.apiguard.event.SecurityEventType;
import dev.apiguard.internal.CredentialDigest;
import dev.apiguard.internal.RequestTime;
import dev.apiguard.token.TokenVerification.Reason;
import dev.apiguard.token.TokenVerification.Rejected;
import dev.apiguard.token.TokenVerification.Verified;
import dev.apiguard.token.internal.ClaimSet;
import dev.apiguard.token.internal.ClientAuthentication;
import dev.apiguard.token.internal.ExpiryOnWrite;
import dev.apiguard.token.internal.IntrospectionAnswer;
import dev.apiguard.token.internal.IntrospectionClient;
import java.io.IOException;
import java.net.URI;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks opaque access tokens at an RFC 7662 introspection endpoint, as an
 * {@link IntrospectionPolicy} says, and caches the answers.
 *
 * <p>Thread-safe; build one per endpoint with {@link #of(IntrospectionPolicy)} and share it. Each
 * call of {@link #introspect} returns a {@link TokenVerification}, never throws for anything a
 * client or the endpoint sent, and never puts the token into a log line, an event or an exception.
 * Per token:
 * <ol>
 *   <li>the caches, keyed by a keyed digest of the token (never the token): an active answer is used until
 *       the earlier of its {@code exp} and the policy's {@code cacheFor} after it came, an inactive
 *       one for {@code inactiveCacheFor}; each cache holds at most {@code maxCacheEntries};</li>
 *   <li>else, when a call for the same token is under way, its answer (waited for at most the
 *       deadline): a burst of requests with one new token makes one call;</li>
 *   <li>else, when one of the {@code maxConcurrentCalls} call slots is free, a {@code POST} of
 *       {@code token} and {@code token_type_hint=access_token} with the client authentication,
 *       answered within the deadline; when none is free, the token is not sent (an outage for this
 *       request: no request waits behind another's call);</li>
 *   <li>the answer: {@code active:true} with a caller ({@code client_id}, else {@code azp}, else
 *       {@code sub}), an {@code exp} in the future when present, an {@code iss} naming the policy's
 *       issuer and an {@code aud} naming one of its audiences (each when present), and well-typed
 *       registered claims; its {@code cnf} ({@code x5t#S256}, {@code jkt}) binds the caller as a
 *       JWT's does, so the binding steps enforce it alike.</li>
 * </ol>
 * The caller is of kind {@link CredentialKind#BEARER_JWT} (a bearer access token, promoted by the
 * binding steps); its {@link Caller#claims()} hold the answer's members that the caller's own
 * fields do not (not {@code active}). A refusal's reason is {@code inactive} for an
 * {@code active:false} answer, {@code expired}, {@code unknown_issuer}, {@code wrong_audience},
 * {@code missing_claim} or {@code bad_claim_type} otherwise; every refusal is cached as inactive.
 * An endpoint that cannot be reached, answers another status than 200, answers too late, too much
 * or not an introspection answer, or a request finding every call slot busy, gives
 * {@code introspection_unavailable}, never cached.
 */
public final class TokenIntrospector {

    private static final Logger LOG = LoggerFactory.getLogger("dev.apiguard.token.introspection");
    private static final Rejected UNAVAILABLE = new Rejected(Reason.INTROSPECTION_UNAVAILABLE);

    /** Receives the outage events: {@code keys.fetch_failed} and {@code keys.refreshed}. */
    @FunctionalInterface
    interface OutageEvents {
        void emit(SecurityEventType type, Map<String, String> details);

        OutageEvents NONE = (type, details) -> {};
    }

    private final IntrospectionPolicy policy;
    private final IntrospectionClient client;
    private final ClientAuthentication authentication;
    private final String audience;
    private final String where;
    private final Semaphore slots;
    private final RequestTime requestTime = new RequestTime();
    private final Cache<CredentialDigest, Caller> active;
    private final @Nullable Cache<CredentialDigest, Rejected> inactive;
    // the fault of the last failed call until a call succeeds; null while the endpoint answers
    private final AtomicReference<@Nullable String> outage = new AtomicReference<>();
    // the calls under way, by token digest: one entry per request thread at most, removed when the call ends
    private final ConcurrentHashMap<CredentialDigest, CompletableFuture<TokenVerification>> inFlight =
            new ConcurrentHashMap<>();

    private TokenIntrospector(IntrospectionPolicy policy) {
        this.policy = policy;
        this.client = new IntrospectionClient(
                policy.endpoint(), policy.timeout(), policy.maxAnswerBytes(), policy.sslContext());
        this.authentication = policy.clientAuthentication();
        this.audience = policy.endpoint().toString();
        URI e = policy.endpoint();
        // the endpoint as events name it: no query string, which could hold a parameter of the server's
        this.where = e.getScheme() + "://" + e.getRawAuthority() + (e.getRawPath() == null ? "" : e.getRawPath());
        this.slots = new Semaphore(policy.maxConcurrentCalls());
        long cacheForNanos = policy.cacheFor().toNanos();
        // the caches' time is the latest request's now (never run back), as the verified-token cache's
        this.active = Caffeine.newBuilder()
                .maximumSize(policy.maxCacheEntries())
                .ticker(requestTime)
                .executor(Runnable::run)
                // an active answer stays until the earlier of its exp and cacheFor after it came
                .expireAfter(new ExpiryOnWrite<CredentialDigest, Caller>((caller, currentTime) -> {
                    Instant exp = caller.expiresAt();
                    return exp == null
                            ? cacheForNanos
                            : Math.min(cacheForNanos, RequestTime.epochNanos(exp) - currentTime);
                }))
                .build();
        this.inactive = policy.inactiveCacheFor().isZero()
                ? null
                : Caffeine.newBuilder()
                        .maximumSize(policy.maxCacheEntries())
                        .ticker(requestTime)
                        .executor(Runnable::run)
                        .expireAfterWrite(policy.inactiveCacheFor())
                        .<CredentialDigest, Rejected>build();
    }

    /** An introspector for the policy. */
    public static TokenIntrospector of(IntrospectionPolicy policy) {
        return new TokenIntrospector(Objects.requireNonNull(policy, "policy cannot be null"));
    }

    /** The policy this introspector follows. */
    public IntrospectionPolicy policy() {
        return policy;
    }

    /**
     * Checks a token as of {@code now}: from the caches, else at the endpoint.
     *
     * @param token the token as sent (without the scheme); null is refused
     * @param now the instant to check {@code exp} against and to stamp the client assertion with
     * @return the caller, or the reason for refusal; never null, never throws for bad input
     */
    public TokenVerification introspect(@Nullable String token, Instant now) {
        if (token == null || token.isEmpty()) {
            return new Rejected(Reason.MALFORMED);
        }
        return introspect(token, now, CredentialDigest.of(token), OutageEvents.NONE);
    }

    /** As {@link #introspect(String, Instant)}, with the token's digest, raising outage events. */
    TokenVerification introspect(String token, Instant now, CredentialDigest digest, OutageEvents events) {
        Objects.requireNonNull(now, "now cannot be null");
        if (token.length() > policy.maxTokenLength()) {
            return new Rejected(Reason.TOO_LONG);
        }
        TokenVerification cached = cached(digest, now);
        if (cached != null) {
            return cached;
        }
        // one call per token at a time: a burst of requests with the same new token waits for the
        // first one's answer (within the same deadline) instead of asking again
        CompletableFuture<TokenVerification> mine = new CompletableFuture<>();
        CompletableFuture<TokenVerification> leader = inFlight.putIfAbsent(digest, mine);
        if (leader != null) {
            return await(leader);
        }
        TokenVerification result = UNAVAILABLE;
        try {
            result = call(token, now, digest, events);
            return result;
        } finally {
            inFlight.remove(digest, mine);
            mine.complete(result);
        }
    }

    /** The answer of another request's call for the same token, waited for at most the deadline. */
    private TokenVerification await(CompletableFuture<TokenVerification> leader) {
        try {
            return leader.get(policy.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return UNAVAILABLE;
        } catch (ExecutionException | TimeoutException e) {
            return UNAVAILABLE;
        }
    }

    /** One call to the endpoint, when a slot is free; its answer cached. */
    private TokenVerification call(String token, Instant now, CredentialDigest digest, OutageEvents events) {
        if (!slots.tryAcquire()) {
            // every slot is busy: this request is not queued behind them (and raises no event: the
            // endpoint may be answering well, only slowly)
            return UNAVAILABLE;
        }
        byte[] body;
        try {
            body = client.post(form(token, now), authentication.authorization());
        } catch (IOException e) {
            return failed(IntrospectionClient.faultCode(e), events);
        } catch (RuntimeException e) {
            // a signing fault of the client assertion, or an HttpClient refusing a request: logged by type only
            return failed(e.getClass().getName(), events);
        } finally {
            slots.release();
        }
        Answered answered = answer(body, now);
        TokenVerification result = answered.result();
        if (result == null) {
            String fault = answered.fault();
            return failed(fault == null ? "not_json" : fault, events);
        }
        recovered(events);
        requestTime.advanceTo(now);
        // cached before the waiting requests are told and the call leaves inFlight: a request
        // arriving in between finds the answer in the cache
        if (result instanceof Verified v) {
            active.put(digest, v.caller());
        } else if (inactive != null && result instanceof Rejected r) {
            inactive.put(digest, r);
        }
        return result;
    }

    /** The cached answer for the token of this digest, or null when neither cache holds it. */
    @Nullable
    TokenVerification cached(CredentialDigest digest, Instant now) {
        requestTime.advanceTo(now);
        Caller caller = active.getIfPresent(digest);
        if (caller != null) {
            // the cache's time is the latest request's: this request's own now decides
            Instant exp = caller.expiresAt();
            return exp != null && !now.isBefore(exp) ? new Rejected(Reason.EXPIRED) : new Verified(caller);
        }
        return inactive == null ? null : inactive.getIfPresent(digest);
    }

    /** How many active answers are cached right now (for tests). */
    long cachedActive() {
        active.cleanUp();
        return active.estimatedSize();
    }

    /** What an answer's body says: a verification, or the fault of an answer that is not one. */
    record Answered(
            @Nullable TokenVerification result, @Nullable String fault) {}

    /**
     * Reads the answer's body as of {@code now}: the caller of an active answer, a refusal, or a
     * fault code ({@code not_json}) for a body that is no introspection answer. Never throws.
     */
    Answered answer(byte[] body, Instant now) {
        IntrospectionAnswer parsed = IntrospectionAnswer.parse(body);
        if (parsed == null) {
            return new Answered(null, "not_json");
        }
        if (!parsed.active()) {
            return refused(Reason.INACTIVE);
        }
        Map<String, Object> raw = parsed.claims();
        ClaimSet.Read read = ClaimSet.read(raw);
        ClaimSet c = read.claims();
        if (c == null) {
            return refused(Reason.BAD_CLAIM_TYPE);
        }
        String id = c.identity();
        if (id == null) {
            return refused(Reason.MISSING_CLAIM);
        }
        if (c.exp() != null && !now.isBefore(Instant.ofEpochSecond(c.exp()))) {
            // an active answer for a token whose exp is past is not believed
            return refused(Reason.EXPIRED);
        }
        if (c.iss() != null && !c.iss().equals(policy.issuer())) {
            return refused(Reason.UNKNOWN_ISSUER);
        }
        if (c.aud() != null && !policy.audiences().isEmpty() && !namesAnAudience(c.aud())) {
            return refused(Reason.WRONG_AUDIENCE);
        }
        Caller caller = Caller.builder(id, CredentialKind.BEARER_JWT)
                .subject(c.sub())
                .issuer(policy.issuer())
                .scopes(new LinkedHashSet<>(c.scopes()))
                .issuedAt(c.iat() == null ? null : Instant.ofEpochSecond(c.iat()))
                .expiresAt(c.exp() == null ? null : Instant.ofEpochSecond(c.exp()))
                .tokenId(c.jti())
                .confirmation(c.cnf())
                .claims(claimsOf(raw))
                .build();
        return new Answered(new Verified(caller), null);
    }

    private boolean namesAnAudience(List<String> aud) {
        for (String a : aud) {
            if (policy.audiences().contains(a)) {
                return true;
            }
        }
        return false;
    }

    private Claims claimsOf(Map<String, Object> raw) {
        Map<String, @Nullable Object> unmapped = new java.util.LinkedHashMap<>(ClaimSet.unmapped(raw, ""));
        unmapped.remove("active");
        return unmapped.isEmpty() ? Claims.none() : Claims.of(unmapped);
    }

    private static Answered refused(Reason reason) {
        return new Answered(new Rejected(reason), null);
    }

    /** The request's form: the token, its type hint, and the client authentication's parameters. */
    private String form(String token, Instant now) {
        StringBuilder form = new StringBuilder(token.length() + 64)
                .append("token=")
                .append(ClientAuthentication.form(token))
                .append("&token_type_hint=access_token");
        authentication.appendTo(form, audience, now);
        return form.toString();
    }

    /** A failed call: an event when the endpoint was answering, or failed for another reason. */
    private Rejected failed(String fault, OutageEvents events) {
        String before = outage.getAndSet(fault);
        if (!fault.equals(before)) {
            LOG.warn("token introspection at {} failed: {}", where, fault);
            events.emit(
                    SecurityEventType.KEY_SOURCE_FAILED,
                    Map.of("introspection", where, "fault", fault, "cached", "false"));
        }
        return UNAVAILABLE;
    }

    /** A call answered: after an outage, an event saying so. */
    private void recovered(OutageEvents events) {
        if (outage.get() != null && outage.getAndSet(null) != null) {
            LOG.info("token introspection at {} answers again", where);
            events.emit(SecurityEventType.KEY_SOURCE_REFRESHED, Map.of("introspection", where));
        }
    }

    @Override
    public String toString() {
        return "TokenIntrospector[" + where + "]";
    }
}
