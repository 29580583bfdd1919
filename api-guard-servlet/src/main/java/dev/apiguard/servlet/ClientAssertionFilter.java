package dev.apiguard.servlet;

import dev.apiguard.Caller;
import dev.apiguard.ReplayCache;
import dev.apiguard.event.ReasonCode;
import dev.apiguard.event.RequestInvalidReason;
import dev.apiguard.event.SecurityEvent;
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.event.SecurityEventType;
import dev.apiguard.event.Slf4jSecurityEventListener;
import dev.apiguard.token.ClientAssertionVerification;
import dev.apiguard.token.ClientAssertionVerifier;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authenticates clients by a {@code private_key_jwt} client assertion (RFC 7523 §2.2) in a form
 * body: map it to your token endpoint (or any endpoint that takes client assertions).
 *
 * <p>For a {@code POST} with {@code Content-Type: application/x-www-form-urlencoded} that carries
 * a {@code client_assertion} or {@code client_assertion_type} parameter:
 * <ul>
 *   <li>a body without {@code Content-Length}, or longer than {@link Builder#maxBodyBytes}
 *       (default {@value #DEFAULT_MAX_BODY_BYTES} bytes), is answered 400
 *       {@code {"error":"invalid_request"}} before any parameter is read;</li>
 *   <li>each parameter exactly once, verified by the {@link ClientAssertionVerifier}: on success
 *       the client is exposed as request attribute {@link Caller#REQUEST_ATTRIBUTE} and as
 *       {@code getUserPrincipal()} (kind {@code CLIENT_ASSERTION}), event
 *       {@code client_assertion.accepted}, and the chain continues; on failure 401 with the
 *       RFC 6749 §5.2 body {@code {"error":"invalid_client"}}, {@code Cache-Control: no-store},
 *       event {@code client_assertion.rejected} with a {@code reason} detail. The body never echoes
 *       anything the client sent.</li>
 * </ul>
 * Any other request passes untouched (it may authenticate another way). Each request is checked
 * once, whatever its {@link DispatcherType}: a redispatch (forward, include, error, async) of a
 * request this filter already looked at, as the request attribute {@value #CHECKED_ATTRIBUTE}
 * records, is passed on (checking it again would find its assertion replayed); any other dispatch,
 * a {@code null} type included, is checked. Thread-safe.
 */
public final class ClientAssertionFilter implements Filter {

    /** The request attribute that marks a request this filter has already looked at. */
    public static final String CHECKED_ATTRIBUTE = "dev.apiguard.servlet.ClientAssertionFilter.checked";

    /** The default cap on a form body: 16 KiB. */
    public static final int DEFAULT_MAX_BODY_BYTES = 16 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(ClientAssertionFilter.class);
    private static final String FORM = "application/x-www-form-urlencoded";
    private static final byte[] INVALID_CLIENT = "{\"error\":\"invalid_client\"}".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SLOW_DOWN = "{\"error\":\"slow_down\"}".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] INVALID_REQUEST = "{\"error\":\"invalid_request\"}".getBytes(StandardCharsets.US_ASCII);

    private final ClientAssertionVerifier verifier;
    private final Clock clock;
    private final SecurityEventListener listener;
    private final int maxBodyBytes;

    private ClientAssertionFilter(Builder b) {
        this.verifier = b.verifier;
        this.clock = b.clock;
        this.listener = b.listener;
        this.maxBodyBytes = b.maxBodyBytes;
    }

    /** A filter with the defaults: system UTC clock, SLF4J events, 16 KiB bodies. */
    public static ClientAssertionFilter of(ClientAssertionVerifier verifier) {
        return builder(verifier).build();
    }

    /** A builder for a filter using the verifier. */
    public static Builder builder(ClientAssertionVerifier verifier) {
        return new Builder(Objects.requireNonNull(verifier, "verifier cannot be null"));
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        // the guard filters' handling of non-HTTP requests and redispatches, then the check
        Guarding.oncePerRequest(request, response, chain, req -> Guarding.claim(req, CHECKED_ATTRIBUTE), this::check);
    }

    private void check(HttpServletRequest req, HttpServletResponse res, FilterChain chain)
            throws IOException, ServletException {
        if (!"POST".equals(req.getMethod()) || !isForm(req)) {
            chain.doFilter(req, res);
            return;
        }
        long length = req.getContentLengthLong();
        if (length < 0 || length > maxBodyBytes) {
            emit(req, SecurityEventType.REQUEST_INVALID, null, RequestInvalidReason.FORM_BODY_SIZE);
            write(res, 400, INVALID_REQUEST, Map.of());
            return;
        }
        String[] types = req.getParameterValues("client_assertion_type");
        String[] assertions = req.getParameterValues("client_assertion");
        if (types == null && assertions == null) {
            chain.doFilter(req, res);
            return;
        }
        Instant now = clock.instant();
        ClientAssertionVerification result;
        if (types == null || assertions == null || types.length != 1 || assertions.length != 1) {
            result = new ClientAssertionVerification.Rejected(ClientAssertionVerification.Reason.PARAMETER_COUNT);
        } else {
            result = verifier.verify(types[0], assertions[0], now);
        }
        if (result instanceof ClientAssertionVerification.Verified verified) {
            Caller caller = verified.caller();
            emit(req, SecurityEventType.CLIENT_ASSERTION_ACCEPTED, caller.id(), null);
            chain.doFilter(CallerRequest.expose(req, caller), res);
            return;
        }
        ClientAssertionVerification.Reason reason = ((ClientAssertionVerification.Rejected) result).reason();
        emit(req, SecurityEventType.CLIENT_ASSERTION_REJECTED, null, reason);
        if (reason == ClientAssertionVerification.Reason.REPLAY_QUOTA_EXCEEDED) {
            // a valid assertion of a client over its share of the replay cache: slow down (RFC 8628 §3.5)
            Duration wait = ReplayCache.Quota.untilNextSlot(verifier.policy().assertionLifetime(), now);
            long seconds = Math.max(1, (wait.toMillis() + 999) / 1000);
            write(res, 429, SLOW_DOWN, Map.of("Retry-After", Long.toString(seconds)));
            return;
        }
        write(res, 401, INVALID_CLIENT, Map.of());
    }

    private static boolean isForm(HttpServletRequest req) {
        String type = req.getContentType();
        if (type == null) {
            return false;
        }
        int semicolon = type.indexOf(';');
        return (semicolon < 0 ? type : type.substring(0, semicolon))
                .trim()
                .toLowerCase(Locale.ROOT)
                .equals(FORM);
    }

    private void emit(
            HttpServletRequest req, SecurityEventType type, @Nullable String callerId, @Nullable ReasonCode reason) {
        if (listener == SecurityEventListener.NONE) {
            return;
        }
        try {
            listener.onEvent(new SecurityEvent(
                    type,
                    clock.instant(),
                    callerId,
                    req.getRemoteAddr(),
                    req.getMethod(),
                    ServletGuardRequest.dispatchPath(req),
                    reason == null ? Map.of() : Map.of("reason", reason.code())));
        } catch (RuntimeException e) {
            LOG.warn(
                    "security event listener {} failed on {}",
                    listener.getClass().getName(),
                    type.eventName(),
                    e);
        }
    }

    private static void write(HttpServletResponse res, int status, byte[] body, Map<String, String> headers)
            throws IOException {
        if (res.isCommitted()) {
            return;
        }
        res.reset();
        res.setStatus(status);
        res.setHeader("Cache-Control", "no-store");
        headers.forEach(res::setHeader);
        res.setContentType("application/json");
        res.setContentLength(body.length);
        res.getOutputStream().write(body);
        res.getOutputStream().flush();
    }

    @Override
    public String toString() {
        return "ClientAssertionFilter[" + verifier.policy() + "]";
    }

    /** Builds a {@link ClientAssertionFilter}. Not thread-safe. */
    public static final class Builder {
        private final ClientAssertionVerifier verifier;
        private Clock clock = Clock.systemUTC();
        private SecurityEventListener listener = new Slf4jSecurityEventListener();
        private int maxBodyBytes = DEFAULT_MAX_BODY_BYTES;

        private Builder(ClientAssertionVerifier verifier) {
            this.verifier = verifier;
        }

        /** The clock assertions are checked against. Default {@link Clock#systemUTC()}. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock cannot be null");
            return this;
        }

        /** Where events go. Default {@link Slf4jSecurityEventListener}. */
        public Builder listener(SecurityEventListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener cannot be null");
            return this;
        }

        /** The largest form body read, in bytes. Default 16 KiB; 1 KiB to 1 MiB. */
        public Builder maxBodyBytes(int bytes) {
            if (bytes < 1024 || bytes > 1024 * 1024) {
                throw new IllegalArgumentException("maxBodyBytes must be between 1024 and 1048576: " + bytes);
            }
            this.maxBodyBytes = bytes;
            return this;
        }

        /** Builds the filter. */
        public ClientAssertionFilter build() {
            return new ClientAssertionFilter(this);
        }
    }
}
