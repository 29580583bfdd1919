package dev.apiguard.spring.boot.autoconfigure;

import dev.apiguard.ApiGuard;

/**
 * Changes the guard the auto-configuration builds, in code: a bean of this type is called with the
 * {@link ApiGuard.Builder} once the configured steps are on it, so it can add steps (of a later
 * phase, or of {@link dev.apiguard.GuardPhase#ANY}), set the clock or the event listener. Several
 * customizers run in their {@link org.springframework.core.annotation.Order @Order}. A host that
 * defines its own {@link ApiGuard} bean replaces the built guard and no customizer runs.
 */
@FunctionalInterface
public interface ApiGuardCustomizer {

    /** Changes the builder of the guard. */
    void customize(ApiGuard.Builder builder);
}
