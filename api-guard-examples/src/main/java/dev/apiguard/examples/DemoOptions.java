package dev.apiguard.examples;

import dev.apiguard.anomaly.AnomalyMode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The flags of {@code serve} (docs/demo.md), parsed and validated. Immutable once parsed.
 */
public final class DemoOptions {

    /** Every flag this build supports, with its help line, in the order {@code --help} prints them. */
    static final Map<String, String> FLAGS = new LinkedHashMap<>();

    static {
        FLAGS.put(
                "--port", "--port N                       listen port on 127.0.0.1; 0 picks a free one (default 8443)");
        FLAGS.put(
                "--tls-keystore",
                "--tls-keystore FILE            PKCS#12 holding the server's key and certificate chain (required)");
        FLAGS.put("--tls-password", "--tls-password PW              password of --tls-keystore (required)");
        FLAGS.put(
                "--client-ca",
                "--client-ca FILE               PEM file of CA certificates trusted for client certificates; TLS asks for one, routes decide");
        FLAGS.put(
                "--issuer",
                "--issuer URI                   an accepted token issuer whose keys --jwks gives (repeatable; at least one --issuer or --issuer-uri)");
        FLAGS.put(
                "--issuer-uri",
                "--issuer-uri URL               an accepted issuer whose keys are found through its metadata (RFC 8414 /.well-known/oauth-authorization-server, then OpenID Connect discovery); the issuer in the metadata must equal URL exactly; http only on loopback. An issuer whose metadata cannot be fetched, or names another issuer, does not stop start-up: its tokens are refused (401) and the reason is logged (repeatable)");
        FLAGS.put(
                "--audience",
                "--audience URI                 accepted audiences: a token must name at least one (repeatable, at least one)");
        FLAGS.put(
                "--jwks",
                "--jwks FILE_OR_URL             the --issuer keys: a JWKS file, or an https URL (http only on loopback); one for every --issuer, or repeated once per --issuer in the same order");
        FLAGS.put(
                "--introspection-url",
                "--introspection-url URL        opaque tokens (anything that is not a compact JWS) are checked at this RFC 7662 endpoint as tokens of the first --issuer (or --issuer-uri), with HTTP Basic client authentication (--introspection-client); https, http only on loopback; endpoint down or slow (2 s deadline): 503");
        FLAGS.put(
                "--introspection-client",
                "--introspection-client ID:SECRET  the guard's client id and secret at --introspection-url (required with it)");
        FLAGS.put(
                "--introspection-cache",
                "--introspection-cache DURATION  active answers are cached until the earlier of exp and this, like 5s or 1m (default 60s): a revocation at the issuer takes effect within it");
        FLAGS.put(
                "--max-token-lifetime",
                "--max-token-lifetime DURATION  refuse tokens whose exp - iat exceeds this, like 30m or 1h (default 1h)");
        FLAGS.put(
                "--trusted-proxy",
                "--trusted-proxy CIDR            a TLS-terminating proxy whose --client-cert-header is believed (repeatable; default none)");
        FLAGS.put(
                "--client-cert-header",
                "--client-cert-header NAME      header a trusted proxy forwards the client certificate in: Envoy XFCC, RFC 9440 :base64: or URL-encoded PEM; must chain to --client-ca");
        FLAGS.put(
                "--dpop-origin",
                "--dpop-origin URI               an origin the API is reached at, like https://api.example.com (repeatable): DPoP proofs must name it whatever the Host header says (default: the request's own)");
        FLAGS.put(
                "--rate-limit",
                "--rate-limit N/PERIOD           each caller's token bucket: capacity N refilled over PERIOD, like 20/1s or 600/1m (default 50/1s)");
        FLAGS.put(
                "--anonymous-rate-limit",
                "--anonymous-rate-limit N/PERIOD  per TCP peer, requests without a valid credential (default 20/1s); /health is exempt");
        FLAGS.put(
                "--redis",
                "--redis URI                    keep buckets, quarantine, replay caches, anomaly evidence and the inventory ledger in Redis, like redis://127.0.0.1:6379 (rediss:// with TLS, or redis-sentinel://host:26379,host:26380#mymaster through Sentinel), so several servers act as one guard");
        FLAGS.put(
                "--redis-cluster",
                "--redis-cluster URI[,URI...]   the same state in a Redis Cluster reached through these seed nodes, like redis://127.0.0.1:7000,redis://127.0.0.1:7001; exclusive with --redis");
        FLAGS.put(
                "--redis-failure",
                "--redis-failure open|closed    while Redis (or the cluster shard that holds a key) is unreachable (command timeout 1s): let requests through unlimited (open, default) or refuse them with 503 (closed)");
        FLAGS.put(
                "--anomaly",
                "--anomaly MODE                  anomaly scoring: off, observe (events only) or enforce (throttle and quarantine; default enforce)");
        FLAGS.put(
                "--api-key-file",
                "--api-key-file FILE             legacy API keys, one per line: sha256-hex-of-key client-id scope[,scope] expiry-iso8601; sent in X-API-Key");
        FLAGS.put(
                "--api-key-sunset",
                "--api-key-sunset DATE          the Sunset date announced on key-authenticated responses, from which keys are refused, like 2026-06-30 (default: 90 days after start)");
        FLAGS.put("--help", "--help                         print this list and exit");
    }

