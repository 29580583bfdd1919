package dev.apiguard.servlet;

import dev.apiguard.internal.Json;
import dev.apiguard.inventory.GuardInventory;
import dev.apiguard.inventory.InventoryReport;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The inventory's admin endpoint: the {@link InventoryReport} as JSON (schema in
 * {@link InventoryReport}) or as a small server-rendered HTML page — callers, their flags, their
 * credentials and the least-privilege diff, without any script.
 *
 * <p>It does no access control of its own: mount it behind the guard with a route rule that needs
 * an admin scope, for example {@code .route("GET", "/admin/inventory").requireScopes("guard:admin")}.
 *
 * <h2>Format</h2>
 * Chosen in this order:
 * <ol>
 *   <li>the query parameter {@code format=json} or {@code format=html} (any other value: 400);</li>
 *   <li>a request path ending in {@code .json} or {@code .html} (when the servlet is mapped so);</li>
 *   <li>the {@code Accept} header: HTML when it rates {@code text/html} above
 *       {@code application/json} (as browsers do), else JSON — the default.</li>
 * </ol>
 * Both answers carry {@code Cache-Control: no-store}, {@code X-Content-Type-Options: nosniff},
 * {@code Vary: Accept}, {@code Referrer-Policy: no-referrer} and
 * {@code Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'}
 * (no script can run even if some value escaped its escaping; every value is HTML-escaped).
 *
 * <p>Thread-safe.
 */
public final class InventoryServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    /** The Content-Security-Policy of both answers. */
    public static final String CONTENT_SECURITY_POLICY =
            "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private final transient GuardInventory inventory;

    /** A servlet serving reports of this inventory. */
    public InventoryServlet(GuardInventory inventory) {
        this.inventory = Objects.requireNonNull(inventory, "inventory cannot be null");
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.setHeader("Cache-Control", "no-store");
        resp.setHeader("X-Content-Type-Options", "nosniff");
        resp.setHeader("Vary", "Accept");
        resp.setHeader("Referrer-Policy", "no-referrer");
        resp.setHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        Boolean html = wantsHtml(req.getParameter("format"), req.getRequestURI(), req.getHeader("Accept"));
        if (html == null) {
            byte[] body = ("{\"type\":" + Json.quote("https://api-guard.dev/problems/bad-format")
                            + ",\"title\":\"Bad format\",\"status\":400,\"detail\":\"format must be json or html.\"}")
                    .getBytes(StandardCharsets.UTF_8);
            resp.setStatus(400);
            resp.setContentType("application/problem+json");
            resp.setContentLength(body.length);
            resp.getOutputStream().write(body);
            return;
        }
        InventoryReport report = inventory.report();
        byte[] body;
        if (html) {
            body = InventoryPage.render(report).getBytes(StandardCharsets.UTF_8);
            resp.setContentType("text/html;charset=utf-8");
        } else {
            body = report.toJson().getBytes(StandardCharsets.UTF_8);
            resp.setContentType("application/json");
        }
        resp.setStatus(200);
        resp.setContentLength(body.length);
        resp.getOutputStream().write(body);
    }

    /**
     * Whether to answer HTML ({@code true}), JSON ({@code false}), or refuse the format
     * ({@code null}), by the rules above.
     */
    static @Nullable Boolean wantsHtml(@Nullable String format, @Nullable String path, @Nullable String accept) {
        if (format != null) {
            return switch (format) {
                case "html" -> Boolean.TRUE;
                case "json" -> Boolean.FALSE;
                default -> null;
            };
        }
        if (path != null) {
            if (path.endsWith(".html")) {
                return true;
            }
            if (path.endsWith(".json")) {
                return false;
            }
        }
        if (accept == null) {
            return false;
        }
        return quality(accept, "text/html") > quality(accept, "application/json");
    }

    /** The q-value the Accept header gives this exact media type (0 when it is not listed). */
    static double quality(String accept, String type) {
        double q = 0;
        for (String range : accept.split(",")) {
            String[] parts = range.split(";");
            if (!parts[0].strip().toLowerCase(Locale.ROOT).equals(type)) {
                continue;
            }
            double value = 1.0;
            for (int i = 1; i < parts.length; i++) {
                String p = parts[i].strip();
                if (p.startsWith("q=") || p.startsWith("Q=")) {
                    try {
                        value = Double.parseDouble(p.substring(2));
                    } catch (NumberFormatException e) {
                        value = 0;
                    }
                }
            }
            q = Math.max(q, value);
        }
        return q;
    }
}
