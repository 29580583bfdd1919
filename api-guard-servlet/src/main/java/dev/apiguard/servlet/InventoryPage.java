package dev.apiguard.servlet;

import dev.apiguard.CredentialKind;
import dev.apiguard.inventory.CredentialRecord;
import dev.apiguard.inventory.InventoryReport;
import dev.apiguard.inventory.InventoryReport.CallerReport;
import dev.apiguard.inventory.InventoryReport.CredentialReport;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/** Renders an {@link InventoryReport} as one self-contained HTML page: no script, every value escaped. */
final class InventoryPage {

    private static final String STYLE = """
            body{font:14px/1.4 system-ui,sans-serif;margin:16px;color:#1b1f24}
            h1{font-size:20px;margin:0 0 4px}
            p.meta{color:#57606a;margin:0 0 16px}
            ul.summary{display:flex;gap:24px;list-style:none;padding:0;margin:0 0 16px}
            ul.summary li{background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;padding:8px 12px}
            table{border-collapse:collapse;width:100%}
            th,td{border:1px solid #d0d7de;padding:4px 6px;text-align:left;vertical-align:top}
            td.id{min-width:120px;overflow-wrap:anywhere}
            td.creds{min-width:180px;overflow-wrap:anywhere}
            td.t{font-size:12px}
            td.flags{min-width:180px}
            th{background:#f6f8fa}
            .unused{color:#a40e26;font-weight:600}
            .flag{display:inline-block;overflow-wrap:anywhere;background:#fff8c5;border:1px solid #d4a72c;border-radius:10px;padding:0 6px;margin:1px;font-size:12px}
            .cred{font-size:12px;color:#57606a}
            #notice{background:#fff1e5;border:1px solid #d4a72c;border-radius:6px;padding:8px 12px;margin:0 0 16px}
            """;

    private InventoryPage() {}

    static String render(InventoryReport report) {
        StringBuilder sb = new StringBuilder(2048 + 1024 * report.callers().size());
        sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<title>api-guard inventory</title><style>")
                .append(STYLE)
                .append("</style></head><body>")
                .append("<h1>api-guard inventory</h1><p class=\"meta\">Generated ")
                .append(escape(instant(report.generatedAt())))
                .append(", least-privilege window ")
                .append(report.leastPrivilegeWindow().toDays())
                .append(" days, stale after ")
                .append(report.staleAfter().toDays())
                .append(" days, schema version ")
                .append(report.schemaVersion())
                .append("</p>");
        if (report.notice() != null) {
            sb.append("<p id=\"notice\" class=\"")
                    .append(escape(report.notice().jsonName()))
                    .append("\">")
                    .append(escape(report.notice().text()))
                    .append("</p>");
        }
        sb.append("<ul class=\"summary\"><li id=\"callers-count\">Callers: ")
                .append(report.callers().size())
                .append("</li><li id=\"unused-count\">With unused scopes: ")
                .append(report.callersWithUnusedScopes())
                .append("</li><li id=\"weak-count\">Weak credentials: ")
                .append(report.weakCredentials().size())
                .append("</li><li id=\"stale-count\">Stale credentials: ")
                .append(report.staleCredentials().size())
                .append("</li></ul>");
        sb.append("<table id=\"callers\"><thead><tr><th>Caller</th><th>Credentials</th><th>Scopes granted</th>")
                .append("<th>Scopes used</th><th>Granted, not used</th><th>Requests</th><th>First seen</th>")
                .append("<th>Last seen</th><th>Anomaly score</th><th>Flags</th></tr></thead><tbody>");
        if (report.callers().isEmpty()) {
            sb.append("<tr><td colspan=\"10\">No caller seen yet.</td></tr>");
        }
        for (CallerReport c : report.callers()) {
            sb.append("<tr class=\"caller\"><td class=\"id\">")
                    .append(escape(c.id()))
                    .append("</td><td class=\"creds\">");
            sb.append(escape(kinds(c.credentialKinds())));
            for (CredentialReport cr : c.credentials()) {
                sb.append("<div class=\"cred\">")
                        .append(escape(describe(cr.credential())))
                        .append("</div>");
            }
            sb.append("</td><td>")
                    .append(escape(String.join(" ", c.scopesGranted())))
                    .append("</td><td>")
                    .append(escape(String.join(" ", c.scopesUsed())))
                    .append("</td><td class=\"unused\">")
                    .append(escape(String.join(" ", c.scopesUnused())))
                    .append("</td><td>")
                    .append(c.requestCount())
                    .append("</td><td class=\"t\">")
                    .append(escape(instant(c.firstSeen())))
                    .append("</td><td class=\"t\">")
                    .append(escape(instant(c.lastSeen())))
                    .append("</td><td>")
                    .append(
                            c.risk() == null
                                    ? "&ndash;"
                                    : escape(BigDecimal.valueOf(c.risk().score())
                                                    .stripTrailingZeros()
                                                    .toPlainString()
                                            + (c.risk().lastAction() == null
                                                    ? ""
                                                    : " (" + c.risk().lastAction() + ")")))
                    .append("</td><td class=\"flags\">");
            for (String f : c.flags()) {
                sb.append("<span class=\"flag\">").append(escape(f)).append("</span>");
            }
            sb.append("</td></tr>");
        }
        return sb.append("</tbody></table></body></html>\n").toString();
    }

    private static String describe(CredentialRecord r) {
        StringBuilder d = new StringBuilder(r.type().jsonName()).append(' ');
        if (r.issuer() != null) {
            d.append(r.issuer()).append(' ');
        }
        d.append(r.id()).append(", ").append(r.requestCount()).append(" requests");
        if (r.expiresAt() != null) {
            d.append(", expires ").append(instant(r.expiresAt()));
        }
        return d.toString();
    }

    private static String kinds(List<CredentialKind> kinds) {
        return kinds.stream().map(k -> k.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(" "));
    }

    private static String instant(Instant i) {
        return DateTimeFormatter.ISO_INSTANT.format(i.truncatedTo(ChronoUnit.SECONDS));
    }

    /** Escapes text for HTML element content and quoted attribute values. */
    static String escape(@Nullable String s) {
        if (s == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> {
                    if (c < 0x20 && c != '\t' && c != '\n') {
                        out.append("&#xfffd;");
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }
}
