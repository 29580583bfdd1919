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
import dev.apiguard.internal.Sha256Memo;
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

    private final AccessTokenVerifier verifier;
    private final int maxHeaderLength;
    private final @Nullable Revocations revocations;

    private AccessTokenStep(AccessTokenVerifier verifier, @Nullable Revocations revocations) {
        this.verifier = verifier;
        this.maxHeaderLength = verifier.policy().maxTokenLength() + HEADER_OVERHEAD;
        this.revocations = revocations;
    }

    /** A step verifying tokens against the policy. */
    public static AccessTokenStep of(TokenPolicy policy) {
        return of(AccessTokenVerifier.of(policy));
    }

    /** A step using the given verifier (and its cache), for example one shared with other steps. */
    public static AccessTokenStep of(AccessTokenVerifier verifier) {
        return new AccessTokenStep(Objects.requireNonNull(verifier, "verifier cannot be null"), null);
    }

    /**
     * A step using the given verifier that also refuses tokens the revocation list revokes,
     * checked on every request after the token is verified, cached verifications included.
     */
    public static AccessTokenStep of(AccessTokenVerifier verifier, Revocations revocations) {
        return new AccessTokenStep(
                Objects.requireNonNull(verifier, "verifier cannot be null"),
                Objects.requireNonNull(revocations, "revocations cannot be null"));
    }

    /** A step verifying tokens against the policy and refusing those the list revokes. */
    public static AccessTokenStep of(TokenPolicy policy, Revocations revocations) {
        return of(AccessTokenVerifier.of(policy), revocations);
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
        String token = afterSpaces(header, scheme.length());
        if (token == null) {
            return reject(exchange, TokenVerification.Reason.MALFORMED);
        }
        // the digest is shared with the anonymous limiter's fingerprint: one SHA-256 of the token per request
        byte[] sha256 = verifier.caches() ? Sha256Memo.of(exchange, token) : null;
        // a token found in the verified-token cache passed the syntax check before it was verified:
        // only a token not found there is scanned, character by character
        TokenVerification result = sha256 != null ? verifier.cached(sha256, exchange.now()) : null;
        if (result == null) {
            if (!isB64token(token)) {
                return reject(exchange, TokenVerification.Reason.MALFORMED);
            }
            result = verifier.verify(token, exchange.now(), sha256);
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
        String token = afterSpaces(header, schemeLength);
        return token != null && isB64token(token) ? token : null;
    }

    /** What follows the scheme and one or more spaces, when something does; else null. */
    private static @Nullable String afterSpaces(String header, int schemeLength) {
        int start = schemeLength;
        while (start < header.length() && header.charAt(start) == ' ') {
            start++;
        }
        if (start == schemeLength || start == header.length()) {
            return null;
        }
        return header.substring(start);
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
