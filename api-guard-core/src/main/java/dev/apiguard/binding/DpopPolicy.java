package dev.apiguard.binding;

import com.nimbusds.jose.JWSAlgorithm;
import dev.apiguard.TrustedProxies;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * What a DPoP proof (RFC 9449 §4) must look like to be accepted: immutable, built by
 * {@link #builder()} with safe defaults, thread-safe.
 *
 * <p>Defaults, each stated once here:
 * <ul>
 *   <li>algorithms {@code ES256 PS256 RS256 EdDSA} ({@link #DEFAULT_ALGORITHMS}); asymmetric only,
 *       {@code none} and {@code HS*} can never be configured (RFC 9449 §4.2);</li>
 *   <li>{@code iat} window ±60 s around the guard's clock ({@link #DEFAULT_IAT_WINDOW});</li>
 *   <li>largest proof 8 KiB ({@link #DEFAULT_MAX_PROOF_LENGTH}), refused before parsing;</li>
 *   <li>each caller may hold at most {@value #DEFAULT_REPLAY_QUOTA_PER_CALLER} of them
 *       ({@link Builder#replayQuotaPerCaller}), counted over two slots of the proof's lifetime
 *       (twice the {@code iat} window): enough for a caller at 50 requests a second with the
 *       default window; a caller over it is refused with 429, never another caller;</li>
 *   <li>server nonces off; when on (RFC 9449 §8), stateless HMAC nonces valid for the given
 *       window, keyed by a random secret made at start unless one is given (give the same secret
 *       to every node of a cluster);</li>
 *   <li>{@link TrustedProxies#NONE}: {@code htu} is built from the request as received;
 *       {@code X-Forwarded-Host} and {@code X-Forwarded-Proto} are believed only from the
 *       configured proxies.</li>
 *   <li>no {@link Builder#origins origins}: the origin of {@code htu} is the request's own
 *       (its {@code Host} header); configure the API's origins to make it fixed.</li>
 * </ul>
 */
public final class DpopPolicy {

    /** The default proof algorithms, in the order the {@code algs} challenge parameter lists them. */
    public static final Set<JWSAlgorithm> DEFAULT_ALGORITHMS = Collections.unmodifiableSet(new LinkedHashSet<>(
            List.of(JWSAlgorithm.ES256, JWSAlgorithm.PS256, JWSAlgorithm.RS256, JWSAlgorithm.EdDSA)));
    /** Every algorithm a proof may be configured to use: asymmetric ones only. */
    public static final Set<JWSAlgorithm> SUPPORTED_ALGORITHMS =
            Collections.unmodifiableSet(new LinkedHashSet<>(List.of(
                    JWSAlgorithm.ES256,
                    JWSAlgorithm.ES384,
                    JWSAlgorithm.ES512,
                    JWSAlgorithm.PS256,
                    JWSAlgorithm.PS384,
                    JWSAlgorithm.PS512,
                    JWSAlgorithm.RS256,
                    JWSAlgorithm.RS384,
                    JWSAlgorithm.RS512,
                    JWSAlgorithm.EdDSA,
                    JWSAlgorithm.Ed25519)));
    /** Default allowed distance of a proof's {@code iat} from now: 60 s either way. */
    public static final Duration DEFAULT_IAT_WINDOW = Duration.ofSeconds(60);
    /** Default largest proof, in characters: 8 KiB. */
    public static final int DEFAULT_MAX_PROOF_LENGTH = 8192;
    /**
     * Default most proofs one caller may have in the replay cache: 12,000. A proof lives at most
     * twice the {@code iat} window (120 s by default) and is counted over two such slots, so a
     * caller at {@code r} requests a second needs {@code 2 × r × 120}: 12,000 at 50 a second.
     */
    public static final int DEFAULT_REPLAY_QUOTA_PER_CALLER = 12_000;

    private final Set<JWSAlgorithm> algorithms;
    private final String algsParameter;
    private final Duration iatWindow;
    private final int maxProofLength;
    private final int replayQuotaPerCaller;
    private final @Nullable Duration nonceValidity;
    private final byte @Nullable [] nonceSecret;
    private final TrustedProxies trustedProxies;
    private final List<String> origins;

    private DpopPolicy(Builder b) {
        this.origins = List.copyOf(b.origins);
        this.algorithms = Collections.unmodifiableSet(new LinkedHashSet<>(b.algorithms));
        this.algsParameter = algorithms.stream().map(JWSAlgorithm::getName).collect(Collectors.joining(" "));
        this.iatWindow = b.iatWindow;
        this.maxProofLength = b.maxProofLength;
        this.replayQuotaPerCaller = b.replayQuotaPerCaller;
        this.nonceValidity = b.nonceValidity;
        this.nonceSecret = b.nonceSecret == null ? null : b.nonceSecret.clone();
        this.trustedProxies = b.trustedProxies;
    }

    /** A builder holding the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A policy with every default. */
    public static DpopPolicy defaults() {
        return builder().build();
    }

    /** The allowed proof algorithms. */
    public Set<JWSAlgorithm> algorithms() {
        return algorithms;
    }

    /** The allowed algorithms, space-delimited: the {@code algs} parameter of DPoP challenges. */
    public String algsParameter() {
        return algsParameter;
    }

    /** How far a proof's {@code iat} may be from now, either way. */
    public Duration iatWindow() {
        return iatWindow;
    }

    /**
     * How long a proof's {@code jti} is kept in the replay cache at most: twice the {@code iat}
     * window (a proof may be dated up to one window ahead, and is kept one window past its
     * {@code iat}).
     */
    public Duration proofLifetime() {
        return iatWindow.multipliedBy(2);
    }

    /** The most proofs one caller may have in the replay cache; see {@link Builder#replayQuotaPerCaller}. */
    public int replayQuotaPerCaller() {
        return replayQuotaPerCaller;
    }

    /** The longest proof accepted, in characters. */
    public int maxProofLength() {
        return maxProofLength;
    }

    /** Whether proofs must carry a server nonce. */
    public boolean serverNonces() {
        return nonceValidity != null;
    }

    /** How long a server nonce is valid at least (it is accepted for up to twice this), or null when off. */
    public @Nullable Duration nonceValidity() {
        return nonceValidity;
    }

    /** The nonce secret, or null for a random one made when the verifier is built. */
    byte @Nullable [] nonceSecret() {
        return nonceSecret == null ? null : nonceSecret.clone();
    }

    /**
     * The origins a proof's {@code htu} may name, canonical ({@code https://api.example}); empty
     * when {@code htu} is built from the request itself.
     */
    public List<String> origins() {
        return origins;
    }

    /** The peers whose {@code X-Forwarded-Host} and {@code X-Forwarded-Proto} build {@code htu}. */
    public TrustedProxies trustedProxies() {
        return trustedProxies;
    }

    @Override
    public String toString() {
        return "DpopPolicy[algorithms=" + algsParameter + ", iatWindow=" + iatWindow + ", maxProofLength="
                + maxProofLength + ", serverNonces="
                + (nonceValidity == null ? "off" : nonceValidity) + ", trustedProxies=" + trustedProxies
                + (origins.isEmpty() ? "" : ", origins=" + origins) + "]";
    }

    /** Builds a {@link DpopPolicy}. Not thread-safe. */
    public static final class Builder {
        private Set<JWSAlgorithm> algorithms = DEFAULT_ALGORITHMS;
        private Duration iatWindow = DEFAULT_IAT_WINDOW;
        private int replayQuotaPerCaller = DEFAULT_REPLAY_QUOTA_PER_CALLER;
        private int maxProofLength = DEFAULT_MAX_PROOF_LENGTH;
        private @Nullable Duration nonceValidity;
        private byte @Nullable [] nonceSecret;
        private TrustedProxies trustedProxies = TrustedProxies.NONE;
        private List<String> origins = List.of();

        private Builder() {}

        /**
         * The allowed proof algorithms, replacing the default {@code ES256 PS256 RS256 EdDSA}; some
         * of {@link #SUPPORTED_ALGORITHMS}. {@code none} and {@code HS*} are refused.
         */
        public Builder algorithms(JWSAlgorithm... algs) {
            Objects.requireNonNull(algs, "algorithms cannot be null");
            if (algs.length == 0) {
                throw new IllegalArgumentException("algorithms cannot be empty");
            }
            Set<JWSAlgorithm> set = new LinkedHashSet<>();
            for (JWSAlgorithm alg : algs) {
                Objects.requireNonNull(alg, "algorithms cannot hold null");
                if (!SUPPORTED_ALGORITHMS.contains(alg)) {
                    throw new IllegalArgumentException("algorithms: " + alg
                            + " is not accepted for DPoP proofs (asymmetric only, RFC 9449 §4.2); use some of "
                            + SUPPORTED_ALGORITHMS);
                }
                set.add(alg);
            }
            this.algorithms = set;
            return this;
        }

        /**
         * The most proofs one caller may have recorded in the replay cache, counted over two slots
         * of {@link DpopPolicy#proofLifetime()}: a caller sending valid proofs faster than its
         * share is refused with 429 ({@code replay_quota_exceeded}), and never fills the cache
         * every other caller needs. Size it as {@code 2 × r × proofLifetime} for a caller whose
         * rate limit is {@code r} requests a second (12,000 at 50 a second with the default 60 s
         * window), and the cache's capacity above the sum over the callers you expect at once.
         * Default {@value DpopPolicy#DEFAULT_REPLAY_QUOTA_PER_CALLER}; 1 to 10,000,000.
         */
        public Builder replayQuotaPerCaller(int maxProofs) {
            if (maxProofs < 1 || maxProofs > 10_000_000) {
                throw new IllegalArgumentException(
                        "replayQuotaPerCaller must be between 1 and 10,000,000: " + maxProofs);
            }
            this.replayQuotaPerCaller = maxProofs;
            return this;
        }

        /** How far a proof's {@code iat} may be from now, either way. Default 60 s; 1 s to 5 minutes. */
        public Builder iatWindow(Duration window) {
            Objects.requireNonNull(window, "iatWindow cannot be null");
            if (window.compareTo(Duration.ofSeconds(1)) < 0 || window.compareTo(Duration.ofMinutes(5)) > 0) {
                throw new IllegalArgumentException("iatWindow must be between 1 s and 5 minutes: " + window);
            }
            this.iatWindow = window;
            return this;
        }

        /** The longest proof accepted, in characters. Default 8192; 1024 to 65,536. */
        public Builder maxProofLength(int length) {
            if (length < 1024 || length > 65_536) {
                throw new IllegalArgumentException("maxProofLength must be between 1024 and 65536: " + length);
            }
            this.maxProofLength = length;
            return this;
        }

        /**
         * Requires server nonces (RFC 9449 §8) with a random secret made at start: a proof without
         * a valid {@code nonce} is answered {@code use_dpop_nonce} with a fresh {@code DPoP-Nonce}.
         * A nonce is accepted for at least {@code validity} and at most twice that. Default off;
         * validity 10 s to 1 hour. With several app nodes, use {@link #serverNonces(Duration, byte[])}.
         */
        public Builder serverNonces(Duration validity) {
            Objects.requireNonNull(validity, "serverNonces validity cannot be null");
            if (validity.compareTo(Duration.ofSeconds(10)) < 0 || validity.compareTo(Duration.ofHours(1)) > 0) {
                throw new IllegalArgumentException(
                        "serverNonces validity must be between 10 s and 1 hour: " + validity);
            }
            this.nonceValidity = validity;
            return this;
        }

        /** As {@link #serverNonces(Duration)}, with a shared HMAC secret of at least 32 bytes. */
        public Builder serverNonces(Duration validity, byte[] secret) {
            Objects.requireNonNull(secret, "serverNonces secret cannot be null");
            if (secret.length < 32) {
                throw new IllegalArgumentException("serverNonces secret must have at least 32 bytes: " + secret.length);
            }
            serverNonces(validity);
            this.nonceSecret = secret.clone();
            return this;
        }

        /**
         * The TLS-terminating proxies whose {@code X-Forwarded-Host} and {@code X-Forwarded-Proto}
         * headers build the {@code htu} a proof must name. Default {@link TrustedProxies#NONE}.
         */
        public Builder trustedProxies(TrustedProxies proxies) {
            this.trustedProxies = Objects.requireNonNull(proxies, "trustedProxies cannot be null");
            return this;
        }

        /**
         * The origins this API is reached at, like {@code https://api.example.com} (scheme, host
         * and port only). When set, a proof's {@code htu} must name one of them with the request's
         * path, and the request's {@code Host} header (or a forwarded host) plays no part: a proof
         * made for another origin is refused even when the request claims that origin in its
         * {@code Host} header, which a container serving any host would otherwise accept
         * (RFC 9449 §4.3 step 9 compares with the request's URI, whose authority the client
         * writes). Default: none, the request's own scheme, host and port (with
         * {@link #trustedProxies} applied).
         *
         * @throws IllegalArgumentException naming {@code origins} when one is not an absolute
         *     http(s) URI without user info, path, query or fragment
         */
        public Builder origins(String... origins) {
            Objects.requireNonNull(origins, "origins cannot be null");
            List<String> canonical = new java.util.ArrayList<>(origins.length);
            for (String o : origins) {
                String c = dev.apiguard.binding.internal.DpopHtu.origin(
                        Objects.requireNonNull(o, "origin cannot be null"));
                if (c == null) {
                    throw new IllegalArgumentException(
                            "origins: not an http(s) origin like https://api.example.com: " + o);
                }
                canonical.add(c);
            }
            this.origins = List.copyOf(canonical);
            return this;
        }

        /** Builds the policy. */
        public DpopPolicy build() {
            return new DpopPolicy(this);
        }
    }
}
