/**
 * Implementation of {@code dev.apiguard.token}: not API, may change in any release.
 */
package dev.apiguard.token.internal;
