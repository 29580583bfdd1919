package dev.apiguard.event;

/**
 * Every kind of security event, each with a stable dotted name that logs and metrics use.
 * Names never change once released; new kinds are added.
 */
public enum SecurityEventType {
    /** A token was verified and its caller authenticated. */
    TOKEN_ACCEPTED("token.accepted"),
    /** A presented token was refused; the {@code reason} detail says why (logs only, never the client). */
    TOKEN_REJECTED("token.rejected"),
    /** A request without any credential reached a protected route. */
    CREDENTIAL_MISSING("credential.missing"),
    /** A credential was sent where it must not be (query string, form body). */
    CREDENTIAL_MISPLACED("credential.misplaced"),
    /** A request was malformed in a way that matters to authentication (two Authorization headers). */
    REQUEST_INVALID("request.invalid"),
    /** A caller lacked the scope a route needs. */
    SCOPE_DENIED("scope.denied"),
    /** A request hit a path no rule maps (deny by default). */
    ROUTE_UNMAPPED("route.unmapped"),
    /** A request used a method the route does not accept. */
    METHOD_NOT_ALLOWED("route.method_not_allowed"),
    /** A request path was not in canonical form and was refused. */
    PATH_REJECTED("route.path_rejected"),
    /** A request was allowed through every step. */
    REQUEST_ALLOWED("request.allowed"),
    // governance
    /** An API key was verified and its caller authenticated; detail {@code keyId}. */
    API_KEY_ACCEPTED("apikey.accepted"),
    /**
     * A presented API key was refused; the {@code reason} detail is {@code malformed},
     * {@code unknown}, {@code expired} or {@code revoked}, and {@code keyId} names the key when it is
     * known. Never carries the key.
     */
    API_KEY_REJECTED("apikey.rejected"),
    /** A key set could not be fetched; cached keys keep serving. */
    KEY_SOURCE_FAILED("keys.fetch_failed"),
    /** A guard step failed with an unexpected fault; the request was refused with 503. */
    STEP_FAILED("guard.step_failed"),
    /** A listener threw while handling an event; the request went on. */
    LISTENER_FAILED("guard.listener_failed");

    private final String eventName;

    SecurityEventType(String eventName) {
        this.eventName = eventName;
    }

    /** The stable dotted name, for example {@code token.rejected}. */
    public String eventName() {
        return eventName;
    }
}
