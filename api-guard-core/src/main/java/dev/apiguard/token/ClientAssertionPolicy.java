package dev.apiguard.token;

import com.nimbusds.jose.JWSAlgorithm;
import dev.apiguard.ReplayCache;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What a client assertion ({@code private_key_jwt}, RFC 7523 §2.2 and §3) must look like:
 * the registered clients with their keys, the endpoint URL the assertion must be addressed to, and
 * the limits. Immutable, built by {@link #builder()}, thread-safe.
 *
 * <p>Defaults, each stated once here: algorithms {@code RS256 PS256 ES256 EdDSA} (asymmetric only);
 * maximum lifetime 5 minutes ({@link #DEFAULT_MAX_LIFETIME}, checked on {@code exp − iat} and on
 * {@code exp − now}); clock skew 60 s; largest assertion 8 KiB. The replay cache is the verifier's
 * ({@link ClientAssertionVerifier#of(ClientAssertionPolicy, ReplayCache)}).
 */
public final class ClientAssertionPolicy {

    /** The only {@code client_assertion_type} accepted (RFC 7523 §2.2). */
    public static final String JWT_BEARER_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    /** Default maximum lifetime of an assertion: 5 minutes. */
    public static final Duration DEFAULT_MAX_LIFETIME = Duration.ofMinutes(5);
    /**
     * Default most assertions one client may have in the replay cache: 10,000, counted over two
     * slots of an assertion's longest life (maximum lifetime plus twice the skew): far above what a
     * client asking for tokens needs, far below the cache's 100,000.
     */
    public static final int DEFAULT_REPLAY_QUOTA_PER_CLIENT = 10_000;
    /** Default clock skew: 60 s. */
    public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(60);
    /** Default largest assertion, in characters: 8 KiB. */
    public static final int DEFAULT_MAX_LENGTH = 8192;

    private final Map<String, KeySource> clients;
    private final Set<String> audiences;
    private final Set<JWSAlgorithm> algorithms;
    private final Duration maxLifetime;
    private final Duration clockSkew;
    private final int maxLength;
    private final int replayQuotaPerClient;

    private ClientAssertionPolicy(Builder b) {
        this.clients = Collections.unmodifiableMap(new LinkedHashMap<>(b.clients));
        this.audiences = Collections.unmodifiableSet(new LinkedHashSet<>(b.audiences));
        this.algorithms = Collections.unmodifiableSet(new LinkedHashSet<>(b.algorithms));
        this.maxLifetime = b.maxLifetime;
        this.clockSkew = b.clockSkew;
        this.maxLength = b.maxLength;
        this.replayQuotaPerClient = b.replayQuotaPerClient;
    }

    /** A builder holding the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** The registered clients, each with the only keys its assertions may be verified with. */
    public Map<String, KeySource> clients() {
        return clients;
    }

    /** The endpoint URLs an assertion's {@code aud} must contain one of. */
    public Set<String> audiences() {
        return audiences;
    }

    /** The allowed signature algorithms. */
    public Set<JWSAlgorithm> algorithms() {
        return algorithms;
    }

    /** The longest an assertion may live. */
    public Duration maxLifetime() {
        return maxLifetime;
    }

    /** The clock skew allowed on {@code exp}, {@code nbf} and {@code iat}. */
    public Duration clockSkew() {
        return clockSkew;
    }

    /** The longest assertion accepted, in characters. */
    public int maxLength() {
        return maxLength;
    }

    /** The most assertions one client may have in the replay cache. */
    public int replayQuotaPerClient() {
        return replayQuotaPerClient;
    }

    /** How long an assertion's {@code jti} is kept at most: the maximum lifetime plus twice the skew. */
    public Duration assertionLifetime() {
        return maxLifetime.plus(clockSkew.multipliedBy(2));
    }

    @Override
    public String toString() {
        return "ClientAssertionPolicy[clients=" + clients.keySet() + ", audiences=" + audiences + ", algorithms="
                + algorithms + ", maxLifetime=" + maxLifetime + ", clockSkew=" + clockSkew + "]";
    }

    /** Builds a {@link ClientAssertionPolicy}. Not thread-safe. */
    public static final class Builder {
        private final Map<String, KeySource> clients = new LinkedHashMap<>();
        private final Set<String> audiences = new LinkedHashSet<>();
        private Set<JWSAlgorithm> algorithms = TokenPolicy.DEFAULT_ALGORITHMS;
        private Duration maxLifetime = DEFAULT_MAX_LIFETIME;
        private Duration clockSkew = DEFAULT_CLOCK_SKEW;
        private int maxLength = DEFAULT_MAX_LENGTH;
        private int replayQuotaPerClient = DEFAULT_REPLAY_QUOTA_PER_CLIENT;

        private Builder() {}

        /**
         * Registers a client: assertions whose {@code iss} and {@code sub} are {@code clientId} are
         * verified only with {@code keys} (its JWKS, inline or by URL). Repeatable, once per client.
         */
        public Builder client(String clientId, KeySource keys) {
            Objects.requireNonNull(clientId, "clientId cannot be null");
            Objects.requireNonNull(keys, "keys cannot be null");
            if (clientId.isBlank()) {
                throw new IllegalArgumentException("clientId cannot be blank");
            }
            if (clients.containsKey(clientId)) {
                throw new IllegalArgumentException("client '" + clientId + "' is given twice");
            }
            clients.put(clientId, keys);
            return this;
        }

        /**
         * The URL of the endpoint that receives the assertions (the token endpoint, or the API);
         * an assertion's {@code aud} must contain it (RFC 7523 §3 item 3). Required; repeatable for
         * an endpoint known by several URLs.
         */
        public Builder audience(String endpointUrl) {
            Objects.requireNonNull(endpointUrl, "audience cannot be null");
            if (endpointUrl.isBlank()) {
                throw new IllegalArgumentException("audience cannot be blank");
            }
            audiences.add(endpointUrl);
            return this;
        }

        /** The allowed algorithms, replacing the default; asymmetric ones of {@link TokenPolicy#SUPPORTED_ALGORITHMS}. */
        public Builder algorithms(JWSAlgorithm... algs) {
            Objects.requireNonNull(algs, "algorithms cannot be null");
            if (algs.length == 0) {
                throw new IllegalArgumentException("algorithms cannot be empty");
            }
            Set<JWSAlgorithm> set = new LinkedHashSet<>();
            for (JWSAlgorithm alg : algs) {
                Objects.requireNonNull(alg, "algorithms cannot hold null");
                if (!TokenPolicy.SUPPORTED_ALGORITHMS.contains(alg)) {
                    throw new IllegalArgumentException("algorithms: " + alg
                            + " is not accepted (asymmetric only); use some of " + TokenPolicy.SUPPORTED_ALGORITHMS);
                }
                set.add(alg);
            }
            this.algorithms = set;
            return this;
        }

        /** The longest an assertion may live ({@code exp − iat}, and {@code exp − now}). Default 5 min; 10 s to 1 hour. */
        public Builder maxLifetime(Duration lifetime) {
            Objects.requireNonNull(lifetime, "maxLifetime cannot be null");
            if (lifetime.compareTo(Duration.ofSeconds(10)) < 0 || lifetime.compareTo(Duration.ofHours(1)) > 0) {
                throw new IllegalArgumentException("maxLifetime must be between 10 s and 1 hour: " + lifetime);
            }
            this.maxLifetime = lifetime;
            return this;
        }

        /** The clock skew on {@code exp}, {@code nbf} and {@code iat}. Default 60 s; 0 to 5 minutes. */
        public Builder clockSkew(Duration skew) {
            Objects.requireNonNull(skew, "clockSkew cannot be null");
            if (skew.isNegative() || skew.compareTo(TokenPolicy.MAX_CLOCK_SKEW) > 0) {
                throw new IllegalArgumentException(
                        "clockSkew must be between 0 and " + TokenPolicy.MAX_CLOCK_SKEW + ": " + skew);
            }
            this.clockSkew = skew;
            return this;
        }

        /** The longest assertion accepted, refused before parsing. Default 8192; 1024 to 65,536. */
        public Builder maxLength(int length) {
            if (length < 1024 || length > 65_536) {
                throw new IllegalArgumentException("maxLength must be between 1024 and 65536: " + length);
            }
            this.maxLength = length;
            return this;
        }

        /**
         * The most assertions one client may have recorded in the replay cache (counted over two
         * slots of an assertion's longest life); a client over it is refused with 429, never
         * another client. Default {@value ClientAssertionPolicy#DEFAULT_REPLAY_QUOTA_PER_CLIENT};
         * 1 to 10,000,000.
         */
        public Builder replayQuotaPerClient(int maxAssertions) {
            if (maxAssertions < 1 || maxAssertions > 10_000_000) {
                throw new IllegalArgumentException(
                        "replayQuotaPerClient must be between 1 and 10,000,000: " + maxAssertions);
            }
            this.replayQuotaPerClient = maxAssertions;
            return this;
        }

        /**
         * Builds the policy.
         *
         * @throws IllegalStateException naming {@code client} when no client is registered, or
         *     {@code audience} when no endpoint URL is given
         */
        public ClientAssertionPolicy build() {
            if (clients.isEmpty()) {
                throw new IllegalStateException("client: at least one client with its keys is required");
            }
            if (audiences.isEmpty()) {
                throw new IllegalStateException("audience: the endpoint URL is required (RFC 7523 §3)");
            }
            return new ClientAssertionPolicy(this);
        }
    }
}
