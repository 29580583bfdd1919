/**
 * Implementation of {@code dev.apiguard.binding}: not API, may change in any release.
 */
@NullMarked
package dev.apiguard.binding.internal;

import org.jspecify.annotations.NullMarked;
