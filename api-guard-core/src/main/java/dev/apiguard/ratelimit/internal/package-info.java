/** The private implementation of {@code dev.apiguard.ratelimit}: not API, may change at any time. */
package dev.apiguard.ratelimit.internal;
