package dev.apiguard.spring.boot.autoconfigure;

import java.util.Objects;

/**
 * A guard that cannot be built from the {@code apiguard.*} properties: names the property at
 * fault. {@link ApiGuardFailureAnalyzer} turns it into Spring Boot's start-up report.
 */
public class ApiGuardConfigurationException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String property;

    /** A configuration error of {@code property}, described by {@code message}. */
    public ApiGuardConfigurationException(String property, String message) {
        this(property, message, null);
    }

    /** A configuration error of {@code property}, described by {@code message}, raised as {@code cause}. */
    public ApiGuardConfigurationException(String property, String message, Throwable cause) {
        super(property + ": " + message, cause);
        this.property = Objects.requireNonNull(property, "property cannot be null");
    }

    /** The property at fault, e.g. {@code apiguard.tokens.audience}. */
    public String property() {
        return property;
    }

    /** What is wrong with it, without the property's name. */
    public String reason() {
        String message = getMessage();
        return message.substring(property.length() + 2);
    }
}
