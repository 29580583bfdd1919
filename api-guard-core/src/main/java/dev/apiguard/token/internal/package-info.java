/**
 * Implementation of {@code dev.apiguard.token}: not API, may change in any release.
 */
@NullMarked
package dev.apiguard.token.internal;

import org.jspecify.annotations.NullMarked;
