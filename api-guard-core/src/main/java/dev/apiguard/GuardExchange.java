package dev.apiguard;

import dev.apiguard.event.EventType;
import dev.apiguard.event.ReasonCode;
import dev.apiguard.event.SecurityEvent;
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.event.SecurityEventType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The state of one request as it passes through the guard: the request view, the time the
 * guard saw it, the caller once authenticated, and the route once matched.
 *
 * <p>Not thread-safe: an exchange belongs to one request. Created by {@link ApiGuard#exchange}.
 */
public final class GuardExchange {

    private final GuardRequest request;
    private final Instant now;
    private final SecurityEventListener listener;
    private final List<Challenge> challenges;
    // kept as caller() answers it, made when the caller changes (a few times per request) rather
    // than on each of the several steps' calls (escape analysis does not always remove the allocation)
    private Optional<Caller> caller = Optional.empty();
    private @Nullable String credentialScheme;
    private @Nullable String routeTemplate;
    private Map<String, String> pathVariables = Map.of();
    private boolean publicRoute;
    private List<String> routeScopes = List.of();
    private @Nullable Decision decision;
    private @Nullable GuardStep deniedBy;
    private @Nullable DeferredReplayCheck replayCheck;
    private boolean prepared;
    private @Nullable CredentialMisuse misuse;
    private boolean refusedBySharedLimit;
    private final List<Map.Entry<String, String>> responseHeaders = new ArrayList<>(0);
    // few steps keep a tag, so a flat array of type, value pairs beats a map; the chain's usual
    // four (digest, limiter, route, rate limit) fit the first array
    private static final int INITIAL_TAG_SLOTS = 8;
    private @Nullable Object @Nullable [] tags;

    GuardExchange(GuardRequest request, Instant now, SecurityEventListener listener, List<Challenge> challenges) {
        this.request = Objects.requireNonNull(request, "request cannot be null");
        this.now = now;
        this.listener = listener;
        this.challenges = challenges;
    }

    /** The request. */
    public GuardRequest request() {
        return request;
    }

    /** The time the guard first saw the request, from its clock; every step uses this one instant. */
    public Instant now() {
        return now;
    }

    /** The authenticated caller, or empty while none is known. */
    public Optional<Caller> caller() {
        return caller;
    }

    /** Sets (or replaces, after binding) the authenticated caller. */
    public void authenticate(Caller authenticated) {
        this.caller = Optional.of(Objects.requireNonNull(authenticated, "caller cannot be null"));
    }

    /**
     * Withdraws the caller: its credential was verified, but the sender could not prove that it
     * holds the key the credential is bound to (a certificate-bound token without its certificate,
     * a DPoP-bound token without a valid proof or sent as {@code Bearer}). A binding step calls it
     * when it refuses for that reason, after emitting its own event.
     *
     * <p>From then on the request has no caller: every step treats it as it treats a forged
     * token, so it counts against the sending address's budget and never against the
     * credential's owner (whose rate limit, anomaly score and quarantine a thief could otherwise
     * spend). Instead the withdrawal is evidence that the credential leaked: a
     * {@code credential.misused} event names the owner, and {@link #credentialMisuse()} carries the
     * owner and the reason for observing steps (the inventory flags the credential).
     *
     * @param reason why, for example {@code BindingFailure.THUMBPRINT_MISMATCH} (code
     *     {@code thumbprint_mismatch})
     * @throws IllegalStateException when there is no caller to withdraw
     */
    public void credentialMisused(ReasonCode reason) {
        Objects.requireNonNull(reason, "reason cannot be null");
        Caller withdrawn = caller.orElseThrow(() -> new IllegalStateException("no caller to withdraw"));
        if (eventsEnabled()) {
            emit(
                    SecurityEventType.CREDENTIAL_MISUSED,
                    Map.of(
                            "reason",
                            reason.code(),
                            "kind",
                            withdrawn.kind().name().toLowerCase(java.util.Locale.ROOT)));
        }
        this.misuse = new CredentialMisuse(withdrawn, reason);
        this.caller = Optional.empty();
    }

    /**
     * Withdraws the caller without blaming its credential: the guard could not complete a check
     * that is no fault of the sender (a shared replay cache that is full or unreachable), so the
     * refusal must not count against the caller either. The request then counts against the
     * sending address, as an unauthenticated one does.
     */
    public void withdrawCaller() {
        this.caller = Optional.empty();
    }

    /**
     * The credential a sender presented but could not prove it holds, with the reason, once a
     * binding step called {@link #credentialMisused}; else empty.
     */
    public Optional<CredentialMisuse> credentialMisuse() {
        return Optional.ofNullable(misuse);
    }

    /**
     * A verified credential presented by a sender that could not prove possession of its key.
     *
     * @param owner the caller the credential was issued to (not the sender)
     * @param reason why, for example {@code BindingFailure.THUMBPRINT_MISMATCH} (code
     *     {@code thumbprint_mismatch})
     */
    public record CredentialMisuse(Caller owner, ReasonCode reason) {
        public CredentialMisuse {
            Objects.requireNonNull(owner, "owner cannot be null");
            Objects.requireNonNull(reason, "reason cannot be null");
        }
    }

    /**
     * The {@code Authorization} scheme the caller's credential came with, as the authenticating
     * step recorded it ({@code Bearer} or {@code DPoP}, in this spelling), or {@code null} when
     * none was recorded (no credential yet, or one that does not travel in {@code Authorization}).
     * A binding step reads it: a DPoP-bound token must come with the {@code DPoP} scheme (RFC 9449
     * §7.1).
     */
    public @Nullable String credentialScheme() {
        return credentialScheme;
    }

    /** Records the {@code Authorization} scheme the credential came with; see {@link #credentialScheme()}. */
    public void credentialScheme(String scheme) {
        this.credentialScheme = Objects.requireNonNull(scheme, "scheme cannot be null");
    }

    /** The template of the matched route ({@code /customers/{serviceTag}}), or {@code null}. */
    public @Nullable String routeTemplate() {
        return routeTemplate;
    }

    /** The values of the matched route's path variables. */
    public Map<String, String> pathVariables() {
        return pathVariables;
    }

    /** Whether the matched route needs no credential. */
    public boolean isPublicRoute() {
        return publicRoute;
    }

    /**
     * The scopes of the matched route rule in declaration order (empty for a public route, or
     * before a rule matched). Observing steps intersect them with the caller's scopes to learn
     * which scopes a request exercised.
     */
    public List<String> routeScopes() {
        return routeScopes;
    }

    /** Records the route rule that matched the request. */
    public void matchRoute(String template, Map<String, String> variables, boolean isPublic) {
        matchRoute(template, variables, isPublic, List.of());
    }

    /** Records the route rule that matched the request, with the scopes the rule names. */
    public void matchRoute(String template, Map<String, String> variables, boolean isPublic, List<String> scopes) {
        this.routeTemplate = template;
        this.pathVariables = Map.copyOf(variables);
        this.publicRoute = isPublic;
        this.routeScopes = List.copyOf(scopes);
    }

    /**
     * Adds a header to the response, whatever the outcome: the servlet filter writes these before
     * the application answers, and after a refusal's own headers (for example the
     * {@code Deprecation} and {@code Sunset} of a key-authenticated request, RFC 9745, RFC 8594).
     * Names and values must be fixed, safe text: never a credential or anything the client sent.
     */
    public void addResponseHeader(String name, String value) {
        Objects.requireNonNull(name, "name cannot be null");
        Objects.requireNonNull(value, "value cannot be null");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                throw new IllegalArgumentException("response header " + name + " must be visible ASCII");
            }
        }
        responseHeaders.add(Map.entry(name, value));
    }

    /**
     * Attaches per-request state of a step, by type (as OkHttp's request tags): what a step
     * worked out in {@link GuardStep#evaluate} and needs again in {@link GuardStep#completed},
     * so that it is not computed twice. Use a type private to the step. A {@code null} value
     * removes the tag. Never put a credential in a tag that outlives the request.
     */
    public <T> void tag(Class<T> type, @Nullable T value) {
        Objects.requireNonNull(type, "type cannot be null");
        int at = 0;
        if (tags != null) {
            // types fill the array from the start: the first empty slot ends the search
            for (; at < tags.length && tags[at] != null; at += 2) {
                if (tags[at] == type) {
                    tags[at + 1] = value == null ? null : type.cast(value);
                    return;
                }
            }
        }
        if (value == null) {
            return;
        }
        if (tags == null) {
            tags = new Object[INITIAL_TAG_SLOTS];
        } else if (at == tags.length) {
            tags = java.util.Arrays.copyOf(tags, 2 * tags.length);
        }
        tags[at] = type;
        tags[at + 1] = type.cast(value);
    }

    /** The tag of this type attached with {@link #tag(Class, Object)}, or {@code null}. */
    public <T> @Nullable T tag(Class<T> type) {
        Objects.requireNonNull(type, "type cannot be null");
        if (tags != null) {
            for (int i = 0; i < tags.length && tags[i] != null; i += 2) {
                if (tags[i] == type) {
                    return type.cast(tags[i + 1]);
                }
            }
        }
        return null;
    }

    /** The headers steps added with {@link #addResponseHeader}, in order; unmodifiable. */
    public List<Map.Entry<String, String>> responseHeaders() {
        return Collections.unmodifiableList(responseHeaders);
    }

    /** The guard's decision, once the pipeline has run; {@code null} before. */
    public @Nullable Decision decision() {
        return decision;
    }

    /**
     * The step whose refusal ended the pipeline (the step that failed, for a 503), or {@code null}
     * while the request is allowed or not yet decided. Observing steps tell outcomes apart by it,
     * never by the text of another step's refusal.
     */
    public @Nullable GuardStep deniedBy() {
        return deniedBy;
    }

    /**
     * Defers the recording of a single-use identifier that {@code owner} has verified in every other
     * respect (a DPoP proof's {@code jti}), so that a later step can record it in the same store call
     * as its own work ({@link #takeReplayCheck()}: the rate limiter joins it to its bucket, one Redis
     * round trip for both). {@code onOutcome} turns the cache's outcome into the owner's decision
     * (allow on first use, else its refusal and events); a refusal counts as the owner's
     * ({@link #deniedBy()}). When no step takes the check, the guard makes it after the last step it
     * runs, before the application; a request refused earlier records nothing. One per request.
     *
     * @throws IllegalStateException when a check is deferred already
     */
    public void deferReplayCheck(
            GuardStep owner,
            ReplayCache cache,
            ReplayCache.Claim claim,
            java.util.function.Function<ReplayCache.Outcome, Decision> onOutcome) {
        if (replayCheck != null) {
            throw new IllegalStateException("a replay check is deferred already");
        }
        replayCheck = new DeferredReplayCheck(owner, cache, claim, onOutcome);
    }

    /**
     * Takes the deferred replay check, if any: the caller must then {@linkplain
     * DeferredReplayCheck#resolve resolve} it, and return the decision when it refuses.
     */
    public Optional<DeferredReplayCheck> takeReplayCheck() {
        DeferredReplayCheck c = replayCheck;
        replayCheck = null;
        return Optional.ofNullable(c);
    }

    /** The deferred replay check, left in place. */
    Optional<DeferredReplayCheck> peekReplayCheck() {
        return Optional.ofNullable(replayCheck);
    }

    /**
     * Marks this request as refused because a limit that several callers share ran out (a
     * service-wide cap on a route, a tenant's budget): the caller did nothing wrong by sending it.
     * Steps that judge a caller's behaviour (anomaly scoring) leave such a request out.
     */
    public void markRefusedBySharedLimit() {
        this.refusedBySharedLimit = true;
    }

    /** Whether a limit shared with other callers refused this request ({@link #markRefusedBySharedLimit()}). */
    public boolean isRefusedBySharedLimit() {
        return refusedBySharedLimit;
    }

    /** Whether the given step refused this request. */
    public boolean isDeniedBy(GuardStep step) {
        return deniedBy != null && deniedBy == step;
    }

    void decide(Decision d, @Nullable GuardStep denying) {
        this.decision = d;
        if (denying != null) {
            this.deniedBy = denying;
        }
    }

    /** True the first time only: the guard's steps prepare an exchange once. */
    boolean markPrepared() {
        if (prepared) {
            return false;
        }
        prepared = true;
        return true;
    }

    /** The 401 refusal for a request without credential, offering every configured scheme. */
    public Decision.Deny unauthenticated() {
        return Denials.unauthenticated(challenges);
    }

    /** Whether anybody listens to events: check it before building expensive details. */
    public boolean eventsEnabled() {
        return listener != SecurityEventListener.NONE;
    }

    /**
     * Publishes an event about this request; built only when somebody listens. The kind is one of
     * {@link SecurityEventType} or a host step's own {@link EventType}; a host's kind with a
     * malformed name or a name in one of the library's namespaces is refused with an
     * {@link IllegalArgumentException} (see {@link EventType}), whether or not anybody listens.
     */
    public void emit(EventType type) {
        emit(type, Map.of());
    }

    /** Publishes an event whose one detail is {@code reason}, the reason's {@link ReasonCode#code() code}. */
    public void emit(EventType type, ReasonCode reason) {
        emit(type, "reason", reason.code());
    }

    /** Publishes an event with one detail. */
    public void emit(EventType type, String detailName, String detailValue) {
        if (!(type instanceof SecurityEventType)) {
            EventType.checked(type);
        }
        if (eventsEnabled()) {
            emit(type, Map.of(detailName, detailValue));
        }
    }

    /** Publishes an event with details. A listener that throws is logged and ignored. */
    public void emit(EventType type, Map<String, String> details) {
        if (!(type instanceof SecurityEventType)) {
            EventType.checked(type); // also without a listener: a host's kind fails in tests as in production
        }
        if (!eventsEnabled()) {
            return;
        }
        SecurityEvent event = new SecurityEvent(
                type, now, callerId(), request.remoteAddress(), request.method(), request.path(), details);
        ApiGuard.dispatch(listener, event);
    }

    private @Nullable String callerId() {
        return caller.isPresent() ? caller.get().id() : null;
    }

    /**
     * This request's part of an event, copied now, for a step that publishes after the request
     * ended and off its thread (a decision on a fleet's answer): its time, caller, peer, method and
     * path. The request object itself is not kept: a container recycles it for the connection's next
     * request.
     */
    public Detached detach() {
        return new Detached(now, callerId(), request.remoteAddress(), request.method(), request.path(), listener);
    }

    /** A request's part of its events, detached from the request ({@link #detach()}). Immutable. */
    public static final class Detached {
        private final Instant now;
        private final @Nullable String callerId;
        private final @Nullable String remoteAddress;
        private final String method;
        private final String path;
        private final SecurityEventListener listener;

        private Detached(
                Instant now,
                @Nullable String callerId,
                @Nullable String remoteAddress,
                String method,
                String path,
                SecurityEventListener listener) {
            this.now = now;
            this.callerId = callerId;
            this.remoteAddress = remoteAddress;
            this.method = method;
            this.path = path;
            this.listener = listener;
        }

        /** The request's time. */
        public Instant now() {
            return now;
        }

        /** Whether anybody listens to events. */
        public boolean eventsEnabled() {
            return listener != SecurityEventListener.NONE;
        }

        /** Publishes an event as the request would have. A listener that throws is logged and ignored. */
        public void emit(EventType type, Map<String, String> details) {
            if (!(type instanceof SecurityEventType)) {
                EventType.checked(type);
            }
            if (eventsEnabled()) {
                ApiGuard.dispatch(
                        listener, new SecurityEvent(type, now, callerId, remoteAddress, method, path, details));
            }
        }
    }
}
