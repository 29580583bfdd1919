package dev.apiguard.anomaly;

/**
 * How many points one unit of a signal adds to a caller's score, in the levels of the OWASP Core
 * Rule Set's anomaly scoring: critical 5, error 4, warning 3, notice 2.
 */
public enum Severity {
    /** 5 points. */
    CRITICAL(5),
    /** 4 points. */
    ERROR(4),
    /** 3 points. */
    WARNING(3),
    /** 2 points. */
    NOTICE(2);

    private final int points;

    Severity(int points) {
        this.points = points;
    }

    /** The points of one unit of a signal at this severity. */
    public int points() {
        return points;
    }
}
