package dev.apiguard.servlet;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.apiguard.Caller;
import dev.apiguard.CallerKey;
import dev.apiguard.Revocations;
import dev.apiguard.internal.Check;
import dev.apiguard.internal.Json;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The revocation list's admin endpoint: {@code POST} a JSON object naming what to revoke, answered
 * {@code 204 No Content} once the revocation is recorded.
 *
 * <ul>
 *   <li>{@code {"clientId": "...", "issuer": "..."}}: every token of that client of that issuer
 *       issued until now;</li>
 *   <li>{@code {"jti": "...", "issuer": "..."}}: one token;</li>
 *   <li>{@code {"x5tS256": "..."}}: every token bound to that certificate (its base64url SHA-256
 *       thumbprint).</li>
 * </ul>
 * Any other body — not JSON, another shape, a member that is not a non-blank string, or more than
 * {@value #MAX_BODY_BYTES} bytes (at most that many and one more are read) — is answered 400; another
 * method 405 with {@code Allow: POST}; a revocation the list could not record (Redis unreachable,
 * list full) 503, so that the operator knows it did not happen. Answers are fixed problem texts:
 * the body is never echoed. Every answer carries {@code Cache-Control: no-store}.
 *
 * <p>Mount it behind the guard with a route rule that needs an admin scope, for example
 * {@code .route("POST", "/admin/revocations").requireScopes("guard:admin")}; the servlet checks the
 * same scope again on the guard's {@link Caller} (401 without a caller, 403 without the scope), so
 * that a mapping mistake cannot open it. Thread-safe.
 */
public final class RevocationServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(RevocationServlet.class);

    /** The largest body accepted, in bytes. */
    public static final int MAX_BODY_BYTES = 4096;

    private static final Set<String> CLIENT = Set.of("clientId", "issuer");
    private static final Set<String> TOKEN = Set.of("jti", "issuer");
    private static final Set<String> CERTIFICATE = Set.of("x5tS256");
    private static final int MAX_DEPTH_CHARS = 64; // nesting is never needed: refuse deep bodies before parsing

    private final transient Revocations revocations;
    private final String requiredScope;
    private final transient Clock clock;

    /**
     * A servlet recording revocations in {@code revocations} at the time of {@code clock} (the
     * guard's), for callers holding {@code requiredScope}.
     */
    public RevocationServlet(Revocations revocations, String requiredScope, Clock clock) {
        this.revocations = Objects.requireNonNull(revocations, "revocations cannot be null");
        this.requiredScope = Check.notBlank("requiredScope", requiredScope);
        this.clock = Objects.requireNonNull(clock, "clock cannot be null");
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.setHeader("Cache-Control", "no-store");
        if (!"POST".equals(req.getMethod())) {
            resp.setHeader("Allow", "POST");
            problem(resp, 405, "method-not-allowed", "Method not allowed", "Only POST is accepted.");
            return;
        }
        Object attribute = req.getAttribute(Caller.REQUEST_ATTRIBUTE);
        if (!(attribute instanceof Caller caller)) {
            problem(
                    resp,
                    401,
                    "unauthenticated",
                    "Unauthenticated",
                    "A caller authenticated by the guard is required.");
            return;
        }
        if (!caller.hasScope(requiredScope)) {
            problem(resp, 403, "insufficient-scope", "Insufficient scope", "The caller lacks the required scope.");
            return;
        }
        Map<String, Object> body = body(req);
        if (body == null) {
            problem(
                    resp,
                    400,
                    "bad-revocation",
                    "Bad revocation",
                    "The body must be a JSON object of clientId and issuer, jti and issuer, or x5tS256.");
            return;
        }
        try {
            revoke(body);
        } catch (IllegalArgumentException e) {
            problem(resp, 400, "bad-revocation", "Bad revocation", "A member of the body is not acceptable.");
            return;
        } catch (IllegalStateException e) {
            LOG.warn("revocation not recorded: {}", e.getMessage());
            problem(resp, 503, "revocation-not-recorded", "Revocation not recorded", "Nothing was revoked; try again.");
            return;
        }
        resp.setStatus(204);
    }

    private void revoke(Map<String, Object> body) {
        Set<String> members = body.keySet();
        if (members.equals(CLIENT)) {
            revocations.revokeClient(
                    CallerKey.token(string(body, "issuer"), string(body, "clientId")), clock.instant());
        } else if (members.equals(TOKEN)) {
            revocations.revokeToken(string(body, "issuer"), string(body, "jti"), clock.instant());
        } else if (members.equals(CERTIFICATE)) {
            revocations.revokeCertificate(string(body, "x5tS256"), clock.instant());
        } else {
            throw new IllegalArgumentException("not a revocation");
        }
    }

    private static String string(Map<String, Object> body, String name) {
        if (body.get(name) instanceof String s && !s.isBlank()) {
            return s;
        }
        throw new IllegalArgumentException(name + " must be a non-blank string");
    }

    /** The body as a JSON object, or null when it is too long or not one. */
    private static @Nullable Map<String, Object> body(HttpServletRequest req) throws IOException {
        if (req.getContentLengthLong() > MAX_BODY_BYTES) {
            return null;
        }
        byte[] bytes;
        try (InputStream in = req.getInputStream()) {
            bytes = in.readNBytes(MAX_BODY_BYTES + 1);
        }
        if (bytes.length > MAX_BODY_BYTES) {
            return null;
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        if (depth(text) > MAX_DEPTH_CHARS) {
            return null;
        }
        try {
            return JSONObjectUtils.parse(text);
        } catch (ParseException | RuntimeException e) {
            return null;
        }
    }

    /** How many brackets open in a row at most, as a cheap guard against deep nesting. */
    private static int depth(String text) {
        int depth = 0;
        int max = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '{' || c == '[') {
                max = Math.max(max, ++depth);
            } else if (c == '}' || c == ']') {
                depth--;
            }
        }
        return max;
    }

    private static void problem(HttpServletResponse resp, int status, String type, String title, String detail)
            throws IOException {
        byte[] body = ("{\"type\":" + Json.quote("https://api-guard.dev/problems/" + type) + ",\"title\":"
                        + Json.quote(title) + ",\"status\":" + status + ",\"detail\":" + Json.quote(detail) + "}")
                .getBytes(StandardCharsets.UTF_8);
        resp.setStatus(status);
        resp.setContentType("application/problem+json");
        resp.setContentLength(body.length);
        resp.getOutputStream().write(body);
    }
}
