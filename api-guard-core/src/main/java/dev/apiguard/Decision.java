package dev.apiguard;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a {@link GuardStep} decided about a request: let it through, or refuse it.
 *
 * <p>An expected refusal is a value, never an exception. Build refusals with {@link Denials} (a
 * capability's own refusals sit in its package), whose
 * descriptions are fixed and safe to send: a {@link Deny} never carries a credential, a stack trace
 * or a third-party error message.
 */
public sealed interface Decision permits Decision.Allow, Decision.Deny {

    /** The single instance of {@link Allow}. */
    Allow ALLOW = new Allow();

    /** Whether the request may go on. */
    default boolean isAllowed() {
        return this instanceof Allow;
    }

    /** Let the request go on to the next step, and finally to the application. */
    record Allow() implements Decision {}

    /**
     * Refuse the request.
     *
     * @param status the HTTP status code
     * @param challenges the {@code WWW-Authenticate} challenges, in order; may be empty
     * @param problem the RFC 9457 problem body
     * @param headers further response headers (for example {@code Retry-After}, {@code Allow})
     */
    record Deny(int status, List<Challenge> challenges, Problem problem, Map<String, String> headers)
            implements Decision {
        public Deny {
            if (status < 400 || status > 599) {
                throw new IllegalArgumentException("status must be 4xx or 5xx: " + status);
            }
            challenges = List.copyOf(challenges);
            Objects.requireNonNull(problem, "problem cannot be null");
            headers = Map.copyOf(headers);
        }

        /**
         * Every response header of this refusal in the order to write them: one
         * {@code WWW-Authenticate} per challenge, {@code Cache-Control: no-store}, then
         * {@link #headers()} sorted by name. The body is {@code problem().toJson()} with content
         * type {@value #CONTENT_TYPE}. Every adapter (servlet filter, test kit) writes exactly these.
         */
        public List<Map.Entry<String, String>> responseHeaders() {
            List<Map.Entry<String, String>> all = new java.util.ArrayList<>(challenges.size() + headers.size() + 1);
            for (Challenge c : challenges) {
                all.add(Map.entry("WWW-Authenticate", c.toHeaderValue()));
            }
            all.add(Map.entry("Cache-Control", "no-store"));
            new java.util.TreeMap<>(headers).forEach((k, v) -> all.add(Map.entry(k, v)));
            return all;
        }

        /** The content type of the problem body. */
        public static final String CONTENT_TYPE = "application/problem+json";
    }
}
