package dev.apiguard.token;

import dev.apiguard.Challenge;
import dev.apiguard.Decision;
import dev.apiguard.Denials;
import dev.apiguard.GuardExchange;
import dev.apiguard.GuardPhase;
import dev.apiguard.GuardRequest;
import dev.apiguard.GuardStep;
import dev.apiguard.Revocation;
import dev.apiguard.Revocations;
import dev.apiguard.event.RequestInvalidReason;
import dev.apiguard.event.SecurityEventType;
import dev.apiguard.internal.CredentialDigest;
import dev.apiguard.token.TokenVerification.Rejected;
import dev.apiguard.token.TokenVerification.Verified;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The guard step that authenticates a request by the access token in its
 * {@code Authorization: Bearer} header (RFC 6750 §2.1) or {@code Authorization: DPoP} header
 * (RFC 9449 §7.1), named {@value #NAME}.
 *
 * <p>Thread-safe; one instance serves every request. Per request:
 * <ul>
 *   <li>a public route (one the route step matched as needing no credential): the token is
 *       neither parsed nor verified, and the request goes on without a caller, so that junk tokens
 *       sent to a health check cost no signature check;</li>
 *   <li>two or more {@code Authorization} headers: 400 {@code invalid_request}
 *       ({@link Denials#invalidRequest()}) and a {@code request.invalid} event;</li>
 *   <li>an {@code access_token} query parameter is never used (RFC 6750 §2.3 is not supported,
 *       because URLs end up in logs); it raises a {@code credential.misplaced} event;</li>
 *   <li>no {@code Authorization} header, or one with another scheme ({@code Basic}, ...): allowed
 *       without a caller, so that a later step answers 401 for a protected route and other
 *       authentication steps may try;</li>
 *   <li>{@code Bearer} or {@code DPoP} (any case), one or more spaces and an RFC 6750
 *       {@code b64token}: verified the same way by the {@link AccessTokenVerifier}; the caller is
 *       put on the exchange with the scheme ({@link GuardExchange#credentialScheme()}, spelt
 *       {@code Bearer} or {@code DPoP}) and a {@code token.accepted} event raised, or the request
 *       is refused with 401
 *       {@code invalid_token} ({@link Denials#invalidToken()}) and a {@code token.rejected}
 *       event whose {@code reason} detail is the verifier's reason code;</li>
 *   <li>a {@code Bearer} or {@code DPoP} header that does not have that syntax, or is longer
 *       than the policy's maximum token length allows: 401 {@code invalid_token};</li>
 *   <li>with {@link Revocations} ({@link #of(AccessTokenVerifier, Revocations)}): a verified token,
 *       fresh or from the verified-token cache, that the list revokes (its client, its
 *       {@code jti} or its {@code cnf.x5t#S256} certificate) is refused with 401
 *       {@code invalid_token} and a {@code credential.revoked} event naming the caller, whose
 *       {@code reason} detail is {@code client}, {@code token} or {@code certificate}; the request
 *       then has no caller. The check is a few hash look-ups in memory.</li>
 * <li>with a {@link TokenIntrospector} ({@link #builder()}): an opaque token (one that does not
 *       look like a compact JWS; with no JWT verifier, every token) is checked at the RFC 7662
 *       introspection endpoint instead, or taken from the introspector's caches; the caller it
 *       gives is put on the exchange, revoked or raises {@code token.accepted} as above, and a
 *       refusal answers 401 {@code invalid_token}. When the endpoint cannot answer (down, slow,
 *       garbage, every call slot busy), the request is refused with 503
 *       ({@link Denials#unavailable()}) or 401, as {@link IntrospectionPolicy#onOutage()} says,
 *       with a {@code token.rejected} event whose reason is {@code introspection_unavailable}.
 *       The step runs in the {@link GuardPhase#AUTHENTICATE} phase, after the per-address limiter
 *       of the {@code ADMIT} phase: an unknown token reaches the endpoint only within its
 *       address's budget.</li>
 * </ul>
 * This step checks the token only. The proof of possession that the {@code DPoP} scheme and a
 * token's {@code cnf.jkt} call for is the job of {@code dev.apiguard.binding.DpopStep}, which must
 * follow this step whenever DPoP-bound tokens can reach the API; it also refuses a DPoP-bound token
 * sent as {@code Bearer} (a downgrade).
 * The token never appears in an event, a log line or an exception.
 */
public final class AccessTokenStep implements GuardStep {

    /** The step's name. */
    public static final String NAME = "token";

    private static final String SCHEME = "Bearer";
    private static final String DPOP_SCHEME = "DPoP";
    // room for the scheme and a generous run of spaces on top of the longest token
    private static final int HEADER_OVERHEAD = 64;
    private static final boolean[] TOKEN_CHARS = tokenChars();

    private final @Nullable AccessTokenVerifier verifier;
    private final @Nullable TokenIntrospector introspector;
    private final int maxHeaderLength;
    private final @Nullable Revocations revocations;

    private AccessTokenStep(
            @Nullable AccessTokenVerifier verifier,
            @Nullable TokenIntrospector introspector,
            @Nullable Revocations revocations) {
        this.verifier = verifier;
        this.introspector = introspector;
        this.maxHeaderLength = Math.max(
                        verifier == null ? 0 : verifier.policy().maxTokenLength(),
                        introspector == null ? 0 : introspector.policy().maxTokenLength())
                + HEADER_OVERHEAD;
        this.revocations = revocations;
    }

    /** A step verifying tokens against the policy. */
    public static AccessTokenStep of(TokenPolicy policy) {
        return of(AccessTokenVerifier.of(policy));
    }

    /** A step using the given verifier (and its cache), for example one shared with other steps. */
    public static AccessTokenStep of(AccessTokenVerifier verifier) {
        return new AccessTokenStep(Objects.requireNonNull(verifier, "verifier cannot be null"), null, null);
    }

    /**
     * A step using the given verifier that also refuses tokens the revocation list revokes,
     * checked on every request after the token is verified, cached verifications included.
     */
    public static AccessTokenStep of(AccessTokenVerifier verifier, Revocations revocations) {
        return new AccessTokenStep(
                Objects.requireNonNull(verifier, "verifier cannot be null"),
                null,
                Objects.requireNonNull(revocations, "revocations cannot be null"));
    }

    /** A step verifying tokens against the policy and refusing those the list revokes. */
    public static AccessTokenStep of(TokenPolicy policy, Revocations revocations) {
        return of(AccessTokenVerifier.of(policy), revocations);
    }

    /**
     * A builder of a step that accepts JWT access tokens ({@link Builder#jwt}), opaque ones checked
     * by introspection ({@link Builder#introspection}), or both side by side.
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Builds an {@link AccessTokenStep}. With both a verifier and an introspector, a token that
     * looks like a compact JWS (it starts with {@code eyJ}, a base64url JSON object, and holds a
     * dot) goes to the verifier, any other to the introspector; with one of them, every token goes
     * to it.
     */
    public static final class Builder {
        private @Nullable AccessTokenVerifier verifier;
        private @Nullable TokenIntrospector introspector;
        private @Nullable Revocations revocations;

        private Builder() {}

        /** JWT access tokens verified by this verifier (and its cache). */
        public Builder jwt(AccessTokenVerifier jwtVerifier) {
            this.verifier = Objects.requireNonNull(jwtVerifier, "jwt verifier cannot be null");
            return this;
        }

        /** JWT access tokens verified against this policy. */
        public Builder jwt(TokenPolicy policy) {
            return jwt(AccessTokenVerifier.of(Objects.requireNonNull(policy, "jwt policy cannot be null")));
        }

        /** Opaque access tokens checked by this introspector (and its caches). */
        public Builder introspection(TokenIntrospector tokenIntrospector) {
            this.introspector = Objects.requireNonNull(tokenIntrospector, "introspection cannot be null");
            return this;
        }

        /** Opaque access tokens checked at the endpoint of this policy. */
        public Builder introspection(IntrospectionPolicy policy) {
            return introspection(
                    TokenIntrospector.of(Objects.requireNonNull(policy, "introspection policy cannot be null")));
        }

        /** Tokens of callers the list revokes are refused, JWT and introspected alike. Default: none. */
        public Builder revocations(Revocations list) {
            this.revocations = Objects.requireNonNull(list, "revocations cannot be null");
            return this;
        }

        /**
         * The step.
         *
         * @throws IllegalStateException when neither {@code jwt} nor {@code introspection} is set
         */
        public AccessTokenStep build() {
            if (verifier == null && introspector == null) {
                throw new IllegalStateException("jwt or introspection is required (or both)");
            }
            return new AccessTokenStep(verifier, introspector, revocations);
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    /** {@link GuardPhase#AUTHENTICATE}. */
    @Override
    public GuardPhase phase() {
        return GuardPhase.AUTHENTICATE;
    }

    @Override
    public List<Challenge> challenges() {
        return List.of(Challenge.of(SCHEME));
    }

    @Override
    public Decision evaluate(GuardExchange exchange) {
        GuardRequest request = exchange.request();
        if (request.hasQueryParameter("access_token")) {
            exchange.emit(SecurityEventType.CREDENTIAL_MISPLACED, "location", "query");
        }
        if (exchange.isPublicRoute()) {
            return Decision.ALLOW; // a route that needs no credential never parses or verifies one
        }
        List<String> authorization = request.headers("Authorization");
        if (authorization.size() > 1) {
            exchange.emit(
                    SecurityEventType.REQUEST_INVALID,
                    "reason",
                    RequestInvalidReason.MULTIPLE_AUTHORIZATION_HEADERS.code());
            return Denials.invalidRequest();
        }
        if (authorization.isEmpty()) {
            return Decision.ALLOW;
        }
        String header = authorization.get(0);
        String scheme = scheme(header);
        if (scheme == null) {
            // not a credential of ours (Basic, ...): another step may understand it
            return Decision.ALLOW;
        }
        if (header.length() > maxHeaderLength) {
            return reject(exchange, TokenVerification.Reason.TOO_LONG);
        }
        // the token is header[start..]: hashed in place, copied out only when it must be parsed
        int start = tokenStart(header, scheme.length());
        if (start < 0) {
            return reject(exchange, TokenVerification.Reason.MALFORMED);
        }
        AccessTokenVerifier jwt = verifier;
        TokenIntrospector opaque = introspector;
        TokenVerification result;
        if (opaque != null && (jwt == null || !looksLikeJws(header, start))) {
            result = introspect(exchange, opaque, header, start);
            if (result == null) {
                return reject(exchange, TokenVerification.Reason.MALFORMED);
            }
            if (result instanceof Rejected r && r.reason() == TokenVerification.Reason.INTROSPECTION_UNAVAILABLE) {
                exchange.emit(
                        SecurityEventType.TOKEN_REJECTED, "reason", r.reason().code());
                return opaque.policy().onOutage() == IntrospectionPolicy.OnOutage.UNAVAILABLE
                        ? Denials.unavailable()
                        : Denials.invalidToken();
            }
        } else {
            result = verify(exchange, Objects.requireNonNull(jwt), header, start);
            if (result == null) {
                return reject(exchange, TokenVerification.Reason.MALFORMED);
            }
        }
        if (result instanceof Verified verified) {
            Revocations list = revocations;
            if (list != null) {
                Optional<Revocation.Kind> revoked = list.revoked(verified.caller(), exchange.now());
                if (revoked.isPresent()) {
                    return revoked(exchange, verified, revoked.get());
                }
            }
            exchange.authenticate(verified.caller());
            exchange.credentialScheme(scheme);
            if (exchange.eventsEnabled()) {
                exchange.emit(
                        SecurityEventType.TOKEN_ACCEPTED,
                        "issuer",
                        String.valueOf(verified.caller().issuer()));
            }
            return Decision.ALLOW;
        }
        return reject(exchange, ((Rejected) result).reason());
    }

    /** The JWT path: the verified-token cache, else the syntax check and the verifier; null: not a b64token. */
    private static @Nullable TokenVerification verify(
            GuardExchange exchange, AccessTokenVerifier jwt, String header, int start) {
        // the digest is shared with the anonymous limiter's fingerprint: one digest of the token per request
        CredentialDigest digest = jwt.caches() ? CredentialDigest.of(exchange, header, start) : null;
        // a token found in the verified-token cache passed the syntax check before it was verified:
        // only a token not found there is scanned, character by character
        TokenVerification result = digest != null ? jwt.cached(digest, exchange.now()) : null;
        if (result == null) {
            String token = header.substring(start);
            if (!isB64token(token)) {
                return null;
            }
            result = jwt.verify(token, exchange.now(), digest);
        }
        return result;
    }

    /** The opaque path: the introspector's caches, else the syntax check and a call; null: not a b64token. */
    private static @Nullable TokenVerification introspect(
            GuardExchange exchange, TokenIntrospector opaque, String header, int start) {
        CredentialDigest digest = CredentialDigest.of(exchange, header, start);
        TokenVerification result = opaque.cached(digest, exchange.now());
        if (result != null) {
            return result;
        }
        String token = header.substring(start);
        if (!isB64token(token)) {
            return null;
        }
        return opaque.introspect(token, exchange.now(), digest, exchange::emit);
    }

    /**
     * Whether a token looks like a compact JWS (or JWE): its first segment a base64url JSON object
     * ({@code eyJ}, the encoding of <code>{"</code>) followed by a dot. An opaque token of an
     * authorization server may hold dots, but does not start so.
     */
    static boolean looksLikeJws(String token) {
        return looksLikeJws(token, 0);
    }

    private static boolean looksLikeJws(String header, int start) {
        return header.startsWith("eyJ", start) && header.indexOf('.', start) > start;
    }

    /**
     * {@code Bearer} or {@code DPoP} when the header's auth-scheme (up to the first space or tab)
     * is one of them, in any case; else null.
     */
    private static @Nullable String scheme(String header) {
        if (isScheme(header, SCHEME)) {
            return SCHEME;
        }
        return isScheme(header, DPOP_SCHEME) ? DPOP_SCHEME : null;
    }

    private static boolean isScheme(@Nullable String header, String scheme) {
        if (header == null || !header.regionMatches(true, 0, scheme, 0, scheme.length())) {
            return false;
        }
        if (header.length() == scheme.length()) {
            return true;
        }
        char next = header.charAt(scheme.length());
        return next == ' ' || next == '\t';
    }

    /** A revoked credential: the event names its caller, the request goes on without one. */
    private static Decision revoked(GuardExchange exchange, Verified verified, Revocation.Kind kind) {
        if (exchange.eventsEnabled()) {
            exchange.authenticate(verified.caller()); // so that the event names whose credential it is
            exchange.emit(SecurityEventType.CREDENTIAL_REVOKED, kind);
            exchange.withdrawCaller();
        }
        return Denials.invalidToken();
    }

    private static Decision reject(GuardExchange exchange, TokenVerification.Reason reason) {
        exchange.emit(SecurityEventType.TOKEN_REJECTED, "reason", reason.code());
        return Denials.invalidToken();
    }

    /**
     * The token after {@code Bearer} and one or more spaces, when it is an RFC 6750 §2.1
     * {@code b64token} ({@code 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="}) and
     * nothing follows it; else null.
     */
    static @Nullable String b64token(String header) {
        return b64token(header, SCHEME.length());
    }

    /** As {@link #b64token(String)}, after a scheme of the given length. */
    static @Nullable String b64token(String header, int schemeLength) {
        int start = tokenStart(header, schemeLength);
        String token = start < 0 ? null : header.substring(start);
        return token != null && isB64token(token) ? token : null;
    }

    /** Where what follows the scheme and one or more spaces starts, when something does; else -1. */
    private static int tokenStart(String header, int schemeLength) {
        int start = schemeLength;
        while (start < header.length() && header.charAt(start) == ' ') {
            start++;
        }
        return start == schemeLength || start == header.length() ? -1 : start;
    }

    /** Whether the whole text is an RFC 6750 {@code b64token}. */
    private static boolean isB64token(String text) {
        int i = 0;
        int n = text.length();
        while (i < n && isTokenChar(text.charAt(i))) {
            i++;
        }
        if (i == 0) {
            return false;
        }
        while (i < n && text.charAt(i) == '=') {
            i++;
        }
        return i == n;
    }

    private static boolean isTokenChar(char c) {
        return c < 128 && TOKEN_CHARS[c];
    }

    private static boolean[] tokenChars() {
        boolean[] t = new boolean[128];
        for (char c = 0; c < 128; c++) {
            t[c] = (c >= 'A' && c <= 'Z')
                    || (c >= 'a' && c <= 'z')
                    || (c >= '0' && c <= '9')
                    || c == '-'
                    || c == '.'
                    || c == '_'
                    || c == '~'
                    || c == '+'
                    || c == '/';
        }
        return t;
    }
}
