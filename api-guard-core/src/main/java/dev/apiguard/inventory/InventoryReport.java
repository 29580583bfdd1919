package dev.apiguard.inventory;

import dev.apiguard.CallerKey;
import dev.apiguard.CredentialKind;
import dev.apiguard.inventory.internal.ReportJson;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The inventory as of one instant: every caller with its least-privilege diff, its flags and its
 * credentials. Immutable. {@link #toJson()} writes the documented, versioned JSON schema.
 *
 * <h2>Flags</h2>
 * Stable names, on credentials and (as the union, plus caller-level ones) on callers:
 * <ul>
 *   <li>{@value #UNUSED_SCOPES} (caller): granted within the least-privilege window but not
 *       exercised within it;</li>
 *   <li>{@value #STALE}: not seen for {@link InventoryPolicy#staleAfter()} (caller), or a credential
 *       still valid (not known to have expired) and not seen for as long — an offboarding candidate;</li>
 *   <li>{@value #API_KEY}: a static API key, weak by nature;</li>
 *   <li>{@value #UNBOUND_ON_SENSITIVE_ROUTE}: a credential that is not sender-constrained used on a
 *       sensitive route;</li>
 *   <li>{@value #TOKEN_LIFETIME_OVER_POLICY}: a token lived longer ({@code exp − iat}) than
 *       {@link InventoryPolicy#maxTokenLifetime()};</li>
 *   <li>{@value #CERTIFICATE_EXPIRING}: a certificate expires within
 *       {@link InventoryPolicy#certificateExpiryWarning()}, or has expired;</li>
 *   <li>{@value #MISUSED}: a bound credential presented by a sender that could not prove holding
 *       its key (no or another certificate, no valid DPoP proof, a DPoP-bound token as
 *       {@code Bearer}): it leaked. Tell the owner and rotate it. Such requests counted against
 *       the sender's address, never against the owner.</li>
 *   <li>{@value #REVOKED}: a token client or a certificate that the guard's
 *       {@link dev.apiguard.Revocations} list revokes as of the report (given to
 *       {@link InventoryStep#of(InventoryPolicy, LedgerStore, dev.apiguard.Revocations)}); a single
 *       revoked token ({@code jti}) is not shown, the ledger keeps no token ids.</li>
 * </ul>
 *
 * <h2>JSON, schema version 1</h2>
 * One object; keys always present and in this order; instants ISO-8601 UTC to the second; lists
 * sorted; absent values {@code null}:
 * <pre>{@code
 * {"schemaVersion": 1, "generatedAt": "2025-01-01T12:00:00Z",
 *  "leastPrivilegeWindowSeconds": 2592000, "staleAfterSeconds": 2592000, "notice": null,
 *  "summary": {"callers": 1, "callersWithUnusedScopes": 1, "weakCredentials": 0, "staleCredentials": 0,
 *    "misusedCredentials": 0},
 *  "callers": [{"id": "partner-b", "issuer": "https://issuer", "credentialKinds": ["bearer_jwt"],
 *    "scopesGranted": ["customers:read", "payments:write"], "scopesUsed": ["customers:read"],
 *    "scopesUnused": ["payments:write"], "firstSeen": "...", "lastSeen": "...", "requestCount": 3,
 *    "anomalyScore": null, "lastAction": null, "flags": ["unused_scopes"],
 *    "credentials": [{"type": "token", "issuer": "https://issuer", "id": "partner-b",
 *      "kinds": ["bearer_jwt"], "firstSeen": "...", "lastSeen": "...", "requestCount": 3,
 *      "expiresAt": "...", "longestTokenLifetimeSeconds": 600, "unboundSensitiveUses": 0,
 *      "misuses": 0, "lastMisused": null, "flags": []}]}]}
 * }</pre>
 * {@code credentialKinds} and {@code kinds} are lower-case {@link CredentialKind} names;
 * {@code type} is {@code token}, {@code certificate} or {@code api_key}; {@code id} of a credential
 * is the client id, the base64url SHA-256 certificate thumbprint, or the API key id;
 * {@code notice} is {@code null}, or the {@link Notice#jsonName()} of what limits this report
 * ({@code fleet_view_unavailable}). A change that
 * removes or renames a key raises {@code schemaVersion}; new keys may be added within a version.
 *
 * @param schemaVersion {@value #SCHEMA_VERSION}
 * @param generatedAt the instant the report is about
 * @param leastPrivilegeWindow the window of {@code scopesGranted}, {@code scopesUsed}, {@code scopesUnused}
 * @param staleAfter the age without use that makes a credential stale
 * @param callers every caller, ordered by id, then issuer
 * @param notice what limits this report, or {@code null}
 */
public record InventoryReport(
        int schemaVersion,
        Instant generatedAt,
        Duration leastPrivilegeWindow,
        Duration staleAfter,
        List<CallerReport> callers,
        @Nullable Notice notice) {

    /** What limits a report; shown as {@code notice} in the JSON and above the table of the page. */
    public enum Notice {
        /**
         * The ledger is shared by a fleet, but its store could not be read: the report shows what
         * this node saw only (counts lower, callers of other nodes missing, scopes they saw used
         * possibly reported unused).
         */
        FLEET_VIEW_UNAVAILABLE(
                "fleet_view_unavailable",
                "The shared ledger could not be read: this report shows what this node saw only.");

        private final String jsonName;
        private final String text;

        Notice(String jsonName, String text) {
            this.jsonName = jsonName;
            this.text = text;
        }

        /** The stable name in the report's JSON. */
        public String jsonName() {
            return jsonName;
        }

        /** A sentence for a person. */
        public String text() {
            return text;
        }
    }

    /** The version of the JSON schema this build writes. */
    public static final int SCHEMA_VERSION = 1;

    /** Flag: scopes granted but not exercised within the window. */
    public static final String UNUSED_SCOPES = "unused_scopes";
    /** Flag: not seen for the stale period. */
    public static final String STALE = "stale";
    /** Flag: a static API key. */
    public static final String API_KEY = "api_key";
    /** Flag: an unbound credential used on a sensitive route. */
    public static final String UNBOUND_ON_SENSITIVE_ROUTE = "unbound_on_sensitive_route";
    /** Flag: a token longer-lived than the policy. */
    public static final String TOKEN_LIFETIME_OVER_POLICY = "token_lifetime_over_policy";
    /** Flag: a certificate close to (or past) its expiry. */
    public static final String CERTIFICATE_EXPIRING = "certificate_expiring";
    /** Flag: presented by a sender that could not prove holding its key: it leaked; rotate it. */
    public static final String MISUSED = "misused";
    /** Flag: a token client or a certificate the revocation list revokes now. */
    public static final String REVOKED = "revoked";

    public InventoryReport {
        Objects.requireNonNull(generatedAt, "generatedAt cannot be null");
        callers = List.copyOf(callers);
    }

    /** A report without notice. */
    public InventoryReport(
            int schemaVersion,
            Instant generatedAt,
            Duration leastPrivilegeWindow,
            Duration staleAfter,
            List<CallerReport> callers) {
        this(schemaVersion, generatedAt, leastPrivilegeWindow, staleAfter, callers, null);
    }

    /** This report with the notice. */
    public InventoryReport withNotice(Notice newNotice) {
        return new InventoryReport(schemaVersion, generatedAt, leastPrivilegeWindow, staleAfter, callers, newNotice);
    }

    /** The report of the first caller of this id (of any issuer), or empty. */
    public Optional<CallerReport> caller(String id) {
        return callers.stream().filter(c -> c.id().equals(id)).findFirst();
    }

    /** The report of one caller, or empty. */
    public Optional<CallerReport> caller(CallerKey key) {
        return callers.stream().filter(c -> c.key().equals(key)).findFirst();
    }

    /** Every credential flagged {@value #MISUSED}. */
    public List<CredentialReport> misusedCredentials() {
        return callers.stream()
                .flatMap(c -> c.credentials().stream())
                .filter(c -> c.flags().contains(MISUSED))
                .toList();
    }

    /** How many callers have scopes granted but not exercised. */
    public long callersWithUnusedScopes() {
        return callers.stream().filter(c -> !c.scopesUnused().isEmpty()).count();
    }

    /** Every credential flagged weak ({@value #API_KEY}, {@value #UNBOUND_ON_SENSITIVE_ROUTE}, {@value #TOKEN_LIFETIME_OVER_POLICY}, {@value #CERTIFICATE_EXPIRING}). */
    public List<CredentialReport> weakCredentials() {
        return callers.stream()
                .flatMap(c -> c.credentials().stream())
                .filter(CredentialReport::isWeak)
                .toList();
    }

    /** Every credential flagged {@value #STALE}. */
    public List<CredentialReport> staleCredentials() {
        return callers.stream()
                .flatMap(c -> c.credentials().stream())
                .filter(c -> c.flags().contains(STALE))
                .toList();
    }

    /** The report in the JSON schema above (compact, UTF-8 safe, no HTML-significant characters). */
    public String toJson() {
        return ReportJson.write(this);
    }

    /**
     * One caller in the report.
     *
     * @param key the caller's key (namespace, issuer and id)
     * @param credentialKinds every way it authenticated, in {@link CredentialKind} order
     * @param scopesGranted scopes granted within the window, sorted
     * @param scopesUsed scopes exercised within the window, sorted
     * @param scopesUnused the least-privilege diff: granted minus used, sorted
     * @param firstSeen its first request
     * @param lastSeen its latest request
     * @param requestCount how many requests it made
     * @param risk its current anomaly score and last action, or {@code null} when unknown
     * @param flags its flags, sorted
     * @param credentials its credentials, by type, issuer and id
     */
    public record CallerReport(
            CallerKey key,
            List<CredentialKind> credentialKinds,
            List<String> scopesGranted,
            List<String> scopesUsed,
            List<String> scopesUnused,
            Instant firstSeen,
            Instant lastSeen,
            long requestCount,
            RiskView.@Nullable Risk risk,
            List<String> flags,
            List<CredentialReport> credentials) {
        public CallerReport {
            credentialKinds = List.copyOf(credentialKinds);
            scopesGranted = List.copyOf(scopesGranted);
            scopesUsed = List.copyOf(scopesUsed);
            scopesUnused = List.copyOf(scopesUnused);
            flags = List.copyOf(flags);
            credentials = List.copyOf(credentials);
        }

        /** The caller's id. */
        public String id() {
            return key.id();
        }

        /** The caller's issuer (tokens), else {@code null}. */
        public @Nullable String issuer() {
            return key.issuer();
        }
    }

    /**
     * One credential in the report.
     *
     * @param credential what the ledger knows about it
     * @param flags its flags, sorted
     */
    public record CredentialReport(CredentialRecord credential, List<String> flags) {
        public CredentialReport {
            Objects.requireNonNull(credential, "credential cannot be null");
            flags = List.copyOf(flags);
        }

        /** Whether any flag marks it weak. */
        public boolean isWeak() {
            return flags.contains(API_KEY)
                    || flags.contains(UNBOUND_ON_SENSITIVE_ROUTE)
                    || flags.contains(TOKEN_LIFETIME_OVER_POLICY)
                    || flags.contains(CERTIFICATE_EXPIRING);
        }
    }
}
