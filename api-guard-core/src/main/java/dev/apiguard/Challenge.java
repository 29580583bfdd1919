package dev.apiguard;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One {@code WWW-Authenticate} challenge (RFC 9110 §11.6.1): a scheme and its parameters, every
 * parameter written as a quoted string.
 *
 * <p>Parameter values are fixed texts of this library (error codes, scope names from the
 * configuration), never anything a client sent; they are still checked to hold only characters
 * that are safe inside a quoted string.
 *
 * @param scheme the authentication scheme, {@code Bearer} or {@code DPoP}
 * @param parameters the parameters in order; may be empty
 */
public record Challenge(String scheme, Map<String, String> parameters) {

    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]+");
    // RFC 6750 §3: error, error_description and scope use %x20-21 / %x23-5B / %x5D-7E
    private static final Pattern SAFE_VALUE = Pattern.compile("[\\x20\\x21\\x23-\\x5B\\x5D-\\x7E]*");

    public Challenge {
        Objects.requireNonNull(scheme, "scheme cannot be null");
        if (!TOKEN.matcher(scheme).matches()) {
            throw new IllegalArgumentException("scheme is not a token: " + scheme);
        }
        LinkedHashMap<String, String> copy = new LinkedHashMap<>();
        parameters.forEach((name, value) -> {
            if (!TOKEN.matcher(name).matches()) {
                throw new IllegalArgumentException("parameter name is not a token: " + name);
            }
            if (!SAFE_VALUE.matcher(value).matches()) {
                throw new IllegalArgumentException("parameter " + name + " has characters unsafe in a challenge");
            }
            copy.put(name, value);
        });
        parameters = java.util.Collections.unmodifiableMap(copy);
    }

    /** A challenge without parameters. */
    public static Challenge of(String scheme) {
        return new Challenge(scheme, Map.of());
    }

    /** A challenge with one parameter. */
    public static Challenge of(String scheme, String name, String value) {
        return new Challenge(scheme, Map.of(name, value));
    }

    /** A copy with one more parameter at the end. */
    public Challenge with(String name, String value) {
        LinkedHashMap<String, String> more = new LinkedHashMap<>(parameters);
        more.put(name, value);
        return new Challenge(scheme, more);
    }

    /** The header value, for example {@code Bearer error="invalid_token"}. */
    public String toHeaderValue() {
        if (parameters.isEmpty()) {
            return scheme;
        }
        StringBuilder sb = new StringBuilder(scheme).append(' ');
        boolean first = true;
        for (Map.Entry<String, String> p : parameters.entrySet()) {
            if (!first) {
                sb.append(", ");
            }
            first = false;
            sb.append(p.getKey()).append("=\"").append(p.getValue()).append('"');
        }
        return sb.toString();
    }
}
