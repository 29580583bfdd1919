package dev.apiguard.scope;

/** The canonical-form check of a decoded request path. Stateless. */
final class CanonicalPaths {

    private CanonicalPaths() {}

    /**
     * Whether the decoded path is canonical: starts with {@code /}; no empty segment inside
     * ({@code //}); no {@code .} or {@code ..} segment; no {@code ;}, {@code \}, {@code %}
     * (a {@code %} left after decoding means the client encoded twice); no control character.
     * A trailing {@code /} is allowed here (it simply matches no rule without one).
     */
    static boolean isCanonical(String path) {
        int n = path.length();
        if (n == 0 || path.charAt(0) != '/') {
            return false;
        }
        int segmentStart = 1;
        for (int i = 1; i <= n; i++) {
            char c = i < n ? path.charAt(i) : '/';
            if (c == '/') {
                int len = i - segmentStart;
                if (len == 0 && i < n) {
                    return false; // '//'
                }
                if (len == 1 && path.charAt(segmentStart) == '.') {
                    return false;
                }
                if (len == 2 && path.charAt(segmentStart) == '.' && path.charAt(segmentStart + 1) == '.') {
                    return false;
                }
                segmentStart = i + 1;
            } else if (c == ';' || c == '\\' || c == '%' || c < 0x20 || c == 0x7f) {
                return false;
            }
        }
        return true;
    }
}
