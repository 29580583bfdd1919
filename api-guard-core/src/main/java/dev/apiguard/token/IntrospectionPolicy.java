package dev.apiguard.token;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import dev.apiguard.internal.Check;
import dev.apiguard.token.internal.ClientAuthentication;
import dev.apiguard.token.internal.HttpUrls;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;

/**
 * How opaque access tokens are checked at an authorization server's RFC 7662 token introspection
 * endpoint, by a {@link TokenIntrospector}.
 *
 * <p>Immutable and thread-safe. Build with {@link #builder(String, URI)}; every default is a
 * constant of this class. What it says:
 * <ul>
 *   <li>the endpoint: {@code https}, or {@code http} only on a loopback host, never with user
 *       information; the issuer whose tokens it introspects (the caller's issuer, and the only
 *       {@code iss} an answer may name);</li>
 *   <li>how the guard authenticates itself to it (RFC 7662 §2.1): exactly one of
 *       {@link Builder#clientSecretBasic}, {@link Builder#clientSecretPost},
 *       {@link Builder#privateKeyJwt} or {@link Builder#tlsClientAuth};</li>
 *   <li>the audiences an answer's {@code aud}, when it has one, must name one of (none: any);</li>
 *   <li>how long an active answer is used: until the earlier of its {@code exp} and
 *       {@link Builder#cacheFor} after it came (default {@value #DEFAULT_CACHE_SECONDS} s, so that
 *       a revocation at the server takes effect within it), never beyond {@code exp}; an inactive
 *       answer is kept for the token's digest only, {@link Builder#inactiveCacheFor} (default
 *       {@value #DEFAULT_INACTIVE_CACHE_SECONDS} s); both caches are bounded;</li>
 *   <li>the failure policy: one {@link Builder#timeout deadline} per call (default
 *       {@value #DEFAULT_TIMEOUT_MILLIS} ms), at most {@link Builder#maxConcurrentCalls} calls at
 *       once (default {@value #DEFAULT_MAX_CONCURRENT_CALLS}; a request finding them all busy is not
 *       queued but treated as an outage), answers of at most {@link Builder#maxAnswerBytes} bytes;
 *       an outage answers 503 or 401 as {@link Builder#onOutage} says (default 503).</li>
 * </ul>
 * The client secret and key never appear in {@link #toString()}, an event or an exception.
 */
public final class IntrospectionPolicy {

    /** Default time an active answer is used at most: 60 s. */
    public static final int DEFAULT_CACHE_SECONDS = 60;
    /** Default time an inactive answer is kept: 5 s. */
    public static final int DEFAULT_INACTIVE_CACHE_SECONDS = 5;
    /** Default bound of each cache (active answers, inactive answers). */
    public static final long DEFAULT_MAX_CACHE_ENTRIES = 10_000;
    /** Default number of calls to the endpoint at once. */
    public static final int DEFAULT_MAX_CONCURRENT_CALLS = 16;
    /** Default deadline of one call, connect to last byte: 2 s. */
    public static final long DEFAULT_TIMEOUT_MILLIS = 2000;
    /** Default largest answer: 64 KiB. */
    public static final int DEFAULT_MAX_ANSWER_BYTES = 64 * 1024;

    /** What a request gets while the endpoint cannot answer (down, slow, garbage, or every call slot busy). */
    public enum OnOutage {
        /** 503: the guard cannot tell, the client may retry (the default: fail closed, and say so). */
        UNAVAILABLE,
        /** 401 {@code invalid_token}: as if the token were refused. */
        INVALID_TOKEN
    }

    private final String issuer;
    private final URI endpoint;
    private final ClientAuthentication client;
    private final Set<String> audiences;
    private final Duration cacheFor;
    private final Duration inactiveCacheFor;
    private final long maxCacheEntries;
    private final int maxConcurrentCalls;
    private final Duration timeout;
    private final int maxAnswerBytes;
    private final int maxTokenLength;
    private final OnOutage onOutage;
    private final @Nullable SSLContext sslContext;

    private IntrospectionPolicy(Builder b, ClientAuthentication client) {
        this.issuer = b.issuer;
        this.endpoint = b.endpoint;
        this.client = client;
        this.audiences = Set.copyOf(b.audiences);
        this.cacheFor = b.cacheFor;
        this.inactiveCacheFor = b.inactiveCacheFor;
        this.maxCacheEntries = b.maxCacheEntries;
        this.maxConcurrentCalls = b.maxConcurrentCalls;
        this.timeout = b.timeout;
        this.maxAnswerBytes = b.maxAnswerBytes;
        this.maxTokenLength = b.maxTokenLength;
        this.onOutage = b.onOutage;
        this.sslContext = b.sslContext;
    }

