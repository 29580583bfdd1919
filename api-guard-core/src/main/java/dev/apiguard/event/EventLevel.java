package dev.apiguard.event;

/**
 * How loud an event is: the level the logging listener writes it at
 * ({@link Slf4jSecurityEventListener}), and a hint for any other sink.
 */
public enum EventLevel {
    /** Routine success (an allowed request, an accepted token): logged only when DEBUG is on. */
    DEBUG,
    /** A refusal or a notice: the normal level of a security event. */
    INFO,
    /** Something an operator must hear of: a fault, a leaked credential. */
    WARN,
    /** A failure that needs action at once; no built-in event uses it. */
    ERROR
}
