package dev.apiguard.inventory.internal;

import dev.apiguard.CredentialKind;
import dev.apiguard.internal.Json;
import dev.apiguard.inventory.CredentialRecord;
import dev.apiguard.inventory.InventoryReport;
import dev.apiguard.inventory.InventoryReport.CallerReport;
import dev.apiguard.inventory.InventoryReport.CredentialReport;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/** Writes an {@link InventoryReport} in schema version 1, by hand, with {@link Json#quote}. */
public final class ReportJson {

    private ReportJson() {}

    /** The report as compact JSON. */
    public static String write(InventoryReport report) {
        StringBuilder sb = new StringBuilder(256 + 512 * report.callers().size());
        sb.append("{\"schemaVersion\":")
                .append(report.schemaVersion())
                .append(",\"generatedAt\":")
                .append(instant(report.generatedAt()))
                .append(",\"leastPrivilegeWindowSeconds\":")
                .append(report.leastPrivilegeWindow().toSeconds())
                .append(",\"staleAfterSeconds\":")
                .append(report.staleAfter().toSeconds())
                .append(",\"notice\":")
                .append(Json.quote(
                        report.notice() == null ? null : report.notice().jsonName()))
                .append(",\"summary\":{\"callers\":")
                .append(report.callers().size())
                .append(",\"callersWithUnusedScopes\":")
                .append(report.callersWithUnusedScopes())
                .append(",\"weakCredentials\":")
                .append(report.weakCredentials().size())
                .append(",\"staleCredentials\":")
                .append(report.staleCredentials().size())
                .append(",\"misusedCredentials\":")
                .append(report.misusedCredentials().size())
                .append("},\"callers\":[");
        boolean first = true;
        for (CallerReport c : report.callers()) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            caller(sb, c);
        }
        return sb.append("]}").toString();
    }

    private static void caller(StringBuilder sb, CallerReport c) {
        sb.append("{\"id\":")
                .append(Json.quote(c.id()))
                .append(",\"issuer\":")
                .append(Json.quote(c.issuer()))
                .append(",\"credentialKinds\":")
                .append(kinds(c.credentialKinds()))
                .append(",\"scopesGranted\":")
                .append(strings(c.scopesGranted()))
                .append(",\"scopesUsed\":")
                .append(strings(c.scopesUsed()))
                .append(",\"scopesUnused\":")
                .append(strings(c.scopesUnused()))
                .append(",\"firstSeen\":")
                .append(instant(c.firstSeen()))
                .append(",\"lastSeen\":")
                .append(instant(c.lastSeen()))
                .append(",\"requestCount\":")
                .append(c.requestCount())
                .append(",\"anomalyScore\":")
                .append(c.risk() == null ? "null" : number(c.risk().score()))
                .append(",\"lastAction\":")
                .append(Json.quote(c.risk() == null ? null : c.risk().lastAction()))
                .append(",\"flags\":")
                .append(strings(c.flags()))
                .append(",\"credentials\":[");
        boolean first = true;
        for (CredentialReport cr : c.credentials()) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            CredentialRecord r = cr.credential();
            sb.append("{\"type\":")
                    .append(Json.quote(r.type().jsonName()))
                    .append(",\"issuer\":")
                    .append(Json.quote(r.issuer()))
                    .append(",\"id\":")
                    .append(Json.quote(r.id()))
                    .append(",\"kinds\":")
                    .append(kinds(r.kinds().stream().sorted().toList()))
                    .append(",\"firstSeen\":")
                    .append(instant(r.firstSeen()))
                    .append(",\"lastSeen\":")
                    .append(instant(r.lastSeen()))
                    .append(",\"requestCount\":")
                    .append(r.requestCount())
                    .append(",\"expiresAt\":")
                    .append(instant(r.expiresAt()))
                    .append(",\"longestTokenLifetimeSeconds\":")
                    .append(
                            r.longestTokenLifetime() == null
                                    ? "null"
                                    : Long.toString(r.longestTokenLifetime().toSeconds()))
                    .append(",\"unboundSensitiveUses\":")
                    .append(r.unboundSensitiveUses())
                    .append(",\"misuses\":")
                    .append(r.misuses())
                    .append(",\"lastMisused\":")
                    .append(instant(r.lastMisused()))
                    .append(",\"flags\":")
                    .append(strings(cr.flags()))
                    .append('}');
        }
        sb.append("]}");
    }

    /** ISO-8601 UTC to the second, quoted; {@code null} for none. */
    public static String instant(@Nullable Instant i) {
        return i == null ? "null" : Json.quote(DateTimeFormatter.ISO_INSTANT.format(i.truncatedTo(ChronoUnit.SECONDS)));
    }

    private static String number(double d) {
        return BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
    }

    private static String kinds(Collection<CredentialKind> kinds) {
        return strings(
                kinds.stream().map(k -> k.name().toLowerCase(Locale.ROOT)).toList());
    }

    private static String strings(Collection<String> values) {
        StringBuilder sb = new StringBuilder("[");
        boolean first = true;
        for (String v : values) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            sb.append(Json.quote(v));
        }
        return sb.append(']').toString();
    }
}
