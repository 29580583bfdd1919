/** The private implementation of {@code dev.apiguard.redis}: not API, may change at any time. */
package dev.apiguard.redis.internal;
