/**
 * Implementation of {@code dev.apiguard.binding}: not API, may change in any release.
 */
package dev.apiguard.binding.internal;
