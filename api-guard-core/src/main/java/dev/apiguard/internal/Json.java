package dev.apiguard.internal;

import org.jspecify.annotations.Nullable;

/**
 * The one JSON string encoder of the library, for the few fixed-shape documents it writes
 * (problem bodies, the inventory report). Not API. Thread-safe.
 */
public final class Json {

    private Json() {}

    /** The value as a JSON string literal, quotes included; {@code null} becomes {@code null}. */
    public static String quote(@Nullable String value) {
        if (value == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder(value.length() + 2).append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029 || c == '<' || c == '>' || c == '&') {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
