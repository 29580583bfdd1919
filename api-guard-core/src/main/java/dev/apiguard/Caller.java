package dev.apiguard;

import java.security.Principal;
import java.time.Instant;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The verified identity behind a request: what every control of api-guard keys on, through its
 * {@link #key()}.
 *
 * <p>Immutable and thread-safe. The host application reads it from the request attribute
 * {@code dev.apiguard.Caller} or from {@code HttpServletRequest.getUserPrincipal()}.
 */
public final class Caller implements Principal {

    /** The request attribute under which the servlet adapter exposes the caller. */
    public static final String REQUEST_ATTRIBUTE = Caller.class.getName();

    private final String id;
    private final @Nullable String subject;
    private final @Nullable String issuer;
    private final CredentialKind kind;
    private final Set<String> scopes;
    private final @Nullable Instant issuedAt;
    private final @Nullable Instant expiresAt;
    private final @Nullable String tokenId;
    private final Confirmation confirmation;
    private final @Nullable String certificateThumbprint;
    private final @Nullable String plan;
    private final CallerKey key;
    private final Claims claims;

    /**
     * A builder of a caller with this id, proven by this kind of credential; every other field is
     * optional (see the accessors for what each means).
     */
    public static Builder builder(String id, CredentialKind kind) {
        return new Builder(id, kind);
    }

    private Caller(
            String id,
            @Nullable String subject,
            @Nullable String issuer,
            CredentialKind kind,
            Set<String> scopes,
            @Nullable Instant issuedAt,
            @Nullable Instant expiresAt,
            @Nullable String tokenId,
            Confirmation confirmation,
            @Nullable String certificateThumbprint,
            @Nullable String plan,
            @Nullable CallerKey key,
            Claims claims) {
        this.id = Objects.requireNonNull(id, "id cannot be null");
        this.kind = Objects.requireNonNull(kind, "kind cannot be null");
        this.subject = subject;
        this.issuer = issuer;
        this.scopes = scopes == null ? Set.of() : Set.copyOf(scopes);
        this.issuedAt = issuedAt;
        this.expiresAt = expiresAt;
        this.tokenId = tokenId;
        this.confirmation = confirmation == null ? Confirmation.NONE : confirmation;
        this.certificateThumbprint = certificateThumbprint;
        this.plan = plan;
        this.key = key != null ? key : CallerKey.of(id, issuer, kind);
        this.claims = Objects.requireNonNull(claims, "claims cannot be null");
    }

    /**
     * The caller's identity as the host sees it: the token's {@code client_id}, else {@code azp},
     * else {@code sub}; the API key's client id; or the certificate's registered client id. Not
     * unique across issuers: state is keyed by {@link #key()}.
     */
    public String id() {
        return id;
    }

    /** The token's {@code sub}, or {@code null}. */
    public @Nullable String subject() {
        return subject;
    }

    /** The token's {@code iss}, or {@code null} for credentials without an issuer. */
    public @Nullable String issuer() {
        return issuer;
    }

    /** How the caller proved its identity. */
    public CredentialKind kind() {
        return kind;
    }

    /** The scopes granted to the credential (exact, case-sensitive tokens). */
    public Set<String> scopes() {
        return scopes;
    }

    /** When the credential was issued, or {@code null} when unknown. */
    public @Nullable Instant issuedAt() {
        return issuedAt;
    }

    /** When the credential stops being valid, or {@code null} when it never does. */
    public @Nullable Instant expiresAt() {
        return expiresAt;
    }

    /** The token's {@code jti}, the API key's id (never the key), or {@code null}. */
    public @Nullable String tokenId() {
        return tokenId;
    }

    /** The token's {@code cnf} claim (RFC 7800), {@link Confirmation#NONE} when absent. */
    public Confirmation confirmation() {
        return confirmation;
    }

    /**
     * The base64url SHA-256 thumbprint of the client certificate the request was bound to, or
     * {@code null}.
     */
    public @Nullable String certificateThumbprint() {
        return certificateThumbprint;
    }

    /**
     * The verified claims of the caller's token (or introspection answer) that this caller's other
     * accessors do not carry, read-only, for the application's own checks:
     * {@code caller.claims().string("tenant")}. {@link Claims#none()} for a caller without one (API
     * key, client certificate). Not part of {@link #equals}: two callers with the same identity,
     * scopes and token are equal.
     */
    public Claims claims() {
        return claims;
    }

    /** The rate-limit plan name, or {@code null} for the default plan. */
    public @Nullable String plan() {
        return plan;
    }

    /**
     * The key every piece of per-caller state is kept under: the namespace of the credential
     * kind, the issuer (tokens) and the id. See {@link CallerKey}.
     */
    public CallerKey key() {
        return key;
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
    public Caller boundTo(CredentialKind newKind, @Nullable String thumbprint) {
        return new Caller(
                id,
                subject,
                issuer,
                newKind,
                scopes,
                issuedAt,
                expiresAt,
                tokenId,
                confirmation,
                thumbprint,
                plan,
                CallerKey.namespaceOf(newKind) == key.namespace() ? key : null,
                claims);
    }

    /** A copy with another rate-limit plan. */
    public Caller withPlan(@Nullable String newPlan) {
        return new Caller(
                id,
                subject,
                issuer,
                kind,
                scopes,
                issuedAt,
                expiresAt,
                tokenId,
                confirmation,
                certificateThumbprint,
                newPlan,
                key,
                claims);
    }

    @Override
    public boolean equals(@Nullable Object o) {
        return o instanceof Caller c
                && id.equals(c.id)
                && kind == c.kind
                && Objects.equals(subject, c.subject)
                && Objects.equals(issuer, c.issuer)
                && scopes.equals(c.scopes)
                && Objects.equals(issuedAt, c.issuedAt)
                && Objects.equals(expiresAt, c.expiresAt)
                && Objects.equals(tokenId, c.tokenId)
                && confirmation.equals(c.confirmation)
                && Objects.equals(certificateThumbprint, c.certificateThumbprint)
                && Objects.equals(plan, c.plan);
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                id,
                subject,
                issuer,
                kind,
                scopes,
                issuedAt,
                expiresAt,
                tokenId,
                confirmation,
                certificateThumbprint,
                plan);
    }

    @Override
    public String toString() {
        // never prints anything secret: a caller holds no credential material
        return "Caller[id=" + id + ", kind=" + kind + ", scopes=" + scopes + "]";
    }

    /** Builds a {@link Caller}: {@link Caller#builder(String, CredentialKind)}. Not thread-safe. */
    public static final class Builder {
        private final String id;
        private final CredentialKind kind;
        private @Nullable String subject;
        private @Nullable String issuer;
        private Set<String> scopes = Set.of();
        private @Nullable Instant issuedAt;
        private @Nullable Instant expiresAt;
        private @Nullable String tokenId;
        private Confirmation confirmation = Confirmation.NONE;
        private @Nullable String certificateThumbprint;
        private @Nullable String plan;
        private Claims claims = Claims.none();

        private Builder(String id, CredentialKind kind) {
            this.id = Objects.requireNonNull(id, "id cannot be null");
            this.kind = Objects.requireNonNull(kind, "kind cannot be null");
        }

        /** The token's {@code sub}. Default: none. */
        public Builder subject(@Nullable String sub) {
            this.subject = sub;
            return this;
        }

        /** The credential's issuer ({@code iss}); part of the caller's {@link Caller#key()}. Default: none. */
        public Builder issuer(@Nullable String iss) {
            this.issuer = iss;
            return this;
        }

        /** The scopes granted. Default: none. */
        public Builder scopes(Set<String> granted) {
            this.scopes = Set.copyOf(Objects.requireNonNull(granted, "scopes cannot be null"));
            return this;
        }

        /** The scopes granted. Default: none. */
        public Builder scopes(String... granted) {
            return scopes(Set.of(granted));
        }

        /** When the credential was issued. Default: unknown. */
        public Builder issuedAt(@Nullable Instant iat) {
            this.issuedAt = iat;
            return this;
        }

        /** When the credential stops being valid. Default: never. */
        public Builder expiresAt(@Nullable Instant exp) {
            this.expiresAt = exp;
            return this;
        }

        /** The token's {@code jti} or the API key's id (never the key). Default: none. */
        public Builder tokenId(@Nullable String jti) {
            this.tokenId = jti;
            return this;
        }

        /** The token's {@code cnf} claim; null for none. Default: {@link Confirmation#NONE}. */
        public Builder confirmation(@Nullable Confirmation cnf) {
            this.confirmation = cnf == null ? Confirmation.NONE : cnf;
            return this;
        }

        /** The thumbprint of the client certificate the request was bound to. Default: none. */
        public Builder certificateThumbprint(@Nullable String thumbprint) {
            this.certificateThumbprint = thumbprint;
            return this;
        }

        /** The rate-limit plan name. Default: none (the default plan). */
        public Builder plan(@Nullable String name) {
            this.plan = name;
            return this;
        }

        /** The credential's verified claims. Default: {@link Claims#none()}. */
        public Builder claims(Claims verified) {
            this.claims = Objects.requireNonNull(verified, "claims cannot be null");
            return this;
        }

        /** Builds the caller. */
        public Caller build() {
            return new Caller(
                    id,
                    subject,
                    issuer,
                    kind,
                    scopes,
                    issuedAt,
                    expiresAt,
                    tokenId,
                    confirmation,
                    certificateThumbprint,
                    plan,
                    null,
                    claims);
        }
    }

    /**
     * The confirmation claim of a token (RFC 7800 {@code cnf}): what the token is bound to.
     *
     * @param x5tS256 RFC 8705 certificate thumbprint ({@code x5t#S256}), or {@code null}
     * @param jkt RFC 9449 JWK thumbprint of the DPoP key ({@code jkt}), or {@code null}
     */
    public record Confirmation(
            @Nullable String x5tS256, @Nullable String jkt) {
        /** A token that is not sender-constrained. */
        public static final Confirmation NONE = new Confirmation(null, null);

        /** Whether the token is bound to anything. */
        public boolean isPresent() {
            return x5tS256 != null || jkt != null;
        }
    }
}
