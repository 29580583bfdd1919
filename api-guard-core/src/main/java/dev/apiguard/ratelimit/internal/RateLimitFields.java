package dev.apiguard.ratelimit.internal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code RateLimit-Policy} and {@code RateLimit} fields of draft-ietf-httpapi-ratelimit-headers-10
 * (September 2025), as RFC 9651 structured-field lists: each item a quoted policy name with
 * parameters {@code q} (quota) and {@code w} (window, seconds) for a policy, {@code r}
 * (remaining quota) and {@code t} (seconds until it resets) for the current limit.
 */
public final class RateLimitFields {

    /** The name of the field that describes the policies. */
    public static final String POLICY = "RateLimit-Policy";
    /** The name of the field that describes the current limit. */
    public static final String LIMIT = "RateLimit";

    private RateLimitFields() {}

    /** One policy: a name (already checked to be safe in a quoted string), quota and window. */
    public record Policy(String name, long quota, long windowSeconds) {}

    /** {@code "burst";q=50;w=1, "hourly";q=10000;w=3600}. */
    public static String policy(List<Policy> policies) {
        StringBuilder sb = new StringBuilder();
        for (Policy p : policies) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append('"')
                    .append(p.name())
                    .append("\";q=")
                    .append(p.quota())
                    .append(";w=")
                    .append(p.windowSeconds());
        }
        return sb.toString();
    }

    /** {@code "burst";r=0;t=1}. */
    public static String limit(String name, long remaining, long resetSeconds) {
        return "\"" + name + "\";r=" + remaining + ";t=" + resetSeconds;
    }

    /** Both fields, policy first. */
    public static Map<String, String> both(List<Policy> policies, String name, long remaining, long resetSeconds) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(POLICY, policy(policies));
        m.put(LIMIT, limit(name, remaining, resetSeconds));
        return m;
    }

    /** Whole seconds, rounded up, of a positive number of nanoseconds; 0 stays 0. */
    public static long ceilSeconds(long nanos) {
        if (nanos <= 0) {
            return 0;
        }
        return (nanos - 1) / 1_000_000_000L + 1;
    }
}
