package dev.apiguard;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The identity that every piece of per-caller state is keyed by: rate-limit buckets, anomaly
 * profiles, quarantine, throttles, replay quotas and the inventory's ledger.
 *
 * <p>A caller is its {@linkplain Namespace namespace}, the issuer that vouches for it (for tokens)
 * and its id. {@link Caller#id()} alone is not enough: a client of one issuer named like a client
 * of another would share its buckets, its score and its quarantine, so one could throttle or
 * quarantine the other. Two tokens with the same {@code client_id} from two issuers are two
 * callers; an API key and a token of the same client id are two callers too (API keys keep their
 * own namespace).
 *
 * <ul>
 *   <li>{@link #value()}: the canonical text, unambiguous whatever characters issuer and id hold
 *       (the issuer is length-prefixed): {@code token|27|https://login.example.com|partner-a},
 *       {@code apikey|partner-a}, {@code mtls|partner-a}, {@code client|partner-a};</li>
 *   <li>{@link #digest()}: 22 base64url characters, the first 128 bits of SHA-256 of the value:
 *       what stores put in their keys, so that a key has a bounded length whatever the id, holds
 *       no brace nor colon (a Redis Cluster hash tag can wrap it, and it never reads as another
 *       kind of key) and is the same on every node.</li>
 * </ul>
 * Settings that name callers (allow-lists, plan registries) take keys too: build them with
 * {@link #token}, {@link #apiKey}, {@link #mtlsClient} or {@link #client}.
 *
 * <p>Immutable and thread-safe; equal when namespace, issuer and id are.
 */
public final class CallerKey {

    /** The kinds of identity, each its own namespace. */
    public enum Namespace {
        /** A client of a token issuer: JWT access tokens (plain, certificate- or DPoP-bound). */
        TOKEN,
        /** A legacy API key's client. */
        API_KEY,
        /** A client authenticated by its TLS certificate alone (RFC 8705 §2). */
        MTLS,
        /** A client authenticated by a signed assertion ({@code private_key_jwt}, RFC 7523). */
        CLIENT;

        String prefix() {
            return this == API_KEY ? "apikey" : name().toLowerCase(Locale.ROOT);
        }
    }

    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

    private final Namespace namespace;
    private final @Nullable String issuer;
    private final String id;
    private final int hash;
    // "{" + digest + "}", computed on first use and kept: a caller verified once (a cached token)
    // hashes it once, and the one string serves as its bucket key too. The canonical value is not
    // kept: every piece of per-caller state holds this object, so each field here is paid once per
    // tracked caller
    private volatile @Nullable String hashTag;

    private CallerKey(Namespace namespace, @Nullable String issuer, String id) {
        this.namespace = namespace;
        this.issuer = issuer;
        this.id = id;
        this.hash = (namespace.hashCode() * 31 + Objects.hashCode(issuer)) * 31 + id.hashCode();
    }

    /**
     * The key of a token client: its issuer (the token's {@code iss}) and its id ({@code client_id},
     * else {@code azp}, else {@code sub}).
     */
    public static CallerKey token(String issuer, String clientId) {
        return new CallerKey(
                Namespace.TOKEN, Objects.requireNonNull(issuer, "issuer cannot be null"), requireId(clientId));
    }

    /** The key of an API key's client. */
    public static CallerKey apiKey(String clientId) {
        return new CallerKey(Namespace.API_KEY, null, requireId(clientId));
    }

    /** The key of a client authenticated by its certificate alone (its registered client id). */
    public static CallerKey mtlsClient(String clientId) {
        return new CallerKey(Namespace.MTLS, null, requireId(clientId));
    }

    /** The key of a client authenticated by a signed client assertion. */
    public static CallerKey client(String clientId) {
        return new CallerKey(Namespace.CLIENT, null, requireId(clientId));
    }

    /**
     * The key of a caller, by how it authenticated: a token's issuer and id (a token without issuer
     * has the empty issuer), or the id in the API-key, mTLS or client-assertion namespace.
     */
    static CallerKey of(String id, @Nullable String issuer, CredentialKind kind) {
        Namespace namespace = namespaceOf(kind);
        return new CallerKey(namespace, namespace == Namespace.TOKEN ? (issuer == null ? "" : issuer) : null, id);
    }

    /** The namespace of callers that authenticate with this kind of credential. */
    static Namespace namespaceOf(CredentialKind kind) {
        return switch (kind) {
            case BEARER_JWT, MTLS_BOUND_JWT, DPOP_BOUND_JWT -> Namespace.TOKEN;
            case API_KEY -> Namespace.API_KEY;
            case MTLS -> Namespace.MTLS;
            case CLIENT_ASSERTION -> Namespace.CLIENT;
        };
    }

    private static String requireId(String id) {
        Objects.requireNonNull(id, "clientId cannot be null");
        if (id.isEmpty()) {
            throw new IllegalArgumentException("clientId cannot be empty");
        }
        return id;
    }

    /** The namespace. */
    public Namespace namespace() {
        return namespace;
    }

    /** The issuer, for {@link Namespace#TOKEN}; else {@code null}. */
    public @Nullable String issuer() {
        return issuer;
    }

    /** The caller's id within its namespace and issuer. */
    public String id() {
        return id;
    }

    /** The canonical text of the key (made on each call). */
    public String value() {
        return issuer == null
                ? namespace.prefix() + '|' + id
                : namespace.prefix() + '|' + issuer.length() + '|' + issuer + '|' + id;
    }

    /**
     * 22 base64url characters (128 bits of SHA-256 of {@link #value()}): the form shared stores
     * key by. Collisions would take about 2^64 callers.
     */
    public String digest() {
        return hashTag().substring(1, DIGEST_LENGTH + 1);
    }

    /**
     * The {@link #digest()} in braces, {@code {...}}: in a Redis key, a Redis Cluster hash tag, so
     * that every key of one caller (its bucket, quarantine, replay quota, evidence) lives in one slot
     * and a script may touch them together, while different callers spread over the shards. Made
     * once per key object and kept.
     */
    public String hashTag() {
        String t = hashTag;
        if (t == null) {
            byte[] full = sha256().digest(value().getBytes(StandardCharsets.UTF_8));
            t = '{' + B64URL.encodeToString(java.util.Arrays.copyOf(full, 16)) + '}';
            hashTag = t;
        }
        return t;
    }

    /** The length of {@link #digest()}: 22 base64url characters. */
    public static final int DIGEST_LENGTH = 22;

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }

    @Override
    public boolean equals(@Nullable Object o) {
        return o == this
                || o instanceof CallerKey other
                        && hash == other.hash
                        && namespace == other.namespace
                        && id.equals(other.id)
                        && Objects.equals(issuer, other.issuer);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    /** The canonical value. */
    @Override
    public String toString() {
        return value();
    }
}
