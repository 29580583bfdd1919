package dev.apiguard;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The one place refusals are made, each with a fixed status, challenge and problem text.
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
            problem(
                    "invalid-token",
                    "Invalid token",
                    401,
                    "The access token is malformed, expired, revoked, not bound to this client, or not issued for this API."),
            Map.of());

    private static final Decision.Deny INVALID_REQUEST = new Decision.Deny(
            400,
            List.of(Challenge.of(BEARER, "error", "invalid_request")),
            problem(
                    "invalid-request",
                    "Invalid request",
                    400,
                    "The request carries its credential in a way this API does not accept."),
            Map.of());

    private static final Decision.Deny NOT_FOUND = new Decision.Deny(
            404,
            List.of(),
            problem("not-found", "Not found", 404, "No resource of this API answers at this path."),
            Map.of());

    private static final Decision.Deny BAD_PATH = new Decision.Deny(
            400,
            List.of(),
            problem(
                    "bad-path",
                    "Bad request path",
                    400,
                    "The request path is not in canonical form (empty, dot or parameter segments, or encoded separators)."),
            Map.of());

    private static final Decision.Deny BAD_QUERY = new Decision.Deny(
            400,
            List.of(),
            problem(
                    "bad-query",
                    "Bad query string",
                    400,
                    "The query string cannot be read: too long, too many parameters, or a malformed percent-encoding or UTF-8 sequence."),
            Map.of());

    private static final Decision.Deny METHOD_OVERRIDE = new Decision.Deny(
            400,
            List.of(),
            problem(
                    "method-override",
                    "Method override refused",
                    400,
                    "This API does not accept method-override headers; send the intended method."),
            Map.of());

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
                problem("unauthenticated", "Authentication required", 401, "This resource needs a credential."),
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
                List.of(new Challenge(BEARER, orderedMap("error", "insufficient_scope", "scope", scope))),
                problem(
                        "insufficient-scope",
                        "Insufficient scope",
                        403,
                        "The access token does not grant the scope this resource needs."),
                Map.of());
    }

    /** 404 for a route no rule maps, answered to an authenticated caller. */
    public static Decision.Deny notFound() {
        return NOT_FOUND;
    }

    /** 400 for a path that is not in canonical form. */
    public static Decision.Deny badPath() {
        return BAD_PATH;
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
     * 400 for a request carrying a method-override header ({@code X-HTTP-Method-Override} and its
     * kin): the route rule is chosen by the request's method, so a header that could make a
     * framework run another method's handler is refused. No challenge: it is not about the
     * credential.
     */
    public static Decision.Deny methodOverride() {
        return METHOD_OVERRIDE;
    }

    /** 405 with an {@code Allow} header listing the methods the route accepts. */
    public static Decision.Deny methodNotAllowed(Set<String> allowed) {
        return new Decision.Deny(
                405,
                List.of(),
                problem("method-not-allowed", "Method not allowed", 405, "This resource does not accept this method."),
                Map.of("Allow", String.join(", ", new TreeSet<>(allowed))));
    }

    /** 503 for an infrastructure fault inside the guard (a dependency down, a step that failed). */
    public static Decision.Deny unavailable() {
        return new Decision.Deny(
                503,
                List.of(),
                problem(
                        "unavailable",
                        "Service unavailable",
                        503,
                        "The request could not be checked right now. Try again later."),
                Map.of());
    }

    /** Builds a problem whose type is {@link Problem#TYPE_BASE} followed by {@code code}. */
    public static Problem problem(String code, String title, int status, String detail) {
        return new Problem(Problem.TYPE_BASE + code, title, status, detail);
    }

    private static Map<String, String> orderedMap(String k1, String v1, String k2, String v2) {
        java.util.LinkedHashMap<String, String> m = new java.util.LinkedHashMap<>();
        m.put(k1, v1);
        m.put(k2, v2);
        return m;
    }

    // DPoP (RFC 9449 §7.1, §8, §9)

    /** The {@code DPoP} authentication scheme of RFC 9449. */
    public static final String DPOP = "DPoP";

    /**
     * 401 with {@code WWW-Authenticate: DPoP error="invalid_dpop_proof", algs="..."}: the DPoP proof
     * is missing, malformed, or fails a check of RFC 9449 §4.3 (which one is never said).
     *
     * @param algs the space-delimited proof algorithms the server accepts
     */
    public static Decision.Deny invalidDpopProof(String algs) {
        Objects.requireNonNull(algs, "algs cannot be null");
        return new Decision.Deny(
                401,
                List.of(new Challenge(DPOP, orderedMap("error", "invalid_dpop_proof", "algs", algs))),
                problem(
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
    public static Decision.Deny invalidDpopToken(String algs) {
        Objects.requireNonNull(algs, "algs cannot be null");
        return new Decision.Deny(
                401,
                List.of(new Challenge(DPOP, orderedMap("error", "invalid_token", "algs", algs))),
                problem(
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
    public static Decision.Deny useDpopNonce(String algs, String nonce) {
        Objects.requireNonNull(algs, "algs cannot be null");
        Objects.requireNonNull(nonce, "nonce cannot be null");
        if (!nonce.matches("[A-Za-z0-9_-]{1,256}")) {
            throw new IllegalArgumentException("nonce must be 1 to 256 base64url characters");
        }
        return new Decision.Deny(
                401,
                List.of(new Challenge(DPOP, orderedMap("error", "use_dpop_nonce", "algs", algs))),
                problem(
                        "use-dpop-nonce",
                        "DPoP nonce required",
                        401,
                        "Repeat the request with a DPoP proof that carries the nonce of the DPoP-Nonce header."),
                Map.of("DPoP-Nonce", nonce));
    }

    // rate limits
    private static final Problem RATE_LIMITED = problem(
            "rate-limited",
            "Too many requests",
            429,
            "The request rate of this client exceeds its limit. Retry after the time given in Retry-After.");

    /**
     * 429 for a caller (or, before authentication, a peer) whose bucket is empty. The problem text
     * is the same for every caller and says nothing about the credential.
     *
     * @param retryAfterSeconds whole seconds until a retry can succeed, at least 1
     * @param rateLimitHeaders the {@code RateLimit-Policy} and {@code RateLimit} fields, or an empty
     *     map when they are not sent
     */
    public static Decision.Deny rateLimited(long retryAfterSeconds, Map<String, String> rateLimitHeaders) {
        java.util.HashMap<String, String> headers = new java.util.HashMap<>(rateLimitHeaders);
        headers.put("Retry-After", Long.toString(Math.max(1, retryAfterSeconds)));
        return new Decision.Deny(429, List.of(), RATE_LIMITED, headers);
    }

    /**
     * 503 with {@code Retry-After} for a request that could not be counted because the shared
     * rate-limit store is unreachable and the store fails closed.
     */
    public static Decision.Deny rateLimitUnavailable(long retryAfterSeconds) {
        return new Decision.Deny(
                503,
                List.of(),
                problem(
                        "unavailable",
                        "Service unavailable",
                        503,
                        "The request could not be checked right now. Try again later."),
                Map.of("Retry-After", Long.toString(Math.max(1, retryAfterSeconds))));
    }

    // anomaly

    /**
     * 429 for a caller the anomaly scorer quarantined, with {@code Retry-After} in whole seconds
     * (rounded up, at least 1) until the quarantine ends. No challenge: the credential is fine.
     */
    public static Decision.Deny quarantined(java.time.Duration retryAfter) {
        Objects.requireNonNull(retryAfter, "retryAfter cannot be null");
        long seconds = Math.max(1, retryAfter.getSeconds() + (retryAfter.getNano() > 0 ? 1 : 0));
        return new Decision.Deny(
                429,
                List.of(),
                problem(
                        "quarantined",
                        "Too many requests",
                        429,
                        "This client is temporarily refused. Retry after the time given in Retry-After."),
                Map.of("Retry-After", Long.toString(seconds)));
    }

    // API keys

    private static final Decision.Deny INVALID_API_KEY = new Decision.Deny(
            401,
            List.of(Challenge.of(BEARER)),
            problem(
                    "invalid-api-key",
                    "Invalid API key",
                    401,
                    "The API key is malformed, unknown, expired or revoked. API keys are deprecated: use an access token."),
            Map.of());

    private static final Decision.Deny API_KEY_IN_QUERY = new Decision.Deny(
            401,
            List.of(Challenge.of(BEARER)),
            problem(
                    "api-key-in-query",
                    "API key in URL refused",
                    401,
                    "API keys are accepted only in the X-API-Key header. A key sent in a URL ends up in logs: treat it as leaked and rotate it."),
            Map.of());

    /**
     * 401 for an API key that is malformed, unknown, expired or revoked: one text for all, so a
     * prober learns nothing about which. The challenge offers {@code Bearer} (no {@code error}):
     * there is no registered scheme for API keys, and tokens are where callers should go.
     */
    public static Decision.Deny invalidApiKey() {
        return INVALID_API_KEY;
    }

    /** 401 for an API key sent in the query string, where it leaks into logs; the key is never used. */
    public static Decision.Deny apiKeyInQuery() {
        return API_KEY_IN_QUERY;
    }
}
