package dev.apiguard.event;

/**
 * Every kind of security event the library raises, each with a stable dotted name that logs and
 * metrics use. Names never change once released; new kinds are added. A host's own steps define
 * their kinds with {@link EventType}, outside the namespaces used here.
 */
public enum SecurityEventType implements EventType {
    /** A token was verified and its caller authenticated. */
    TOKEN_ACCEPTED("token.accepted", EventLevel.DEBUG, EventOutcome.ACCEPTED),
    /** A presented token was refused; the {@code reason} detail says why (logs only, never the client). */
    TOKEN_REJECTED("token.rejected", EventLevel.INFO, EventOutcome.REFUSED),
    /** A request without any credential reached a protected route. */
    CREDENTIAL_MISSING("credential.missing", EventLevel.INFO, EventOutcome.REFUSED),
    /** A credential was sent where it must not be (query string, form body). */
    CREDENTIAL_MISPLACED("credential.misplaced", EventLevel.INFO, EventOutcome.NOTICE),
    /**
     * A verified credential came from a sender that could not prove it holds the credential's key
     * (certificate-bound token without its certificate, DPoP-bound token without a valid proof or
     * as {@code Bearer}): strong evidence that the credential leaked. The event names the owner
     * (its caller id); details {@code reason} and {@code kind}. The request counted against the
     * sender's address, not against the owner. Tell the owner and rotate the credential.
     */
    CREDENTIAL_MISUSED("credential.misused", EventLevel.WARN, EventOutcome.REFUSED),
    /**
     * A verified token was refused because the revocation list revokes it ({@code dev.apiguard.Revocations});
     * the event names the caller, and the {@code reason} detail says what was revoked:
     * {@code client} (every token of the client issued before the revocation), {@code token} (its
     * {@code jti}) or {@code certificate} (the certificate it is bound to). Never carries the token.
     */
    CREDENTIAL_REVOKED("credential.revoked", EventLevel.INFO, EventOutcome.REFUSED),
    /** A request was malformed in a way that matters to authentication (two Authorization headers). */
    REQUEST_INVALID("request.invalid", EventLevel.INFO, EventOutcome.REFUSED),
    /** A caller lacked the scope a route needs. */
    SCOPE_DENIED("scope.denied", EventLevel.INFO, EventOutcome.REFUSED),
    /** A request hit a path no rule maps (deny by default). */
    ROUTE_UNMAPPED("route.unmapped", EventLevel.INFO, EventOutcome.REFUSED),
    /** A request used a method the route does not accept. */
    METHOD_NOT_ALLOWED("route.method_not_allowed", EventLevel.INFO, EventOutcome.REFUSED),
    /** A request path was not in canonical form and was refused. */
    PATH_REJECTED("route.path_rejected", EventLevel.INFO, EventOutcome.REFUSED),
    /** A request was allowed through every step. */
    REQUEST_ALLOWED("request.allowed", EventLevel.DEBUG, EventOutcome.ACCEPTED),
    // binding: certificates
    /** A forwarded client-certificate header came from a peer that is not a trusted proxy; it was ignored. */
    CERTIFICATE_SPOOFED("certificate.forwarded_untrusted", EventLevel.INFO, EventOutcome.NOTICE),
    /** A client certificate could not be used: forwarded header oversized or malformed, not chaining to the trust anchors, or TLS and forwarded certificates differ; {@code reason} says which. */
    CERTIFICATE_REJECTED("certificate.rejected", EventLevel.INFO, EventOutcome.REFUSED),
    /** A certificate-bound token came without its certificate, or with another one; {@code reason} says which. */
    CERTIFICATE_BINDING_FAILED("certificate.binding_failed", EventLevel.INFO, EventOutcome.REFUSED),
    /** A client certificate that expires within the configured window was used (at most once a day per certificate). */
    CERTIFICATE_EXPIRING("certificate.expiring", EventLevel.INFO, EventOutcome.NOTICE),
    /** A registered client authenticated with its TLS client certificate alone (RFC 8705 §2). */
    MTLS_CLIENT_ACCEPTED("mtls.client_accepted", EventLevel.INFO, EventOutcome.ACCEPTED),
    /** A client certificate matched no registered client, or more than one; {@code reason} says which. */
    MTLS_CLIENT_UNMATCHED("mtls.client_unmatched", EventLevel.INFO, EventOutcome.REFUSED),
    // binding: DPoP and client assertions
    /** A DPoP proof was verified and the caller bound to its key (RFC 9449). */
    DPOP_PROOF_ACCEPTED("dpop.proof_accepted", EventLevel.INFO, EventOutcome.ACCEPTED),
    /** A DPoP proof was refused; the {@code reason} detail says which check failed (logs only). */
    DPOP_PROOF_REJECTED("dpop.proof_rejected", EventLevel.INFO, EventOutcome.REFUSED),
    /** A DPoP proof's {@code jti} was used before (or the replay cache could not record it). */
    DPOP_REPLAYED("dpop.replayed", EventLevel.INFO, EventOutcome.REFUSED),
    /** A DPoP-bound token came with the {@code Bearer} scheme, or an unbound one with {@code DPoP}. */
    DPOP_DOWNGRADE("dpop.downgrade", EventLevel.INFO, EventOutcome.REFUSED),
    /** A DPoP proof lacked a valid server nonce; a fresh one was sent ({@code use_dpop_nonce}). */
    DPOP_NONCE_REQUIRED("dpop.nonce_required", EventLevel.INFO, EventOutcome.REFUSED),
    /** A client assertion (RFC 7523 {@code private_key_jwt}) was verified. */
    CLIENT_ASSERTION_ACCEPTED("client_assertion.accepted", EventLevel.INFO, EventOutcome.ACCEPTED),
    /** A client assertion was refused; the {@code reason} detail says why (logs only). */
    CLIENT_ASSERTION_REJECTED("client_assertion.rejected", EventLevel.INFO, EventOutcome.REFUSED),
    // rate limits and shared state
    /** A request was refused because its caller's (or, before authentication, its peer's) bucket was empty. */
    RATE_LIMITED("ratelimit.limited", EventLevel.INFO, EventOutcome.REFUSED),
    /** A shared store (Redis) stopped answering within its timeout; the failure policy now applies. */
    STORE_UNAVAILABLE("store.unavailable", EventLevel.WARN, EventOutcome.FAULT),
    /** A shared store answers again after being unavailable; limiting resumes. */
    STORE_RECOVERED("store.recovered", EventLevel.INFO, EventOutcome.RECOVERED),
    // anomaly scoring
    /** A caller's anomaly score reached the observe threshold; details {@code score}, {@code reasons}, {@code mode}. */
    ANOMALY_OBSERVED("anomaly.observed", EventLevel.INFO, EventOutcome.ANOMALY),
    /** A caller was throttled (its rate-limit factor lowered) by the anomaly scorer. */
    ANOMALY_THROTTLED("anomaly.throttled", EventLevel.INFO, EventOutcome.ANOMALY),
    /** A caller was quarantined by the anomaly scorer; detail {@code until}. */
    ANOMALY_QUARANTINED("anomaly.quarantined", EventLevel.INFO, EventOutcome.ANOMALY),
    /** A caller's anomaly score fell back below every threshold; its throttle was cleared. */
    ANOMALY_CLEARED("anomaly.cleared", EventLevel.INFO, EventOutcome.ANOMALY),
    /** A request of a quarantined caller was refused with 429. */
    QUARANTINE_REFUSED("anomaly.quarantine_refused", EventLevel.INFO, EventOutcome.REFUSED),
    // governance
    /** An API key was verified and its caller authenticated; detail {@code keyId}. */
    API_KEY_ACCEPTED("apikey.accepted", EventLevel.INFO, EventOutcome.ACCEPTED),
    /**
     * A presented API key was refused; the {@code reason} detail is {@code malformed},
     * {@code unknown}, {@code expired} or {@code revoked}, and {@code keyId} names the key when it is
     * known. Never carries the key.
     */
    API_KEY_REJECTED("apikey.rejected", EventLevel.INFO, EventOutcome.REFUSED),
    /**
     * A JWKS fetch failed; details {@code jwks} (the URL), {@code fault} (the exception's class)
     * and {@code cached}: {@code true} when keys fetched before keep serving through the outage,
     * {@code false} when none are left and tokens of that issuer are refused. For an issuer whose
     * keys are found through its metadata ({@code KeySource.discovered}), raised once per change of
     * reason while the metadata cannot be had, with details {@code metadata} (the issuer),
     * {@code fault} (a code per document tried, like {@code http_404,issuer_mismatch}) and
     * {@code cached=false}. For a token introspection endpoint ({@code TokenIntrospector}), raised
     * once per change of fault while it cannot answer, with details {@code introspection} (the
     * endpoint, without its query), {@code fault} (like {@code timeout}, {@code http_503},
     * {@code not_json}) and {@code cached=false}.
     */
    KEY_SOURCE_FAILED("keys.fetch_failed", EventLevel.WARN, EventOutcome.FAULT),
    /**
     * A JWKS fetch succeeded (on expiry, ahead of it, or for an unknown {@code kid}); detail
     * {@code jwks}. Or a token introspection endpoint answers again after {@code keys.fetch_failed};
     * detail {@code introspection}.
     */
    KEY_SOURCE_REFRESHED("keys.refreshed", EventLevel.INFO, EventOutcome.NOTICE),
    /** A guard step failed with an unexpected fault; the request was refused with 503. */
    STEP_FAILED("guard.step_failed", EventLevel.WARN, EventOutcome.FAULT),
    /** A listener threw while handling an event; the request went on. */
    LISTENER_FAILED("guard.listener_failed", EventLevel.WARN, EventOutcome.FAULT);

    private final String eventName;
    private final EventLevel level;
    private final EventOutcome outcome;

    SecurityEventType(String eventName, EventLevel level, EventOutcome outcome) {
        this.eventName = eventName;
        this.level = level;
        this.outcome = outcome;
    }

    /** The stable dotted name, for example {@code token.rejected}. */
    @Override
    public String eventName() {
        return eventName;
    }

    /**
     * The level the event is logged at: {@code DEBUG} for an allowed request and an accepted
     * token, {@code WARN} for faults (a failed step, listener, key fetch or store) and a misused
     * credential, {@code INFO} for the rest.
     */
    @Override
    public EventLevel level() {
        return level;
    }

    /** The outcome the event reports. */
    @Override
    public EventOutcome outcome() {
        return outcome;
    }
}
