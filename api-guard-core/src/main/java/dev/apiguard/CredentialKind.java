package dev.apiguard;

/** How a {@link Caller} proved who it is. */
public enum CredentialKind {
    /** A JWT access token sent as a plain bearer token: whoever holds it can use it. */
    BEARER_JWT,
    /** A JWT access token bound to the caller's TLS client certificate (RFC 8705 §3). */
    MTLS_BOUND_JWT,
    /** A JWT access token bound to a DPoP proof key (RFC 9449). */
    DPOP_BOUND_JWT,
    /** A static API key: the weakest kind, supported only as a migration path. */
    API_KEY,
    /** A TLS client certificate alone (RFC 8705 §2). */
    MTLS,
    /**
     * A signed client assertion ({@code private_key_jwt}, RFC 7523 §2.2, OpenID Connect Core §9):
     * a short-lived, single-use JWT signed with the client's registered private key. It proves
     * possession of that key, so it is sender-constrained.
     */
    CLIENT_ASSERTION;

    /** Whether a stolen copy of the credential is useless without the caller's private key. */
    public boolean isSenderConstrained() {
        return this == MTLS_BOUND_JWT || this == DPOP_BOUND_JWT || this == MTLS || this == CLIENT_ASSERTION;
    }
}
