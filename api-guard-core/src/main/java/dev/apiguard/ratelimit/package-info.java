/**
 * Per-caller and anonymous rate limits: plans, the policy that picks one, the guard steps that apply
 * them and the {@link dev.apiguard.ratelimit.BucketStore} that keeps the buckets.
 */
@NullMarked
package dev.apiguard.ratelimit;

import org.jspecify.annotations.NullMarked;
