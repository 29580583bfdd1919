package dev.apiguard.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.apiguard.Decision;
import dev.apiguard.Denials;
import dev.apiguard.GuardExchange;
import dev.apiguard.GuardPhase;
import dev.apiguard.GuardStep;
import dev.apiguard.event.SecurityEventType;
import dev.apiguard.internal.Check;
import dev.apiguard.internal.RequestTime;
import dev.apiguard.ratelimit.internal.ClientAddress;
import dev.apiguard.ratelimit.internal.CredentialFingerprint;
import dev.apiguard.ratelimit.internal.RateLimitFields;
import java.time.Duration;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The guard step that limits, per client address, requests that carry no valid credential,
 * named {@value #NAME}: cheap protection against invalid-token floods and credential stuffing.
 *
 * <p>In the {@link GuardPhase#ADMIT} phase: <em>first</em>, before any token is parsed. The client address is the TCP peer, or
 * the first untrusted {@code X-Forwarded-For} hop read right to left when the peer is one of the
 * policy's {@linkplain RateLimitPolicy#trustedProxies() trusted proxies}. An IPv6 address counts
 * for its whole network of {@linkplain RateLimitPolicy#anonymousIpv6Prefix() /64} by default: a
 * client handed a /64 would otherwise take a fresh bucket with each of its addresses. Per request:
 * <ul>
 *   <li>a path in {@link RateLimitPolicy#anonymousExemptPaths()} that the route step matched as a
 *       public route (one that needs no credential, so none is parsed): allowed, uncounted. The
 *       same path with a method that is not public ({@code POST /health}) is counted like any
 *       other, since its credential is verified;</li>
 *   <li>a credential that authenticated successfully and was last presented within {@link #KNOWN_CREDENTIAL_TTL}
 *       (recognised by a SHA-256 digest; the credential itself is not kept): passes this step,
 *       so a caller with a valid credential is limited by its own bucket only, even while others
 *       flood from the same address;</li>
 *   <li>otherwise, when the address's bucket of the {@linkplain RateLimitPolicy#anonymousPlan()
 *       anonymous plan} is empty: 429 with {@code Retry-After} and the {@code RateLimit} fields,
 *       and a {@code ratelimit.limited} event, before any token parsing;</li>
 *   <li>once answered ({@link #completed}): a request that ended without an authenticated caller
 *       (401, 400, a public route...) takes one unit from its address's bucket; so does a request
 *       whose caller a binding step withdrew (a stolen bound token without its certificate or
 *       proof: {@link GuardExchange#credentialMisused}), whose credential is then no longer let
 *       past this step until its owner uses it again.</li>
 * </ul>
 * The 429 is the same whatever the credential, so it reveals nothing about one. The set of
 * recently valid credentials is bounded ({@value #KNOWN_CREDENTIALS_MAXIMUM_SIZE} digests).
 *
 * <p>Thread-safe; one instance serves every request.
 */
public final class AnonymousRateLimitStep implements GuardStep {

    /** The step's name. */
    public static final String NAME = "anonymous-ratelimit";
    /** How long a credential that authenticated is let past the per-address limit. */
    public static final Duration KNOWN_CREDENTIAL_TTL = Duration.ofMinutes(5);
    /** How many recently valid credentials are remembered at most. */
    public static final long KNOWN_CREDENTIALS_MAXIMUM_SIZE = 10_000;

    private final RateLimitPolicy policy;
    private final BucketStore store;
    private final RateLimitPlan plan;
    private final long tokens;
    private final RequestTime requestTime = new RequestTime();
    private final Cache<CredentialFingerprint, LastSeen> knownCredentials;

    /** When a known credential was last presented, by the guard's clock; renewed in place. */
    private static final class LastSeen {
        private volatile long millis;

        LastSeen(long millis) {
            this.millis = millis;
        }
    }

    private AnonymousRateLimitStep(RateLimitPolicy policy, BucketStore store) {
        this.policy = policy;
        this.store = store;
        this.plan = policy.anonymousPlan();
        this.tokens = plan.tokensFor(1, 1.0);
        this.knownCredentials = Caffeine.newBuilder()
                .ticker(requestTime)
                .maximumSize(KNOWN_CREDENTIALS_MAXIMUM_SIZE)
                // dropped by the requests' time; whether a credential is still known is worked out
                // from each request's now on its look-up, which renews it in place (a write per
                // request would schedule cache maintenance per request)
                .expireAfterAccess(KNOWN_CREDENTIAL_TTL)
                .executor(Runnable::run)
                .build();
    }

    /** A step limiting addresses as the policy's anonymous plan says, with buckets in this JVM. */
    public static AnonymousRateLimitStep of(RateLimitPolicy policy) {
        return of(policy, LocalBucketStore.defaults());
    }

    /**
     * A step limiting addresses as the policy's anonymous plan says, with buckets in the store
     * (share a Redis store across app nodes; the {@link RateLimitStep}'s own store may serve: the
     * address buckets' keys start with {@code peer:}, a caller's never does).
     */
    public static AnonymousRateLimitStep of(RateLimitPolicy policy, BucketStore store) {
        return new AnonymousRateLimitStep(Check.notNull("policy", policy), Check.notNull("store", store));
    }

    /**
     * What {@link #evaluate} found, for {@link #completed}: the credential's digest, whether it was
     * known, and the bucket key of the client address ({@code null} when known: not looked at).
     */
    private record Seen(
            @Nullable CredentialFingerprint fingerprint,
            boolean known,
            @Nullable String key) {}

    @Override
    public String name() {
        return NAME;
    }

    /** {@link GuardPhase#ADMIT}. */
    @Override
    public GuardPhase phase() {
        return GuardPhase.ADMIT;
    }

    @Override
    public Decision evaluate(GuardExchange exchange) {
        if (exempt(exchange)) {
            return Decision.ALLOW;
        }
        CredentialFingerprint fingerprint = CredentialFingerprint.of(exchange);
        requestTime.advanceTo(exchange.now());
        boolean known = fingerprint != null && renew(fingerprint, exchange.now().toEpochMilli());
        // completed needs the same digest and address: each worked out once per request
        if (known) {
            exchange.tag(Seen.class, new Seen(fingerprint, true, null));
            return Decision.ALLOW;
        }
        String key = key(exchange);
        exchange.tag(Seen.class, new Seen(fingerprint, false, key));
        BucketStore.Outcome outcome = store.estimate(key, plan.configuration(), tokens, exchange.now());
        switch (outcome.status()) {
            case REJECTED -> {
                if (exchange.eventsEnabled()) {
                    exchange.emit(SecurityEventType.RATE_LIMITED, Map.of("bucket", "peer", "plan", plan.name()));
                }
                return Denials.rateLimited(
                        RateLimitFields.ceilSeconds(outcome.nanosToWaitForRefill()),
                        RateLimitStep.fields(plan, 1.0, outcome));
            }
            case UNAVAILABLE -> {
                return Denials.unavailable(RateLimitFields.ceilSeconds(outcome.nanosToWaitForRefill()));
            }
            default -> {
                return Decision.ALLOW;
            }
        }
    }

    @Override
    public void completed(GuardExchange exchange, int status) {
        if (exempt(exchange)) {
            return;
        }
        Seen seen = exchange.tag(Seen.class);
        CredentialFingerprint fingerprint = seen != null ? seen.fingerprint() : CredentialFingerprint.of(exchange);
        if (exchange.caller().isPresent()) {
            // already known: the look-up in evaluate renewed it
            if (fingerprint != null && (seen == null || !seen.known())) {
                knownCredentials.put(fingerprint, new LastSeen(exchange.now().toEpochMilli()));
            }
            return;
        }
        if (fingerprint != null) {
            // once valid, now refused (expired, revoked): no longer let past the gate
            knownCredentials.invalidate(fingerprint);
        }
        if (exchange.isDeniedBy(this)) {
            return; // refused by this step: the bucket is empty already
        }
        String key = seen != null && seen.key() != null ? seen.key() : key(exchange);
        store.tryConsume(key, plan.configuration(), tokens, exchange.now());
    }

    /** Whether the credential was presented within the last {@link #KNOWN_CREDENTIAL_TTL}; renews it when so. */
    private boolean renew(CredentialFingerprint fingerprint, long now) {
        LastSeen seen = knownCredentials.getIfPresent(fingerprint);
        if (seen == null) {
            return false;
        }
        long last = seen.millis;
        if (now - last > KNOWN_CREDENTIAL_TTL.toMillis()) {
            knownCredentials.asMap().remove(fingerprint, seen);
            return false;
        }
        if (now > last) {
            seen.millis = now;
        }
        return true;
    }

    /** An exempt path, and a public route: no credential is read there, so nothing needs a budget. */
    private boolean exempt(GuardExchange exchange) {
        return exchange.isPublicRoute()
                && policy.anonymousExemptPaths().contains(exchange.request().path());
    }

    private String key(GuardExchange exchange) {
        return "peer:"
                + ClientAddress.bucket(
                        ClientAddress.of(exchange.request(), policy.trustedProxies()), policy.anonymousIpv6Prefix());
    }

    @Override
    public String toString() {
        return "AnonymousRateLimitStep[" + plan + "]";
    }
}
