package dev.apiguard.internal;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * The one place configuration arguments are checked, so that every setting fails alike: at build
 * time, with an {@link IllegalArgumentException} (or a {@link NullPointerException} for a missing
 * value) whose message names the setting, the rule and the value given, for example
 * {@code maximumSize must be at least 1: 0}. Each method returns the value it checked.
 */
public final class Check {

    private Check() {}

    /** The value, which must not be null. */
    public static <T> T notNull(String name, T value) {
        return Objects.requireNonNull(value, () -> name + " cannot be null");
    }

    /** The value, which must be at least {@code min}. */
    public static long atLeast(String name, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(name + " must be at least " + format(min) + ": " + format(value));
        }
        return value;
    }

    /** The value, which must be at least {@code min}. */
    public static int atLeast(String name, int value, int min) {
        return (int) atLeast(name, (long) value, (long) min);
    }

    /** The value, which must be between {@code min} and {@code max}, both included. */
    public static long between(String name, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(
                    name + " must be between " + format(min) + " and " + format(max) + ": " + format(value));
        }
        return value;
    }

    /** The value, which must be between {@code min} and {@code max}, both included. */
    public static int between(String name, int value, int min, int max) {
        return (int) between(name, (long) value, (long) min, (long) max);
    }

    /** The value, a number between {@code min} and {@code max} (both included), never NaN. */
    public static double between(String name, double value, double min, double max) {
        if (!(value >= min && value <= max)) {
            throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ": " + value);
        }
        return value;
    }

    /** The duration, which must be present and longer than zero. */
    public static Duration positive(String name, Duration value) {
        notNull(name, value);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive: " + value);
        }
        return value;
    }

    /** The duration, which must be present and not negative (zero allowed: off). */
    public static Duration notNegative(String name, Duration value) {
        notNull(name, value);
        if (value.isNegative()) {
            throw new IllegalArgumentException(name + " cannot be negative: " + value);
        }
        return value;
    }

    /** The duration, which must be present and between {@code min} and {@code max}, both included. */
    public static Duration between(String name, Duration value, Duration min, Duration max) {
        notNull(name, value);
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ": " + value);
        }
        return value;
    }

    /** The text, which must be present and not blank. */
    public static String notBlank(String name, String value) {
        notNull(name, value);
        if (value.isBlank()) {
            throw new IllegalArgumentException(name + " cannot be blank");
        }
        return value;
    }

    private static String format(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }
}
