package dev.apiguard.internal;

import dev.apiguard.Problem;

/** The problems of the library's own refusals, each typed under {@link Problem#TYPE_BASE}. */
public final class Problems {

    private Problems() {}

    /** A problem whose type is {@link Problem#TYPE_BASE} followed by {@code code}. */
    public static Problem of(String code, String title, int status, String detail) {
        return new Problem(Problem.TYPE_BASE + code, title, status, detail);
    }
}
