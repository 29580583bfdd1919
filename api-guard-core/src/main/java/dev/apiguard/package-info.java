/**
 * The guard itself: {@link dev.apiguard.ApiGuard} runs its {@link dev.apiguard.GuardStep}s on a
 * {@link dev.apiguard.GuardRequest} and answers with a {@link dev.apiguard.Decision}; the callers,
 * problems, challenges and the stores (replay cache, quarantine) the capabilities share.
 */
@NullMarked
package dev.apiguard;

import org.jspecify.annotations.NullMarked;
