package dev.apiguard.examples.attack;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The one assertion every answer of the attack suite passes: it holds none of the credentials its
 * request carried, in its body or in any header value. A credential stands for itself and for its
 * notable parts: each piece of at least {@value #MIN_FRAGMENT} characters between separators (so
 * each segment of a JWS, the signature among them; each line of a PEM body) and its last
 * {@value #TAIL} characters.
 */
final class Leaks {

    /** Shorter pieces (a JWS header of {@code {"alg":"RS256"}}, a scheme name) say nothing. */
    static final int MIN_FRAGMENT = 16;

    static final int TAIL = 24;

    /** The request headers that carry credentials, lower case. */
    static final Set<String> CREDENTIAL_HEADERS =
            Set.of("authorization", "dpop", "x-api-key", "x-forwarded-client-cert", "client-cert", "x-ssl-client-cert");
    /** Query or form parameters that carry credentials. */
    static final Set<String> CREDENTIAL_PARAMETERS = Set.of("access_token", "api_key", "token");

    private Leaks() {}

    /** Asserts that nothing of the credentials appears in the answer's body or header values. */
    static void assertNotEchoed(Answer answer, Collection<String> credentials) {
        Set<String> fragments = fragments(credentials);
        if (fragments.isEmpty()) {
            return;
        }
        List<String> places = new ArrayList<>();
        places.add(answer.body());
        for (Map.Entry<String, List<String>> h : answer.headers().entrySet()) {
            places.addAll(h.getValue());
        }
        for (String place : places) {
            for (String fragment : fragments) {
                assertThat(place)
                        .as("the answer (%s) echoes part of a credential it was sent", answer.status())
                        .doesNotContain(fragment);
            }
        }
    }

    /** The pieces of the credentials that must not come back. */
    static Set<String> fragments(Collection<String> credentials) {
        Set<String> out = new LinkedHashSet<>();
        for (String c : credentials) {
            if (c == null) {
                continue;
            }
            String t = c.strip();
            if (t.length() >= MIN_FRAGMENT) {
                out.add(t);
            }
            for (String piece : t.split("[\\s.,;:=\"%()]+")) {
                if (piece.length() >= MIN_FRAGMENT) {
                    out.add(piece);
                }
            }
            if (t.length() >= TAIL) {
                out.add(t.substring(t.length() - TAIL));
            }
        }
        return out;
    }

    /** The credentials in a raw HTTP/1.1 request: credential header values and parameter values. */
    static List<String> inRawRequest(String request) {
        List<String> out = new ArrayList<>();
        String[] lines = request.split("\r?\n");
        if (lines.length > 0) {
            out.addAll(inQuery(lines[0]));
        }
        boolean body = false;
        for (int i = 1; i < lines.length; i++) {
            String line = lines[i];
            if (line.isEmpty()) {
                body = true;
                continue;
            }
            if (body) {
                out.addAll(inQuery(line));
                continue;
            }
            int colon = line.indexOf(':');
            String name = colon < 0 ? "" : line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            if (CREDENTIAL_HEADERS.contains(name)) {
                out.add(line.substring(colon + 1));
            } else if (colon < 0 || line.startsWith(" ") || line.startsWith("\t")) {
                out.add(line); // a folded continuation or a line without a name: may hold anything
            }
        }
        return out;
    }

    /** The values of credential parameters in a query string, form body or request line. */
    static List<String> inQuery(String text) {
        List<String> out = new ArrayList<>();
        for (String pair : text.split("[?&\\s]")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && CREDENTIAL_PARAMETERS.contains(pair.substring(0, eq).toLowerCase(Locale.ROOT))) {
                out.add(pair.substring(eq + 1));
            }
        }
        return out;
    }
}
