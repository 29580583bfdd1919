package dev.apiguard.token;

import com.nimbusds.jose.JWSAlgorithm;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What an access token must be for {@link AccessTokenVerifier} to accept it: a JWT access token of
 * RFC 9068, signed by one of the configured issuers with an allowed asymmetric algorithm, for our
 * audience, short-lived and currently valid.
 *
 * <p>Immutable and thread-safe. Build with {@link #builder()}; every setter checks its argument
 * ({@code null} is a {@link NullPointerException} naming the setting, a bad value an
 * {@link IllegalArgumentException} naming it), and {@link Builder#build()} checks combinations.
 * Defaults, all stated once here:
 * <ul>
 *   <li>issuers: none; at least one exact issuer or an {@link Builder#issuerResolver issuer
 *       resolver} is required;</li>
 *   <li>resolved issuers kept: 100 (when a resolver is given);</li>
 *   <li>audiences: none, at least one is required (RFC 9068 §4: {@code aud} is required); a token
 *       must name at least one of them;</li>
 *   <li>algorithms: {@code RS256}, {@code PS256}, {@code ES256}, {@code EdDSA}; {@code HS*} and
 *       {@code none} are never accepted (RFC 8725 §3.1);</li>
 *   <li>header {@code typ} must be {@code at+jwt} or {@code application/at+jwt}, in any case
 *       (RFC 9068 §4, RFC 8725 §3.11);</li>
 *   <li>clock skew: 60 s, at most 5 minutes;</li>
 *   <li>maximum lifetime: 1 hour, for both {@code exp − iat} and {@code exp − now};
 *       {@code iat} is therefore required;</li>
 *   <li>required claims: {@code iss}, {@code aud}, {@code exp}, {@code iat} always, plus those
 *       given to {@link Builder#requiredClaims}; one of {@code client_id}, {@code azp},
 *       {@code sub} must name the caller;</li>
 *   <li>maximum token length: 8192 characters, checked before any parsing;</li>
 *   <li>verified-token cache: 10,000 tokens;</li>
 * </ul>
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc9068#section-4">RFC 9068 §4</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8725#section-3">RFC 8725 §3</a>
 */
public final class TokenPolicy {

    /** The algorithms accepted unless {@link Builder#algorithms} says otherwise. */
    public static final Set<JWSAlgorithm> DEFAULT_ALGORITHMS = Collections.unmodifiableSet(new LinkedHashSet<>(
            List.of(JWSAlgorithm.RS256, JWSAlgorithm.PS256, JWSAlgorithm.ES256, JWSAlgorithm.EdDSA)));
    /** Every algorithm that may be allowed: asymmetric signatures the verifier implements. */
    public static final Set<JWSAlgorithm> SUPPORTED_ALGORITHMS =
            Collections.unmodifiableSet(new LinkedHashSet<>(List.of(
                    JWSAlgorithm.RS256,
                    JWSAlgorithm.RS384,
                    JWSAlgorithm.RS512,
                    JWSAlgorithm.PS256,
                    JWSAlgorithm.PS384,
                    JWSAlgorithm.PS512,
                    JWSAlgorithm.ES256,
                    JWSAlgorithm.ES384,
                    JWSAlgorithm.ES512,
                    JWSAlgorithm.EdDSA,
                    JWSAlgorithm.Ed25519)));
    /** Default clock skew: 60 s. */
    public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(60);
    /** The largest clock skew allowed: 5 minutes. */
    public static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(5);
    /** Default maximum token lifetime: 1 hour. */
    public static final Duration DEFAULT_MAX_LIFETIME = Duration.ofHours(1);
    /** Default maximum token length: 8192 characters. */
    public static final int DEFAULT_MAX_TOKEN_LENGTH = 8192;
    /** Default size of the verified-token cache: 10,000. */
    public static final long DEFAULT_CACHE_MAXIMUM_SIZE = 10_000;
    /** Default number of issuers whose resolved key sources are kept: 100. */
    public static final long DEFAULT_RESOLVED_ISSUERS_MAXIMUM_SIZE = 100;

    private final Map<String, KeySource> issuers;
    private final @Nullable IssuerResolver issuerResolver;
    private final long resolvedIssuersMaximumSize;
    private final Set<String> audiences;
    private final Set<JWSAlgorithm> algorithms;
    private final boolean requireAccessTokenType;
    private final Duration clockSkew;
    private final Duration maxLifetime;
    private final Set<String> requiredClaims;
    private final int maxTokenLength;
    private final long cacheMaximumSize;

    private TokenPolicy(Builder b) {
        this.issuers = Collections.unmodifiableMap(new LinkedHashMap<>(b.issuers));
        this.issuerResolver = b.issuerResolver;
        this.resolvedIssuersMaximumSize = b.resolvedIssuersMaximumSize;
        this.audiences = Collections.unmodifiableSet(new LinkedHashSet<>(b.audiences));
        this.algorithms = Collections.unmodifiableSet(new LinkedHashSet<>(b.algorithms));
        this.requireAccessTokenType = b.requireAccessTokenType;
        this.clockSkew = b.clockSkew;
        this.maxLifetime = b.maxLifetime;
        this.requiredClaims = Collections.unmodifiableSet(new LinkedHashSet<>(b.requiredClaims));
        this.maxTokenLength = b.maxTokenLength;
        this.cacheMaximumSize = b.cacheMaximumSize;
    }

    /** A builder holding the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** The accepted issuers, each with the only keys its tokens may be verified with. */
    public Map<String, KeySource> issuers() {
        return issuers;
    }

    /** The resolver asked about a token's {@code iss} that is not among {@link #issuers()}, if any. */
    public Optional<IssuerResolver> issuerResolver() {
        return Optional.ofNullable(issuerResolver);
    }

    /** How many resolved issuers' key sources a verifier keeps. */
    public long resolvedIssuersMaximumSize() {
        return resolvedIssuersMaximumSize;
    }

    /** The accepted audiences, in the order given; a token's {@code aud} must contain one of them. */
    public Set<String> audiences() {
        return audiences;
    }

    /**
     * The first accepted audience.
     *
     * @deprecated a policy may accept several audiences since 0.2.0: use {@link #audiences()}
     */
    @Deprecated(since = "0.2.0")
    public String audience() {
        return audiences.iterator().next();
    }

    /** The allowed signature algorithms. */
    public Set<JWSAlgorithm> algorithms() {
        return algorithms;
    }

    /** Whether the header {@code typ} must be {@code at+jwt}. */
    public boolean requireAccessTokenType() {
        return requireAccessTokenType;
    }

    /** The clock skew allowed on {@code exp}, {@code nbf} and {@code iat}. */
    public Duration clockSkew() {
        return clockSkew;
    }

    /** The longest lifetime a token may have. */
    public Duration maxLifetime() {
        return maxLifetime;
    }

    /** Claims required beyond {@code iss}, {@code aud}, {@code exp} and {@code iat}. */
    public Set<String> requiredClaims() {
        return requiredClaims;
    }

    /** The longest token accepted, in characters. */
    public int maxTokenLength() {
        return maxTokenLength;
    }

    /** How many verified tokens are cached; 0 when caching is off. */
    public long cacheMaximumSize() {
        return cacheMaximumSize;
    }

    @Override
    public String toString() {
        return "TokenPolicy[issuers=" + issuers.keySet()
                + (issuerResolver == null
                        ? ""
                        : ", issuerResolver=" + issuerResolver.getClass().getName())
                + ", audiences=" + audiences + ", algorithms="
                + algorithms + ", requireAccessTokenType=" + requireAccessTokenType + ", clockSkew="
                + clockSkew + ", maxLifetime=" + maxLifetime + ", requiredClaims=" + requiredClaims
                + ", maxTokenLength=" + maxTokenLength + ", cacheMaximumSize=" + cacheMaximumSize + "]";
    }

    /** Builds a {@link TokenPolicy}. Not thread-safe. */
    public static final class Builder {
        private final Map<String, KeySource> issuers = new LinkedHashMap<>();
        private @Nullable IssuerResolver issuerResolver;
        private long resolvedIssuersMaximumSize = DEFAULT_RESOLVED_ISSUERS_MAXIMUM_SIZE;
        private final Set<String> audiences = new LinkedHashSet<>();
        private Set<JWSAlgorithm> algorithms = DEFAULT_ALGORITHMS;
        private boolean requireAccessTokenType = true;
        private Duration clockSkew = DEFAULT_CLOCK_SKEW;
        private Duration maxLifetime = DEFAULT_MAX_LIFETIME;
        private final Set<String> requiredClaims = new LinkedHashSet<>();
        private int maxTokenLength = DEFAULT_MAX_TOKEN_LENGTH;
        private long cacheMaximumSize = DEFAULT_CACHE_MAXIMUM_SIZE;

        private Builder() {}

        /**
         * Accepts tokens whose {@code iss} is exactly {@code issuer}, verified only with
         * {@code keys}. Repeatable, once per issuer; a token of one issuer is never verified with
         * another issuer's keys.
         */
        public Builder issuer(String issuer, KeySource keys) {
            Objects.requireNonNull(issuer, "issuer cannot be null");
            Objects.requireNonNull(keys, "keys cannot be null");
            if (issuer.isBlank()) {
                throw new IllegalArgumentException("issuer cannot be blank");
            }
            if (issuers.containsKey(issuer)) {
                throw new IllegalArgumentException("issuer '" + issuer + "' is given twice");
            }
            issuers.put(issuer, keys);
            return this;
        }

        /**
         * Accepts tokens whose {@code iss} is exactly {@code issuer}, with the keys its metadata
         * names: {@code issuer(issuer, KeySource.discovered(URI.create(issuer), options))}.
         *
         * @throws IllegalArgumentException naming {@code issuerUri} when {@code issuer} is not an
         *     https URL (http only on a loopback host) without query or fragment
         * @see KeySource#discovered(URI, JwksOptions)
         */
        public Builder discoveredIssuer(String issuer, JwksOptions options) {
            Objects.requireNonNull(issuer, "issuerUri cannot be null");
            Objects.requireNonNull(options, "options cannot be null");
            URI uri;
            try {
                uri = new URI(issuer);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("issuerUri is not a valid URI: " + issuer, e);
            }
            return issuer(issuer, KeySource.discovered(uri, options));
        }

        /** As {@link #discoveredIssuer(String, JwksOptions)} with {@link JwksOptions#defaults()}. */
        public Builder discoveredIssuer(String issuer) {
            return discoveredIssuer(issuer, JwksOptions.defaults());
        }

        /**
         * Asks {@code resolver} about a token's {@code iss} that is none of the exact
         * {@link #issuer issuers}, for tenants of a multi-tenant authorization server. Default none.
         * The resolver decides before anything is fetched; see {@link IssuerResolver}.
         */
        public Builder issuerResolver(IssuerResolver resolver) {
            this.issuerResolver = Objects.requireNonNull(resolver, "issuerResolver cannot be null");
            return this;
        }

        /**
         * How many resolved issuers' key sources a verifier keeps (the least used leave first, and
         * are asked of the resolver again when next seen). Default 100; 1 to 100,000.
         */
        public Builder resolvedIssuersMaximumSize(long size) {
            if (size < 1 || size > 100_000) {
                throw new IllegalArgumentException("resolvedIssuersMaximumSize must be between 1 and 100000: " + size);
            }
            this.resolvedIssuersMaximumSize = size;
            return this;
        }

        /**
         * An audience this API is known by; a token's {@code aud} (string or array) must contain at
         * least one of the audiences given. Required; repeatable, once per audience.
         */
        public Builder audience(String audience) {
            Objects.requireNonNull(audience, "audience cannot be null");
            if (audience.isBlank()) {
                throw new IllegalArgumentException("audience cannot be blank");
            }
            if (!audiences.add(audience)) {
                throw new IllegalArgumentException("audience '" + audience + "' is given twice");
            }
            return this;
        }

        /** {@link #audience(String)} for each of {@code audiences}. */
        public Builder audiences(String... audiences) {
            Objects.requireNonNull(audiences, "audiences cannot be null");
            if (audiences.length == 0) {
                throw new IllegalArgumentException("audiences cannot be empty");
            }
            for (String a : audiences) {
                audience(a);
            }
            return this;
        }

        /**
         * The allowed signature algorithms, replacing the default {@code RS256, PS256, ES256,
         * EdDSA}. Only {@link #SUPPORTED_ALGORITHMS asymmetric algorithms} are accepted: {@code HS*}
         * and {@code none} are refused.
         */
        public Builder algorithms(JWSAlgorithm... algorithms) {
            Objects.requireNonNull(algorithms, "algorithms cannot be null");
            if (algorithms.length == 0) {
                throw new IllegalArgumentException("algorithms cannot be empty");
            }
            Set<JWSAlgorithm> set = new LinkedHashSet<>();
            for (JWSAlgorithm alg : algorithms) {
                Objects.requireNonNull(alg, "algorithms cannot hold null");
                if (JWSAlgorithm.Family.HMAC_SHA.contains(alg)) {
                    throw new IllegalArgumentException("algorithms: " + alg
                            + " is symmetric; only asymmetric algorithms are accepted (RFC 8725 §3.1)");
                }
                if (!SUPPORTED_ALGORITHMS.contains(alg)) {
                    throw new IllegalArgumentException(
                            "algorithms: " + alg + " is not supported; use some of " + SUPPORTED_ALGORITHMS);
                }
                set.add(alg);
            }
            this.algorithms = set;
            return this;
        }

        /**
         * Whether the header {@code typ} must be {@code at+jwt} or {@code application/at+jwt}
         * (compared without regard to case), so that an ID token or another JWT of the same issuer
         * is not taken for an access token. Default {@code true}.
         */
        public Builder requireAccessTokenType(boolean require) {
            this.requireAccessTokenType = require;
            return this;
        }

        /** The clock skew allowed on {@code exp}, {@code nbf} and {@code iat}. Default 60 s; 0 to 5 minutes. */
        public Builder clockSkew(Duration skew) {
            Objects.requireNonNull(skew, "clockSkew cannot be null");
            if (skew.isNegative() || skew.compareTo(MAX_CLOCK_SKEW) > 0) {
                throw new IllegalArgumentException("clockSkew must be between 0 and " + MAX_CLOCK_SKEW + ": " + skew);
            }
            this.clockSkew = skew;
            return this;
        }

        /**
         * The longest lifetime a token may have: a token is refused when {@code exp − iat} is
         * longer, or when {@code exp} is further than this (plus the skew) from now. Default 1 hour;
         * between 1 s and 1 day.
         */
        public Builder maxLifetime(Duration lifetime) {
            Objects.requireNonNull(lifetime, "maxLifetime cannot be null");
            if (lifetime.compareTo(Duration.ofSeconds(1)) < 0 || lifetime.compareTo(Duration.ofDays(1)) > 0) {
                throw new IllegalArgumentException("maxLifetime must be between 1 s and 1 day: " + lifetime);
            }
            this.maxLifetime = lifetime;
            return this;
        }

        /** Further claims a token must carry (for example {@code jti}, {@code sub}). Default none. */
        public Builder requiredClaims(String... claims) {
            Objects.requireNonNull(claims, "requiredClaims cannot be null");
            for (String c : claims) {
                Objects.requireNonNull(c, "requiredClaims cannot hold null");
                if (c.isBlank()) {
                    throw new IllegalArgumentException("requiredClaims cannot hold a blank name");
                }
                requiredClaims.add(c);
            }
            return this;
        }

        /** The longest token accepted, in characters, refused before any parsing. Default 8192; 512 to 65,536. */
        public Builder maxTokenLength(int length) {
            if (length < 512 || length > 65_536) {
                throw new IllegalArgumentException("maxTokenLength must be between 512 and 65536: " + length);
            }
            this.maxTokenLength = length;
            return this;
        }

        /** How many verified tokens to cache, each until its {@code exp}. Default 10,000; 0 switches caching off. */
        public Builder cacheMaximumSize(long size) {
            if (size < 0 || size > 10_000_000) {
                throw new IllegalArgumentException("cacheMaximumSize must be between 0 and 10,000,000: " + size);
            }
            this.cacheMaximumSize = size;
            return this;
        }

        /**
         * Builds the policy.
         *
         * @throws IllegalStateException naming {@code issuer} when neither an issuer nor an issuer
         *     resolver is given, or {@code audience} when no audience is given
         */
        public TokenPolicy build() {
            if (issuers.isEmpty() && issuerResolver == null) {
                throw new IllegalStateException(
                        "issuer: at least one issuer with its keys, or an issuerResolver, is required");
            }
            if (audiences.isEmpty()) {
                throw new IllegalStateException("audience: at least one audience is required (RFC 9068 §4)");
            }
            return new TokenPolicy(this);
        }
    }
}
