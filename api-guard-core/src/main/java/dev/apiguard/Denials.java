package dev.apiguard;

import dev.apiguard.internal.Problems;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The refusals common to every capability, each with a fixed status, challenge and problem text:
 * an invalid token or request, a missing credential, a missing scope (403), an unreadable query
 * string, too many requests (429) and an unavailable guard (503). A host's own step may answer with
 * them too. The refusals of one capability sit next to it, in its package (the DPoP refusals with
 * the DPoP step, the route refusals in {@code dev.apiguard.scope} as {@code RouteDenials}, ...).
 *
 * <p>The texts say what the client must do, never which check of a credential failed beyond the
 * RFC 6750 / RFC 9449 error code: an attacker probing tokens learns nothing more than "invalid".
 */
public final class Denials {

    /** The {@code Bearer} scheme of RFC 6750. */
    public static final String BEARER = "Bearer";

    private static final Decision.Deny INVALID_TOKEN = new Decision.Deny(
            401,
            List.of(Challenge.of(BEARER, "error", "invalid_token")),
            Problems.of(
                    "invalid-token",
                    "Invalid token",
                    401,
                    "The access token is malformed, expired, revoked, not bound to this client, or not issued for this API."),
            Map.of());

    private static final Decision.Deny INVALID_REQUEST = new Decision.Deny(
            400,
            List.of(Challenge.of(BEARER, "error", "invalid_request")),
            Problems.of(
                    "invalid-request",
                    "Invalid request",
                    400,
                    "The request carries its credential in a way this API does not accept."),
            Map.of());

    private static final Decision.Deny BAD_QUERY = new Decision.Deny(
            400,
            List.of(),
            Problems.of(
                    "bad-query",
                    "Bad query string",
                    400,
                    "The query string cannot be read: too long, too many parameters, or a malformed percent-encoding or UTF-8 sequence."),
            Map.of());

    private static final Problem RATE_LIMITED = Problems.of(
            "rate-limited",
            "Too many requests",
            429,
            "The request rate of this client exceeds its limit. Retry after the time given in Retry-After.");

    private static final Problem UNAVAILABLE = Problems.of(
            "unavailable", "Service unavailable", 503, "The request could not be checked right now. Try again later.");

    private Denials() {}

    /** 401 with an RFC 6750 {@code invalid_token} challenge. */
    public static Decision.Deny invalidToken() {
        return INVALID_TOKEN;
    }

    /** 400 with an RFC 6750 {@code invalid_request} challenge (for example two Authorization headers). */
    public static Decision.Deny invalidRequest() {
        return INVALID_REQUEST;
    }

    /**
     * 401 for a request without any credential: one challenge per configured scheme, none with an
     * {@code error} (RFC 6750 §3.1).
     */
    public static Decision.Deny unauthenticated(List<Challenge> challenges) {
        if (challenges.isEmpty()) {
            challenges = List.of(Challenge.of(BEARER));
        }
        return new Decision.Deny(
                401,
                challenges,
                Problems.of("unauthenticated", "Authentication required", 401, "This resource needs a credential."),
                Map.of());
    }

    /**
     * 403 with an RFC 6750 {@code insufficient_scope} challenge naming the scopes the route needs.
     *
     * @param scope the space-delimited scopes that would satisfy the route
     */
    public static Decision.Deny insufficientScope(String scope) {
        Objects.requireNonNull(scope, "scope cannot be null");
        return new Decision.Deny(
                403,
                List.of(Challenge.of(BEARER, "error", "insufficient_scope").with("scope", scope)),
                Problems.of(
                        "insufficient-scope",
                        "Insufficient scope",
                        403,
                        "The access token does not grant the scope this resource needs."),
                Map.of());
    }

    /**
     * 400 for a query string the guard cannot read as the container does (see
     * {@link QueryParameters}): too long, too many parameters, a malformed escape or invalid UTF-8.
     * No challenge: it is not about the credential; the text quotes nothing of the query.
     */
    public static Decision.Deny badQuery() {
        return BAD_QUERY;
    }

    /**
     * 429 for a caller (or, before authentication, a peer) over its limit: an empty rate-limit
     * bucket, or a DPoP caller over its share of the replay cache. The problem text is the same
     * for every caller and says nothing about the credential.
     *
     * @param retryAfterSeconds whole seconds until a retry can succeed, at least 1
     * @param rateLimitHeaders the {@code RateLimit-Policy} and {@code RateLimit} fields, or an empty
     *     map when they are not sent
     */
    public static Decision.Deny rateLimited(long retryAfterSeconds, Map<String, String> rateLimitHeaders) {
        HashMap<String, String> headers = new HashMap<>(rateLimitHeaders);
        headers.put("Retry-After", Long.toString(Math.max(1, retryAfterSeconds)));
        return new Decision.Deny(429, List.of(), RATE_LIMITED, headers);
    }

    /** 503 for an infrastructure fault inside the guard (a dependency down, a step that failed). */
    public static Decision.Deny unavailable() {
        return new Decision.Deny(503, List.of(), UNAVAILABLE, Map.of());
    }

    /**
     * 503 with {@code Retry-After} (whole seconds, at least 1) for a request that could not be
     * checked because a shared store (rate limits, quarantine, replay cache) is unreachable and
     * fails closed.
     */
    public static Decision.Deny unavailable(long retryAfterSeconds) {
        return new Decision.Deny(
                503, List.of(), UNAVAILABLE, Map.of("Retry-After", Long.toString(Math.max(1, retryAfterSeconds))));
    }
}
