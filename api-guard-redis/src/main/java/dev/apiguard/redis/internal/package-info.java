/** The private implementation of {@code dev.apiguard.redis}: not API, may change at any time. */
@NullMarked
package dev.apiguard.redis.internal;

import org.jspecify.annotations.NullMarked;
