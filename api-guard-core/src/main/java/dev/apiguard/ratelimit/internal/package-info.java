/** The private implementation of {@code dev.apiguard.ratelimit}: not API, may change at any time. */
@NullMarked
package dev.apiguard.ratelimit.internal;

import org.jspecify.annotations.NullMarked;