    private static final Pattern DURATION = Pattern.compile("([1-9][0-9]{0,8})(ms|s|m|h|d)");

    int port = 8443;
    Path tlsKeystore;
    String tlsPassword;
    Path clientCa;
    final List<String> issuers = new ArrayList<>();
    /** Issuers whose keys are found through their metadata. */
    final List<String> issuerUris = new ArrayList<>();

    final List<String> audiences = new ArrayList<>();
    /** The key set of each issuer: {@code jwks.get(i)} holds the keys of {@code issuers.get(i)}. */
    final List<String> jwks = new ArrayList<>();

    /** The introspection endpoint of opaque tokens, or null. */
    java.net.URI introspectionUrl;

    String introspectionClientId;
    String introspectionSecret;
    Duration introspectionCache = Duration.ofSeconds(60);
    Duration maxTokenLifetime = Duration.ofHours(1);
    final List<String> trustedProxies = new ArrayList<>();
    String clientCertHeader;
    final List<String> dpopOrigins = new ArrayList<>();
    RateLimitSetting rateLimit = new RateLimitSetting(50, Duration.ofSeconds(1));
    RateLimitSetting anonymousRateLimit = new RateLimitSetting(20, Duration.ofSeconds(1));
    String redis;
    List<String> redisCluster = List.of();
    boolean redisFailClosed;

    /** A {@code N/PERIOD} value: a bucket of {@code quota} refilled over {@code period}. */
    record RateLimitSetting(long quota, Duration period) {}

    AnomalyMode anomaly = AnomalyMode.ENFORCE;
    Path apiKeyFile;
    Instant apiKeySunset;
    boolean help;

    /** Thrown for a flag or value this build does not accept; the message names it. */
    public static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    /** Parses the flags that follow {@code serve}. */
    public static DemoOptions parse(List<String> args) throws UsageException {
        DemoOptions o = new DemoOptions();
        for (int i = 0; i < args.size(); i++) {
            String flag = args.get(i);
            String value = null;
            int eq = flag.indexOf('=');
            if (flag.startsWith("--") && eq > 0) {
                value = flag.substring(eq + 1);
                flag = flag.substring(0, eq);
            }
            if (!FLAGS.containsKey(flag)) {
                throw new UsageException("unknown flag: " + flag);
            }
            if (flag.equals("--help")) {
                o.help = true;
                continue;
            }
            if (value == null) {
                if (i + 1 >= args.size()) {
                    throw new UsageException(flag + " needs a value");
                }
                value = args.get(++i);
            }
            switch (flag) {
                case "--port" -> o.port = parsePort(value);
                case "--tls-keystore" -> o.tlsKeystore = Path.of(value);
                case "--tls-password" -> o.tlsPassword = value;
                case "--client-ca" -> o.clientCa = Path.of(value);
                case "--issuer" -> o.issuers.add(value);
                case "--issuer-uri" -> o.issuerUris.add(parseIssuerUri(value));
                case "--audience" -> o.audiences.add(parseAudience(value));
                case "--jwks" -> o.jwks.add(value);
                case "--introspection-url" -> o.introspectionUrl = parseIntrospectionUrl(value);
                case "--introspection-client" -> {
                    int colon = value.indexOf(':');
                    if (colon < 1 || colon == value.length() - 1) {
                        // the value holds a secret: never quoted
                        throw new UsageException("--introspection-client must be ID:SECRET");
                    }
                    o.introspectionClientId = value.substring(0, colon);
                    o.introspectionSecret = value.substring(colon + 1);
                }
                case "--introspection-cache" -> {
                    o.introspectionCache = parseDuration(flag, value);
                    if (o.introspectionCache.compareTo(Duration.ofSeconds(1)) < 0
                            || o.introspectionCache.compareTo(Duration.ofHours(1)) > 0) {
                        throw new UsageException("--introspection-cache must be between 1s and 1h");
                    }
                }
                case "--max-token-lifetime" -> o.maxTokenLifetime = parseDuration(flag, value);
                case "--trusted-proxy" -> o.trustedProxies.add(parseCidr(value));
                case "--client-cert-header" -> o.clientCertHeader = parseHeaderName(value);
                case "--dpop-origin" -> o.dpopOrigins.add(parseOrigin(value));
                case "--rate-limit" -> o.rateLimit = parseRate(flag, value);
                case "--anonymous-rate-limit" -> o.anonymousRateLimit = parseRate(flag, value);
                case "--redis" -> o.redis = parseRedis(flag, value);
                case "--redis-cluster" -> o.redisCluster = parseRedisCluster(flag, value);
                case "--redis-failure" ->
                    o.redisFailClosed = switch (value) {
                        case "open" -> false;
                        case "closed" -> true;
                        default -> throw new UsageException("--redis-failure must be open or closed");
                    };
                case "--anomaly" -> o.anomaly = parseAnomaly(value);
                case "--api-key-file" -> o.apiKeyFile = Path.of(value);
                case "--api-key-sunset" -> o.apiKeySunset = parseDate(flag, value);
                default -> throw new UsageException("unknown flag: " + flag);
            }
        }
        if (!o.help) {
            o.check();
        }
        return o;
    }

