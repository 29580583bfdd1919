package dev.apiguard;

import dev.apiguard.internal.Json;
import java.util.Objects;

/**
 * An RFC 9457 problem body with fixed, safe text.
 *
 * @param type a URI that names the kind of problem
 * @param title a short, fixed summary
 * @param status the HTTP status code
 * @param detail a fixed explanation that never names which check of a credential failed beyond
 *     the RFC error code, and never echoes what the client sent
 */
public record Problem(String type, String title, int status, String detail) {

    /** The base of every problem type URI of api-guard. */
    public static final String TYPE_BASE = "https://api-guard.dev/problems/";

    public Problem {
        Objects.requireNonNull(type, "type cannot be null");
        Objects.requireNonNull(title, "title cannot be null");
        Objects.requireNonNull(detail, "detail cannot be null");
    }

    /** The body as compact JSON ({@code application/problem+json}). */
    public String toJson() {
        return "{\"type\":" + Json.quote(type) + ",\"title\":" + Json.quote(title) + ",\"status\":" + status
                + ",\"detail\":" + Json.quote(detail) + "}";
    }
}
