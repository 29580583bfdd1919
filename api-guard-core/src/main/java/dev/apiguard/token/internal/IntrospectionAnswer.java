package dev.apiguard.token.internal;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * An RFC 7662 §2.2 introspection answer: a JSON object whose {@code active} member is a JSON
 * boolean, with the token's claims beside it.
 *
 * @param active whether the authorization server says the token is active
 * @param claims every member of the answer, {@code active} included, as parsed
 */
public record IntrospectionAnswer(boolean active, Map<String, Object> claims) {

    /**
     * The answer in {@code body} (UTF-8 JSON), or null when it is not a JSON object with a boolean
     * {@code active}. Never throws for any bytes: malformed UTF-8 is replaced, not refused, and
     * the JSON parser stops at a nesting depth of 255.
     */
    public static @Nullable IntrospectionAnswer parse(byte[] body) {
        Map<String, Object> json;
        try {
            json = JSONObjectUtils.parse(new String(body, StandardCharsets.UTF_8));
        } catch (ParseException | RuntimeException e) {
            return null;
        }
        if (json == null || !(json.get("active") instanceof Boolean active)) {
            return null;
        }
        return new IntrospectionAnswer(active, json);
    }
}