    private void check() throws UsageException {
        if (tlsKeystore == null) {
            throw new UsageException("--tls-keystore is required");
        }
        if (tlsPassword == null) {
            throw new UsageException("--tls-password is required");
        }
        if (issuers.isEmpty() && issuerUris.isEmpty()) {
            throw new UsageException("--issuer or --issuer-uri is required (at least one)");
        }
        if (audiences.isEmpty()) {
            throw new UsageException("--audience is required (at least one)");
        }
        for (String uri : issuerUris) {
            if (issuers.contains(uri) || issuerUris.indexOf(uri) != issuerUris.lastIndexOf(uri)) {
                throw new UsageException("--issuer-uri: issuer " + uri + " is given twice");
            }
        }
        if (redis != null && !redisCluster.isEmpty()) {
            throw new UsageException("--redis and --redis-cluster are exclusive: give one");
        }
        if (issuers.isEmpty() && !jwks.isEmpty()) {
            throw new UsageException("--jwks gives the keys of --issuer: give an --issuer too");
        }
        if (!issuers.isEmpty() && jwks.isEmpty()) {
            throw new UsageException("--jwks is required with --issuer");
        }
        for (String set : jwks) {
            if (set.startsWith("https://") || set.startsWith("http://")) {
                try {
                    // made, not fetched: the URL rule is checked now, before the server starts
                    dev.apiguard.token.KeySource.jwksUrl(java.net.URI.create(set));
                } catch (IllegalArgumentException e) {
                    throw new UsageException("--jwks: " + e.getMessage());
                }
            }
        }
        if (!issuers.isEmpty() && jwks.size() != 1 && jwks.size() != issuers.size()) {
            // several sets must pair with the issuers: each issuer's keys sign for it alone
            throw new UsageException("--jwks: give one for every --issuer, or one per --issuer in the same order ("
                    + issuers.size() + " issuers, " + jwks.size() + " key sets)");
        }
        if (introspectionUrl != null && introspectionClientId == null) {
            throw new UsageException("--introspection-url needs --introspection-client ID:SECRET");
        }
        if (introspectionUrl == null && introspectionClientId != null) {
            throw new UsageException("--introspection-client needs --introspection-url");
        }
        if (clientCertHeader != null && trustedProxies.isEmpty()) {
            throw new UsageException("--client-cert-header needs at least one --trusted-proxy");
        }
        if (clientCertHeader != null && clientCa == null) {
            throw new UsageException(
                    "--client-cert-header needs --client-ca (forwarded certificates must chain to it)");
        }
    }

    /** The help text: one line per flag, each starting with the flag. */
    public static String helpText() {
        StringBuilder help = new StringBuilder();
        for (String line : FLAGS.values()) {
            // each line is "usage  description": align the descriptions in one column
            String[] parts = line.split(" {2,}", 2);
            if (help.length() > 0) {
                help.append(System.lineSeparator());
            }
            help.append(parts.length == 2 ? String.format("%-32s %s", parts[0], parts[1]) : line);
        }
        return help.toString();
    }

    private static int parsePort(String value) throws UsageException {
        try {
            int p = Integer.parseInt(value);
            if (p < 0 || p > 65535) {
                throw new NumberFormatException();
            }
            return p;
        } catch (NumberFormatException e) {
            throw new UsageException("--port must be a number from 0 to 65535");
        }
    }

