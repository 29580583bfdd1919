package dev.apiguard.test.internal;

/**
 * Finds a secret, or a long enough part of it, echoed in a response. Not part of the public API;
 * may change without notice. Stateless and thread-safe.
 */
public final class Echo {

    private Echo() {}

    /**
     * Throws {@link AssertionError} when {@code where} holds the secret or any part of it of
     * {@code window} characters (the whole secret when it is shorter); the message names the
     * label and the position in the secret, never the secret.
     */
    public static void check(String secret, String where, String label, int window) {
        // any echoed part of at least `window` characters contains one window of exactly that length
        int w = Math.min(window, secret.length());
        for (int i = 0; i + w <= secret.length(); i++) {
            if (where.contains(secret.substring(i, i + w))) {
                throw new AssertionError(
                        "the " + label + " echoes the secret (characters " + i + ".." + (i + w) + " of it)");
            }
        }
    }
}
