package dev.apiguard.apikey;

import dev.apiguard.Caller;
import dev.apiguard.CredentialKind;
import dev.apiguard.Decision;
import dev.apiguard.Denials;
import dev.apiguard.GuardExchange;
import dev.apiguard.GuardPhase;
import dev.apiguard.GuardRequest;
import dev.apiguard.GuardStep;
import dev.apiguard.event.RequestInvalidReason;
import dev.apiguard.event.SecurityEventType;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The guard step that authenticates legacy API keys sent in the {@value #HEADER} header, named
 * {@value #NAME}, in the {@link GuardPhase#AUTHENTICATE} phase after the access-token step: it
 * authenticates only a request that no earlier step authenticated, and never on a public route.
 *
 * <p>Per request:
 * <ul>
 *   <li>a caller already authenticated (by a token): the key header is ignored; a key in the query
 *       string raises {@code credential.misplaced} and nothing else;</li>
 *   <li>two or more {@value #HEADER} headers: 400 {@link Denials#invalidRequest()}, event
 *       {@code request.invalid} with {@code reason=multiple_api_key_headers};</li>
 *   <li>a query parameter named {@code api_key}, {@code apikey} or {@code key} (configurable; its
 *       value is never read): 401 {@code ApiKeyDenials.apiKeyInQuery}, event
 *       {@code credential.misplaced} with {@code location=query} — keys in URLs end up in logs;</li>
 *   <li>no header: allowed without caller (the route step answers 401 where one is needed);</li>
 *   <li>a key without the {@link ApiKeys} format and checksum: 401 {@code ApiKeyDenials.invalidApiKey}
 *       without any store lookup; an unknown, revoked or expired key, and from the
 *       {@linkplain Builder#sunset sunset} on every key: the same 401. Each with event
 *       {@code apikey.rejected} and its {@code reason}. The stored hash is compared with
 *       {@link MessageDigest#isEqual} (constant time); the store is asked by key id only;</li>
 *   <li>a valid key: the caller ({@link CredentialKind#API_KEY}, id = the key's client id, its
 *       scopes, {@link Caller#tokenId()} = the key id) is put on the exchange, event
 *       {@code apikey.accepted}, and the response — whatever its outcome from here on, refusals
 *       by later steps included — carries {@code Deprecation: @<epoch seconds>} (RFC 9745 §2),
 *       {@code Sunset: <IMF-fixdate>} (RFC 8594 §3) and, when configured,
 *       {@code Link: <url>; rel="deprecation"; type="text/html"} (RFC 9745 §3).</li>
 * </ul>
 * The key never appears in an event, a log line or an exception. Immutable and thread-safe.
 */
public final class ApiKeyStep implements GuardStep {

    /** The step's name. */
    public static final String NAME = "apikey";
    /** The header that carries a key. */
    public static final String HEADER = "X-API-Key";
    /** The query parameters refused by default. */
    public static final List<String> DEFAULT_QUERY_PARAMETERS = List.of("api_key", "apikey", "key");

    private static final DateTimeFormatter IMF_FIXDATE = DateTimeFormatter.ofPattern(
                    "EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US)
            .withZone(ZoneOffset.UTC);
    // a little over a key's length: anything longer is refused before hashing
    private static final int MAX_HEADER_LENGTH = 256;

    private final ApiKeyStore store;
    private final String deprecationHeader;
    private final Instant sunset;
    private final String sunsetHeader;
    private final @Nullable String linkHeader;
    private final List<String> queryParameters;

    private ApiKeyStep(Builder b, Instant deprecation, Instant sunset) {
        this.store = b.store;
        this.deprecationHeader = deprecationValue(deprecation);
        this.sunset = sunset;
        this.sunsetHeader = sunsetValue(sunset);
        // the ASCII form: a header carries visible ASCII only (non-ASCII characters percent-encoded)
        this.linkHeader = b.migrationLink == null
                ? null
                : "<" + b.migrationLink.toASCIIString() + ">; rel=\"deprecation\"; type=\"text/html\"";
        this.queryParameters = b.queryParameters;
    }

    /** A builder over this store; {@link Builder#deprecation} and {@link Builder#sunset} are required. */
    public static Builder builder(ApiKeyStore store) {
        return new Builder(store);
    }

    /** The RFC 9745 structured-field date of {@code Deprecation}: {@code @} and the epoch seconds. */
    public static String deprecationValue(Instant date) {
        return "@" + date.getEpochSecond();
    }

    /** The RFC 8594 {@code Sunset} value: an IMF-fixdate (RFC 9110 §5.6.7), for example {@code Wed, 01 Apr 2026 00:00:00 GMT}. */
    public static String sunsetValue(Instant date) {
        return IMF_FIXDATE.format(date);
    }

    @Override
    public String name() {
        return NAME;
    }

    /** {@link GuardPhase#AUTHENTICATE}. */
    @Override
    public GuardPhase phase() {
        return GuardPhase.AUTHENTICATE;
    }

    @Override
    public Decision evaluate(GuardExchange exchange) {
        GuardRequest request = exchange.request();
        String misplaced = null;
        for (String p : queryParameters) {
            if (request.hasQueryParameter(p)) {
                misplaced = p;
                break;
            }
        }
        if (exchange.caller().isPresent() || exchange.isPublicRoute()) {
            // already authenticated, or a route that needs no credential: no key is read
            if (misplaced != null) {
                misplaced(exchange, misplaced);
            }
            return Decision.ALLOW;
        }
        List<String> headers = request.headers(HEADER);
        if (headers.size() > 1) {
            exchange.emit(SecurityEventType.REQUEST_INVALID, RequestInvalidReason.MULTIPLE_API_KEY_HEADERS);
            return Denials.invalidRequest();
        }
        if (misplaced != null) {
            misplaced(exchange, misplaced);
            return ApiKeyDenials.apiKeyInQuery();
        }
        if (headers.isEmpty()) {
            return Decision.ALLOW;
        }
        String key = headers.get(0);
        if (key.length() > MAX_HEADER_LENGTH || !ApiKeys.isWellFormed(key)) {
            return reject(exchange, ApiKeyRejection.MALFORMED, null);
        }
        byte[] hash = ApiKeys.sha256(key);
        String hex = HexFormat.of().formatHex(hash);
        String keyId = ApiKeys.keyId(hex);
        Optional<ApiKeyRecord> found = store.find(keyId);
        if (found.isEmpty()) {
            return reject(exchange, ApiKeyRejection.UNKNOWN, keyId);
        }
        ApiKeyRecord record = found.get();
        byte[] stored = record.sha256Hex().getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(stored, hex.getBytes(StandardCharsets.US_ASCII))) {
            return reject(exchange, ApiKeyRejection.UNKNOWN, keyId);
        }
        if (store.isRevoked(keyId)) {
            return reject(exchange, ApiKeyRejection.REVOKED, keyId);
        }
        if (record.isExpiredAt(exchange.now())) {
            return reject(exchange, ApiKeyRejection.EXPIRED, keyId);
        }
        if (!exchange.now().isBefore(sunset)) {
            return reject(exchange, ApiKeyRejection.SUNSET, keyId);
        }
        exchange.authenticate(Caller.builder(record.clientId(), CredentialKind.API_KEY)
                .scopes(record.scopes())
                .issuedAt(record.issuedAt())
                .expiresAt(record.expiresAt())
                .tokenId(keyId)
                .build());
        exchange.addResponseHeader("Deprecation", deprecationHeader);
        exchange.addResponseHeader("Sunset", sunsetHeader);
        if (linkHeader != null) {
            exchange.addResponseHeader("Link", linkHeader);
        }
        exchange.emit(SecurityEventType.API_KEY_ACCEPTED, "keyId", keyId);
        return Decision.ALLOW;
    }

    private static void misplaced(GuardExchange exchange, String parameter) {
        if (exchange.eventsEnabled()) {
            exchange.emit(
                    SecurityEventType.CREDENTIAL_MISPLACED,
                    Map.of("location", "query", "credential", "api_key", "parameter", parameter));
        }
    }

    private static Decision reject(GuardExchange exchange, ApiKeyRejection reason, @Nullable String keyId) {
        if (exchange.eventsEnabled()) {
            exchange.emit(
                    SecurityEventType.API_KEY_REJECTED,
                    keyId == null ? Map.of("reason", reason.code()) : Map.of("reason", reason.code(), "keyId", keyId));
        }
        return ApiKeyDenials.invalidApiKey();
    }

    @Override
    public String toString() {
        return "ApiKeyStep[store=" + store + ", sunset=" + sunsetHeader + "]";
    }

    /** Builds an {@link ApiKeyStep}. Not thread-safe. */
    public static final class Builder {
        private final ApiKeyStore store;
        private @Nullable Instant deprecation;
        private @Nullable Instant sunset;
        private @Nullable URI migrationLink;
        private List<String> queryParameters = DEFAULT_QUERY_PARAMETERS;

        private Builder(ApiKeyStore store) {
            this.store = Objects.requireNonNull(store, "store cannot be null");
        }

        /** Since when API keys are deprecated (the {@code Deprecation} date, may be past). Required. */
        public Builder deprecation(Instant date) {
            this.deprecation = Objects.requireNonNull(date, "deprecation cannot be null");
            return this;
        }

        /**
         * When API keys stop working (the {@code Sunset} date): from this instant on, every key is
         * refused (401, event {@code apikey.rejected} with {@code reason=sunset} and the key id, so
         * the stragglers can be found). Required; after the deprecation date.
         */
        public Builder sunset(Instant date) {
            this.sunset = Objects.requireNonNull(date, "sunset cannot be null");
            return this;
        }

        /** The migration documentation sent as {@code Link: <url>; rel="deprecation"}. Default: none. */
        public Builder migrationLink(URI url) {
            Objects.requireNonNull(url, "migrationLink cannot be null");
            // a URI's ASCII form never holds '>', '"' or a space (java.net.URI refuses or quotes
            // them), so it cannot break out of the Link header's <...>
            String s = url.toASCIIString();
            if (!(s.startsWith("https://") || s.startsWith("http://")) || url.getHost() == null) {
                throw new IllegalArgumentException("migrationLink must be an absolute http(s) URL: " + url);
            }
            this.migrationLink = url;
            return this;
        }

        /** The query parameters that, when present, mean a key was put in the URL. Default: {@code api_key, apikey, key}. */
        public Builder queryParameters(String... names) {
            for (String n : names) {
                if (n == null || n.isEmpty()) {
                    throw new IllegalArgumentException("queryParameters cannot contain an empty name");
                }
            }
            this.queryParameters = List.of(names);
            return this;
        }

        /** Builds the step; fails when a required date is missing or the sunset is not after the deprecation. */
        public ApiKeyStep build() {
            if (deprecation == null) {
                throw new IllegalStateException("deprecation: the date API keys are deprecated since is required");
            }
            if (sunset == null) {
                throw new IllegalStateException("sunset: the date API keys stop working is required");
            }
            if (!sunset.isAfter(deprecation)) {
                throw new IllegalStateException("sunset must be after deprecation");
            }
            return new ApiKeyStep(this, deprecation, sunset);
        }
    }
}