    private static String parseCidr(String value) throws UsageException {
        try {
            dev.apiguard.TrustedProxies.of(value);
            return value;
        } catch (IllegalArgumentException e) {
            throw new UsageException("--trusted-proxy must be an IP address or CIDR block like 10.0.0.0/8: " + value);
        }
    }

    private static String parseIssuerUri(String value) throws UsageException {
        try {
            dev.apiguard.token.TokenPolicy.builder().discoveredIssuer(value);
            return value;
        } catch (IllegalArgumentException e) {
            throw new UsageException("--issuer-uri: " + e.getMessage());
        }
    }

    private static java.net.URI parseIntrospectionUrl(String value) throws UsageException {
        try {
            java.net.URI url = new java.net.URI(value);
            // made, not called: the URL rule is checked now, before the server starts
            dev.apiguard.token.IntrospectionPolicy.builder("https://issuer.check", url);
            return url;
        } catch (java.net.URISyntaxException | IllegalArgumentException e) {
            throw new UsageException("--introspection-url: " + e.getMessage());
        }
    }

    private static String parseAudience(String value) throws UsageException {
        if (value.isBlank()) {
            throw new UsageException("--audience cannot be blank");
        }
        return value;
    }

    private static String parseOrigin(String value) throws UsageException {
        try {
            dev.apiguard.binding.DpopPolicy.builder().origins(value);
            return value;
        } catch (IllegalArgumentException e) {
            throw new UsageException("--dpop-origin must be an http(s) origin like https://api.example.com: " + value);
        }
    }

    private static String parseHeaderName(String value) throws UsageException {
        if (!value.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+")) {
            throw new UsageException("--client-cert-header must be a header name like X-Forwarded-Client-Cert");
        }
        return value;
    }

    /** Parses {@code N/PERIOD}: N from 1 to 1,000,000,000, PERIOD whole seconds like {@code 1s}, {@code 1m}, {@code 1h}. */
    static RateLimitSetting parseRate(String flag, String value) throws UsageException {
        int slash = value.indexOf('/');
        String usage = flag + " must be N/PERIOD like 50/1s or 600/1m";
        if (slash < 1 || !value.substring(0, slash).matches("[1-9][0-9]{0,9}")) {
            throw new UsageException(usage);
        }
        long n = Long.parseLong(value.substring(0, slash));
        if (n > 1_000_000_000L) {
            throw new UsageException(flag + " N must be at most 1000000000");
        }
        Duration period;
        try {
            period = parseDuration(flag, value.substring(slash + 1));
        } catch (UsageException e) {
            throw new UsageException(usage);
        }
        if (period.getSeconds() < 1 || period.getNano() != 0) {
            throw new UsageException(flag + " PERIOD must be whole seconds, at least 1s");
        }
        return new RateLimitSetting(n, period);
    }

    private static String parseRedis(String flag, String value) throws UsageException {
        if (!value.matches("rediss?(-sentinel)?://[^\\s]+")) {
            throw new UsageException(
                    flag + " must be a redis://, rediss://, redis-sentinel:// or rediss-sentinel:// URI");
        }
        return value;
    }

    private static List<String> parseRedisCluster(String flag, String value) throws UsageException {
        List<String> seeds = new ArrayList<>();
        for (String seed : value.split(",", -1)) {
            if (!seed.matches("rediss?://[^\\s,]+")) {
                throw new UsageException(flag + " must be redis:// or rediss:// URIs separated by commas");
            }
            seeds.add(seed);
        }
        return List.copyOf(seeds);
    }

    private static AnomalyMode parseAnomaly(String value) throws UsageException {
        return switch (value) {
            case "off" -> AnomalyMode.OFF;
            case "observe" -> AnomalyMode.OBSERVE;
            case "enforce" -> AnomalyMode.ENFORCE;
            default -> throw new UsageException("--anomaly must be off, observe or enforce");
        };
    }

    /** Parses a date ({@code 2026-06-30}, midnight UTC) or an instant ({@code 2026-06-30T12:00:00Z}). */
    static Instant parseDate(String flag, String value) throws UsageException {
        try {
            return value.contains("T")
                    ? Instant.parse(value)
                    : LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant();
        } catch (DateTimeParseException e) {
            throw new UsageException(flag + " must be a date like 2026-06-30 or an instant like 2026-06-30T00:00:00Z");
        }
    }

    /** Parses {@code 30m}, {@code 1h}, {@code 45s}, {@code 500ms}, {@code 2d}. */
    static Duration parseDuration(String flag, String value) throws UsageException {
        Matcher m = DURATION.matcher(value);
        if (!m.matches()) {
            throw new UsageException(flag + " must be a duration like 30s, 30m or 1h");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }
}
