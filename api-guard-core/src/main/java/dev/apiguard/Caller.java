package dev.apiguard;

import java.security.Principal;
import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * The verified identity behind a request: what every control of api-guard keys on.
 *
 * <p>Immutable and thread-safe. The host application reads it from the request attribute
 * {@code dev.apiguard.Caller} or from {@code HttpServletRequest.getUserPrincipal()}.
 *
 * @param id the caller's identity: the token's {@code client_id}, else {@code azp}, else
 *     {@code sub}; the API key's client id; or the certificate's registered client id
 * @param subject the token's {@code sub}, or {@code null}
 * @param issuer the token's {@code iss}, or {@code null} for credentials without an issuer
 * @param kind how the caller proved its identity
 * @param scopes the scopes granted to the credential (exact, case-sensitive tokens)
 * @param issuedAt when the credential was issued, or {@code null} when unknown
 * @param expiresAt when the credential stops being valid, or {@code null} when it never does
 * @param tokenId the token's {@code jti}, the API key's id (never the key), or {@code null}
 * @param confirmation the token's {@code cnf} claim (RFC 7800), {@link Confirmation#NONE} when absent
 * @param certificateThumbprint the base64url SHA-256 thumbprint of the client certificate the
 *     request was bound to, or {@code null}
 * @param plan the rate-limit plan name, or {@code null} for the default plan
 */
public record Caller(
        String id,
        String subject,
        String issuer,
        CredentialKind kind,
        Set<String> scopes,
        Instant issuedAt,
        Instant expiresAt,
        String tokenId,
        Confirmation confirmation,
        String certificateThumbprint,
        String plan) implements Principal {

    /** The request attribute under which the servlet adapter exposes the caller. */
    public static final String REQUEST_ATTRIBUTE = Caller.class.getName();

    public Caller {
        Objects.requireNonNull(id, "id cannot be null");
        Objects.requireNonNull(kind, "kind cannot be null");
        scopes = scopes == null ? Set.of() : Set.copyOf(scopes);
        confirmation = confirmation == null ? Confirmation.NONE : confirmation;
    }

    /** {@inheritDoc} The caller's {@link #id()}. */
    @Override
    public String getName() {
        return id;
    }

    /** Whether the credential grants this exact scope token. */
    public boolean hasScope(String scope) {
        return scopes.contains(scope);
    }

    /** A copy that is bound to the given certificate thumbprint with the given kind. */
    public Caller boundTo(CredentialKind newKind, String thumbprint) {
        return new Caller(id, subject, issuer, newKind, scopes, issuedAt, expiresAt, tokenId,
                confirmation, thumbprint, plan);
    }

    /** A copy with another rate-limit plan. */
    public Caller withPlan(String newPlan) {
        return new Caller(id, subject, issuer, kind, scopes, issuedAt, expiresAt, tokenId,
                confirmation, certificateThumbprint, newPlan);
    }

    @Override
    public String toString() {
        // never prints anything secret: a caller holds no credential material
        return "Caller[id=" + id + ", kind=" + kind + ", scopes=" + scopes + "]";
    }

    /**
     * The confirmation claim of a token (RFC 7800 {@code cnf}): what the token is bound to.
     *
     * @param x5tS256 RFC 8705 certificate thumbprint ({@code x5t#S256}), or {@code null}
     * @param jkt RFC 9449 JWK thumbprint of the DPoP key ({@code jkt}), or {@code null}
     */
    public record Confirmation(String x5tS256, String jkt) {
        /** A token that is not sender-constrained. */
        public static final Confirmation NONE = new Confirmation(null, null);

        /** Whether the token is bound to anything. */
        public boolean isPresent() {
            return x5tS256 != null || jkt != null;
        }
    }
}