    /**
     * A builder for the endpoint that introspects the tokens of {@code issuer}.
     *
     * @throws IllegalArgumentException naming {@code endpoint} when it is not https (http on a
     *     loopback host only), or holds user information
     */
    public static Builder builder(String issuer, URI endpoint) {
        return new Builder(issuer, endpoint);
    }

    /** The issuer whose tokens the endpoint introspects. */
    public String issuer() {
        return issuer;
    }

    /** The introspection endpoint. */
    public URI endpoint() {
        return endpoint;
    }

    /** The client authentication method, by its RFC 8414 name (like {@code client_secret_basic}). */
    public String clientAuthenticationMethod() {
        return client.method();
    }

    /** The guard's client id at the authorization server. */
    public String clientId() {
        return client.clientId();
    }

    ClientAuthentication clientAuthentication() {
        return client;
    }

    /** The audiences an answer's {@code aud} must name one of, when it has one; empty: any. */
    public Set<String> audiences() {
        return audiences;
    }

    /** How long an active answer is used at most (never beyond its {@code exp}). */
    public Duration cacheFor() {
        return cacheFor;
    }

    /** How long an inactive answer is kept for its token's digest. */
    public Duration inactiveCacheFor() {
        return inactiveCacheFor;
    }

    /** The bound of each cache (active answers, inactive answers). */
    public long maxCacheEntries() {
        return maxCacheEntries;
    }

    /** How many calls to the endpoint may run at once. */
    public int maxConcurrentCalls() {
        return maxConcurrentCalls;
    }

    /** The deadline of one call, from connecting to the answer's last byte. */
    public Duration timeout() {
        return timeout;
    }

    /** The largest answer read, in bytes. */
    public int maxAnswerBytes() {
        return maxAnswerBytes;
    }

    /** The longest token sent to the endpoint; longer ones are refused unasked. */
    public int maxTokenLength() {
        return maxTokenLength;
    }

    /** What a request gets during an outage. */
    public OnOutage onOutage() {
        return onOutage;
    }

    /** The TLS context of the calls, or null for the JVM's default. */
    public @Nullable SSLContext sslContext() {
        return sslContext;
    }

    @Override
    public String toString() {
        return "IntrospectionPolicy[issuer=" + issuer + ", endpoint=" + endpoint + ", client=" + client
                + ", cacheFor=" + cacheFor + ", inactiveCacheFor=" + inactiveCacheFor + ", timeout=" + timeout
                + ", maxConcurrentCalls=" + maxConcurrentCalls + ", onOutage=" + onOutage + "]";
    }

    /** Builds an {@link IntrospectionPolicy}; every setter checks its argument and names it when bad. */
    public static final class Builder {
        private final String issuer;
        private final URI endpoint;
        private @Nullable ClientAuthentication client;
        private final Set<String> audiences = new LinkedHashSet<>();
        private Duration cacheFor = Duration.ofSeconds(DEFAULT_CACHE_SECONDS);
        private Duration inactiveCacheFor = Duration.ofSeconds(DEFAULT_INACTIVE_CACHE_SECONDS);
        private long maxCacheEntries = DEFAULT_MAX_CACHE_ENTRIES;
        private int maxConcurrentCalls = DEFAULT_MAX_CONCURRENT_CALLS;
        private Duration timeout = Duration.ofMillis(DEFAULT_TIMEOUT_MILLIS);
        private int maxAnswerBytes = DEFAULT_MAX_ANSWER_BYTES;
        private int maxTokenLength = TokenPolicy.DEFAULT_MAX_TOKEN_LENGTH;
        private OnOutage onOutage = OnOutage.UNAVAILABLE;
        private @Nullable SSLContext sslContext;

        private Builder(String issuer, URI endpoint) {
            Check.notNull("issuer", issuer);
            if (issuer.isBlank()) {
                throw new IllegalArgumentException("issuer cannot be blank");
            }
            this.issuer = issuer;
            this.endpoint = HttpUrls.check("endpoint", Check.notNull("endpoint", endpoint));
        }

        /** {@code client_secret_basic}: HTTP Basic, id and secret form-URL-encoded first (RFC 6749 §2.3.1). */
        public Builder clientSecretBasic(String clientId, String secret) {
            return client(ClientAuthentication.clientSecretBasic(id(clientId), secret("clientSecretBasic", secret)));
        }

        /** {@code client_secret_post}: the id and secret as form parameters (RFC 6749 §2.3.1). */
        public Builder clientSecretPost(String clientId, String secret) {
            return client(ClientAuthentication.clientSecretPost(id(clientId), secret("clientSecretPost", secret)));
        }

        /**
         * {@code private_key_jwt} (RFC 7523 §2.2): each call carries a fresh assertion signed with the
         * private key ({@code iss} and {@code sub} the client id, {@code aud} the endpoint, a random
         * {@code jti}, valid for a minute).
         *
         * @throws IllegalArgumentException when the key is not a private key that can sign with {@code alg}
         */
        public Builder privateKeyJwt(String clientId, JWK privateKey, JWSAlgorithm alg) {
            Check.notNull("privateKey", privateKey);
            Check.notNull("alg", alg);
            if (!privateKey.isPrivate()) {
                throw new IllegalArgumentException("privateKeyJwt needs a private key");
            }
            return client(ClientAuthentication.privateKeyJwt(id(clientId), privateKey, alg));
        }

