package dev.apiguard.docs.boot;

/** Hands the docs' package-private configuration to the tests that run it. */
public final class StarterCustomizerAccess {

    private StarterCustomizerAccess() {}

    /** The configuration class of docs/spring-boot.md's customizers. */
    public static Class<?> configuration() {
        return GuardCustomization.class;
    }

    /** The configuration class of docs/spring-boot.md's code-configured guard. */
    public static Class<?> codeConfigured() {
        return GuardPolicies.class;
    }
}
