package dev.apiguard.anomaly.internal;

/**
 * Reads {@code page} and {@code size} values as the applications behind the guard read them, so
 * that the paging signal counts what they serve. Every reading below is one some framework makes:
 * <ul>
 *   <li>{@code Integer.parseInt}/{@code valueOf} (a servlet, JAX-RS {@code @QueryParam int}, which
 *       Jersey reads with the wrapper's {@code valueOf}): an optional {@code +} or {@code -}, and
 *       decimal digits of any script ({@link Character#digit}: {@code ５} and {@code ٥} are 5),
 *       leading zeros included;</li>
 *   <li>Spring's {@code NumberUtils.parseNumber} (behind {@code @RequestParam int}): every
 *       whitespace character removed first ({@code StringUtils.trimAllWhitespace}, so {@code " 5 "}
 *       and {@code "1 0"} are 5 and 10), and hexadecimal after {@code 0x}, {@code 0X} or
 *       {@code #} ({@code Integer.decode}).</li>
 * </ul>
 * When in doubt a value counts toward the signal, never away from it: a page that no reading
 * makes a number is still a page (one per distinct text), and a size that is not a number of at
 * least 1 is a full page. An empty page or size is what Spring and Jersey take for an absent one
 * (the application's default): page 0, no size given. One pass over at most 256 characters; no
 * regular expression.
 */
public final class PageNumbers {

    /** No number: {@link #read} found none. */
    public static final long UNREADABLE = Long.MIN_VALUE;

    private PageNumbers() {}

    /**
     * The page's identity for the paging signal, never negative: the number when it is one from 0
     * to {@code Integer.MAX_VALUE}, else a hash of the number or, for a value no reading makes a
     * number, of its text (so that distinct values still count as distinct pages); 0 when blank.
     */
    public static int page(String value) {
        long n = read(value);
        if (n == UNREADABLE) {
            return withoutWhitespace(value).hashCode() & Integer.MAX_VALUE;
        }
        if (n >= 0 && n <= Integer.MAX_VALUE) {
            return (int) n;
        }
        // spread: -1 must not read as page 0, nor 2^32 as page 0
        return Long.hashCode(n * 0x9E3779B97F4A7C15L) & Integer.MAX_VALUE;
    }

    /**
     * The page size: the number when it is at least 1 (at most {@code Integer.MAX_VALUE}); 0 (not
     * given) when blank; else {@code Integer.MAX_VALUE}, a full page (zero, negative, no number).
     */
    public static int size(String value) {
        long n = read(value);
        if (n >= 1) {
            return (int) Math.min(n, Integer.MAX_VALUE);
        }
        return n == UNREADABLE && withoutWhitespace(value).isEmpty() ? 0 : Integer.MAX_VALUE;
    }

    /**
     * The integer an application could read from the value (saturated at the bounds of
     * {@code long}), or {@link #UNREADABLE}.
     */
    public static long read(String value) {
        String v = withoutWhitespace(value);
        int n = v.length();
        int i = 0;
        boolean negative = false;
        if (i < n && (v.charAt(i) == '+' || v.charAt(i) == '-')) {
            negative = v.charAt(i) == '-';
            i++;
        }
        int radix = 10;
        if (i + 1 < n && v.charAt(i) == '0' && (v.charAt(i + 1) == 'x' || v.charAt(i + 1) == 'X')) {
            radix = 16;
            i += 2;
        } else if (i < n && v.charAt(i) == '#') {
            radix = 16;
            i++;
        }
        if (i == n) {
            return UNREADABLE;
        }
        long magnitude = 0;
        for (; i < n; i++) {
            int d = Character.digit(v.charAt(i), radix);
            if (d < 0) {
                return UNREADABLE;
            }
            magnitude = magnitude > (Long.MAX_VALUE - d) / radix ? Long.MAX_VALUE : magnitude * radix + d;
        }
        return negative ? -magnitude : magnitude;
    }

    private static String withoutWhitespace(String value) {
        int i = 0;
        while (i < value.length() && !isSpace(value.charAt(i))) {
            i++;
        }
        if (i == value.length()) {
            return value;
        }
        StringBuilder b = new StringBuilder(value.length());
        for (int j = 0; j < value.length(); j++) {
            char c = value.charAt(j);
            if (!isSpace(c)) {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** Whitespace as Spring's {@code trimAllWhitespace} ({@link Character#isWhitespace}) and {@link String#trim} see it. */
    private static boolean isSpace(char c) {
        return c <= ' ' || Character.isWhitespace(c);
    }
}