        /**
         * {@code tls_client_auth} (RFC 8705 §2): the client id as a form parameter, the client's
         * certificate and key in the {@link #sslContext TLS context} (required with this method).
         */
        public Builder tlsClientAuth(String clientId) {
            return client(ClientAuthentication.tlsClientAuth(id(clientId)));
        }

        /** Audiences an answer's {@code aud}, when it has one, must name one of. Default: none (any). */
        public Builder audiences(String... accepted) {
            Check.notNull("audiences", accepted);
            for (String a : accepted) {
                if (a == null || a.isBlank()) {
                    throw new IllegalArgumentException("audiences cannot hold a null or blank audience");
                }
                audiences.add(a);
            }
            return this;
        }

        /** Longest use of an active answer, never beyond its {@code exp}; 1 s to 1 h. Default 60 s. */
        public Builder cacheFor(Duration duration) {
            this.cacheFor = Check.between("cacheFor", duration, Duration.ofSeconds(1), Duration.ofHours(1));
            return this;
        }

        /** How long an inactive answer is kept for its token's digest; 0 (not kept) to 5 min. Default 5 s. */
        public Builder inactiveCacheFor(Duration duration) {
            this.inactiveCacheFor = Check.between("inactiveCacheFor", duration, Duration.ZERO, Duration.ofMinutes(5));
            return this;
        }

        /** Bound of each cache, 1 to 10,000,000. Default 10,000. */
        public Builder maxCacheEntries(long entries) {
            this.maxCacheEntries = Check.between("maxCacheEntries", entries, 1, 10_000_000);
            return this;
        }

        /** Calls at once, 1 to 1024; a request finding them all busy is an outage. Default 16. */
        public Builder maxConcurrentCalls(int calls) {
            this.maxConcurrentCalls = Check.between("maxConcurrentCalls", calls, 1, 1024);
            return this;
        }

        /** Deadline of one call, connect to last byte; 10 ms to 30 s. Default 2 s. */
        public Builder timeout(Duration deadline) {
            this.timeout = Check.between("timeout", deadline, Duration.ofMillis(10), Duration.ofSeconds(30));
            return this;
        }

        /** Largest answer read, 256 B to 1 MiB; a longer one is an outage. Default 64 KiB. */
        public Builder maxAnswerBytes(int bytes) {
            this.maxAnswerBytes = Check.between("maxAnswerBytes", bytes, 256, 1024 * 1024);
            return this;
        }

        /** Longest token sent, 16 to 65,536 characters; longer ones are refused unasked. Default 8192. */
        public Builder maxTokenLength(int length) {
            this.maxTokenLength = Check.between("maxTokenLength", length, 16, 65_536);
            return this;
        }

        /** What a request gets during an outage. Default {@link OnOutage#UNAVAILABLE} (503). */
        public Builder onOutage(OnOutage answer) {
            this.onOutage = Check.notNull("onOutage", answer);
            return this;
        }

        /** The TLS context of the calls: private trust anchors, the client key for mTLS. Default: the JVM's. */
        public Builder sslContext(SSLContext context) {
            this.sslContext = Check.notNull("sslContext", context);
            return this;
        }

        /**
         * The policy.
         *
         * @throws IllegalStateException when no client authentication is set, or {@code tlsClientAuth}
         *     has no {@code sslContext}
         */
        public IntrospectionPolicy build() {
            ClientAuthentication c = client;
            if (c == null) {
                throw new IllegalStateException("client authentication is required: clientSecretBasic,"
                        + " clientSecretPost, privateKeyJwt or tlsClientAuth");
            }
            if (c.method().equals("tls_client_auth") && sslContext == null) {
                throw new IllegalStateException("tlsClientAuth needs an sslContext holding the client's key");
            }
            return new IntrospectionPolicy(this, c);
        }

        private Builder client(ClientAuthentication method) {
            if (client != null) {
                throw new IllegalStateException(
                        "client authentication is set twice: " + client.method() + " and " + method.method());
            }
            this.client = method;
            return this;
        }

        private static String id(String clientId) {
            Objects.requireNonNull(clientId, "clientId cannot be null");
            if (clientId.isEmpty()) {
                throw new IllegalArgumentException("clientId cannot be empty");
            }
            return clientId;
        }

        private static String secret(String setting, String secret) {
            if (secret == null || secret.isEmpty()) {
                // the secret itself is never quoted
                throw new IllegalArgumentException(setting + ": the client secret cannot be null or empty");
            }
            return secret;
        }
    }
}
