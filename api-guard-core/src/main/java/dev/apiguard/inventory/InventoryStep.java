package dev.apiguard.inventory;

import dev.apiguard.Caller;
import dev.apiguard.CredentialKind;
import dev.apiguard.Decision;
import dev.apiguard.GuardContext;
import dev.apiguard.GuardExchange;
import dev.apiguard.GuardPhase;
import dev.apiguard.GuardStep;
import dev.apiguard.Revocations;
import dev.apiguard.internal.CertificateDigests;
import dev.apiguard.internal.Check;
import dev.apiguard.inventory.internal.BoundedLedgerStore;
import dev.apiguard.inventory.internal.Ledger;
import dev.apiguard.inventory.internal.Observation;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The observing step that keeps the inventory's ledger, named {@value #NAME}. Add it last: it
 * never refuses ({@link #evaluate} always allows) and learns only in {@link #completed}, from every
 * request that had an authenticated caller, refused or not.
 *
 * <p>Per request with a caller it records, with the request's time ({@link GuardExchange#now()}):
 * the caller's first and last request and request count; how it authenticated; the scopes its
 * credential grants; the scopes it <em>exercised</em> — those of the matched route rule
 * ({@link GuardExchange#routeScopes()}) that it held, when the guard let it through; and per
 * credential (a token issuer and client id, a certificate thumbprint, an API key id): first and
 * last use, count, expiry, longest token lifetime ({@code exp − iat}) and uses of sensitive routes
 * without sender constraint. A certificate's expiry is known when the request's TLS leaf
 * certificate is the one the caller is bound to. Anonymous requests are not recorded: an
 * unverified credential never touches a caller's record. A verified credential whose sender
 * could not prove holding its key ({@link GuardExchange#credentialMisuse()}) counts as a
 * {@linkplain CredentialRecord#misuses() misuse} of the owner's credential, never as the owner's
 * request.
 *
 * <p>Read it through {@link #inventory()}. Thread-safe; state lives in the policy's
 * {@link LedgerStore}, bounded.
 */
public final class InventoryStep implements GuardStep {

    /** The step's name. */
    public static final String NAME = "inventory";

    private final InventoryPolicy policy;
    private final LedgerStore store;
    private final GuardInventory inventory;

    private InventoryStep(InventoryPolicy policy, LedgerStore store, @Nullable Revocations revocations) {
        this.policy = policy;
        this.store = store;
        this.inventory = new GuardInventory(policy, store, revocations);
    }

    /**
     * A step keeping a ledger as the policy says, in this JVM
     * ({@link LedgerStore#inMemory(int)} of {@value LedgerStore#DEFAULT_MAX_CALLERS} callers).
     */
    public static InventoryStep of(InventoryPolicy policy) {
        return of(policy, LedgerStore.inMemory(LedgerStore.DEFAULT_MAX_CALLERS));
    }

    /** A step keeping a ledger as the policy says, in the given store (sized there). */
    public static InventoryStep of(InventoryPolicy policy, LedgerStore store) {
        return new InventoryStep(Check.notNull("policy", policy), Check.notNull("store", store), null);
    }

    /**
     * A step keeping a ledger in the given store whose reports flag each token client and
     * certificate the revocation list revokes ({@value InventoryReport#REVOKED}), read from the list
     * when a report is made.
     */
    public static InventoryStep of(InventoryPolicy policy, LedgerStore store, Revocations revocations) {
        return new InventoryStep(
                Check.notNull("policy", policy),
                Check.notNull("store", store),
                Check.notNull("revocations", revocations));
    }

    /** A step with {@link InventoryPolicy#defaults()}, in this JVM. */
    public static InventoryStep defaults() {
        return of(InventoryPolicy.defaults());
    }

    /** Keeps the guard's clock, which dates {@link GuardInventory#report()}. */
    @Override
    public void attach(GuardContext context) {
        inventory.clock(context.clock());
    }

    /** The read side of the ledger: callers and reports. */
    public GuardInventory inventory() {
        return inventory;
    }

    @Override
    public String name() {
        return NAME;
    }

    /** {@link GuardPhase#OBSERVE}. */
    @Override
    public GuardPhase phase() {
        return GuardPhase.OBSERVE;
    }

    /** Always allows: the inventory observes, it never decides. */
    @Override
    public Decision evaluate(GuardExchange exchange) {
        return Decision.ALLOW;
    }

    @Override
    public void completed(GuardExchange exchange, int status) {
        Caller caller = exchange.caller().orElse(null);
        if (caller == null) {
            exchange.credentialMisuse().ifPresent(m -> misused(exchange, m));
            return;
        }
        Instant now = exchange.now();
        Set<String> exercised = Set.of();
        Decision decision = exchange.decision();
        if (decision != null && decision.isAllowed() && !exchange.routeScopes().isEmpty()) {
            List<String> scopes = exchange.routeScopes();
            if (scopes.size() == 1) {
                // the usual rule names one scope: no set to build
                exercised = caller.hasScope(scopes.get(0)) ? Set.of(scopes.get(0)) : Set.of();
            } else {
                Set<String> held = new LinkedHashSet<>();
                for (String s : scopes) {
                    if (caller.hasScope(s)) {
                        held.add(s);
                    }
                }
                exercised = held;
            }
        }
        CredentialKind kind = caller.kind();
        boolean unboundSensitive = !kind.isSenderConstrained() && isSensitive(exchange);
        boolean token = isToken(kind);
        Duration lifetime = token && caller.issuedAt() != null && caller.expiresAt() != null
                ? Duration.between(caller.issuedAt(), caller.expiresAt())
                : null;
        boolean apiKey = kind == CredentialKind.API_KEY && caller.tokenId() != null;
        String thumbprint = caller.certificateThumbprint();
        Observation o = new Observation(
                now,
                kind,
                caller.scopes(),
                exercised,
                token ? caller.issuer() : null,
                token ? caller.id() : null,
                token ? caller.expiresAt() : null,
                lifetime,
                apiKey ? caller.tokenId() : null,
                apiKey ? caller.expiresAt() : null,
                thumbprint,
                thumbprint == null ? null : certificateExpiry(exchange, thumbprint),
                unboundSensitive,
                false);
        record(caller, o);
    }

    /**
     * A credential presented by a sender that could not prove holding its key: counted on the
     * owner's credential as a misuse, never as the owner's request.
     */
    private void misused(GuardExchange exchange, GuardExchange.CredentialMisuse misuse) {
        Caller owner = misuse.owner();
        boolean token = isToken(owner.kind());
        boolean apiKey = owner.kind() == CredentialKind.API_KEY && owner.tokenId() != null;
        if (!token && !apiKey) {
            return;
        }
        record(
                owner,
                new Observation(
                        exchange.now(),
                        owner.kind(),
                        Set.of(),
                        Set.of(),
                        token ? owner.issuer() : null,
                        token ? owner.id() : null,
                        token ? owner.expiresAt() : null,
                        null,
                        apiKey ? owner.tokenId() : null,
                        apiKey ? owner.expiresAt() : null,
                        null,
                        null,
                        false,
                        true));
    }

    private void record(Caller caller, Observation o) {
        if (store instanceof BoundedLedgerStore inMemory) {
            inMemory.observe(caller.key(), o); // in place: no copy of the record per request
        } else {
            // what this request adds, as a record of its own: a shared store batches it
            store.record(Ledger.observe(caller.key(), null, o));
        }
    }

    private static boolean isToken(CredentialKind kind) {
        return kind == CredentialKind.BEARER_JWT
                || kind == CredentialKind.MTLS_BOUND_JWT
                || kind == CredentialKind.DPOP_BOUND_JWT;
    }

    private boolean isSensitive(GuardExchange exchange) {
        String template = exchange.routeTemplate();
        if (template == null) {
            return false;
        }
        if (policy.sensitiveRoutes().contains(exchange.request().method() + " " + template)) {
            return true;
        }
        for (String s : exchange.routeScopes()) {
            if (policy.sensitiveScopes().contains(s)) {
                return true;
            }
        }
        return false;
    }

    /** The notAfter of the TLS leaf certificate when it is the one the caller is bound to. */
    private static @Nullable Instant certificateExpiry(GuardExchange exchange, String thumbprint) {
        List<X509Certificate> chain = exchange.request().clientCertificates();
        if (chain.isEmpty()) {
            return null;
        }
        X509Certificate leaf = chain.get(0);
        try {
            // memoized per certificate object, shared with the binding step: not re-hashed per request
            return CertificateDigests.notAfterIf(leaf, thumbprint);
        } catch (CertificateEncodingException e) {
            return null;
        }
    }

    @Override
    public String toString() {
        return "InventoryStep[" + policy + "]";
    }
}
