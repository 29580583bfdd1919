package dev.apiguard.inventory.internal;

import dev.apiguard.CallerKey;
import dev.apiguard.CredentialKind;
import dev.apiguard.Revocation;
import dev.apiguard.inventory.CallerRecord;
import dev.apiguard.inventory.CredentialRecord;
import dev.apiguard.inventory.InventoryPolicy;
import dev.apiguard.inventory.InventoryReport;
import dev.apiguard.inventory.InventoryReport.CallerReport;
import dev.apiguard.inventory.InventoryReport.CredentialReport;
import dev.apiguard.inventory.RiskView;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/** Computes an {@link InventoryReport} from the ledger's records. Stateless. */
public final class Reports {

    /** Callers by id, then by key (namesakes of two issuers side by side). */
    public static final java.util.Comparator<CallerRecord> BY_ID_THEN_KEY = java.util.Comparator.comparing(
                    CallerRecord::id)
            .thenComparing(r -> r.key().toString());

    private Reports() {}

    /** The report of these records as of {@code now}. */
    public static InventoryReport report(InventoryPolicy policy, List<CallerRecord> records, Instant now) {
        return report(policy, records, now, List.of());
    }

    /**
     * The report of these records as of {@code now}, with the {@code revoked} flag on each token
     * client and certificate that one of the revocations in force names.
     */
    public static InventoryReport report(
            InventoryPolicy policy, List<CallerRecord> records, Instant now, List<Revocation> revocations) {
        Set<String> revoked = new HashSet<>();
        for (Revocation r : revocations) {
            if (r.kind() == Revocation.Kind.CLIENT) {
                revoked.add(revokedKey(CredentialRecord.Type.TOKEN, r.issuer(), r.id()));
            } else if (r.kind() == Revocation.Kind.CERTIFICATE) {
                revoked.add(revokedKey(CredentialRecord.Type.CERTIFICATE, null, r.id()));
            }
        }
        Instant windowStart = now.minus(policy.leastPrivilegeWindow());
        Instant staleBefore = now.minus(policy.staleAfter());
        List<CallerReport> callers = new ArrayList<>(records.size());
        for (CallerRecord r : records) {
            List<String> granted = within(r.scopesGranted(), windowStart);
            List<String> used = within(r.scopesUsed(), windowStart);
            List<String> unused =
                    granted.stream().filter(s -> !used.contains(s)).toList();
            TreeSet<String> flags = new TreeSet<>();
            if (!unused.isEmpty()) {
                flags.add(InventoryReport.UNUSED_SCOPES);
            }
            if (r.lastSeen().isBefore(staleBefore)) {
                flags.add(InventoryReport.STALE);
            }
            List<CredentialReport> credentials = new ArrayList<>();
            r.credentials().values().stream()
                    .sorted(Comparator.comparing(CredentialRecord::key))
                    .forEach(c -> {
                        List<String> f = credentialFlags(policy, c, now, staleBefore, revoked);
                        flags.addAll(f);
                        credentials.add(new CredentialReport(c, f));
                    });
            List<CredentialKind> kinds = r.credentialKinds().stream().sorted().toList();
            RiskView.Risk risk = riskOf(policy.riskView(), r.key(), now);
            callers.add(new CallerReport(
                    r.key(),
                    kinds,
                    granted,
                    used,
                    unused,
                    r.firstSeen(),
                    r.lastSeen(),
                    r.requestCount(),
                    risk,
                    List.copyOf(flags),
                    credentials));
        }
        callers.sort(Comparator.comparing(CallerReport::id)
                .thenComparing(c -> c.key().toString()));
        return new InventoryReport(
                InventoryReport.SCHEMA_VERSION, now, policy.leastPrivilegeWindow(), policy.staleAfter(), callers);
    }

    private static String revokedKey(CredentialRecord.Type type, @Nullable String issuer, String id) {
        return type.jsonName() + '|' + (issuer == null ? "" : issuer.length() + "|" + issuer) + '|' + id;
    }

    private static List<String> credentialFlags(
            InventoryPolicy policy, CredentialRecord c, Instant now, Instant staleBefore, Set<String> revoked) {
        TreeSet<String> f = new TreeSet<>();
        if (!revoked.isEmpty() && revoked.contains(revokedKey(c.type(), c.issuer(), c.id()))) {
            f.add(InventoryReport.REVOKED);
        }
        if (c.type() == CredentialRecord.Type.API_KEY) {
            f.add(InventoryReport.API_KEY);
        }
        if (c.misuses() > 0) {
            f.add(InventoryReport.MISUSED);
        }
        if (c.unboundSensitiveUses() > 0) {
            f.add(InventoryReport.UNBOUND_ON_SENSITIVE_ROUTE);
        }
        if (c.longestTokenLifetime() != null && c.longestTokenLifetime().compareTo(policy.maxTokenLifetime()) > 0) {
            f.add(InventoryReport.TOKEN_LIFETIME_OVER_POLICY);
        }
        if (c.type() == CredentialRecord.Type.CERTIFICATE
                && c.expiresAt() != null
                && !c.expiresAt().isAfter(now.plus(policy.certificateExpiryWarning()))) {
            f.add(InventoryReport.CERTIFICATE_EXPIRING);
        }
        // a token credential is the client's registration at its issuer: still valid as far as we know
        boolean stillValid = c.type() == CredentialRecord.Type.TOKEN
                || c.expiresAt() == null
                || c.expiresAt().isAfter(now);
        if (stillValid && c.lastSeen().isBefore(staleBefore)) {
            f.add(InventoryReport.STALE);
        }
        return List.copyOf(f);
    }

    private static List<String> within(Map<String, Instant> stamped, Instant windowStart) {
        return stamped.entrySet().stream()
                .filter(e -> !e.getValue().isBefore(windowStart))
                .map(Map.Entry::getKey)
                .sorted()
                .toList();
    }

    private static RiskView.@Nullable Risk riskOf(RiskView view, CallerKey caller, Instant now) {
        try {
            return view.riskOf(caller, now).orElse(null);
        } catch (RuntimeException e) {
            // a failing risk view must not take the inventory down with it
            return null;
        }
    }
}
