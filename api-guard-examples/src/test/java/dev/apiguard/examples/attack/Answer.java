package dev.apiguard.examples.attack;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One HTTP answer of the demo server, whether the JDK HttpClient or the raw TLS client read it:
 * status (0 when the server closed the connection without answering), headers by lower-case
 * name, body. Built only by {@link AttackServer}, which checks every answer with
 * {@link Leaks#assertNotEchoed} against the credentials its request carried before handing it out.
 *
 * @param status the status code, or 0 for a connection closed without an answer
 * @param headers every header value, keys in lower case
 * @param body the body as text (ISO-8859-1 for raw answers, UTF-8 otherwise)
 */
record Answer(int status, Map<String, List<String>> headers, String body) {

    /** What the guard or the container may answer to anything (docs/security-cases.md: never a 500). */
    static final Set<Integer> REFUSALS = Set.of(400, 401, 403, 404, 405, 429, 431, 503);

    static final String INVALID_TOKEN = "Bearer error=\"invalid_token\"";
    static final String INVALID_REQUEST = "Bearer error=\"invalid_request\"";
    static final String DPOP_ALGS = "algs=\"ES256 PS256 RS256 EdDSA\"";
    static final String INVALID_PROOF = "DPoP error=\"invalid_dpop_proof\", " + DPOP_ALGS;
    static final List<String> NO_CREDENTIAL = List.of("Bearer", "DPoP " + DPOP_ALGS);

    static Answer of(HttpResponse<String> response) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        response.headers()
                .map()
                .forEach(
                        (name, values) -> headers.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                                .addAll(values));
        return new Answer(response.statusCode(), headers, response.body() == null ? "" : response.body());
    }

    /** Every value of the header, in order. */
    List<String> all(String name) {
        return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
    }

    /** The first value of the header. */
    Optional<String> first(String name) {
        return all(name).stream().findFirst();
    }

    /** The {@code WWW-Authenticate} values. */
    List<String> challenges() {
        return all("WWW-Authenticate");
    }

    /** Whether the connection was closed without an answer. */
    boolean closedWithoutAnswer() {
        return status == 0;
    }

    /** Asserts the status and the exact {@code WWW-Authenticate} values (none when none given). */
    Answer assertRefused(int expectedStatus, String... challenges) {
        assertThat(status).as("status of %s", this).isEqualTo(expectedStatus);
        assertThat(challenges()).as("challenges of %s", this).containsExactly(challenges);
        assertProblem();
        return this;
    }

    /** 401 with exactly {@code Bearer error="invalid_token"}. */
    Answer assertInvalidToken() {
        return assertRefused(401, INVALID_TOKEN);
    }

    /** 401 with exactly the DPoP {@code invalid_dpop_proof} challenge. */
    Answer assertInvalidProof() {
        return assertRefused(401, INVALID_PROOF);
    }

    /** 401 with the challenges of a request without credential (both schemes, no error). */
    Answer assertUnauthenticated() {
        return assertRefused(401, NO_CREDENTIAL.toArray(String[]::new));
    }

    /** Asserts a success status. */
    Answer assertStatus(int expected) {
        assertThat(status).as("status of %s", this).isEqualTo(expected);
        return this;
    }

    /** The body is an RFC 9457 problem with this answer's status. */
    Answer assertProblem() {
        assertThat(first("Content-Type"))
                .as("Content-Type of %s", this)
                .hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
        assertThat(body).as("body of %s", this).contains("\"status\":" + status);
        return this;
    }

    /**
     * Whatever was sent: one of the documented refusals (or one of the given success statuses),
     * never a 500; a refusal with a body is problem JSON without a stack trace or an HTML page.
     * A connection closed without an answer is accepted only when {@code closeAllowed}.
     */
    Answer assertDocumented(boolean closeAllowed, Collection<Integer> successes) {
        if (closedWithoutAnswer()) {
            assertThat(closeAllowed)
                    .as("the server closed the connection without an answer")
                    .isTrue();
            return this;
        }
        assertThat(status)
                .as("status of %s", this)
                .satisfiesAnyOf(
                        s -> assertThat(REFUSALS).contains(s),
                        s -> assertThat(successes).contains(s));
        assertThat(body).as("body of %s", this).doesNotContain("Exception", "<html", "<HTML", "\tat ", "Caused by");
        if (status >= 400 && !body.isEmpty()) {
            assertProblem();
        }
        return this;
    }

    /** {@link #assertDocumented(boolean, Collection)} with no success status and no silent close. */
    Answer assertDocumentedRefusal() {
        return assertDocumented(false, List.of());
    }

    @Override
    public String toString() {
        return status + " " + headers.getOrDefault("www-authenticate", List.of()) + " "
                + (body.length() > 200 ? body.substring(0, 200) + "..." : body);
    }
}
