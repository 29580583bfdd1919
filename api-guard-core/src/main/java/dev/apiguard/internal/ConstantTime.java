package dev.apiguard.internal;

/**
 * Comparisons whose time does not depend on where two secrets differ. Not API; may change in any
 * release.
 */
public final class ConstantTime {

    private ConstantTime() {}

    /**
     * Whether the two strings hold the same characters, every character compared whatever differs
     * first (as {@link java.security.MessageDigest#isEqual} compares bytes), without encoding
     * either: the strings compared here (thumbprints, hashes) sit on every request's path, and
     * {@code getBytes} would copy both. Only the lengths are compared first, as
     * {@code MessageDigest.isEqual} does; a length is no secret (a thumbprint is 43 characters).
     * Compared as UTF-16 code units, so two strings that differ only in unpaired surrogates are
     * different (their UTF-8 encodings would both hold {@code ?}).
     */
    public static boolean equals(String a, String b) {
        int n = a.length();
        if (n != b.length()) {
            return false;
        }
        int diff = 0;
        for (int i = 0; i < n; i++) {
            diff |= a.charAt(i) ^ b.charAt(i);
        }
        return diff == 0;
    }
}
